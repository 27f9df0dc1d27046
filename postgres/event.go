package postgres

import (
	"context"
	"fmt"

	"github.com/breachdesk/breachdesk"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ breachdesk.IncidentEventService = (*IncidentEventService)(nil)

// IncidentEventService keeps incident timelines in PostgreSQL.
type IncidentEventService struct {
	db *DB
}

// NewIncidentEventService returns a service backed by db.
func NewIncidentEventService(db *DB) *IncidentEventService {
	return &IncidentEventService{db: db}
}

// CreateIncidentEvent appends a person's event to an incident's timeline.
func (s *IncidentEventService) CreateIncidentEvent(ctx context.Context, e *breachdesk.IncidentEvent) error {
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := createUserEvent(ctx, tx, e); err != nil {
		return fmt.Errorf("create incident event: %w", err)
	}
	return tx.Commit(ctx)
}

// FindIncidentEvents returns an incident's timeline in order.
func (s *IncidentEventService) FindIncidentEvents(ctx context.Context, filter breachdesk.IncidentEventFilter) ([]*breachdesk.IncidentEvent, int, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := findIncidentByID(ctx, tx, filter.IncidentID); err != nil {
		return nil, 0, fmt.Errorf("find incident events: %w", err)
	}
	events, n, err := findIncidentEvents(ctx, tx, filter)
	if err != nil {
		return nil, 0, fmt.Errorf("find incident events: %w", err)
	}
	return events, n, nil
}

func createUserEvent(ctx context.Context, tx *Tx, e *breachdesk.IncidentEvent) error {
	e.Normalize(tx.now)
	if err := e.Validate(); err != nil {
		return err
	}
	if _, err := findIncidentByID(ctx, tx, e.IncidentID); err != nil {
		return err
	}
	if err := insertEvent(ctx, tx, e); err != nil {
		return err
	}
	return appendAudit(ctx, tx, breachdesk.AuditEventCreate, "incident", e.IncidentID, nil, e)
}

// insertEvent writes an event, setting its actor and recording time.
func insertEvent(ctx context.Context, tx *Tx, e *breachdesk.IncidentEvent) error {
	if e.At.IsZero() {
		e.At = tx.now
	}
	e.Actor, e.RecordedAt = tx.actor, tx.now
	err := tx.QueryRow(ctx, `
		INSERT INTO incident_events (incident_id, kind, at, note, field, before_value, after_value, actor, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		e.IncidentID, e.Kind, e.At, e.Note, e.Field, e.Before, e.After, e.Actor, e.RecordedAt).Scan(&e.ID)
	return FormatError(err)
}

func findIncidentEvents(ctx context.Context, tx *Tx, filter breachdesk.IncidentEventFilter) ([]*breachdesk.IncidentEvent, int, error) {
	where, args := "incident_id = $1", []any{filter.IncidentID}
	if filter.Kind != nil {
		where, args = where+" AND kind = $2", append(args, *filter.Kind)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM incident_events WHERE `+where, args...).Scan(&n); err != nil {
		return nil, 0, FormatError(err)
	}
	rows, err := tx.Query(ctx, `
		SELECT id, incident_id, kind, at, note, field, before_value, after_value, actor, recorded_at
		FROM incident_events WHERE `+where+` ORDER BY at, id `+limitOffset(filter.Limit, filter.Offset), args...)
	if err != nil {
		return nil, 0, FormatError(err)
	}
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*breachdesk.IncidentEvent, error) {
		var e breachdesk.IncidentEvent
		err := row.Scan(&e.ID, &e.IncidentID, &e.Kind, &e.At, &e.Note, &e.Field, &e.Before, &e.After, &e.Actor, &e.RecordedAt)
		e.At, e.RecordedAt = e.At.UTC(), e.RecordedAt.UTC()
		return &e, err
	})
	return events, n, err
}
