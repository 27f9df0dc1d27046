package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
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

	// maxNoticeID is the largest notice ID as read at maxNoticeIDAt (Unix
	// nanoseconds): a code whose ID is larger designates no notice yet.
	maxNoticeID, maxNoticeIDAt atomic.Int64
}

// maxNoticeIDTTL is how long the largest notice ID is trusted before a
// larger ID makes VerifyNotice read it again.
const maxNoticeIDTTL = time.Second

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

// VerifyNotice reads the notice by its primary key when req.NoticeID is
// given and may be a notice's, else (or when that notice does not carry
// the code) by notices_code_idx, on the hot readers, which never wait for the senders
// writing; what the notice's campaign shares with its other notices is
// read once per campaignFactsTTL. The public page runs it for every
// visitor of a surge, so it reads one row, runs outside a transaction (a
// single statement reads one snapshot anyway) and is not interrupted when
// the visitor leaves: it takes microseconds, less than the driver's
// watching for the interruption would.
func (s *VerificationService) VerifyNotice(ctx context.Context, req breachdesk.VerifyRequest) (*breachdesk.Verification, error) {
	ctx = context.WithoutCancel(ctx)
	v, campaignID, err := s.findNotice(req)
	if err != nil {
		return nil, fmt.Errorf("verify notice: %w", err)
	}
	facts, err := s.campaignFacts(ctx, campaignID)
	if err != nil {
		return nil, fmt.Errorf("verify notice: %w", err)
	}
	v.Organization, v.Channel, v.IncidentTitle = facts.organization, facts.channel, facts.incidentTitle
	if facts.page != nil {
		v.IncidentSlug = facts.page.Slug
		if t := facts.page.Title(req.Language); t != "" {
			v.IncidentTitle = t
		}
	}
	return v, nil
}

// Only a notice handed over counts: one claimed but never sent carries no
// code yet, and one that failed never reached anyone.
const (
	verifyNoticeByIDSQL = `
		SELECT code, campaign_id, recipient, state, sent_at FROM notices
		WHERE id = ? AND state IN ('in_flight', 'sent', 'bounced')`
	verifyNoticeByCodeSQL = `
		SELECT code, campaign_id, recipient, state, sent_at FROM notices
		WHERE code = ? AND state IN ('in_flight', 'sent', 'bounced')`
)

// findNotice returns the handed-over notice that carries req.Code, with
// its campaign's ID.
func (s *VerificationService) findNotice(req breachdesk.VerifyRequest) (*breachdesk.Verification, int64, error) {
	if req.NoticeID > 0 && s.noticeMayExist(req.NoticeID) {
		v, campaignID, err := s.scanNotice(verifyNoticeByIDSQL, req.NoticeID)
		if err == nil && v.Code == req.Code {
			return v, campaignID, nil
		} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, 0, err
		}
	}
	v, campaignID, err := s.scanNotice(verifyNoticeByCodeSQL, req.Code)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, breachdesk.Errorf(breachdesk.ENotFound, "No notice carries the code %q.", req.Code)
	}
	return v, campaignID, err
}

// noticeMayExist reports whether a notice may have the ID id: whether id
// is at most the largest notice ID, read again when id is larger and the
// last read is older than maxNoticeIDTTL. A forged code designates an ID
// far above any notice's, and skipping its look-up by ID leaves one
// look-up, by code, as for a code of a notice created since: it finds
// that notice, so a stale maximum costs time, never an answer.
func (s *VerificationService) noticeMayExist(id int64) bool {
	if id <= s.maxNoticeID.Load() {
		return true
	}
	now := time.Now().UnixNano()
	if now-s.maxNoticeIDAt.Load() < int64(maxNoticeIDTTL) {
		return false
	}
	var row [1]driver.Value
	if err := s.db.hot.queryRow(maxNoticeIDSQL, nil, row[:]); err != nil {
		return true // the look-up by ID will tell
	}
	max, _ := row[0].(int64)
	s.maxNoticeID.Store(max)
	s.maxNoticeIDAt.Store(now)
	return id <= max
}

const maxNoticeIDSQL = `SELECT COALESCE(MAX(id), 0) FROM notices`

// scanNotice runs one of the look-ups of findNotice.
func (s *VerificationService) scanNotice(query string, arg any) (*breachdesk.Verification, int64, error) {
	var row [5]driver.Value
	err := s.db.hot.queryRow(query, []driver.NamedValue{{Ordinal: 1, Value: arg}}, row[:])
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, err
	} else if err != nil {
		return nil, 0, FormatError(err)
	}
	v := &breachdesk.Verification{}
	code, _ := row[0].(string) // NULL until handed over, which the query excludes
	campaignID, ok := row[1].(int64)
	recipient, ok2 := row[2].(string)
	state, ok3 := row[3].(string)
	if !ok || !ok2 || !ok3 {
		return nil, 0, fmt.Errorf("notice row: unexpected %T, %T, %T", row[1], row[2], row[3])
	}
	v.Code, v.Recipient, v.State = code, recipient, breachdesk.NoticeState(state)
	if err := (timeColumn{&v.SentAt}).Scan(row[4]); err != nil {
		return nil, 0, err
	}
	return v, campaignID, nil
}

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
