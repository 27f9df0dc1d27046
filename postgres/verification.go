package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/breachdesk/breachdesk"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ breachdesk.VerificationService = (*VerificationService)(nil)

// VerificationService checks verification codes in PostgreSQL.
type VerificationService struct {
	db *DB
}

// NewVerificationService returns a service backed by db.
func NewVerificationService(db *DB) *VerificationService {
	return &VerificationService{db: db}
}

// VerifyNotice reads the notice and all the page shows of it in one query,
// by notices_code_idx: on PostgreSQL the index's pages stay in the shared
// buffers, so the hint req.NoticeID would save nothing. It runs outside a
// transaction: a single
// statement reads one snapshot anyway, and on this public page, which a
// surge of people reading their notice hits at once, BEGIN and ROLLBACK
// would triple the round trips.
func (s *VerificationService) VerifyNotice(ctx context.Context, req breachdesk.VerifyRequest) (*breachdesk.Verification, error) {
	v, err := verifyNotice(ctx, s.db.pool, req)
	if err != nil {
		return nil, fmt.Errorf("verify notice: %w", err)
	}
	return v, nil
}

// querier runs a query that returns one row: a pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// verifyNotice finds the notice. Only a notice handed over counts: one
// claimed but never sent carries no code yet, and one that failed never
// reached anyone.
func verifyNotice(ctx context.Context, q querier, req breachdesk.VerifyRequest) (*breachdesk.Verification, error) {
	v := &breachdesk.Verification{}
	var title string
	var slug *string
	var languages, content []byte
	err := q.QueryRow(ctx, `
		SELECT n.code, COALESCE(o.name, ''), i.title, c.channel, n.recipient, n.state, n.sent_at,
			pg.slug, pg.languages, pg.content
		FROM notices n
		JOIN campaigns c ON c.id = n.campaign_id
		JOIN incidents i ON i.id = c.incident_id
		LEFT JOIN organization o ON o.id = 1
		LEFT JOIN incident_pages pg ON pg.incident_id = i.id AND pg.published
		WHERE n.code = $1 AND n.state IN ('in_flight', 'sent', 'bounced')`, req.Code,
	).Scan(&v.Code, &v.Organization, &title, &v.Channel, &v.Recipient, &v.State, &v.SentAt,
		&slug, &languages, &content)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "No notice carries the code %q.", req.Code)
	} else if err != nil {
		return nil, FormatError(err)
	}
	v.SentAt = utc(v.SentAt)
	v.IncidentTitle = title
	if slug != nil {
		page := &breachdesk.IncidentPage{Slug: *slug}
		if err := unmarshalPage(page, languages, content); err != nil {
			return nil, err
		}
		v.IncidentSlug = *slug
		if t := page.Title(req.Language); t != "" {
			v.IncidentTitle = t
		}
	}
	return v, nil
}
