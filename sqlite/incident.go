package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"fmt"
	"strings"

	"github.com/breachdesk/breachdesk"
)

// Ensure the service implements the interface.
var _ breachdesk.IncidentService = (*IncidentService)(nil)

// IncidentService stores incidents in SQLite.
type IncidentService struct {
	db *DB
}

// NewIncidentService returns a service backed by db.
func NewIncidentService(db *DB) *IncidentService {
	return &IncidentService{db: db}
}

// FindIncidentByID returns one incident, or not_found.
func (s *IncidentService) FindIncidentByID(ctx context.Context, id int64) (*breachdesk.Incident, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	inc, err := findIncidentByID(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("find incident %d: %w", id, err)
	}
	return inc, nil
}

// FindIncidents returns the incidents matching filter, newest first, and
// the total number that match.
func (s *IncidentService) FindIncidents(ctx context.Context, filter breachdesk.IncidentFilter) ([]*breachdesk.Incident, int, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	incidents, n, err := findIncidents(ctx, tx, filter)
	if err != nil {
		return nil, 0, fmt.Errorf("find incidents: %w", err)
	}
	return incidents, n, nil
}

// CreateIncident stores a new incident.
func (s *IncidentService) CreateIncident(ctx context.Context, inc *breachdesk.Incident) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := createIncident(ctx, tx, inc); err != nil {
		return fmt.Errorf("create incident: %w", err)
	}
	return tx.Commit()
}

// UpdateIncident applies upd to the incident and returns the result.
func (s *IncidentService) UpdateIncident(ctx context.Context, id int64, upd breachdesk.IncidentUpdate) (*breachdesk.Incident, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	inc, err := updateIncident(ctx, tx, id, upd)
	if err != nil {
		return nil, fmt.Errorf("update incident %d: %w", id, err)
	}
	return inc, tx.Commit()
}

func findIncidentByID(ctx context.Context, tx *Tx, id int64) (*breachdesk.Incident, error) {
	incidents, _, err := findIncidents(ctx, tx, breachdesk.IncidentFilter{ID: &id})
	if err != nil {
		return nil, err
	} else if len(incidents) == 0 {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "Incident %d does not exist.", id)
	}
	return incidents[0], nil
}

const incidentColumns = `id, title, summary, status, nature, cause, malicious,
	occurred_from, occurred_to, detected_at, aware_at, determined_at, contained_at,
	data_categories, subject_categories, approx_subjects, approx_records,
	recipients, encryption, backup_available, data_recovered,
	measures_taken, measures_planned, likely_consequences, cross_border,
	discovery, delay_reasons, individuals_communication, law_enforcement,
	created_at, updated_at`

func findIncidents(ctx context.Context, tx *Tx, filter breachdesk.IncidentFilter) ([]*breachdesk.Incident, int, error) {
	where, args := []string{"1 = 1"}, []any{}
	if v := filter.ID; v != nil {
		where, args = append(where, "id = ?"), append(args, *v)
	}
	if v := filter.Status; v != nil {
		where, args = append(where, "status = ?"), append(args, string(*v))
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT `+incidentColumns+`,
			(SELECT MIN(at) FROM incident_events e WHERE e.incident_id = incidents.id AND e.kind = 'authority_notified'),
			(SELECT MIN(at) FROM incident_events e WHERE e.incident_id = incidents.id AND e.kind = 'individuals_notified'),
			COUNT(*) OVER ()
		FROM incidents
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY id DESC
		`+limitOffset(filter.Limit, filter.Offset), args...)
	if err != nil {
		return nil, 0, FormatError(err)
	}
	defer rows.Close()
	var incidents []*breachdesk.Incident
	n := 0
	for rows.Next() {
		var inc breachdesk.Incident
		var nature, dataCategories, subjectCategories string
		if err := rows.Scan(&inc.ID, &inc.Title, &inc.Summary, &inc.Status, &nature, &inc.Cause, &inc.Malicious,
			timeColumn{&inc.OccurredFrom}, timeColumn{&inc.OccurredTo}, timeColumn{&inc.DetectedAt},
			timeColumn{&inc.AwareAt}, timeColumn{&inc.DeterminedAt}, timeColumn{&inc.ContainedAt},
			&dataCategories, &subjectCategories, &inc.ApproxSubjects, &inc.ApproxRecords,
			&inc.Recipients, &inc.Encryption, &inc.BackupAvailable, &inc.DataRecovered,
			&inc.MeasuresTaken, &inc.MeasuresPlanned, &inc.LikelyConsequences, &inc.CrossBorder,
			&inc.Discovery, &inc.DelayReasons, &inc.IndividualsCommunication, &inc.LawEnforcement,
			requiredTime{&inc.CreatedAt}, requiredTime{&inc.UpdatedAt},
			timeColumn{&inc.AuthorityNotifiedAt}, timeColumn{&inc.IndividualsNotifiedAt}, &n,
		); err != nil {
			return nil, 0, err
		}
		for dst, src := range map[*[]string]string{&inc.Nature: nature, &inc.DataCategories: dataCategories, &inc.SubjectCategories: subjectCategories} {
			if err := json.Unmarshal([]byte(src), dst); err != nil {
				return nil, 0, fmt.Errorf("incident %d: %w", inc.ID, err)
			}
		}
		incidents = append(incidents, &inc)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(incidents) == 0 && filter.Offset > 0 {
		// The window function counts nothing when the page is past the end.
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM incidents WHERE `+strings.Join(where, " AND "), args...).Scan(&n); err != nil {
			return nil, 0, err
		}
	}
	return incidents, n, nil
}

