package sqlite

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// TestHotReaders runs look-ups from more goroutines than the pool has
// connections, then a failing one, and checks that every look-up gets its
// own row, that the pool never opens more than its size, and that a
// failure gives its connection back for another to be opened.
func TestHotReaders(t *testing.T) {
	db := NewDB(filepath.Join(t.TempDir(), "hot.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.write.Exec(`CREATE TABLE numbers (n INTEGER PRIMARY KEY, name TEXT NOT NULL);
		WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 100)
		INSERT INTO numbers SELECT n, 'n' || n FROM s`); err != nil {
		t.Fatal(err)
	}
	const query = `SELECT n, name FROM numbers WHERE n = ?`
	p := newHotReaders(dsn(db.Path, "deferred"), 3)

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Go(func() {
			for i := range 50 {
				n := int64(1 + (g*50+i)%100)
				var row [2]driver.Value
				if err := p.queryRow(query, []driver.NamedValue{{Ordinal: 1, Value: n}}, row[:]); err != nil {
					errs <- err
					return
				}
				if row[0] != n || row[1] != fmt.Sprintf("n%d", n) {
					errs <- fmt.Errorf("look-up of %d read %v", n, row)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if opened := cap(p.open) - len(p.open); opened > 3 || len(p.idle) != opened {
		t.Fatalf("%d connections opened, %d idle; want at most 3, all idle", opened, len(p.idle))
	}

	var row [2]driver.Value
	err := p.queryRow(query, []driver.NamedValue{{Ordinal: 1, Value: int64(1000)}}, row[:])
	if !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("missing row: got %v, want sql.ErrNoRows", err)
	}
	if err := p.queryRow(`SELECT n, name FROM no_such_table`, nil, row[:]); err == nil {
		t.Fatal("a query of a missing table succeeded")
	}
	if idle, open := len(p.idle), len(p.open); idle+open != 3 {
		t.Fatalf("after a failure: %d idle and %d to open, want 3 in all", idle, open)
	}
	if err := p.queryRow(query, []driver.NamedValue{{Ordinal: 1, Value: int64(7)}}, row[:]); err != nil || row[1] != "n7" {
		t.Fatalf("after a failure: %v, %v", row, err)
	}
	if err := p.close(); err != nil {
		t.Fatal(err)
	}
}

// TestMemoryStatisticsOff checks that SQLite took the setting, which it
// refuses once initialized.
func TestMemoryStatisticsOff(t *testing.T) {
	if !memstatusOff {
		t.Fatal("SQLite refused to turn off its memory statistics: it was initialized before this package")
	}
}
