package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"

	"github.com/mattn/go-sqlite3"
)

// hotReaders are read connections used through the driver directly, for
// the one-row look-ups the public pages run at every request. On such a
// look-up database/sql's pool, its per-query bookkeeping and its
// conversions cost about as much as SQLite's own work; here a look-up is
// one statement prepared once per connection, one crossing into C, and
// the values as the driver returns them.
type hotReaders struct {
	dsn string
	// idle holds the connections not in use; open holds one token per
	// connection that may still be opened.
	idle chan *hotReader
	open chan struct{}
}

// hotReader is one connection and the statements prepared on it.
type hotReader struct {
	conn  *sqlite3.SQLiteConn
	stmts map[string]*sqlite3.SQLiteStmt
}

// newHotReaders returns a pool of at most size connections to dsn,
// opened as they are first needed.
func newHotReaders(dsn string, size int) *hotReaders {
	p := &hotReaders{dsn: dsn, idle: make(chan *hotReader, size), open: make(chan struct{}, size)}
	for range size {
		p.open <- struct{}{}
	}
	return p
}

// queryRow runs query with args and puts the columns of its first row in
// dest, which must have one value per column. It returns sql.ErrNoRows
// when there is no row. The query runs in a transaction of its own, and
// is not interrupted: it reads one row.
func (p *hotReaders) queryRow(query string, args []driver.NamedValue, dest []driver.Value) error {
	r, err := p.get()
	if err != nil {
		return err
	}
	err = r.queryRow(query, args, dest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		// The connection may be what failed: open another next time.
		r.close()
		p.open <- struct{}{}
		return err
	}
	p.idle <- r
	return err
}

// get returns an idle connection, opens one if the pool is not full, or
// waits for one to be put back.
func (p *hotReaders) get() (*hotReader, error) {
	select {
	case r := <-p.idle:
		return r, nil
	default:
	}
	select {
	case r := <-p.idle:
		return r, nil
	case <-p.open:
		c, err := (&sqlite3.SQLiteDriver{}).Open(p.dsn)
		if err != nil {
			p.open <- struct{}{}
			return nil, err
		}
		return &hotReader{conn: c.(*sqlite3.SQLiteConn), stmts: map[string]*sqlite3.SQLiteStmt{}}, nil
	}
}

// close closes every connection, waiting for those in use.
func (p *hotReaders) close() error {
	var errs []error
	for range cap(p.open) {
		select {
		case r := <-p.idle:
			errs = append(errs, r.close())
		case <-p.open:
		}
	}
	return errors.Join(errs...)
}

// close closes r's statements, then r.
func (r *hotReader) close() error {
	var errs []error
	for _, stmt := range r.stmts {
		errs = append(errs, stmt.Close())
	}
	return errors.Join(append(errs, r.conn.Close())...)
}

// queryRow runs query on r, preparing it the first time.
func (r *hotReader) queryRow(query string, args []driver.NamedValue, dest []driver.Value) error {
	stmt, ok := r.stmts[query]
	if !ok {
		s, err := r.conn.Prepare(query)
		if err != nil {
			return err
		}
		stmt = s.(*sqlite3.SQLiteStmt)
		r.stmts[query] = stmt
	}
	rows, err := stmt.QueryContext(context.Background(), args)
	if err != nil {
		return err
	}
	err = rows.Next(dest)
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, io.EOF) {
		return sql.ErrNoRows
	}
	return err
}
