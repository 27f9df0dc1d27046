package sqlite_test

import (
	"database/sql"
	"flag"
	"os"
	"path/filepath"
	"strings"
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
			Events:        sqlite.NewIncidentEventService(db),
			Audit:         sqlite.NewAuditService(db),
			Tokens:        sqlite.NewAPITokenService(db),
			People:        sqlite.NewAffectedPersonService(db),
			DataKeys:      sqlite.NewDataKeyService(db),

			RegulatorReports: sqlite.NewRegulatorReportService(db),
			Campaigns:        sqlite.NewCampaignService(db),
			Verifications:    sqlite.NewVerificationService(db),
			IncidentPages:    sqlite.NewIncidentPageService(db),
			Inquiries:        sqlite.NewInquiryService(db),
			Staff:            sqlite.NewStaffService(db),
			TalkingPoints:    sqlite.NewTalkingPointsService(db),
			Assessments:      sqlite.NewAssessmentService(db),
			InquiryReplies:   sqlite.NewInquiryService(db),
			Exec: func(t *testing.T, query string) error {
				raw, err := sql.Open("sqlite3", db.Path)
				if err != nil {
					t.Fatal(err)
				}
				defer raw.Close()
				_, err = raw.Exec(query)
				return err
			},
			TamperAuditEntry: func(t *testing.T, id int64) {
				raw, err := sql.Open("sqlite3", db.Path)
				if err != nil {
					t.Fatal(err)
				}
				defer raw.Close()
				for _, q := range []string{
					`DROP TRIGGER audit_log_no_update`,
					`UPDATE audit_log SET actor = 'cli:mallory' WHERE id = ?`,
				} {
					if _, err := raw.Exec(q, id); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
			},
		}
	})
}

func TestOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bd.db")
	open := func() (*sqlite.DB, error) {
		db := sqlite.NewDB(path)
		return db, db.Open()
	}
	t.Run("ReopenKeepsVersion", func(t *testing.T) {
		for range 2 {
			db, err := open()
			if err != nil {
				t.Fatal(err)
			}
			if v, err := db.Version(t.Context()); err != nil || v < 1 {
				t.Fatalf("Version() = %d, %v; want at least 1", v, err)
			}
			db.Close()
		}
	})
	t.Run("ErrNewerSchema", func(t *testing.T) {
		raw, err := sql.Open("sqlite3", path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', '2030-01-01T00:00:00Z')`); err != nil {
			t.Fatal(err)
		}
		raw.Close()
		db, err := open()
		if err == nil {
			db.Close()
			t.Fatal("Open() of a database from a newer breachdesk succeeded")
		}
		if !strings.Contains(err.Error(), "upgrade breachdesk") {
			t.Fatalf("Open() error = %v, want advice to upgrade", err)
		}
	})
	t.Run("ErrNotADatabase", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "notes.txt")
		os.WriteFile(bad, []byte(strings.Repeat("not a database\n", 100)), 0o600)
		db := sqlite.NewDB(bad)
		if err := db.Open(); err == nil {
			db.Close()
			t.Fatal("Open() of a text file succeeded")
		}
	})
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	db := MustOpenDB(t, time.Now)
	info, err := os.Stat(db.Path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Fatalf("database file mode = %o, want 600: it holds personal data", perm)
	}
}
