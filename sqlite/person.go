package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/breachdesk/breachdesk"
)

// Ensure the services implement the interfaces.
var (
	_ breachdesk.AffectedPersonService = (*AffectedPersonService)(nil)
	_ breachdesk.DataKeyService        = (*DataKeyService)(nil)
)

// AffectedPersonService stores sealed affected people in SQLite.
type AffectedPersonService struct {
	db *DB
}

// NewAffectedPersonService returns a service backed by db.
func NewAffectedPersonService(db *DB) *AffectedPersonService {
	return &AffectedPersonService{db: db}
}

// InsertSealedPeople stores the people not stored yet, in one transaction
// with one prepared statement, and returns how many were new.
func (s *AffectedPersonService) InsertSealedPeople(ctx context.Context, incidentID int64, people []*breachdesk.SealedPerson) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := findIncidentByID(ctx, tx, incidentID); err != nil {
		return 0, fmt.Errorf("insert affected people: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, `
		INSERT INTO affected_people (incident_id, external_id, name, email, phone, postal_address,
			email_index, phone_index, country, region, language, data_categories, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (incident_id, external_id) DO NOTHING`)
	if err != nil {
		return 0, FormatError(err)
	}
	defer stmt.Close()
	now := formatTime(tx.now)
	inserted := 0
	ids := make([]string, 0, len(people))
	// The driver watches a cancellable context from a goroutine of its own
	// for every statement; checking between rows costs far less.
	rowCtx := context.WithoutCancel(ctx)
	for i, p := range people {
		if i%1000 == 0 && ctx.Err() != nil {
			return 0, ctx.Err()
		}
		result, err := stmt.ExecContext(rowCtx, incidentID, p.ExternalID, p.Name, p.Email, p.Phone, p.PostalAddress,
			p.EmailIndex, p.PhoneIndex, p.Country, p.Region, p.Language, jsonList(p.DataCategories), now)
		if err != nil {
			return 0, fmt.Errorf("insert affected people: %w", FormatError(err))
		}
		if n, _ := result.RowsAffected(); n > 0 {
			inserted++
			ids = append(ids, p.ExternalID)
		}
	}
	if inserted > 0 {
		if err := appendAudit(ctx, tx, breachdesk.AuditPeopleImport, "incident", incidentID, nil, ids); err != nil {
			return 0, err
		}
	}
	return inserted, tx.Commit()
}

// FindSealedPeople returns the people matching filter.
func (s *AffectedPersonService) FindSealedPeople(ctx context.Context, filter breachdesk.SealedPersonFilter) ([]*breachdesk.SealedPerson, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	where, args := []string{"1 = 1"}, []any{}
	if v := filter.IncidentID; v != nil {
		where, args = append(where, "incident_id = ?"), append(args, *v)
	}
	if v := filter.ExternalID; v != nil {
		where, args = append(where, "external_id = ?"), append(args, *v)
	}
	if v := filter.EmailIndex; v != nil {
		where, args = append(where, "email_index = ?"), append(args, v)
	}
	if v := filter.PhoneIndex; v != nil {
		where, args = append(where, "phone_index = ?"), append(args, v)
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT id, incident_id, external_id, name, email, phone, postal_address, email_index, phone_index,
			country, region, language, data_categories, created_at
		FROM affected_people WHERE `+strings.Join(where, " AND ")+` ORDER BY incident_id, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find affected people: %w", FormatError(err))
	}
	defer rows.Close()
	var people []*breachdesk.SealedPerson
	for rows.Next() {
		var p breachdesk.SealedPerson
		var categories string
		if err := rows.Scan(&p.ID, &p.IncidentID, &p.ExternalID, &p.Name, &p.Email, &p.Phone, &p.PostalAddress,
			&p.EmailIndex, &p.PhoneIndex, &p.Country, &p.Region, &p.Language, &categories, requiredTime{&p.CreatedAt}); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(categories), &p.DataCategories); err != nil {
			return nil, err
		}
		people = append(people, &p)
	}
	return people, rows.Err()
}

// CountAffectedPeople counts an incident's people, grouped by one attribute.
func (s *AffectedPersonService) CountAffectedPeople(ctx context.Context, incidentID int64, by string) (*breachdesk.PopulationCount, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := findIncidentByID(ctx, tx, incidentID); err != nil {
		return nil, fmt.Errorf("count affected people: %w", err)
	}
	count := &breachdesk.PopulationCount{By: by}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM affected_people WHERE incident_id = ?`, incidentID).Scan(&count.Total); err != nil {
		return nil, FormatError(err)
	}
	var query string
	switch by {
	case "":
		return count, nil
	case breachdesk.CountByCountry, breachdesk.CountByRegion, breachdesk.CountByLanguage:
		query = `SELECT ` + by + `, COUNT(*) FROM affected_people WHERE incident_id = ? GROUP BY 1`
	case breachdesk.CountByCategory:
		// A person without a list of their own has the incident's.
		query = `SELECT c.value, COUNT(*) FROM affected_people p
			JOIN incidents i ON i.id = p.incident_id,
			json_each(CASE WHEN p.data_categories = '[]' THEN i.data_categories ELSE p.data_categories END) c
			WHERE p.incident_id = ? GROUP BY 1`
	default:
		return nil, breachdesk.FieldErrorf("by", "%q is not country, region, language or category", by)
	}
	rows, err := tx.QueryContext(ctx, query, incidentID)
	if err != nil {
		return nil, FormatError(err)
	}
	defer rows.Close()
	count.Counts = map[string]int64{}
	for rows.Next() {
		var value string
		var n int64
		if err := rows.Scan(&value, &n); err != nil {
			return nil, err
		}
		count.Counts[value] = n
	}
	return count, rows.Err()
}

// DataKeyService stores wrapped data keys in SQLite.
type DataKeyService struct {
	db *DB
}

// NewDataKeyService returns a service backed by db.
func NewDataKeyService(db *DB) *DataKeyService {
	return &DataKeyService{db: db}
}

// FindDataKeys returns every data key, oldest first.
func (s *DataKeyService) FindDataKeys(ctx context.Context) ([]*breachdesk.DataKey, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id, purpose, wrapped, master_key_id, created_at, retired_at FROM data_keys ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("find data keys: %w", FormatError(err))
	}
	defer rows.Close()
	var keys []*breachdesk.DataKey
	for rows.Next() {
		var k breachdesk.DataKey
		if err := rows.Scan(&k.ID, &k.Purpose, &k.Wrapped, &k.MasterKeyID, requiredTime{&k.CreatedAt}, timeColumn{&k.RetiredAt}); err != nil {
			return nil, err
		}
		keys = append(keys, &k)
	}
	return keys, rows.Err()
}

