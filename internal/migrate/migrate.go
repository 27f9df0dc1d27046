// Package migrate lists the numbered SQL migrations a store embeds and
// checks a database's recorded versions against them. Each store applies
// the files itself, in its own dialect and transactions.
package migrate

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
)

// Migration is one numbered SQL file, such as 0001_init.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var fileName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

// Files returns the migrations in dir of fsys, ordered by version. A file
// whose name does not follow NNNN_words.sql, or a version used twice, is an
// error: it is a mistake in the build, not in a user's database.
func Files(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var migrations []Migration
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_words.sql", e.Name())
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		version, _ := strconv.Atoi(m[1])
		migrations = append(migrations, Migration{Version: version, Name: e.Name(), SQL: string(data)})
	}
	slices.SortFunc(migrations, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(migrations); i++ {
		if migrations[i].Version == migrations[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share a version", migrations[i-1].Name, migrations[i].Name)
		}
	}
	return migrations, nil
}

// Latest returns the highest version in migrations, or 0.
func Latest(migrations []Migration) int {
	if len(migrations) == 0 {
		return 0
	}
	return migrations[len(migrations)-1].Version
}

// CheckNotNewer returns an error when the database records a version this
// binary does not know: it was migrated by a newer breachdesk, and running
// an older one against it could corrupt data.
func CheckNotNewer(applied int, migrations []Migration) error {
	if latest := Latest(migrations); applied > latest {
		return fmt.Errorf("the database schema is at version %d but this breachdesk knows versions up to %d: upgrade breachdesk before using this database", applied, latest)
	}
	return nil
}
