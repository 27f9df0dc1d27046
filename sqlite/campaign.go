package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
)

// Ensure the service implements the interface.
var _ breachdesk.CampaignService = (*CampaignService)(nil)

// CampaignService stores campaigns and their outbox of notices in SQLite.
type CampaignService struct {
	db *DB
}

// NewCampaignService returns a service backed by db.
func NewCampaignService(db *DB) *CampaignService {
	return &CampaignService{db: db}
}

// CreateCampaign stores a draft campaign and queues its notices in one
// transaction, without reading a single person into memory.
func (s *CampaignService) CreateCampaign(ctx context.Context, c *breachdesk.Campaign) error {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := createCampaign(ctx, tx, c); err != nil {
		return fmt.Errorf("create campaign: %w", err)
	}
	return tx.Commit()
}

// FindCampaignByID returns one campaign, or not_found.
func (s *CampaignService) FindCampaignByID(ctx context.Context, id int64) (*breachdesk.Campaign, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c, err := findCampaignByID(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("find campaign %d: %w", id, err)
	}
	return c, nil
}

// FindCampaigns returns the campaigns matching filter, newest first.
func (s *CampaignService) FindCampaigns(ctx context.Context, filter breachdesk.CampaignFilter) ([]*breachdesk.Campaign, int, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	where, args := []string{"1 = 1"}, []any{}
	if v := filter.IncidentID; v != nil {
		where, args = append(where, "incident_id = ?"), append(args, *v)
	}
	if v := filter.Status; v != nil {
		where, args = append(where, "status = ?"), append(args, string(*v))
	}
	campaigns, err := findCampaigns(ctx, tx, strings.Join(where, " AND "), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find campaigns: %w", err)
	}
	return campaigns, len(campaigns), nil
}

// SetCampaignStatus starts, pauses or resumes a campaign.
func (s *CampaignService) SetCampaignStatus(ctx context.Context, id int64, status breachdesk.CampaignStatus) (*breachdesk.Campaign, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c, err := setCampaignStatus(ctx, tx, id, status)
	if err != nil {
		return nil, fmt.Errorf("set campaign %d %s: %w", id, status, err)
	}
	return c, tx.Commit()
}

// CampaignProgress counts the notices in a read transaction, which does
// not hold up the senders, and takes the writer only to mark an active
// campaign done; that write, like any, needs an actor in ctx.
func (s *CampaignService) CampaignProgress(ctx context.Context, id int64) (*breachdesk.CampaignProgress, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	p, err := countNotices(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("campaign %d progress: %w", id, err)
	}
	tx.Rollback()
	if p.Status != breachdesk.CampaignActive || p.Remaining() > 0 {
		return p, nil
	}
	wtx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer wtx.Rollback()
	if p.Status, err = completeCampaign(ctx, wtx, id); err != nil {
		return nil, fmt.Errorf("complete campaign %d: %w", id, err)
	}
	return p, wtx.Commit()
}

