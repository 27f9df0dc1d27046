// Package sqlite stores breachdesk's data in an embedded SQLite database,
// the default backend: one file beside the binary, nothing to install.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/internal/migrate"
	"github.com/mattn/go-sqlite3"
)

//go:embed migration/*.sql
var migrationFS embed.FS

// DB is an open SQLite database. Writes go through a single connection in
// IMMEDIATE transactions, so writers queue instead of failing with
// SQLITE_BUSY; reads use a pool of their own and, thanks to WAL, never wait
// for a writer.
type DB struct {
	write *sql.DB
	read  *sql.DB
	// hot serves the look-ups of the public pages.
	hot *hotReaders

	// Path is the database file.
	Path string

	// Now returns the current time; tests replace it.
	Now func() time.Time

	// commits counts the write transactions this process committed, so
	// that what is cached of the database can tell it may be stale.
	commits atomic.Uint64

	// stmts holds statements prepared once on the writer, by query.
	stmts sync.Map
}

// NewDB returns a DB for the file at path; call Open before use.
func NewDB(path string) *DB {
	return &DB{Path: path, Now: time.Now}
}

// Open opens the database, creating the file if needed, and applies the
// migrations this binary embeds. It refuses a database whose schema is newer
// than this binary.
func (db *DB) Open() (err error) {
	if db.Path == "" {
		return errors.New("sqlite: a database path is required")
	}
	if err := createPrivate(db.Path); err != nil {
		return err
	}
	if db.write, err = sql.Open("sqlite3", dsn(db.Path, "immediate")); err != nil {
		return err
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetConnMaxIdleTime(0)
	if db.read, err = sql.Open("sqlite3", dsn(db.Path, "deferred")); err != nil {
		return err
	}
	// Each reader keeps a cache of its own, which a lookup among millions
	// of rows fills one page read at a time: a few readers per core, each
	// kept open, warm up and stay warm, where more would each read the
	// same pages again. Measured with wrk on bench/portal.sh's 1,000,000
	// notices: 4 readers answer a third more verifications than 8 on 2
	// cores, with a lower p99.
	readers := max(4, 2*runtime.NumCPU())
	db.read.SetMaxOpenConns(readers)
	db.read.SetMaxIdleConns(readers)
	db.hot = newHotReaders(dsn(db.Path, "deferred"), readers)
	if err := db.write.Ping(); err != nil {
		db.Close()
		return fmt.Errorf("open %s: %w", db.Path, err)
	}
	if err := db.migrate(context.Background()); err != nil {
		db.Close()
		return fmt.Errorf("migrate %s: %w", db.Path, err)
	}
	if err := db.prepareCached(context.Background()); err != nil {
		db.Close()
		return err
	}
	return nil
}

// createPrivate creates a missing database file readable by its owner only:
// it will hold incident records and encrypted personal data. SQLite gives
// its -wal and -shm files the same permissions.
func createPrivate(path string) error {
	if strings.HasPrefix(path, "file:") {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return f.Close()
}

// dsn adds the connection settings every connection needs: WAL so readers
// and the writer do not block each other, foreign keys enforced, a busy
// timeout so a second process waits instead of failing, and synchronous
// NORMAL, which in WAL mode loses no committed transaction on a process
// crash.
func dsn(path, txlock string) string {
	if !strings.HasPrefix(path, "file:") {
		path = "file:" + (&url.URL{Path: path}).EscapedPath()
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "_journal_mode=WAL&_foreign_keys=on&_busy_timeout=10000&_synchronous=NORMAL&_cache_size=-65536&_txlock=" + txlock
}

// Close closes the database.
func (db *DB) Close() error {
	var errs []error
	db.stmts.Range(func(_, v any) bool {
		errs = append(errs, v.(*sql.Stmt).Close())
		return true
	})
	if db.hot != nil {
		errs = append(errs, db.hot.close())
	}
	for _, pool := range []*sql.DB{db.read, db.write} {
		if pool != nil {
			errs = append(errs, pool.Close())
		}
	}
	return errors.Join(errs...)
}

// Version returns the schema version the database is at.
func (db *DB) Version(ctx context.Context) (int, error) {
	var v int
	err := db.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return err
	}
	migrations, err := migrate.Files(migrationFS, "migration")
	if err != nil {
		return err
	}
	for _, m := range migrations {
		if err := db.migrateOne(ctx, m); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	var applied int
	if err := db.write.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
		return err
	}
	return migrate.CheckNotNewer(applied, migrations)
}

// migrateOne applies m in its own transaction unless it is recorded already.
func (db *DB) migrateOne(ctx context.Context, m migrate.Migration) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, formatTime(db.Now())); err != nil {
		return err
	}
	return tx.Commit()
}