func createIncident(ctx context.Context, tx *Tx, inc *breachdesk.Incident) error {
	inc.Normalize()
	if err := inc.Validate(); err != nil {
		return err
	}
	inc.CreatedAt, inc.UpdatedAt = tx.now, tx.now
	result, err := tx.ExecContext(ctx, `
		INSERT INTO incidents (`+strings.TrimPrefix(incidentColumns, "id, ")+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		incidentValues(inc)...)
	if err != nil {
		return FormatError(err)
	}
	if inc.ID, err = result.LastInsertId(); err != nil {
		return err
	}
	if err := insertEvent(ctx, tx, &breachdesk.IncidentEvent{IncidentID: inc.ID, Kind: breachdesk.EventCreated}); err != nil {
		return err
	}
	return appendAudit(ctx, tx, breachdesk.AuditIncidentCreate, "incident", inc.ID, nil, inc)
}

func updateIncident(ctx context.Context, tx *Tx, id int64, upd breachdesk.IncidentUpdate) (*breachdesk.Incident, error) {
	inc, err := findIncidentByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	before := *inc
	upd.Apply(inc)
	inc.Normalize()
	if err := inc.Validate(); err != nil {
		return nil, err
	}
	inc.UpdatedAt = tx.now
	_, err = tx.ExecContext(ctx, `
		UPDATE incidents SET
			title = ?, summary = ?, status = ?, nature = ?, cause = ?, malicious = ?,
			occurred_from = ?, occurred_to = ?, detected_at = ?, aware_at = ?, determined_at = ?, contained_at = ?,
			data_categories = ?, subject_categories = ?, approx_subjects = ?, approx_records = ?,
			recipients = ?, encryption = ?, backup_available = ?, data_recovered = ?,
			measures_taken = ?, measures_planned = ?, likely_consequences = ?, cross_border = ?,
			discovery = ?, delay_reasons = ?, individuals_communication = ?, law_enforcement = ?,
			created_at = ?, updated_at = ?
		WHERE id = ?`, append(incidentValues(inc), id)...)
	if err != nil {
		return nil, FormatError(err)
	}
	changes := breachdesk.IncidentChanges(&before, inc)
	if len(changes) == 0 {
		return inc, nil // nothing changed: nothing to record
	}
	for _, e := range changes {
		if err := insertEvent(ctx, tx, e); err != nil {
			return nil, err
		}
	}
	return inc, appendAudit(ctx, tx, breachdesk.AuditIncidentUpdate, "incident", inc.ID, &before, inc)
}

// incidentValues returns the column values of inc in incidentColumns order,
// without the id.
func incidentValues(inc *breachdesk.Incident) []any {
	return []any{inc.Title, inc.Summary, string(inc.Status), jsonList(inc.Nature), inc.Cause, inc.Malicious,
		nullTime(inc.OccurredFrom), nullTime(inc.OccurredTo), nullTime(inc.DetectedAt),
		nullTime(inc.AwareAt), nullTime(inc.DeterminedAt), nullTime(inc.ContainedAt),
		jsonList(inc.DataCategories), jsonList(inc.SubjectCategories), inc.ApproxSubjects, inc.ApproxRecords,
		inc.Recipients, inc.Encryption, inc.BackupAvailable, inc.DataRecovered,
		inc.MeasuresTaken, inc.MeasuresPlanned, inc.LikelyConsequences, inc.CrossBorder,
		inc.Discovery, inc.DelayReasons, inc.IndividualsCommunication, inc.LawEnforcement,
		formatTime(inc.CreatedAt), formatTime(inc.UpdatedAt)}
}

func jsonList(values []string) string {
	if values == nil {
		return "[]"
	}
	data, _ := json.Marshal(values) // a []string always marshals
	return string(data)
}

// limitOffset returns the LIMIT/OFFSET clause; a zero limit means all rows.
func limitOffset(limit, offset int) string {
	if limit <= 0 && offset <= 0 {
		return ""
	}
	if limit <= 0 {
		limit = -1
	}
	return fmt.Sprintf("LIMIT %d OFFSET %d", limit, max(offset, 0))
}
