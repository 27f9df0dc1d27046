package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/breachdesk/breachdesk"
)

// Ensure the service implements the interface.
var _ breachdesk.VerificationService = (*VerificationService)(nil)

// campaignFactsTTL is how long VerificationService keeps what it read of a
// campaign: its channel, its incident's title and page, the organization's
// name. A change made through this process shows at once; one made by
// another process (the CLI) at most this late. The notice itself is
// always read fresh.
const campaignFactsTTL = 5 * time.Second

// VerificationService checks verification codes in SQLite.
type VerificationService struct {
	db *DB

	mu        sync.Mutex
	campaigns map[int64]*campaignFacts
}

// campaignFacts is what every notice of a campaign shares on the
// verification page.
type campaignFacts struct {
	organization, channel, incidentTitle string
	// page is the incident's published page; nil when it has none.
	page *breachdesk.IncidentPage
	// readAt is when they were read, and commits how many write
	// transactions the process had committed by then.
	readAt  time.Time
	commits uint64
}

// NewVerificationService returns a service backed by db.
func NewVerificationService(db *DB) *VerificationService {
	return &VerificationService{db: db, campaigns: map[int64]*campaignFacts{}}
}

// VerifyNotice reads the notice, by notices_code_idx, with a statement
// prepared once on the read pool, which never waits for the senders
// writing; what the notice's campaign shares with its other notices is
// read once per campaignFactsTTL. The public page runs it for every
// visitor of a surge, so it runs outside a transaction (a single
// statement reads one snapshot anyway) and is not interrupted when the
// visitor leaves: it takes microseconds, less than the driver's watching
// for the interruption would.
func (s *VerificationService) VerifyNotice(ctx context.Context, code string) (*breachdesk.Verification, error) {
	ctx = context.WithoutCancel(ctx)
	stmt, err := s.db.readStmt(ctx, verifyNoticeSQL)
	if err != nil {
		return nil, fmt.Errorf("verify notice: %w", err)
	}
	v := &breachdesk.Verification{}
	var campaignID int64
	err = stmt.QueryRowContext(ctx, code).Scan(&v.Code, &campaignID, &v.Recipient, &v.Language, &v.State, timeColumn{&v.SentAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "No notice carries the code %q.", code)
	} else if err != nil {
		return nil, fmt.Errorf("verify notice: %w", FormatError(err))
	}
	facts, err := s.campaignFacts(ctx, campaignID)
	if err != nil {
		return nil, fmt.Errorf("verify notice: %w", err)
	}
	v.Organization, v.Channel, v.IncidentTitle = facts.organization, facts.channel, facts.incidentTitle
	if facts.page != nil {
		v.IncidentSlug = facts.page.Slug
		if t := facts.page.Title(v.Language); t != "" {
			v.IncidentTitle = t
		}
	}
	return v, nil
}

// verifyNoticeSQL reads a notice by its code. Only a notice handed over
// counts: one claimed but never sent carries no code yet, and one that
// failed never reached anyone.
const verifyNoticeSQL = `
	SELECT n.code, n.campaign_id, n.recipient, p.language, n.state, n.sent_at
	FROM notices n
	JOIN affected_people p ON p.id = n.person_id
	WHERE n.code = ? AND n.state IN ('in_flight', 'sent', 'bounced')`

// campaignFacts returns what the notices of a campaign share, read at most
// campaignFactsTTL ago.
func (s *VerificationService) campaignFacts(ctx context.Context, campaignID int64) (*campaignFacts, error) {
	now, commits := time.Now(), s.db.commits.Load()
	s.mu.Lock()
	facts, ok := s.campaigns[campaignID]
	s.mu.Unlock()
	if ok && facts.commits == commits && now.Sub(facts.readAt) < campaignFactsTTL {
		return facts, nil
	}
	facts = &campaignFacts{readAt: now, commits: commits}
	var slug, languages, content sql.NullString
	err := s.db.read.QueryRowContext(ctx, `
		SELECT COALESCE(o.name, ''), c.channel, i.title, pg.slug, pg.languages, pg.content
		FROM campaigns c
		JOIN incidents i ON i.id = c.incident_id
		LEFT JOIN organization o ON o.id = 1
		LEFT JOIN incident_pages pg ON pg.incident_id = i.id AND pg.published
		WHERE c.id = ?`, campaignID,
	).Scan(&facts.organization, &facts.channel, &facts.incidentTitle, &slug, &languages, &content)
	if err != nil {
		return nil, FormatError(err)
	}
	if slug.Valid {
		facts.page = &breachdesk.IncidentPage{Slug: slug.String}
		if err := unmarshalPage(facts.page, languages.String, content.String); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	s.campaigns[campaignID] = facts
	s.mu.Unlock()
	return facts, nil
}
