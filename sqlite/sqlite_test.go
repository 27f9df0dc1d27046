package sqlite_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk/internal/storetest"
	"github.com/breachdesk/breachdesk/sqlite"
)

var dump = flag.Bool("dump", false, "keep the test databases and print their paths")

// MustOpenDB opens a fresh database file in a temporary directory and
// closes it when the test ends.
func MustOpenDB(tb testing.TB, now func() time.Time) *sqlite.DB {
	tb.Helper()
	dir := tb.TempDir()
	if *dump {
		var err error
		if dir, err = os.MkdirTemp("", "breachdesk-test-"); err != nil {
			tb.Fatal(err)
		}
		tb.Logf("database kept at %s", dir)
	}
	db := sqlite.NewDB(filepath.Join(dir, "breachdesk.db"))
	db.Now = now
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func TestConformance(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T, now func() time.Time) storetest.Store {
		db := MustOpenDB(t, now)
		return storetest.Store{
			Organizations: sqlite.NewOrganizationService(db),
			Incidents:     sqlite.NewIncidentService(db),
		}
	})
}
