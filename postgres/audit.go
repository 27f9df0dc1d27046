package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/breachdesk/breachdesk"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ breachdesk.AuditService = (*AuditService)(nil)

// AuditService reads and verifies the audit log in PostgreSQL.
type AuditService struct {
	db *DB
}

// NewAuditService returns a service backed by db.
func NewAuditService(db *DB) *AuditService {
	return &AuditService{db: db}
}

// FindAuditEntries returns entries in ID order and the total that match.
func (s *AuditService) FindAuditEntries(ctx context.Context, filter breachdesk.AuditFilter) ([]*breachdesk.AuditEntry, int, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback(ctx)
	where, args := []string{"TRUE"}, []any{}
	if v := filter.Entity; v != nil {
		args = append(args, *v)
		where = append(where, fmt.Sprintf("entity = $%d", len(args)))
	}
	if v := filter.EntityID; v != nil {
		args = append(args, *v)
		where = append(where, fmt.Sprintf("entity_id = $%d", len(args)))
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE `+strings.Join(where, " AND "), args...).Scan(&n); err != nil {
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
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return breachdesk.AuditVerification{}, err
	}
	defer tx.Rollback(ctx)
	var checker breachdesk.AuditChecker
	if err := scanAuditEntries(ctx, tx, `ORDER BY id`, nil, checker.Check); err != nil {
		return breachdesk.AuditVerification{}, fmt.Errorf("verify audit log: %w", err)
	}
	return checker.Result(), nil
}

// scanAuditEntries calls fn for each entry the query tail selects, until
// fn returns false.
func scanAuditEntries(ctx context.Context, tx *Tx, tail string, args []any, fn func(*breachdesk.AuditEntry) bool) error {
	rows, err := tx.Query(ctx, `
		SELECT id, at, actor, action, entity, entity_id, before_digest, after_digest, prev_hash, hash
		FROM audit_log `+tail, args...)
	if err != nil {
		return FormatError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e breachdesk.AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Entity, &e.EntityID,
			&e.Before, &e.After, &e.PrevHash, &e.Hash); err != nil {
			return err
		}
		e.At = e.At.UTC()
		if !fn(&e) {
			break
		}
	}
	return rows.Err()
}

// appendAudit adds an entry for a change made in tx, chained to the last
// one. An advisory lock held to the end of the transaction makes writers
// from every process append one at a time, so the chain never forks.
func appendAudit(ctx context.Context, tx *Tx, action, entity string, entityID any, before, after any) error {
	e := breachdesk.NewAuditEntry(tx.now, tx.actor, action, entity, entityID, before, after)
	var prevID int64
	var prevHash string
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('breachdesk.audit.' || current_schema()))`); err != nil {
		return FormatError(err)
	}
	err := tx.QueryRow(ctx, `SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&prevID, &prevHash)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return FormatError(err)
	}
	e.Chain(prevID, prevHash)
	_, err = tx.Exec(ctx, `
		INSERT INTO audit_log (id, at, actor, action, entity, entity_id, before_digest, after_digest, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.ID, e.At, e.Actor, e.Action, e.Entity, e.EntityID, e.Before, e.After, e.PrevHash, e.Hash)
	return FormatError(err)
}

// RecordAccess appends an entry for an action that changed nothing.
func (s *AuditService) RecordAccess(ctx context.Context, action, entity, entityID string) error {
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := appendAudit(ctx, tx, action, entity, entityID, nil, nil); err != nil {
		return fmt.Errorf("record access: %w", err)
	}
	return tx.Commit(ctx)
}
