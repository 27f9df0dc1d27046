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
var _ breachdesk.OrganizationService = (*OrganizationService)(nil)

// OrganizationService stores the organization in SQLite.
type OrganizationService struct {
	db *DB
}

// NewOrganizationService returns a service backed by db.
func NewOrganizationService(db *DB) *OrganizationService {
	return &OrganizationService{db: db}
}

// FindOrganization returns the organization, or not_found before it is set.
func (s *OrganizationService) FindOrganization(ctx context.Context) (*breachdesk.Organization, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	org, err := findOrganization(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("find organization: %w", err)
	}
	return org, nil
}

// SetOrganization creates or replaces the organization.
func (s *OrganizationService) SetOrganization(ctx context.Context, org *breachdesk.Organization) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := setOrganization(ctx, tx, org); err != nil {
		return fmt.Errorf("set organization: %w", err)
	}
	return tx.Commit()
}

func findOrganization(ctx context.Context, tx *Tx) (*breachdesk.Organization, error) {
	var org breachdesk.Organization
	var sectors string
	err := tx.QueryRowContext(ctx, `
		SELECT name, country, dpo_name, dpo_email, dpo_phone, language, sectors, created_at, updated_at
		FROM organization WHERE id = 1`,
	).Scan(&org.Name, &org.Country, &org.DPOName, &org.DPOEmail, &org.DPOPhone, &org.Language, &sectors,
		requiredTime{&org.CreatedAt}, requiredTime{&org.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "The organization has not been set up yet: run `breachdesk org set`.")
	} else if err != nil {
		return nil, FormatError(err)
	}
	if err := json.Unmarshal([]byte(sectors), &org.Sectors); err != nil {
		return nil, fmt.Errorf("organization sectors: %w", err)
	}
	if len(org.Sectors) == 0 {
		org.Sectors = nil
	}
	return &org, nil
}

func setOrganization(ctx context.Context, tx *Tx, org *breachdesk.Organization) error {
	org.Normalize()
	if err := org.Validate(); err != nil {
		return err
	}
	org.CreatedAt, org.UpdatedAt = tx.now, tx.now
	existing, err := findOrganization(ctx, tx)
	if err == nil {
		org.CreatedAt = existing.CreatedAt
	} else if breachdesk.ErrorCode(err) != breachdesk.ENotFound {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO organization (id, name, country, dpo_name, dpo_email, dpo_phone, language, sectors, created_at, updated_at)
		VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			name = excluded.name, country = excluded.country, dpo_name = excluded.dpo_name,
			dpo_email = excluded.dpo_email, dpo_phone = excluded.dpo_phone,
			language = excluded.language, sectors = excluded.sectors, updated_at = excluded.updated_at`,
		org.Name, org.Country, org.DPOName, org.DPOEmail, org.DPOPhone, org.Language, jsonList(org.Sectors),
		formatTime(org.CreatedAt), formatTime(org.UpdatedAt))
	if err != nil {
		return FormatError(err)
	}
	var before any
	if existing != nil {
		before = existing
	}
	return appendAudit(ctx, tx, breachdesk.AuditOrganizationSet, "organization", 1, before, org)
}
