package migrate_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/breachdesk/breachdesk/internal/migrate"
)

func TestFiles(t *testing.T) {
	t.Run("OKOrdered", func(t *testing.T) {
		fsys := fstest.MapFS{
			"m/0002_second.sql": {Data: []byte("B")},
			"m/0010_tenth.sql":  {Data: []byte("C")},
			"m/0001_init.sql":   {Data: []byte("A")},
		}
		got, err := migrate.Files(fsys, "m")
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, m := range got {
			order = append(order, m.SQL)
		}
		if strings.Join(order, "") != "ABC" || migrate.Latest(got) != 10 {
			t.Fatalf("Files() order = %v, latest %d; want A B C, 10", order, migrate.Latest(got))
		}
	})
	for name, fsys := range map[string]fstest.MapFS{
		"ErrBadName":          {"m/init.sql": {}},
		"ErrDuplicateVersion": {"m/0001_a.sql": {}, "m/0001_b.sql": {}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := migrate.Files(fsys, "m"); err == nil {
				t.Fatal("Files() = nil error")
			}
		})
	}
}

func TestCheckNotNewer(t *testing.T) {
	known := []migrate.Migration{{Version: 1}, {Version: 2}}
	if err := migrate.CheckNotNewer(2, known); err != nil {
		t.Fatalf("CheckNotNewer(2) = %v", err)
	}
	if err := migrate.CheckNotNewer(3, known); err == nil {
		t.Fatal("CheckNotNewer(3) with versions up to 2 = nil, want an error")
	}
}
