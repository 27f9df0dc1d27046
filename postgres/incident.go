package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ breachdesk.IncidentService = (*IncidentService)(nil)

// IncidentService stores incidents in PostgreSQL.
type IncidentService struct {
	db *DB
}

// NewIncidentService returns a service backed by db.
func NewIncidentService(db *DB) *IncidentService {
	return &IncidentService{db: db}
}

// FindIncidentByID returns one incident, or not_found.
func (s *IncidentService) FindIncidentByID(ctx context.Context, id int64) (*breachdesk.Incident, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	inc, err := findIncidentByID(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("find incident %d: %w", id, err)
	}
	return inc, nil
}

// FindIncidents returns the incidents matching filter, newest first, and
// the total number that match.
func (s *IncidentService) FindIncidents(ctx context.Context, filter breachdesk.IncidentFilter) ([]*breachdesk.Incident, int, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback(ctx)
	incidents, n, err := findIncidents(ctx, tx, filter)
	if err != nil {
		return nil, 0, fmt.Errorf("find incidents: %w", err)
	}
	return incidents, n, nil
}

// CreateIncident stores a new incident.
func (s *IncidentService) CreateIncident(ctx context.Context, inc *breachdesk.Incident) error {
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := createIncident(ctx, tx, inc); err != nil {
		return fmt.Errorf("create incident: %w", err)
	}
	return tx.Commit(ctx)
}

// UpdateIncident applies upd to the incident and returns the result.
func (s *IncidentService) UpdateIncident(ctx context.Context, id int64, upd breachdesk.IncidentUpdate) (*breachdesk.Incident, error) {
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	inc, err := updateIncident(ctx, tx, id, upd)
	if err != nil {
		return nil, fmt.Errorf("update incident %d: %w", id, err)
	}
	return inc, tx.Commit(ctx)
}

