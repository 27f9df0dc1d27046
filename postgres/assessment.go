package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ breachdesk.AssessmentService = (*AssessmentService)(nil)

// AssessmentService stores assessment overrides and obligation statuses in
// PostgreSQL, and counts population profiles.
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
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := findIncidentByID(ctx, tx, o.IncidentID); err != nil {
		return fmt.Errorf("set assessment override: %w", err)
	}
	o.Actor, o.CreatedAt = tx.actor, tx.now
	if _, err := tx.Exec(ctx, `
		INSERT INTO assessment_overrides (incident_id, factor, value, reason, actor, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, o.IncidentID, o.Factor, o.Value, o.Reason, o.Actor, o.CreatedAt); err != nil {
		return FormatError(err)
	}
	if err := appendAudit(ctx, tx, breachdesk.AuditAssessmentOverride, "incident", o.IncidentID, nil, o); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// FindAssessmentOverrides returns the latest override per factor.
func (s *AssessmentService) FindAssessmentOverrides(ctx context.Context, incidentID int64) ([]*breachdesk.AssessmentOverride, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, `
		SELECT * FROM (
			SELECT DISTINCT ON (factor) incident_id, factor, value, reason, actor, created_at
			FROM assessment_overrides WHERE incident_id = $1 ORDER BY factor, id DESC
		) latest WHERE value <> '' ORDER BY factor`, incidentID)
	if err != nil {
		return nil, FormatError(err)
	}
	var overrides []*breachdesk.AssessmentOverride
	var o breachdesk.AssessmentOverride
	_, err = pgx.ForEachRow(rows, []any{&o.IncidentID, &o.Factor, &o.Value, &o.Reason, &o.Actor, &o.CreatedAt}, func() error {
		c := o
		c.CreatedAt = c.CreatedAt.UTC()
		overrides = append(overrides, &c)
		return nil
	})
	return overrides, FormatError(err)
}

// SetObligationStatus records a status and audits it.
func (s *AssessmentService) SetObligationStatus(ctx context.Context, st *breachdesk.ObligationStatus) error {
	if err := st.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	inc, err := findIncidentByID(ctx, tx, st.IncidentID)
	if err != nil {
		return fmt.Errorf("set obligation status: %w", err)
	}
	st.Actor, st.CreatedAt = tx.actor, tx.now
	if st.At != nil {
		at := st.At.UTC().Truncate(time.Microsecond)
		st.At = &at
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO obligation_statuses (incident_id, obligation_id, status, at, note, actor, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, st.IncidentID, st.ObligationID, st.Status, st.At, st.Note, st.Actor, st.CreatedAt); err != nil {
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
	return tx.Commit(ctx)
}

// FindObligationStatuses returns the latest status per obligation.
func (s *AssessmentService) FindObligationStatuses(ctx context.Context, incidentID int64) ([]*breachdesk.ObligationStatus, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, `
		SELECT DISTINCT ON (obligation_id) incident_id, obligation_id, status, at, note, actor, created_at
		FROM obligation_statuses WHERE incident_id = $1 ORDER BY obligation_id, id DESC`, incidentID)
	if err != nil {
		return nil, FormatError(err)
	}
	var statuses []*breachdesk.ObligationStatus
	var st breachdesk.ObligationStatus
	_, err = pgx.ForEachRow(rows, []any{&st.IncidentID, &st.ObligationID, &st.Status, &st.At, &st.Note, &st.Actor, &st.CreatedAt}, func() error {
		c := st
		c.CreatedAt = c.CreatedAt.UTC()
		if c.At != nil {
			at := c.At.UTC()
			c.At = &at
		}
		statuses = append(statuses, &c)
		st.At = nil
		return nil
	})
	return statuses, FormatError(err)
}

// FindPopulationProfiles counts the incident's people by country, region
// and data categories.
func (s *AssessmentService) FindPopulationProfiles(ctx context.Context, incidentID int64) ([]*breachdesk.PopulationProfile, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	if _, err := findIncidentByID(ctx, tx, incidentID); err != nil {
		return nil, fmt.Errorf("find population profiles: %w", err)
	}
	rows, err := tx.Query(ctx, `
		SELECT country, region, data_categories, COUNT(*),
			COUNT(*) FILTER (WHERE email IS NULL AND phone IS NULL AND postal_address IS NULL)
		FROM affected_people WHERE incident_id = $1
		GROUP BY country, region, data_categories ORDER BY country, region, data_categories`, incidentID)
	if err != nil {
		return nil, FormatError(err)
	}
	var profiles []*breachdesk.PopulationProfile
	var p breachdesk.PopulationProfile
	_, err = pgx.ForEachRow(rows, []any{&p.Country, &p.Region, &p.DataCategories, &p.People, &p.WithoutContact}, func() error {
		c := p
		if len(c.DataCategories) == 0 {
			c.DataCategories = nil
		}
		profiles = append(profiles, &c)
		p.DataCategories = nil
		return nil
	})
	return profiles, FormatError(err)
}