// CampaignDeliveries counts the notices handed over in each interval of
// step, in a read transaction, which does not hold up the senders.
func (s *CampaignService) CampaignDeliveries(ctx context.Context, id int64, step time.Duration) ([]breachdesk.DeliveryPoint, error) {
	if step < time.Second {
		return nil, breachdesk.FieldErrorf("step", "the intervals of a delivery chart last a second or more, not %s", step)
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	points, err := countDeliveries(ctx, tx, id, step)
	if err != nil {
		return nil, fmt.Errorf("campaign %d deliveries: %w", id, err)
	}
	return points, nil
}

// FindNotices returns the notices matching filter, by ID.
func (s *CampaignService) FindNotices(ctx context.Context, filter breachdesk.NoticeFilter) ([]*breachdesk.Notice, int, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	notices, n, err := findNotices(ctx, tx, filter)
	if err != nil {
		return nil, 0, fmt.Errorf("find notices: %w", err)
	}
	return notices, n, nil
}

// RegisterWorker records a worker or refreshes its heartbeat.
func (s *CampaignService) RegisterWorker(ctx context.Context, w *breachdesk.Worker) error {
	if w.ID == "" {
		return breachdesk.FieldErrorf("id", "a worker needs an id")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	started := tx.now
	if !w.StartedAt.IsZero() {
		started = w.StartedAt
	}
	err = tx.QueryRowContext(ctx, `
		INSERT INTO workers (id, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, heartbeat_at = excluded.heartbeat_at
		RETURNING started_at, heartbeat_at`,
		w.ID, w.Host, w.PID, formatTime(started), formatTime(tx.now)).Scan(requiredTime{&w.StartedAt}, requiredTime{&w.HeartbeatAt})
	if err != nil {
		return fmt.Errorf("register worker %s: %w", w.ID, FormatError(err))
	}
	return tx.Commit()
}

// FindWorkers returns the registered workers by ID.
func (s *CampaignService) FindWorkers(ctx context.Context) ([]*breachdesk.Worker, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id, host, pid, started_at, heartbeat_at FROM workers ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("find workers: %w", FormatError(err))
	}
	defer rows.Close()
	var workers []*breachdesk.Worker
	for rows.Next() {
		var w breachdesk.Worker
		if err := rows.Scan(&w.ID, &w.Host, &w.PID, requiredTime{&w.StartedAt}, requiredTime{&w.HeartbeatAt}); err != nil {
			return nil, err
		}
		workers = append(workers, &w)
	}
	return workers, rows.Err()
}

// ReleaseWorker queues again what the worker held and forgets it.
func (s *CampaignService) ReleaseWorker(ctx context.Context, workerID string) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := formatTime(tx.now)
	if _, err := tx.ExecContext(ctx, `
		UPDATE notices SET state = 'queued', worker_id = NULL, updated_at = ?
		WHERE worker_id = ? AND state = 'claimed'`, now, workerID); err != nil {
		return 0, fmt.Errorf("release worker %s: %w", workerID, FormatError(err))
	}
	result, err := tx.ExecContext(ctx, `
		UPDATE notices SET state = 'queued', uncertain = 1, worker_id = NULL, updated_at = ?
		WHERE worker_id = ? AND state = 'in_flight'`, now, workerID)
	if err != nil {
		return 0, fmt.Errorf("release worker %s: %w", workerID, FormatError(err))
	}
	inFlight, _ := result.RowsAffected()
	if _, err := tx.ExecContext(ctx, `DELETE FROM workers WHERE id = ?`, workerID); err != nil {
		return 0, fmt.Errorf("release worker %s: %w", workerID, FormatError(err))
	}
	return int(inFlight), tx.Commit()
}

// ClaimNotices takes the first due notices of each active campaign from
// notices_due_idx, keeps the Limit oldest of them and marks them claimed.
// SQLite has one writer at a time, so no other worker can claim them
// between the read and the update.
func (s *CampaignService) ClaimNotices(ctx context.Context, req breachdesk.ClaimRequest) ([]*breachdesk.ClaimedNotice, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	claimed, err := claimNotices(ctx, tx, req)
	if err != nil {
		return nil, fmt.Errorf("claim notices: %w", err)
	}
	return claimed, tx.Commit()
}

