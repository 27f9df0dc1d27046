package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/breachdesk/breachdesk"
)

// Ensure the service implements the interface.
var _ breachdesk.IncidentEventService = (*IncidentEventService)(nil)

// IncidentEventService keeps incident timelines in SQLite.
type IncidentEventService struct {
	db *DB
}

// NewIncidentEventService returns a service backed by db.
func NewIncidentEventService(db *DB) *IncidentEventService {
	return &IncidentEventService{db: db}
}

// CreateIncidentEvent appends a person's event to an incident's timeline.
func (s *IncidentEventService) CreateIncidentEvent(ctx context.Context, e *breachdesk.IncidentEvent) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := createUserEvent(ctx, tx, e); err != nil {
		return fmt.Errorf("create incident event: %w", err)
	}
	return tx.Commit()
}

// FindIncidentEvents returns an incident's timeline in order.
func (s *IncidentEventService) FindIncidentEvents(ctx context.Context, filter breachdesk.IncidentEventFilter) ([]*breachdesk.IncidentEvent, int, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
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
	result, err := tx.ExecContext(ctx, `
		INSERT INTO incident_events (incident_id, kind, at, note, field, before_value, after_value, actor, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.IncidentID, e.Kind, formatTime(e.At), e.Note, e.Field, e.Before, e.After, e.Actor, formatTime(e.RecordedAt))
	if err != nil {
		return FormatError(err)
	}
	e.ID, err = result.LastInsertId()
	return err
}

func findIncidentEvents(ctx context.Context, tx *Tx, filter breachdesk.IncidentEventFilter) ([]*breachdesk.IncidentEvent, int, error) {
	where, args := "incident_id = ?", []any{filter.IncidentID}
	if filter.Kind != nil {
		where, args = where+" AND kind = ?", append(args, *filter.Kind)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM incident_events WHERE `+where, args...).Scan(&n); err != nil {
		return nil, 0, FormatError(err)
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT id, incident_id, kind, at, note, field, before_value, after_value, actor, recorded_at
		FROM incident_events WHERE `+where+` ORDER BY at, id `+limitOffset(filter.Limit, filter.Offset), args...)
	if err != nil {
		return nil, 0, FormatError(err)
	}
	defer rows.Close()
	var events []*breachdesk.IncidentEvent
	for rows.Next() {
		var e breachdesk.IncidentEvent
		if err := rows.Scan(&e.ID, &e.IncidentID, &e.Kind, requiredTime{&e.At}, &e.Note, &e.Field, &e.Before, &e.After,
			&e.Actor, requiredTime{&e.RecordedAt}); err != nil {
			return nil, 0, err
		}
		events = append(events, &e)
	}
	return events, n, rows.Err()
}
