package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/breachdesk/breachdesk"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ breachdesk.TalkingPointsService = (*TalkingPointsService)(nil)

// TalkingPointsService stores the talking points of incidents in
// PostgreSQL.
type TalkingPointsService struct {
	db *DB
}

// NewTalkingPointsService returns a service backed by db.
func NewTalkingPointsService(db *DB) *TalkingPointsService {
	return &TalkingPointsService{db: db}
}

// FindTalkingPoints returns the talking points of an incident.
func (s *TalkingPointsService) FindTalkingPoints(ctx context.Context, incidentID int64) (*breachdesk.TalkingPoints, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	tp, err := findTalkingPoints(ctx, tx, incidentID)
	if err != nil {
		return nil, fmt.Errorf("find talking points: %w", err)
	}
	return tp, nil
}

// SetTalkingPoints replaces the talking points of tp.IncidentID and audits
// the change.
func (s *TalkingPointsService) SetTalkingPoints(ctx context.Context, tp *breachdesk.TalkingPoints) error {
	tp.Normalize()
	if err := tp.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := setTalkingPoints(ctx, tx, tp); err != nil {
		return fmt.Errorf("set talking points of incident %d: %w", tp.IncidentID, err)
	}
	return tx.Commit(ctx)
}

func setTalkingPoints(ctx context.Context, tx *Tx, tp *breachdesk.TalkingPoints) error {
	// The incident's row lock makes two concurrent changes of its talking
	// points take turns, so that each audit entry's before is the version
	// it replaced.
	if _, err := findIncidentByID(ctx, tx, tp.IncidentID, "FOR NO KEY UPDATE"); err != nil {
		return err
	}
	var before any
	existing, err := findTalkingPoints(ctx, tx, tp.IncidentID)
	if err == nil {
		before = existing
	} else if breachdesk.ErrorCode(err) != breachdesk.ENotFound {
		return err
	}
	tp.UpdatedAt, tp.UpdatedBy = tx.now, tx.actor
	if _, err := tx.Exec(ctx, `
		INSERT INTO incident_talking_points (incident_id, text, updated_at, updated_by) VALUES ($1, $2, $3, $4)
		ON CONFLICT (incident_id) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at,
			updated_by = excluded.updated_by`,
		tp.IncidentID, tp.Text, tp.UpdatedAt, tp.UpdatedBy); err != nil {
		return FormatError(err)
	}
	return appendAudit(ctx, tx, breachdesk.AuditTalkingPointsSet, "incident", tp.IncidentID, before, tp)
}

// findTalkingPoints returns the talking points of an incident, or
// not_found when it has none.
func findTalkingPoints(ctx context.Context, tx *Tx, incidentID int64) (*breachdesk.TalkingPoints, error) {
	var tp breachdesk.TalkingPoints
	err := tx.QueryRow(ctx, `
		SELECT incident_id, text, updated_at, updated_by FROM incident_talking_points WHERE incident_id = $1`, incidentID,
	).Scan(&tp.IncidentID, &tp.Text, &tp.UpdatedAt, &tp.UpdatedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "Incident %d has no talking points.", incidentID)
	} else if err != nil {
		return nil, FormatError(err)
	}
	tp.UpdatedAt = tp.UpdatedAt.UTC()
	return &tp, nil
}