// CreateDataKeys stores new keys, retiring the active encryption key when
// a new one replaces it. A second index key is a conflict.
func (s *DataKeyService) CreateDataKeys(ctx context.Context, keys []*breachdesk.DataKey) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, k := range keys {
		if k.Purpose == breachdesk.DataKeyEncrypt {
			if _, err := tx.ExecContext(ctx, `UPDATE data_keys SET retired_at = ? WHERE purpose = 'encrypt' AND retired_at IS NULL`, formatTime(tx.now)); err != nil {
				return FormatError(err)
			}
		}
		result, err := tx.ExecContext(ctx, `INSERT INTO data_keys (purpose, wrapped, master_key_id, created_at) VALUES (?, ?, ?, ?)`,
			k.Purpose, k.Wrapped, k.MasterKeyID, formatTime(k.CreatedAt))
		if err != nil {
			return fmt.Errorf("create data keys: %w", FormatError(err))
		}
		if k.ID, err = result.LastInsertId(); err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, breachdesk.AuditDataKeyCreate, "data_key", k.ID, nil, k); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// RewrapDataKeys replaces the wrapping of every key in one transaction.
func (s *DataKeyService) RewrapDataKeys(ctx context.Context, keys []*breachdesk.DataKey) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM data_keys`).Scan(&n); err != nil {
		return FormatError(err)
	}
	if n != len(keys) {
		return breachdesk.Errorf(breachdesk.EConflict, "The data keys changed during the rotation; run it again.")
	}
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `UPDATE data_keys SET wrapped = ?, master_key_id = ? WHERE id = ?`, k.Wrapped, k.MasterKeyID, k.ID); err != nil {
			return fmt.Errorf("rewrap data keys: %w", FormatError(err))
		}
	}
	if err := appendAudit(ctx, tx, breachdesk.AuditDataKeysRewrap, "data_key", "all", nil, keys); err != nil {
		return err
	}
	return tx.Commit()
}
