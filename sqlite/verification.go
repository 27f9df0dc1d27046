package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/breachdesk/breachdesk"
)

// Ensure the service implements the interface.
var _ breachdesk.VerificationService = (*VerificationService)(nil)

// VerificationService checks verification codes in SQLite.
type VerificationService struct {
	db *DB
}

// NewVerificationService returns a service backed by db.
func NewVerificationService(db *DB) *VerificationService {
	return &VerificationService{db: db}
}

// VerifyNotice reads the notice and all the page shows of it in one query,
// on the read pool, which never waits for the senders writing.
func (s *VerificationService) VerifyNotice(ctx context.Context, code string) (*breachdesk.Verification, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	v, err := verifyNotice(ctx, tx, code)
	if err != nil {
		return nil, fmt.Errorf("verify notice: %w", err)
	}
	return v, nil
}

// verifyNotice finds the notice by notices_code_idx. Only a notice handed
// over counts: one claimed but never sent carries no code yet, and one
// that failed never reached anyone.
func verifyNotice(ctx context.Context, tx *Tx, code string) (*breachdesk.Verification, error) {
	v := &breachdesk.Verification{}
	var title string
	var slug, languages, content sql.NullString
	err := tx.QueryRowContext(ctx, `
		SELECT n.code, COALESCE(o.name, ''), i.title, c.channel, n.recipient, p.language, n.state, n.sent_at,
			pg.slug, pg.languages, pg.content
		FROM notices n
		JOIN campaigns c ON c.id = n.campaign_id
		JOIN incidents i ON i.id = c.incident_id
		JOIN affected_people p ON p.id = n.person_id
		LEFT JOIN organization o ON o.id = 1
		LEFT JOIN incident_pages pg ON pg.incident_id = i.id AND pg.published
		WHERE n.code = ? AND n.state IN ('in_flight', 'sent', 'bounced')`, code,
	).Scan(&v.Code, &v.Organization, &title, &v.Channel, &v.Recipient, &v.Language, &v.State, timeColumn{&v.SentAt},
		&slug, &languages, &content)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "No notice carries the code %q.", code)
	} else if err != nil {
		return nil, FormatError(err)
	}
	v.IncidentTitle = title
	if slug.Valid {
		page := &breachdesk.IncidentPage{Slug: slug.String}
		if err := unmarshalPage(page, languages.String, content.String); err != nil {
			return nil, err
		}
		v.IncidentSlug = slug.String
		if t := page.Title(v.Language); t != "" {
			v.IncidentTitle = t
		}
	}
	return v, nil
}
