package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/breachdesk/breachdesk"
	"github.com/jackc/pgx/v5"
)

// Ensure the services implement the interfaces.
var (
	_ breachdesk.AffectedPersonService = (*AffectedPersonService)(nil)
	_ breachdesk.DataKeyService        = (*DataKeyService)(nil)
)

// AffectedPersonService stores sealed affected people in PostgreSQL.
type AffectedPersonService struct {
	db *DB
}

// NewAffectedPersonService returns a service backed by db.
func NewAffectedPersonService(db *DB) *AffectedPersonService {
	return &AffectedPersonService{db: db}
}

// personColumns are the columns an import writes, in COPY order.
var personColumns = []string{"incident_id", "external_id", "name", "email", "phone", "postal_address",
	"email_index", "phone_index", "country", "region", "language", "data_categories", "created_at"}

// InsertSealedPeople copies the people into a temporary table with COPY,
// then moves those not stored yet into affected_people, in one
// transaction, and returns how many were new.
func (s *AffectedPersonService) InsertSealedPeople(ctx context.Context, incidentID int64, people []*breachdesk.SealedPerson) (int, error) {
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := findIncidentByID(ctx, tx, incidentID); err != nil {
		return 0, fmt.Errorf("insert affected people: %w", err)
	}
	cols := strings.Join(personColumns, ", ")
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_people ON COMMIT DROP AS SELECT `+cols+`, 0 AS seq FROM affected_people WITH NO DATA`); err != nil {
		return 0, FormatError(err)
	}
	// seq keeps the batch's order, so that of two rows with one external id
	// the first is stored, as on SQLite.
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"import_people"}, slices.Concat(personColumns, []string{"seq"}), pgx.CopyFromSlice(len(people), func(i int) ([]any, error) {
		p := people[i]
		return []any{incidentID, p.ExternalID, p.Name, p.Email, p.Phone, p.PostalAddress, p.EmailIndex, p.PhoneIndex,
			p.Country, p.Region, p.Language, list(p.DataCategories), tx.now, i}, nil
	}))
	if err != nil {
		return 0, fmt.Errorf("insert affected people: %w", FormatError(err))
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO affected_people (`+cols+`)
		SELECT DISTINCT ON (external_id) `+cols+` FROM import_people ORDER BY external_id, seq
		ON CONFLICT (incident_id, external_id) DO NOTHING
		RETURNING external_id`)
	if err != nil {
		return 0, FormatError(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("insert affected people: %w", FormatError(err))
	}
	if len(ids) > 0 {
		if err := appendAudit(ctx, tx, breachdesk.AuditPeopleImport, "incident", incidentID, nil, ids); err != nil {
			return 0, err
		}
	}
	return len(ids), tx.Commit(ctx)
}

