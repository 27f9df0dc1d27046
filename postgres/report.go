package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/breachdesk/breachdesk"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ breachdesk.RegulatorReportService = (*RegulatorReportService)(nil)

// RegulatorReportService stores the versions of regulator reports in
// PostgreSQL.
type RegulatorReportService struct {
	db *DB
}

// NewRegulatorReportService returns a service backed by db.
func NewRegulatorReportService(db *DB) *RegulatorReportService {
	return &RegulatorReportService{db: db}
}

// CreateRegulatorReport stores r as the next version of its report, or
// fills r from the latest version when that one says the same.
func (s *RegulatorReportService) CreateRegulatorReport(ctx context.Context, r *breachdesk.RegulatorReport) error {
	r.Normalize()
	if err := r.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := createRegulatorReport(ctx, tx, r); err != nil {
		return fmt.Errorf("create regulator report: %w", err)
	}
	return tx.Commit(ctx)
}

// FindRegulatorReports returns the report versions that match filter.
func (s *RegulatorReportService) FindRegulatorReports(ctx context.Context, filter breachdesk.RegulatorReportFilter) ([]*breachdesk.RegulatorReport, int, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := findIncidentByID(ctx, tx, filter.IncidentID); err != nil {
		return nil, 0, fmt.Errorf("find regulator reports: %w", err)
	}
	reports, n, err := findRegulatorReports(ctx, tx, filter)
	if err != nil {
		return nil, 0, fmt.Errorf("find regulator reports: %w", err)
	}
	return reports, n, nil
}

// createRegulatorReport stores a normalized, valid r.
func createRegulatorReport(ctx context.Context, tx *Tx, r *breachdesk.RegulatorReport) error {
	// Locking the incident row makes writers of the same incident's reports
	// take turns, so that the second reads the version the first stored and
	// numbers its own after it. NO KEY UPDATE does not block writers that
	// only add events or people to the incident.
	if _, err := findIncidentByID(ctx, tx, r.IncidentID, "FOR NO KEY UPDATE"); err != nil {
		return err
	}
	latest, err := findLatestRegulatorReport(ctx, tx, r.IncidentID, r.Authority)
	if err != nil {
		return err
	}
	if latest != nil && latest.Phase == r.Phase && latest.CaseReference == r.CaseReference && latest.Digest == r.Digest {
		*r = *latest // the same report again, in another format: no new version
		return nil
	}
	r.Version = 1
	if latest != nil {
		r.Version = latest.Version + 1
	}
	r.Actor, r.CreatedAt = tx.actor, tx.now
	err = tx.QueryRow(ctx, `
		INSERT INTO regulator_reports (incident_id, authority, phase, version, language, case_reference, content, digest, actor, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		r.IncidentID, r.Authority, r.Phase, r.Version, r.Language, r.CaseReference, string(r.Content), r.Digest,
		r.Actor, r.CreatedAt).Scan(&r.ID)
	if err := FormatError(err); breachdesk.ErrorCode(err) == breachdesk.EConflict {
		// Only a transaction stricter than READ COMMITTED, whose snapshot
		// predates the other writer's commit, gets here: the row lock
		// queued it, but it could not see the version stored meanwhile.
		return breachdesk.Errorf(breachdesk.EConflict, "Version %d of the %s report of incident %d was stored by another writer at the same time; generate the report again.",
			r.Version, r.Authority, r.IncidentID)
	} else if err != nil {
		return err
	}
	e := &breachdesk.IncidentEvent{IncidentID: r.IncidentID, Kind: breachdesk.EventReportGenerated, At: tx.now, Note: r.EventNote()}
	if err := insertEvent(ctx, tx, e); err != nil {
		return err
	}
	return appendAudit(ctx, tx, breachdesk.AuditReportGenerate, "incident", r.IncidentID, nil, r)
}

// findLatestRegulatorReport returns the highest version of the incident's
// report to authority, or nil if there is none yet.
func findLatestRegulatorReport(ctx context.Context, tx *Tx, incidentID int64, authority string) (*breachdesk.RegulatorReport, error) {
	r, err := scanRegulatorReport(tx.QueryRow(ctx, `
		SELECT `+regulatorReportColumns+` FROM regulator_reports
		WHERE incident_id = $1 AND authority = $2 ORDER BY version DESC LIMIT 1`, incidentID, authority))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, FormatError(err)
	}
	return r, nil
}

const regulatorReportColumns = `id, incident_id, authority, phase, version, language, case_reference, content, digest, actor, created_at`

func findRegulatorReports(ctx context.Context, tx *Tx, filter breachdesk.RegulatorReportFilter) ([]*breachdesk.RegulatorReport, int, error) {
	where, args := "incident_id = $1", []any{filter.IncidentID}
	if v := filter.Authority; v != nil {
		args = append(args, *v)
		where += fmt.Sprintf(" AND authority = $%d", len(args))
	}
	if v := filter.Version; v != nil {
		args = append(args, *v)
		where += fmt.Sprintf(" AND version = $%d", len(args))
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM regulator_reports WHERE `+where, args...).Scan(&n); err != nil {
		return nil, 0, FormatError(err)
	}
	rows, err := tx.Query(ctx, `
		SELECT `+regulatorReportColumns+` FROM regulator_reports
		WHERE `+where+` ORDER BY authority, version `+limitOffset(filter.Limit, filter.Offset), args...)
	if err != nil {
		return nil, 0, FormatError(err)
	}
	reports, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*breachdesk.RegulatorReport, error) {
		return scanRegulatorReport(row)
	})
	return reports, n, FormatError(err)
}

// scanRegulatorReport reads a row of regulatorReportColumns.
func scanRegulatorReport(row pgx.Row) (*breachdesk.RegulatorReport, error) {
	var r breachdesk.RegulatorReport
	var content string
	if err := row.Scan(&r.ID, &r.IncidentID, &r.Authority, &r.Phase, &r.Version, &r.Language, &r.CaseReference,
		&content, &r.Digest, &r.Actor, &r.CreatedAt); err != nil {
		return nil, err
	}
	r.Content = json.RawMessage(content)
	r.CreatedAt = r.CreatedAt.UTC()
	return &r, nil
}