// Tx is a transaction that captured the time once, so that every row it
// writes carries the same timestamp.
type Tx struct {
	*sql.Tx
	db  *DB
	now time.Time
	// actor is who makes the changes; write transactions always have one.
	actor string
}

// BeginTx starts a transaction: a read-only one on the read pool when
// opts.ReadOnly is set, a write transaction otherwise, which needs the
// actor from ctx for the timeline and the audit log.
func (db *DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	pool, actor := db.write, ""
	if opts != nil && opts.ReadOnly {
		pool = db.read
	} else {
		a, err := breachdesk.ActorFromContext(ctx)
		if err != nil {
			return nil, err
		}
		actor = a.String()
	}
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return nil, FormatError(err)
	}
	return &Tx{Tx: tx, db: db, now: db.Now().UTC().Truncate(time.Microsecond), actor: actor}, nil
}

// Commit commits the transaction, and counts it when it wrote.
func (tx *Tx) Commit() error {
	if err := tx.Tx.Commit(); err != nil {
		return err
	}
	if tx.actor != "" {
		tx.db.commits.Add(1)
	}
	return nil
}

// cachedStmt returns query as a statement of tx, prepared once for the
// life of the database when it is one of the statements that run in many
// small transactions (recording notice outcomes), where preparing them
// anew each time would cost more than running them. Others are prepared
// for tx alone.
func (tx *Tx) cachedStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if v, ok := tx.db.stmts.Load(query); ok {
		return tx.StmtContext(ctx, v.(*sql.Stmt)), nil
	}
	return tx.PrepareContext(ctx, query)
}

// prepareCached prepares the statements cachedStmt keeps. It runs at Open,
// before any transaction: the writer has one connection, which a
// transaction holds until it ends.
func (db *DB) prepareCached(ctx context.Context) error {
	for _, query := range outcomeSQL {
		stmt, err := db.write.PrepareContext(ctx, query)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		db.stmts.Store(query, stmt)
	}
	return nil
}

// FormatError turns driver errors that people can act on into application
// errors; others pass through and are reported as internal.
func FormatError(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.ExtendedCode {
		case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
			return breachdesk.Errorf(breachdesk.EConflict, "already exists")
		}
		if se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked {
			return fmt.Errorf("the database is busy (another breachdesk process holds it): %w", err)
		}
	}
	return err
}

// timeLayout keeps text order equal to time order.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}

// nullTime maps an unknown time to NULL.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}

// timeColumn scans a nullable time column.
type timeColumn struct{ dst **time.Time }

func (c timeColumn) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.dst = nil
		return nil
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return err
		}
		*c.dst = &t
		return nil
	case []byte:
		return c.Scan(string(v))
	}
	return fmt.Errorf("time column: unexpected %T", src)
}

// requiredTime scans a NOT NULL time column.
type requiredTime struct{ dst *time.Time }

func (c requiredTime) Scan(src any) error {
	var p *time.Time
	if err := (timeColumn{&p}).Scan(src); err != nil {
		return err
	}
	if p == nil {
		return errors.New("time column: unexpected NULL")
	}
	*c.dst = *p
	return nil
}
