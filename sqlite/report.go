package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/breachdesk/breachdesk"
)

// Ensure the service implements the interface.
var _ breachdesk.RegulatorReportService = (*RegulatorReportService)(nil)

// RegulatorReportService stores the versions of regulator reports in
// SQLite.
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
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := createRegulatorReport(ctx, tx, r); err != nil {
		return fmt.Errorf("create regulator report: %w", err)
	}
	return tx.Commit()
}

// FindRegulatorReports returns the report versions that match filter.
func (s *RegulatorReportService) FindRegulatorReports(ctx context.Context, filter breachdesk.RegulatorReportFilter) ([]*breachdesk.RegulatorReport, int, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	if _, err := findIncidentByID(ctx, tx, filter.IncidentID); err != nil {
		return nil, 0, fmt.Errorf("find regulator reports: %w", err)
	}
	reports, n, err := findRegulatorReports(ctx, tx, filter)
	if err != nil {
		return nil, 0, fmt.Errorf("find regulator reports: %w", err)
	}
	return reports, n, nil
}

// createRegulatorReport stores a normalized, valid r. SQLite runs one write
// transaction at a time, so the latest version cannot change under us.
func createRegulatorReport(ctx context.Context, tx *Tx, r *breachdesk.RegulatorReport) error {
	if _, err := findIncidentByID(ctx, tx, r.IncidentID); err != nil {
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
	result, err := tx.ExecContext(ctx, `
		INSERT INTO regulator_reports (incident_id, authority, phase, version, language, case_reference, content, digest, actor, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.IncidentID, r.Authority, r.Phase, r.Version, r.Language, r.CaseReference, string(r.Content), r.Digest,
		r.Actor, formatTime(r.CreatedAt))
	if err != nil {
		return FormatError(err)
	}
	if r.ID, err = result.LastInsertId(); err != nil {
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
	r, err := scanRegulatorReport(tx.QueryRowContext(ctx, `
		SELECT `+regulatorReportColumns+` FROM regulator_reports
		WHERE incident_id = ? AND authority = ? ORDER BY version DESC LIMIT 1`, incidentID, authority))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, FormatError(err)
	}
	return r, nil
}

const regulatorReportColumns = `id, incident_id, authority, phase, version, language, case_reference, content, digest, actor, created_at`

func findRegulatorReports(ctx context.Context, tx *Tx, filter breachdesk.RegulatorReportFilter) ([]*breachdesk.RegulatorReport, int, error) {
	where, args := "incident_id = ?", []any{filter.IncidentID}
	if v := filter.Authority; v != nil {
		where, args = where+" AND authority = ?", append(args, *v)
	}
	if v := filter.Version; v != nil {
		where, args = where+" AND version = ?", append(args, *v)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM regulator_reports WHERE `+where, args...).Scan(&n); err != nil {
		return nil, 0, FormatError(err)
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT `+regulatorReportColumns+` FROM regulator_reports
		WHERE `+where+` ORDER BY authority, version `+limitOffset(filter.Limit, filter.Offset), args...)
	if err != nil {
		return nil, 0, FormatError(err)
	}
	defer rows.Close()
	var reports []*breachdesk.RegulatorReport
	for rows.Next() {
		r, err := scanRegulatorReport(rows)
		if err != nil {
			return nil, 0, err
		}
		reports = append(reports, r)
	}
	return reports, n, rows.Err()
}

// scanRegulatorReport reads a row of regulatorReportColumns from a *sql.Row
// or *sql.Rows.
func scanRegulatorReport(row interface{ Scan(...any) error }) (*breachdesk.RegulatorReport, error) {
	var r breachdesk.RegulatorReport
	var content string
	if err := row.Scan(&r.ID, &r.IncidentID, &r.Authority, &r.Phase, &r.Version, &r.Language, &r.CaseReference,
		&content, &r.Digest, &r.Actor, requiredTime{&r.CreatedAt}); err != nil {
		return nil, err
	}
	r.Content = json.RawMessage(content)
	return &r, nil
}