func findIncidentByID(ctx context.Context, tx *Tx, id int64, lock ...string) (*breachdesk.Incident, error) {
	incidents, _, err := findIncidents(ctx, tx, breachdesk.IncidentFilter{ID: &id}, lock...)
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

// findIncidents takes an optional locking clause such as "FOR UPDATE".
func findIncidents(ctx context.Context, tx *Tx, filter breachdesk.IncidentFilter, lock ...string) ([]*breachdesk.Incident, int, error) {
	where, args := []string{"TRUE"}, []any{}
	if v := filter.ID; v != nil {
		args = append(args, *v)
		where = append(where, fmt.Sprintf("id = $%d", len(args)))
	}
	if v := filter.Status; v != nil {
		args = append(args, string(*v))
		where = append(where, fmt.Sprintf("status = $%d", len(args)))
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM incidents WHERE `+strings.Join(where, " AND "), args...).Scan(&n); err != nil {
		return nil, 0, FormatError(err)
	}
	query := `SELECT ` + incidentColumns + `,
			(SELECT MIN(at) FROM incident_events e WHERE e.incident_id = incidents.id AND e.kind = 'authority_notified'),
			(SELECT MIN(at) FROM incident_events e WHERE e.incident_id = incidents.id AND e.kind = 'individuals_notified')
		FROM incidents WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY id DESC ` + limitOffset(filter.Limit, filter.Offset) + " " + strings.Join(lock, " ")
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, 0, FormatError(err)
	}
	incidents, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*breachdesk.Incident, error) {
		var inc breachdesk.Incident
		err := row.Scan(&inc.ID, &inc.Title, &inc.Summary, &inc.Status, &inc.Nature, &inc.Cause, &inc.Malicious,
			&inc.OccurredFrom, &inc.OccurredTo, &inc.DetectedAt, &inc.AwareAt, &inc.DeterminedAt, &inc.ContainedAt,
			&inc.DataCategories, &inc.SubjectCategories, &inc.ApproxSubjects, &inc.ApproxRecords,
			&inc.Recipients, &inc.Encryption, &inc.BackupAvailable, &inc.DataRecovered,
			&inc.MeasuresTaken, &inc.MeasuresPlanned, &inc.LikelyConsequences, &inc.CrossBorder,
			&inc.Discovery, &inc.DelayReasons, &inc.IndividualsCommunication, &inc.LawEnforcement,
			&inc.CreatedAt, &inc.UpdatedAt, &inc.AuthorityNotifiedAt, &inc.IndividualsNotifiedAt)
		for _, t := range []**time.Time{&inc.OccurredFrom, &inc.OccurredTo, &inc.DetectedAt, &inc.AwareAt, &inc.DeterminedAt, &inc.ContainedAt,
			&inc.AuthorityNotifiedAt, &inc.IndividualsNotifiedAt} {
			if *t != nil {
				u := (*t).UTC()
				*t = &u
			}
		}
		inc.CreatedAt, inc.UpdatedAt = inc.CreatedAt.UTC(), inc.UpdatedAt.UTC()
		return &inc, err
	})
	if err != nil {
		return nil, 0, err
	}
	return incidents, n, nil
}

func createIncident(ctx context.Context, tx *Tx, inc *breachdesk.Incident) error {
	inc.Normalize()
	if err := inc.Validate(); err != nil {
		return err
	}
	inc.CreatedAt, inc.UpdatedAt = tx.now, tx.now
	err := tx.QueryRow(ctx, `
		INSERT INTO incidents (`+strings.TrimPrefix(incidentColumns, "id, ")+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)
		RETURNING id`, incidentValues(inc)...).Scan(&inc.ID)
	if err != nil {
		return FormatError(err)
	}
	if err := insertEvent(ctx, tx, &breachdesk.IncidentEvent{IncidentID: inc.ID, Kind: breachdesk.EventCreated}); err != nil {
		return err
	}
	return appendAudit(ctx, tx, breachdesk.AuditIncidentCreate, "incident", inc.ID, nil, inc)
}

func updateIncident(ctx context.Context, tx *Tx, id int64, upd breachdesk.IncidentUpdate) (*breachdesk.Incident, error) {
	inc, err := findIncidentByID(ctx, tx, id, "FOR UPDATE")
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
	_, err = tx.Exec(ctx, `
		UPDATE incidents SET
			title = $1, summary = $2, status = $3, nature = $4, cause = $5, malicious = $6,
			occurred_from = $7, occurred_to = $8, detected_at = $9, aware_at = $10, determined_at = $11, contained_at = $12,
			data_categories = $13, subject_categories = $14, approx_subjects = $15, approx_records = $16,
			recipients = $17, encryption = $18, backup_available = $19, data_recovered = $20,
			measures_taken = $21, measures_planned = $22, likely_consequences = $23, cross_border = $24,
			discovery = $25, delay_reasons = $26, individuals_communication = $27, law_enforcement = $28,
			created_at = $29, updated_at = $30
		WHERE id = $31`, append(incidentValues(inc), id)...)
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
	return []any{inc.Title, inc.Summary, string(inc.Status), list(inc.Nature), inc.Cause, inc.Malicious,
		inc.OccurredFrom, inc.OccurredTo, inc.DetectedAt, inc.AwareAt, inc.DeterminedAt, inc.ContainedAt,
		list(inc.DataCategories), list(inc.SubjectCategories), inc.ApproxSubjects, inc.ApproxRecords,
		inc.Recipients, inc.Encryption, inc.BackupAvailable, inc.DataRecovered,
		inc.MeasuresTaken, inc.MeasuresPlanned, inc.LikelyConsequences, inc.CrossBorder,
		inc.Discovery, inc.DelayReasons, inc.IndividualsCommunication, inc.LawEnforcement,
		inc.CreatedAt, inc.UpdatedAt}
}

// list stores a missing list as an empty array, as the column is NOT NULL.
func list(values []string) []string {
	if values == nil {
		return []string{}
	}
	return values
}

// limitOffset returns the LIMIT/OFFSET clause; a zero limit means all rows.
func limitOffset(limit, offset int) string {
	s := ""
	if limit > 0 {
		s = fmt.Sprintf("LIMIT %d", limit)
	}
	if offset > 0 {
		s += fmt.Sprintf(" OFFSET %d", offset)
	}
	return s
}
