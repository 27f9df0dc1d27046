package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/breachdesk/breachdesk"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ breachdesk.IncidentPageService = (*IncidentPageService)(nil)

// IncidentPageService stores the public pages of incidents in PostgreSQL.
type IncidentPageService struct {
	db *DB
}

// NewIncidentPageService returns a service backed by db.
func NewIncidentPageService(db *DB) *IncidentPageService {
	return &IncidentPageService{db: db}
}

// SetIncidentPage creates or replaces the page of page.IncidentID.
func (s *IncidentPageService) SetIncidentPage(ctx context.Context, page *breachdesk.IncidentPage) error {
	fillPageLanguages(page)
	if err := page.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := setIncidentPage(ctx, tx, page); err != nil {
		return fmt.Errorf("set page of incident %d: %w", page.IncidentID, err)
	}
	return tx.Commit(ctx)
}

// FindIncidentPage returns one page, by incident or by slug.
func (s *IncidentPageService) FindIncidentPage(ctx context.Context, filter breachdesk.IncidentPageFilter) (*breachdesk.IncidentPage, error) {
	if (filter.IncidentID == nil) == (filter.Slug == nil) {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "A page is found by its incident or by its address, one of the two.")
	}
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	page, err := findIncidentPage(ctx, tx, filter)
	if err != nil {
		return nil, fmt.Errorf("find incident page: %w", err)
	}
	return page, nil
}

// fillPageLanguages lists the page's languages when it does not, in
// alphabetical order: a map keeps no order to follow.
func fillPageLanguages(page *breachdesk.IncidentPage) {
	if len(page.Languages) == 0 {
		page.Languages = slices.Sorted(maps.Keys(page.Content))
	}
}

func setIncidentPage(ctx context.Context, tx *Tx, page *breachdesk.IncidentPage) error {
	// The incident's row lock makes two concurrent changes of its page
	// take turns, so that each audit entry's before is the page as it was.
	if _, err := findIncidentByID(ctx, tx, page.IncidentID, "FOR NO KEY UPDATE"); err != nil {
		return err
	}
	var before any
	existing, err := findIncidentPage(ctx, tx, breachdesk.IncidentPageFilter{IncidentID: &page.IncidentID})
	if err == nil {
		before = existing
	} else if breachdesk.ErrorCode(err) != breachdesk.ENotFound {
		return err
	}
	var owner int64
	err = tx.QueryRow(ctx, `SELECT incident_id FROM incident_pages WHERE slug = $1 AND incident_id <> $2`,
		page.Slug, page.IncidentID).Scan(&owner)
	if err == nil {
		return breachdesk.Errorf(breachdesk.EConflict, "The page address %q is taken by incident %d.", page.Slug, owner)
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return FormatError(err)
	}
	languages, err := json.Marshal(page.Languages)
	if err != nil {
		return err
	}
	content, err := json.Marshal(page.Content)
	if err != nil {
		return err
	}
	page.UpdatedAt = tx.now
	if _, err := tx.Exec(ctx, `
		INSERT INTO incident_pages (incident_id, slug, published, languages, content, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (incident_id) DO UPDATE SET slug = excluded.slug, published = excluded.published,
			languages = excluded.languages, content = excluded.content, updated_at = excluded.updated_at`,
		page.IncidentID, page.Slug, page.Published, string(languages), string(content), page.UpdatedAt); err != nil {
		return FormatError(err)
	}
	return appendAudit(ctx, tx, breachdesk.AuditIncidentPageSet, "incident_page", page.IncidentID, before, page)
}

func findIncidentPage(ctx context.Context, tx *Tx, filter breachdesk.IncidentPageFilter) (*breachdesk.IncidentPage, error) {
	var where, what string
	var arg any
	if filter.IncidentID != nil {
		where, arg, what = "incident_id = $1", *filter.IncidentID, fmt.Sprintf("Incident %d has no public page.", *filter.IncidentID)
	} else {
		where, arg, what = "slug = $1", *filter.Slug, fmt.Sprintf("There is no page at %q.", *filter.Slug)
	}
	if filter.PublishedOnly {
		where += " AND published"
	}
	var page breachdesk.IncidentPage
	var languages, content []byte
	err := tx.QueryRow(ctx, `
		SELECT incident_id, slug, published, languages, content, updated_at FROM incident_pages WHERE `+where, arg,
	).Scan(&page.IncidentID, &page.Slug, &page.Published, &languages, &content, &page.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "%s", what)
	} else if err != nil {
		return nil, FormatError(err)
	}
	page.UpdatedAt = page.UpdatedAt.UTC()
	if err := unmarshalPage(&page, languages, content); err != nil {
		return nil, err
	}
	return &page, nil
}

// unmarshalPage decodes a page's stored languages and content.
func unmarshalPage(page *breachdesk.IncidentPage, languages, content []byte) error {
	if err := json.Unmarshal(languages, &page.Languages); err != nil {
		return fmt.Errorf("page of incident %d languages: %w", page.IncidentID, err)
	}
	if err := json.Unmarshal(content, &page.Content); err != nil {
		return fmt.Errorf("page of incident %d content: %w", page.IncidentID, err)
	}
	return nil
}
