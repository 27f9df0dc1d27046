// Package postgres stores breachdesk's data in PostgreSQL, the backend for
// large breaches and for several processes or machines sharing one
// database.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/internal/migrate"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migration/*.sql
var migrationFS embed.FS

// DB is a pool of connections to one PostgreSQL database.
type DB struct {
	pool *pgxpool.Pool

	// DSN is the connection string: a postgres:// URL or key=value pairs.
	// A search_path parameter selects the schema breachdesk uses.
	DSN string

	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// NewDB returns a DB for dsn; call Open before use.
func NewDB(dsn string) *DB {
	return &DB{DSN: dsn, Now: time.Now}
}

// Open connects and applies the migrations this binary embeds. It refuses
// a database whose schema is newer than this binary.
func (db *DB) Open(ctx context.Context) error {
	config, err := pgxpool.ParseConfig(db.DSN)
	if err != nil {
		// pgx quotes the DSN in some parse errors, and a DSN can hold a password.
		return errors.New("postgres: the connection string is malformed")
	}
	if db.pool, err = pgxpool.NewWithConfig(ctx, config); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if err := db.pool.Ping(ctx); err != nil {
		db.pool.Close()
		return fmt.Errorf("postgres: connect to %s: %w", config.ConnConfig.Host, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.pool.Close()
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// Close closes every connection of the pool.
func (db *DB) Close() error {
	if db.pool != nil {
		db.pool.Close()
	}
	return nil
}

// Version returns the schema version the database is at.
func (db *DB) Version(ctx context.Context) (int, error) {
	var v int
	err := db.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

func (db *DB) migrate(ctx context.Context) error {
	migrations, err := migrate.Files(migrationFS, "migration")
	if err != nil {
		return err
	}
	for _, m := range migrations {
		if err := db.migrateOne(ctx, m); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	applied, err := db.Version(ctx)
	if err != nil {
		return err
	}
	return migrate.CheckNotNewer(applied, migrations)
}

// migrateOne applies m in its own transaction unless it is recorded already.
// An advisory lock per schema makes processes that start together take
// turns, so each migration runs once.
func (db *DB) migrateOne(ctx context.Context, m migrate.Migration) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('breachdesk.migrate.' || current_schema()))`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY,
			name text NOT NULL,
			applied_at timestamptz NOT NULL
		)`); err != nil {
			return err
		}
		var done bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.Version).Scan(&done); err != nil || done {
			return err
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, m.Version, m.Name, db.Now())
		return err
	})
}

// Tx is a transaction that captured the time once, so that every row it
// writes carries the same timestamp.
type Tx struct {
	pgx.Tx
	db  *DB
	now time.Time
	// actor is who makes the changes; write transactions always have one.
	actor string
}

// BeginTx starts a transaction. A write transaction needs the actor from
// ctx for the timeline and the audit log.
func (db *DB) BeginTx(ctx context.Context, opts pgx.TxOptions) (*Tx, error) {
	actor := ""
	if opts.AccessMode != pgx.ReadOnly {
		a, err := breachdesk.ActorFromContext(ctx)
		if err != nil {
			return nil, err
		}
		actor = a.String()
	}
	tx, err := db.pool.BeginTx(ctx, opts)
	if err != nil {
		return nil, FormatError(err)
	}
	return &Tx{Tx: tx, db: db, now: db.Now().UTC().Truncate(time.Microsecond), actor: actor}, nil
}

// readOnly is the option for transactions that only read.
var readOnly = pgx.TxOptions{AccessMode: pgx.ReadOnly}

// FormatError turns driver errors that people can act on into application
// errors; others pass through and are reported as internal.
func FormatError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return breachdesk.Errorf(breachdesk.EConflict, "already exists")
		}
	}
	return err
}