// RecordNoticeOutcomes applies each outcome with a prepared statement whose
// WHERE clause is its guard: an outcome that changes no row did not apply.
func (s *CampaignService) RecordNoticeOutcomes(ctx context.Context, workerID string, outcomes []breachdesk.NoticeOutcome) (int, error) {
	for i := range outcomes {
		if err := outcomes[i].Validate(); err != nil {
			return 0, err
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	ignored, err := recordNoticeOutcomes(ctx, tx, workerID, outcomes)
	if err != nil {
		return 0, fmt.Errorf("record notice outcomes: %w", err)
	}
	return ignored, tx.Commit()
}

func createCampaign(ctx context.Context, tx *Tx, c *breachdesk.Campaign) error {
	if _, err := findIncidentByID(ctx, tx, c.IncidentID); err != nil {
		return err
	}
	if c.FollowUpOf != nil {
		prev, err := findCampaignByID(ctx, tx, *c.FollowUpOf)
		if err != nil {
			return err
		}
		if prev.IncidentID != c.IncidentID {
			return breachdesk.FieldErrorf("follow_up_of", "campaign %d is of incident %d, not of incident %d", prev.ID, prev.IncidentID, c.IncidentID)
		}
	}
	c.Status, c.Recipients, c.Skipped = breachdesk.CampaignDraft, 0, 0
	c.Actor, c.CreatedAt, c.UpdatedAt, c.StartedAt, c.CompletedAt = tx.actor, tx.now, tx.now, nil, nil
	filter, err := json.Marshal(c.Filter)
	if err != nil {
		return err
	}
	result, err := tx.ExecContext(ctx, `
		INSERT INTO campaigns (incident_id, channel, template, filter, follow_up_of, unreached, status, actor, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.IncidentID, c.Channel, c.Template, string(filter), c.FollowUpOf, c.Unreached, string(c.Status),
		c.Actor, formatTime(c.CreatedAt), formatTime(c.UpdatedAt))
	if err != nil {
		return FormatError(err)
	}
	if c.ID, err = result.LastInsertId(); err != nil {
		return err
	}

	// Notices are numbered, and so sent, in the order people were imported.
	audience, args := audienceSQL(c)
	now := formatTime(tx.now)
	result, err = tx.ExecContext(ctx, `
		INSERT INTO notices (campaign_id, person_id, state, next_attempt_at, updated_at)
		SELECT ?, p.id, 'queued', ?, ? FROM affected_people p
		WHERE `+audience+` AND `+reachableSQL(c.Channel)+` ORDER BY p.id`,
		append([]any{c.ID, now, now}, args...)...)
	if err != nil {
		return FormatError(err)
	}
	if c.Recipients, err = result.RowsAffected(); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `
		SELECT COUNT(*) FROM affected_people p WHERE `+audience+` AND NOT (`+reachableSQL(c.Channel)+`)`,
		args...).Scan(&c.Skipped); err != nil {
		return FormatError(err)
	}
	if c.Recipients == 0 {
		return breachdesk.NoRecipientsError(c.Channel, c.Skipped)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET recipients = ?, skipped = ? WHERE id = ?`, c.Recipients, c.Skipped, c.ID); err != nil {
		return FormatError(err)
	}
	return appendAudit(ctx, tx, breachdesk.AuditCampaignCreate, "campaign", c.ID, nil, c)
}

// audienceSQL returns the condition on affected_people p that selects the
// campaign's people, before their channel is considered. Lists are passed
// as one JSON array each, so that a list of any length is one parameter.
func audienceSQL(c *breachdesk.Campaign) (string, []any) {
	where, args := []string{"p.incident_id = ?"}, []any{c.IncidentID}
	for _, f := range []struct {
		column string
		values []string
	}{
		{"p.country", c.Filter.Countries},
		{"p.region", c.Filter.Regions},
		{"p.language", c.Filter.Languages},
		{"p.external_id", c.Filter.ExternalIDs},
	} {
		if len(f.values) > 0 {
			where, args = append(where, f.column+" IN (SELECT value FROM json_each(?))"), append(args, jsonList(f.values))
		}
	}
	if c.Unreached {
		where = append(where, "p.id IN (SELECT person_id FROM notices WHERE campaign_id = ? AND state IN ('failed', 'bounced'))")
		args = append(args, *c.FollowUpOf)
	}
	return strings.Join(where, " AND "), args
}

// reachableSQL returns the condition on affected_people p that a person
// can be reached on channel. A letter goes only to people without a usable
// e-mail address: they have none, or every e-mail notice they were sent
// in the incident's campaigns ended failed or bounced. A person's notices
// are all of campaigns of the person's incident.
func reachableSQL(channel string) string {
	if channel == breachdesk.ChannelEmail {
		return `p.email_index IS NOT NULL`
	}
	return `(p.postal_address IS NOT NULL AND (p.email_index IS NULL OR (
		EXISTS (SELECT 1 FROM notices e JOIN campaigns ec ON ec.id = e.campaign_id
			WHERE e.person_id = p.id AND ec.channel = 'email')
		AND NOT EXISTS (SELECT 1 FROM notices e JOIN campaigns ec ON ec.id = e.campaign_id
			WHERE e.person_id = p.id AND ec.channel = 'email' AND e.state NOT IN ('failed', 'bounced')))))`
}

func setCampaignStatus(ctx context.Context, tx *Tx, id int64, status breachdesk.CampaignStatus) (*breachdesk.Campaign, error) {
	c, err := findCampaignByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if changed, err := c.StatusChange(status); err != nil || !changed {
		return c, err
	}
	before := *c
	c.Status, c.UpdatedAt = status, tx.now
	first := status == breachdesk.CampaignActive && c.StartedAt == nil
	if first {
		started := tx.now
		c.StartedAt = &started
	}
	if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = ?, updated_at = ?, started_at = ? WHERE id = ?`,
		string(c.Status), formatTime(c.UpdatedAt), nullTime(c.StartedAt), c.ID); err != nil {
		return nil, FormatError(err)
	}
	if first {
		e := &breachdesk.IncidentEvent{IncidentID: c.IncidentID, Kind: breachdesk.EventIndividualsNotified, At: tx.now, Note: c.StartNote()}
		if err := insertEvent(ctx, tx, e); err != nil {
			return nil, err
		}
	}
	return c, appendAudit(ctx, tx, breachdesk.AuditCampaignStatus, "campaign", c.ID, &before, c)
}

// completeCampaign marks the campaign done if it is still active and has
// nothing left to send, and returns its status.
func completeCampaign(ctx context.Context, tx *Tx, id int64) (breachdesk.CampaignStatus, error) {
	c, err := findCampaignByID(ctx, tx, id)
	if err != nil {
		return "", err
	}
	if c.Status != breachdesk.CampaignActive {
		return c.Status, nil
	}
	var remaining bool
	if err := tx.QueryRowContext(ctx, `
		SELECT EXISTS (SELECT 1 FROM notices WHERE campaign_id = ? AND state IN ('queued', 'claimed', 'in_flight'))`,
		id).Scan(&remaining); err != nil {
		return "", FormatError(err)
	}
	if remaining {
		return c.Status, nil
	}
	before := *c
	completed := tx.now
	c.Status, c.UpdatedAt, c.CompletedAt = breachdesk.CampaignDone, tx.now, &completed
	if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = ?, updated_at = ?, completed_at = ? WHERE id = ?`,
		string(c.Status), formatTime(c.UpdatedAt), nullTime(c.CompletedAt), c.ID); err != nil {
		return "", FormatError(err)
	}
	return c.Status, appendAudit(ctx, tx, breachdesk.AuditCampaignStatus, "campaign", c.ID, &before, c)
}

func findCampaignByID(ctx context.Context, tx *Tx, id int64) (*breachdesk.Campaign, error) {
	campaigns, err := findCampaigns(ctx, tx, "id = ?", id)
	if err != nil {
		return nil, err
	} else if len(campaigns) == 0 {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "Campaign %d does not exist.", id)
	}
	return campaigns[0], nil
}