// FindSealedPeople returns the people matching filter.
func (s *AffectedPersonService) FindSealedPeople(ctx context.Context, filter breachdesk.SealedPersonFilter) ([]*breachdesk.SealedPerson, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	where, args := []string{"TRUE"}, []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if v := filter.IncidentID; v != nil {
		add("incident_id = $%d", *v)
	}
	if v := filter.ExternalID; v != nil {
		add("external_id = $%d", *v)
	}
	if v := filter.EmailIndex; v != nil {
		add("email_index = $%d", v)
	}
	if v := filter.PhoneIndex; v != nil {
		add("phone_index = $%d", v)
	}
	rows, err := tx.Query(ctx, `
		SELECT id, incident_id, external_id, name, email, phone, postal_address, email_index, phone_index,
			country, region, language, data_categories, created_at
		FROM affected_people WHERE `+strings.Join(where, " AND ")+` ORDER BY incident_id, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find affected people: %w", FormatError(err))
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*breachdesk.SealedPerson, error) {
		var p breachdesk.SealedPerson
		err := row.Scan(&p.ID, &p.IncidentID, &p.ExternalID, &p.Name, &p.Email, &p.Phone, &p.PostalAddress,
			&p.EmailIndex, &p.PhoneIndex, &p.Country, &p.Region, &p.Language, &p.DataCategories, &p.CreatedAt)
		p.CreatedAt = p.CreatedAt.UTC()
		return &p, err
	})
}

// CountAffectedPeople counts an incident's people, grouped by one attribute.
func (s *AffectedPersonService) CountAffectedPeople(ctx context.Context, incidentID int64, by string) (*breachdesk.PopulationCount, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	if _, err := findIncidentByID(ctx, tx, incidentID); err != nil {
		return nil, fmt.Errorf("count affected people: %w", err)
	}
	count := &breachdesk.PopulationCount{By: by}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM affected_people WHERE incident_id = $1`, incidentID).Scan(&count.Total); err != nil {
		return nil, FormatError(err)
	}
	var query string
	switch by {
	case "":
		return count, nil
	case breachdesk.CountByCountry, breachdesk.CountByRegion, breachdesk.CountByLanguage:
		query = `SELECT ` + by + `, COUNT(*) FROM affected_people WHERE incident_id = $1 GROUP BY 1`
	case breachdesk.CountByCategory:
		// A person without a list of their own has the incident's.
		query = `SELECT c, COUNT(*) FROM affected_people p JOIN incidents i ON i.id = p.incident_id,
			unnest(CASE WHEN cardinality(p.data_categories) = 0 THEN i.data_categories ELSE p.data_categories END) c
			WHERE p.incident_id = $1 GROUP BY 1`
	default:
		return nil, breachdesk.FieldErrorf("by", "%q is not country, region, language or category", by)
	}
	rows, err := tx.Query(ctx, query, incidentID)
	if err != nil {
		return nil, FormatError(err)
	}
	count.Counts = map[string]int64{}
	var value string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&value, &n}, func() error {
		count.Counts[value] = n
		return nil
	})
	return count, err
}

// DataKeyService stores wrapped data keys in PostgreSQL.
type DataKeyService struct {
	db *DB
}

// NewDataKeyService returns a service backed by db.
func NewDataKeyService(db *DB) *DataKeyService {
	return &DataKeyService{db: db}
}

// FindDataKeys returns every data key, oldest first.
func (s *DataKeyService) FindDataKeys(ctx context.Context) ([]*breachdesk.DataKey, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, `SELECT id, purpose, wrapped, master_key_id, created_at, retired_at FROM data_keys ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("find data keys: %w", FormatError(err))
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*breachdesk.DataKey, error) {
		var k breachdesk.DataKey
		err := row.Scan(&k.ID, &k.Purpose, &k.Wrapped, &k.MasterKeyID, &k.CreatedAt, &k.RetiredAt)
		return &k, err
	})
}

// CreateDataKeys stores new keys, retiring the active encryption key when
// a new one replaces it. A second index key is a conflict.
func (s *DataKeyService) CreateDataKeys(ctx context.Context, keys []*breachdesk.DataKey) error {
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	for _, k := range keys {
		if k.Purpose == breachdesk.DataKeyEncrypt {
			if _, err := tx.Exec(ctx, `UPDATE data_keys SET retired_at = $1 WHERE purpose = 'encrypt' AND retired_at IS NULL`, tx.now); err != nil {
				return FormatError(err)
			}
		}
		err := tx.QueryRow(ctx, `INSERT INTO data_keys (purpose, wrapped, master_key_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			k.Purpose, k.Wrapped, k.MasterKeyID, k.CreatedAt).Scan(&k.ID)
		if err != nil {
			return fmt.Errorf("create data keys: %w", FormatError(err))
		}
		if err := appendAudit(ctx, tx, breachdesk.AuditDataKeyCreate, "data_key", k.ID, nil, k); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// RewrapDataKeys replaces the wrapping of every key in one transaction.
func (s *DataKeyService) RewrapDataKeys(ctx context.Context, keys []*breachdesk.DataKey) error {
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM data_keys`).Scan(&n); err != nil {
		return FormatError(err)
	}
	if n != len(keys) {
		return breachdesk.Errorf(breachdesk.EConflict, "The data keys changed during the rotation; run it again.")
	}
	for _, k := range keys {
		if _, err := tx.Exec(ctx, `UPDATE data_keys SET wrapped = $1, master_key_id = $2 WHERE id = $3`, k.Wrapped, k.MasterKeyID, k.ID); err != nil {
			return fmt.Errorf("rewrap data keys: %w", FormatError(err))
		}
	}
	if err := appendAudit(ctx, tx, breachdesk.AuditDataKeysRewrap, "data_key", "all", nil, keys); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
