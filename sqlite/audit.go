package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/breachdesk/breachdesk"
)

// Ensure the service implements the interface.
var _ breachdesk.AuditService = (*AuditService)(nil)

// AuditService reads and verifies the audit log in SQLite.
type AuditService struct {
	db *DB
}

// NewAuditService returns a service backed by db.
func NewAuditService(db *DB) *AuditService {
	return &AuditService{db: db}
}

// FindAuditEntries returns entries in ID order and the total that match.
func (s *AuditService) FindAuditEntries(ctx context.Context, filter breachdesk.AuditFilter) ([]*breachdesk.AuditEntry, int, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	where, args := []string{"1 = 1"}, []any{}
	if v := filter.Entity; v != nil {
		where, args = append(where, "entity = ?"), append(args, *v)
	}
	if v := filter.EntityID; v != nil {
		where, args = append(where, "entity_id = ?"), append(args, *v)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE `+strings.Join(where, " AND "), args...).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("find audit entries: %w", err)
	}
	var entries []*breachdesk.AuditEntry
	err = scanAuditEntries(ctx, tx, `WHERE `+strings.Join(where, " AND ")+` ORDER BY id `+limitOffset(filter.Limit, filter.Offset), args, func(e *breachdesk.AuditEntry) bool {
		entries = append(entries, e)
		return true
	})
	if err != nil {
		return nil, 0, fmt.Errorf("find audit entries: %w", err)
	}
	return entries, n, nil
}

// VerifyAuditLog streams the whole chain through a checker.
func (s *AuditService) VerifyAuditLog(ctx context.Context) (breachdesk.AuditVerification, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return breachdesk.AuditVerification{}, err
	}
	defer tx.Rollback()
	var checker breachdesk.AuditChecker
	if err := scanAuditEntries(ctx, tx, `ORDER BY id`, nil, checker.Check); err != nil {
		return breachdesk.AuditVerification{}, fmt.Errorf("verify audit log: %w", err)
	}
	return checker.Result(), nil
}

// scanAuditEntries calls fn for each entry the query tail selects, until
// fn returns false.
func scanAuditEntries(ctx context.Context, tx *Tx, tail string, args []any, fn func(*breachdesk.AuditEntry) bool) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT id, at, actor, action, entity, entity_id, before_digest, after_digest, prev_hash, hash
		FROM audit_log `+tail, args...)
	if err != nil {
		return FormatError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e breachdesk.AuditEntry
		if err := rows.Scan(&e.ID, requiredTime{&e.At}, &e.Actor, &e.Action, &e.Entity, &e.EntityID,
			&e.Before, &e.After, &e.PrevHash, &e.Hash); err != nil {
			return err
		}
		if !fn(&e) {
			break
		}
	}
	return rows.Err()
}

// appendAudit adds an entry for a change made in tx, chained to the last
// one. SQLite runs one write transaction at a time, so the last entry
// cannot change under us. before and after are the changed thing as it
// was and became (nil for none); only their digests are kept.
func appendAudit(ctx context.Context, tx *Tx, action, entity string, entityID any, before, after any) error {
	e := breachdesk.NewAuditEntry(tx.now, tx.actor, action, entity, entityID, before, after)
	var prevID int64
	var prevHash string
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&prevID, &prevHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return FormatError(err)
	}
	e.Chain(prevID, prevHash)
	_, err = tx.ExecContext(ctx, `
		INSERT INTO audit_log (id, at, actor, action, entity, entity_id, before_digest, after_digest, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, formatTime(e.At), e.Actor, e.Action, e.Entity, e.EntityID, e.Before, e.After, e.PrevHash, e.Hash)
	return FormatError(err)
}

// RecordAccess appends an entry for an action that changed nothing.
func (s *AuditService) RecordAccess(ctx context.Context, action, entity, entityID string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := appendAudit(ctx, tx, action, entity, entityID, nil, nil); err != nil {
		return fmt.Errorf("record access: %w", err)
	}
	return tx.Commit()
}