const campaignColumns = `id, incident_id, channel, template, filter, follow_up_of, unreached, status,
	recipients, skipped, actor, created_at, updated_at, started_at, completed_at`

// findCampaigns returns the campaigns where holds, newest first.
func findCampaigns(ctx context.Context, tx *Tx, where string, args ...any) ([]*breachdesk.Campaign, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE `+where+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, FormatError(err)
	}
	defer rows.Close()
	var campaigns []*breachdesk.Campaign
	for rows.Next() {
		var c breachdesk.Campaign
		var filter string
		if err := rows.Scan(&c.ID, &c.IncidentID, &c.Channel, &c.Template, &filter, &c.FollowUpOf, &c.Unreached, &c.Status,
			&c.Recipients, &c.Skipped, &c.Actor, requiredTime{&c.CreatedAt}, requiredTime{&c.UpdatedAt},
			timeColumn{&c.StartedAt}, timeColumn{&c.CompletedAt}); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(filter), &c.Filter); err != nil {
			return nil, fmt.Errorf("campaign %d filter: %w", c.ID, err)
		}
		campaigns = append(campaigns, &c)
	}
	return campaigns, rows.Err()
}

// countNotices counts the campaign's notices in one pass over them and
// their people, grouped by language, country and state.
func countNotices(ctx context.Context, tx *Tx, id int64) (*breachdesk.CampaignProgress, error) {
	c, err := findCampaignByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	p := &breachdesk.CampaignProgress{CampaignID: id, Status: c.Status, States: map[breachdesk.NoticeState]int64{},
		ByLanguage: map[string]map[breachdesk.NoticeState]int64{}, ByCountry: map[string]map[breachdesk.NoticeState]int64{}}
	for _, state := range breachdesk.NoticeStates() {
		p.States[state] = 0
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT p.language, p.country, n.state, COUNT(*), SUM(n.uncertain),
			SUM(n.state = 'queued' AND n.next_attempt_at > ?), MIN(n.sent_at), MAX(n.sent_at)
		FROM notices n JOIN affected_people p ON p.id = n.person_id
		WHERE n.campaign_id = ? GROUP BY 1, 2, 3`, formatTime(tx.now), id)
	if err != nil {
		return nil, FormatError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var language, country string
		var state breachdesk.NoticeState
		var n, uncertain, waiting int64
		var first, last *time.Time
		if err := rows.Scan(&language, &country, &state, &n, &uncertain, &waiting, timeColumn{&first}, timeColumn{&last}); err != nil {
			return nil, err
		}
		p.Total += n
		p.States[state] += n
		p.Uncertain += uncertain
		p.Waiting += waiting
		addCount(p.ByLanguage, language, state, n)
		addCount(p.ByCountry, country, state, n)
		if first != nil && (p.FirstSentAt == nil || first.Before(*p.FirstSentAt)) {
			p.FirstSentAt = first
		}
		if last != nil && (p.LastSentAt == nil || last.After(*p.LastSentAt)) {
			p.LastSentAt = last
		}
	}
	return p, rows.Err()
}

