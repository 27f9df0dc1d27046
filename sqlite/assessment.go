package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/breachdesk/breachdesk"
)

// Ensure the service implements the interface.
var _ breachdesk.AssessmentService = (*AssessmentService)(nil)

// AssessmentService stores assessment overrides and obligation statuses in
// SQLite, and counts population profiles.
type AssessmentService struct {
	db *DB
}

// NewAssessmentService returns a service backed by db.
func NewAssessmentService(db *DB) *AssessmentService {
	return &AssessmentService{db: db}
}

// SetAssessmentOverride records an override and audits it.
func (s *AssessmentService) SetAssessmentOverride(ctx context.Context, o *breachdesk.AssessmentOverride) error {
	if err := o.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := findIncidentByID(ctx, tx, o.IncidentID); err != nil {
		return fmt.Errorf("set assessment override: %w", err)
	}
	o.Actor, o.CreatedAt = tx.actor, tx.now
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO assessment_overrides (incident_id, factor, value, reason, actor, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, o.IncidentID, o.Factor, o.Value, o.Reason, o.Actor, formatTime(o.CreatedAt)); err != nil {
		return FormatError(err)
	}
	if err := appendAudit(ctx, tx, breachdesk.AuditAssessmentOverride, "incident", o.IncidentID, nil, o); err != nil {
		return err
	}
	return tx.Commit()
}

// FindAssessmentOverrides returns the latest override per factor.
func (s *AssessmentService) FindAssessmentOverrides(ctx context.Context, incidentID int64) ([]*breachdesk.AssessmentOverride, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `
		SELECT incident_id, factor, value, reason, actor, created_at FROM assessment_overrides o
		WHERE incident_id = ? AND value <> ''
		AND id = (SELECT MAX(id) FROM assessment_overrides WHERE incident_id = o.incident_id AND factor = o.factor)
		ORDER BY factor`, incidentID)
	if err != nil {
		return nil, FormatError(err)
	}
	defer rows.Close()
	var overrides []*breachdesk.AssessmentOverride
	for rows.Next() {
		var o breachdesk.AssessmentOverride
		if err := rows.Scan(&o.IncidentID, &o.Factor, &o.Value, &o.Reason, &o.Actor, requiredTime{&o.CreatedAt}); err != nil {
			return nil, err
		}
		overrides = append(overrides, &o)
	}
	return overrides, rows.Err()
}

// SetObligationStatus records a status and audits it.
func (s *AssessmentService) SetObligationStatus(ctx context.Context, st *breachdesk.ObligationStatus) error {
	if err := st.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	inc, err := findIncidentByID(ctx, tx, st.IncidentID)
	if err != nil {
		return fmt.Errorf("set obligation status: %w", err)
	}
	st.Actor, st.CreatedAt = tx.actor, tx.now
	if st.At != nil {
		at := st.At.UTC().Truncate(time.Microsecond)
		st.At = &at
	}
	var at any
	if st.At != nil {
		at = formatTime(*st.At)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO obligation_statuses (incident_id, obligation_id, status, at, note, actor, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, st.IncidentID, st.ObligationID, st.Status, at, st.Note, st.Actor, formatTime(st.CreatedAt)); err != nil {
		return FormatError(err)
	}
	if err := appendAudit(ctx, tx, breachdesk.AuditObligationStatus, "incident", st.IncidentID, nil, st); err != nil {
		return err
	}
	if e := st.AuthorityNotifiedEvent(inc); e != nil {
		// Art. 33 done is the authority notified: the clock stops with it.
		if err := insertEvent(ctx, tx, e); err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, breachdesk.AuditEventCreate, "incident", e.IncidentID, nil, e); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// FindObligationStatuses returns the latest status per obligation.
func (s *AssessmentService) FindObligationStatuses(ctx context.Context, incidentID int64) ([]*breachdesk.ObligationStatus, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `
		SELECT incident_id, obligation_id, status, at, note, actor, created_at FROM obligation_statuses s
		WHERE incident_id = ?
		AND id = (SELECT MAX(id) FROM obligation_statuses WHERE incident_id = s.incident_id AND obligation_id = s.obligation_id)
		ORDER BY obligation_id`, incidentID)
	if err != nil {
		return nil, FormatError(err)
	}
	defer rows.Close()
	var statuses []*breachdesk.ObligationStatus
	for rows.Next() {
		var st breachdesk.ObligationStatus
		if err := rows.Scan(&st.IncidentID, &st.ObligationID, &st.Status, timeColumn{&st.At}, &st.Note, &st.Actor, requiredTime{&st.CreatedAt}); err != nil {
			return nil, err
		}
		statuses = append(statuses, &st)
	}
	return statuses, rows.Err()
}

// FindPopulationProfiles counts the incident's people by country, region
// and data categories.
func (s *AssessmentService) FindPopulationProfiles(ctx context.Context, incidentID int64) ([]*breachdesk.PopulationProfile, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := findIncidentByID(ctx, tx, incidentID); err != nil {
		return nil, fmt.Errorf("find population profiles: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT country, region, data_categories, COUNT(*),
			SUM(CASE WHEN email IS NULL AND phone IS NULL AND postal_address IS NULL THEN 1 ELSE 0 END)
		FROM affected_people WHERE incident_id = ?
		GROUP BY country, region, data_categories ORDER BY country, region, data_categories`, incidentID)
	if err != nil {
		return nil, FormatError(err)
	}
	defer rows.Close()
	var profiles []*breachdesk.PopulationProfile
	for rows.Next() {
		var p breachdesk.PopulationProfile
		var categories string
		if err := rows.Scan(&p.Country, &p.Region, &categories, &p.People, &p.WithoutContact); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(categories), &p.DataCategories); err != nil {
			return nil, fmt.Errorf("population profile: %w", err)
		}
		if len(p.DataCategories) == 0 {
			p.DataCategories = nil
		}
		profiles = append(profiles, &p)
	}
	return profiles, rows.Err()
}