// countDeliveries counts the campaign's sent notices by the interval of
// step, in microseconds since the Unix epoch, that their sent_at falls in.
// The microseconds are read from the fixed layout of the text (timeLayout,
// always UTC): SQLite's own parsing of a fraction rounds it to the
// millisecond in some versions (3.40 does), which would count a notice
// sent at 09:00:59.9999 in the minute of 09:01. Only sent notices and
// bounced ones have a sent_at; naming their states lets notices_state_idx
// skip the queued ones, most of a campaign early in its send (30 ms
// instead of 145 ms with 100,000 of 1,000,000 notices sent).
func countDeliveries(ctx context.Context, tx *Tx, id int64, step time.Duration) ([]breachdesk.DeliveryPoint, error) {
	if _, err := findCampaignByID(ctx, tx, id); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT (unixepoch(substr(sent_at, 1, 19)) * 1000000 + CAST(substr(sent_at, 21, 6) AS INTEGER)) / ?1 * ?1 AS at, COUNT(*)
		FROM notices WHERE campaign_id = ?2 AND state IN ('sent', 'bounced') AND sent_at IS NOT NULL
		GROUP BY at ORDER BY at`, step.Microseconds(), id)
	if err != nil {
		return nil, FormatError(err)
	}
	defer rows.Close()
	var points []breachdesk.DeliveryPoint
	for rows.Next() {
		var at, sent int64
		if err := rows.Scan(&at, &sent); err != nil {
			return nil, err
		}
		points = append(points, breachdesk.DeliveryPoint{At: time.UnixMicro(at).UTC(), Sent: sent})
	}
	return points, rows.Err()
}

// addCount adds n notices in state to the counts of value.
func addCount(counts map[string]map[breachdesk.NoticeState]int64, value string, state breachdesk.NoticeState, n int64) {
	if counts[value] == nil {
		counts[value] = map[breachdesk.NoticeState]int64{}
	}
	counts[value][state] += n
}

// noticeColumns are a notice's columns and its person's attributes, read
// from notices n JOIN affected_people p.
const noticeColumns = `n.id, n.campaign_id, n.person_id, n.state, n.uncertain, n.attempts, n.next_attempt_at,
	n.last_error, COALESCE(n.code, ''), COALESCE(n.message_id, ''), n.recipient, COALESCE(n.worker_id, ''),
	n.sent_at, n.bounced_at, n.updated_at, p.external_id, p.country, p.region, p.language`

// noticeDest returns the scan destinations of noticeColumns.
func noticeDest(n *breachdesk.Notice) []any {
	return []any{&n.ID, &n.CampaignID, &n.PersonID, &n.State, &n.Uncertain, &n.Attempts, requiredTime{&n.NextAttemptAt},
		&n.LastError, &n.Code, &n.MessageID, &n.Recipient, &n.WorkerID,
		timeColumn{&n.SentAt}, timeColumn{&n.BouncedAt}, requiredTime{&n.UpdatedAt}, &n.ExternalID, &n.Country, &n.Region, &n.Language}
}

func findNotices(ctx context.Context, tx *Tx, filter breachdesk.NoticeFilter) ([]*breachdesk.Notice, int, error) {
	where, args := []string{"1 = 1"}, []any{}
	if v := filter.CampaignID; v != nil {
		where, args = append(where, "n.campaign_id = ?"), append(args, *v)
	}
	if v := filter.PersonID; v != nil {
		where, args = append(where, "n.person_id = ?"), append(args, *v)
	}
	if v := filter.ExternalID; v != nil {
		// External ids are unique per incident: naming every incident lets
		// the look-up use that index instead of reading every person.
		where = append(where, "n.person_id IN (SELECT id FROM affected_people WHERE incident_id IN (SELECT id FROM incidents) AND external_id = ?)")
		args = append(args, *v)
	}
	if v := filter.Code; v != nil {
		where, args = append(where, "n.code = ?"), append(args, *v)
	}
	if v := filter.State; v != nil {
		where, args = append(where, "n.state = ?"), append(args, string(*v))
	}
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices n WHERE `+strings.Join(where, " AND "), args...).Scan(&total); err != nil {
		return nil, 0, FormatError(err)
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT `+noticeColumns+` FROM notices n JOIN affected_people p ON p.id = n.person_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY n.id `+limitOffset(filter.Limit, filter.Offset), args...)
	if err != nil {
		return nil, 0, FormatError(err)
	}
	defer rows.Close()
	var notices []*breachdesk.Notice
	for rows.Next() {
		var n breachdesk.Notice
		if err := rows.Scan(noticeDest(&n)...); err != nil {
			return nil, 0, err
		}
		notices = append(notices, &n)
	}
	return notices, total, rows.Err()
}

func claimNotices(ctx context.Context, tx *Tx, req breachdesk.ClaimRequest) ([]*breachdesk.ClaimedNotice, error) {
	where, args := "status = 'active'", []any{}
	if req.CampaignID != nil {
		where, args = where+" AND id = ?", append(args, *req.CampaignID)
	}
	if req.Channel != "" {
		where, args = where+" AND channel = ?", append(args, req.Channel)
	}
	campaigns, err := findCampaigns(ctx, tx, where, args...)
	if err != nil {
		return nil, err
	}
	// The first Limit due notices of each active campaign, read from the
	// index in its order; the oldest Limit of them all are claimed. There
	// are few active campaigns at a time, and the index holds only queued
	// notices, so this reads about Limit entries per campaign however large
	// the campaigns are.
	type due struct {
		id int64
		at string
	}
	var candidates []due
	now := formatTime(tx.now)
	for _, c := range campaigns {
		rows, err := tx.QueryContext(ctx, `
			SELECT id, next_attempt_at FROM notices INDEXED BY notices_due_idx
			WHERE campaign_id = ? AND state = 'queued' AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ?`, c.ID, now, req.Limit)
		if err != nil {
			return nil, FormatError(err)
		}
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.at); err != nil {
				rows.Close()
				return nil, err
			}
			candidates = append(candidates, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if len(candidates) == 0 {
		return nil, nil
	}
	slices.SortFunc(candidates, func(a, b due) int { return cmp.Or(strings.Compare(a.at, b.at), cmp.Compare(a.id, b.id)) })
	ids := make([]int64, 0, min(len(candidates), req.Limit))
	for _, d := range candidates[:min(len(candidates), req.Limit)] {
		ids = append(ids, d.id)
	}
	idList, _ := json.Marshal(ids) // a []int64 always marshals

	byID := map[int64]*breachdesk.Campaign{}
	for _, c := range campaigns {
		byID[c.ID] = c
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT `+noticeColumns+`, p.id, p.incident_id, p.name, p.email, p.phone, p.postal_address,
			p.email_index, p.phone_index, p.data_categories, p.created_at
		FROM notices n JOIN affected_people p ON p.id = n.person_id
		WHERE n.id IN (SELECT value FROM json_each(?)) ORDER BY n.next_attempt_at, n.id`, string(idList))
	if err != nil {
		return nil, FormatError(err)
	}
	defer rows.Close()
	claimed := make([]*breachdesk.ClaimedNotice, 0, len(ids))
	for rows.Next() {
		var n breachdesk.Notice
		var p breachdesk.SealedPerson
		var categories string
		dest := append(noticeDest(&n), &p.ID, &p.IncidentID, &p.Name, &p.Email, &p.Phone, &p.PostalAddress,
			&p.EmailIndex, &p.PhoneIndex, &categories, requiredTime{&p.CreatedAt})
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(categories), &p.DataCategories); err != nil {
			return nil, err
		}
		p.ExternalID, p.Country, p.Region, p.Language = n.ExternalID, n.Country, n.Region, n.Language
		n.State, n.WorkerID, n.UpdatedAt = breachdesk.NoticeClaimed, req.WorkerID, tx.now
		claimed = append(claimed, &breachdesk.ClaimedNotice{Notice: &n, Person: &p, Campaign: byID[n.CampaignID]})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE notices SET state = 'claimed', worker_id = ?, updated_at = ?
		WHERE id IN (SELECT value FROM json_each(?))`, req.WorkerID, now, string(idList)); err != nil {
		return nil, FormatError(err)
	}
	return claimed, nil
}

// outcomeSQL is, for each state an outcome records, the update that
// records it; its WHERE clause is the guard. The first four arguments are
// always the time of the change, the notice, the worker and whether the
// message may have been delivered, which once set stays set.
var outcomeSQL = map[breachdesk.NoticeState]string{
	breachdesk.NoticeInFlight: `UPDATE notices SET state = 'in_flight', updated_at = ?1, uncertain = (uncertain OR ?4),
		code = COALESCE(code, NULLIF(?5, '')), message_id = COALESCE(message_id, NULLIF(?6, '')),
		recipient = COALESCE(NULLIF(recipient, ''), ?7), attempts = attempts + 1
		WHERE id = ?2 AND worker_id = ?3 AND state IN ('claimed', 'in_flight')`,
	breachdesk.NoticeSent: `UPDATE notices SET state = 'sent', updated_at = ?1, uncertain = (uncertain OR ?4),
		sent_at = ?5, worker_id = NULL, last_error = ''
		WHERE id = ?2 AND worker_id = ?3 AND state = 'in_flight'`,
	breachdesk.NoticeQueued: `UPDATE notices SET state = 'queued', updated_at = ?1, uncertain = (uncertain OR ?4),
		next_attempt_at = ?5, last_error = ?6, worker_id = NULL
		WHERE id = ?2 AND worker_id = ?3 AND state IN ('claimed', 'in_flight')`,
	breachdesk.NoticeFailed: `UPDATE notices SET state = 'failed', updated_at = ?1, uncertain = (uncertain OR ?4),
		last_error = ?5, worker_id = NULL
		WHERE id = ?2 AND worker_id = ?3 AND state IN ('claimed', 'in_flight')`,
	// A bounce may come from anyone, even before the worker recorded the
	// server's acceptance: it is proof the message left.
	breachdesk.NoticeBounced: `UPDATE notices SET state = 'bounced', updated_at = ?1, uncertain = (uncertain OR ?4),
		bounced_at = ?5, last_error = ?6, worker_id = NULL
		WHERE id = ?2 AND state IN ('sent', 'in_flight')`,
}

func recordNoticeOutcomes(ctx context.Context, tx *Tx, workerID string, outcomes []breachdesk.NoticeOutcome) (int, error) {
	now := formatTime(tx.now)
	// As in InsertSealedPeople: checking the context between rows costs
	// far less than the driver watching it for every statement.
	rowCtx := context.WithoutCancel(ctx)
	ignored := 0
	for i, o := range outcomes {
		if i%100 == 0 && ctx.Err() != nil {
			return 0, ctx.Err()
		}
		at := o.At
		if at.IsZero() {
			at = tx.now
		}
		args := []any{now, o.NoticeID, workerID, o.Uncertain}
		switch o.State {
		case breachdesk.NoticeInFlight:
			args = append(args, o.Code, o.MessageID, o.Recipient)
		case breachdesk.NoticeSent:
			args = append(args, formatTime(at))
		case breachdesk.NoticeQueued:
			next := o.NextAttemptAt
			if next.IsZero() {
				next = tx.now
			}
			args = append(args, formatTime(next), breachdesk.TrimReply(o.Error))
		case breachdesk.NoticeFailed:
			args = append(args, breachdesk.TrimReply(o.Error))
		case breachdesk.NoticeBounced:
			args = append(args, formatTime(at), breachdesk.TrimReply(o.Error))
		}
		stmt, err := tx.cachedStmt(ctx, outcomeSQL[o.State])
		if err != nil {
			return 0, FormatError(err)
		}
		result, err := stmt.ExecContext(rowCtx, args...)
		if err != nil {
			return 0, fmt.Errorf("notice %d %s: %w", o.NoticeID, o.State, FormatError(err))
		}
		if n, _ := result.RowsAffected(); n == 0 {
			ignored++
		}
	}
	return ignored, nil
}
