package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ breachdesk.CampaignService = (*CampaignService)(nil)

// CampaignService stores campaigns and their outbox of notices in
// PostgreSQL, where senders on several machines share the outbox.
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
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := createCampaign(ctx, tx, c); err != nil {
		return fmt.Errorf("create campaign: %w", err)
	}
	return tx.Commit(ctx)
}

// FindCampaignByID returns one campaign, or not_found.
func (s *CampaignService) FindCampaignByID(ctx context.Context, id int64) (*breachdesk.Campaign, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	c, err := findCampaignByID(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("find campaign %d: %w", id, err)
	}
	return c, nil
}

// FindCampaigns returns the campaigns matching filter, newest first.
func (s *CampaignService) FindCampaigns(ctx context.Context, filter breachdesk.CampaignFilter) ([]*breachdesk.Campaign, int, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback(ctx)
	var args queryArgs
	where := []string{"TRUE"}
	if v := filter.IncidentID; v != nil {
		where = append(where, "incident_id = "+args.add(*v))
	}
	if v := filter.Status; v != nil {
		where = append(where, "status = "+args.add(string(*v)))
	}
	campaigns, err := findCampaigns(ctx, tx, strings.Join(where, " AND "), args)
	if err != nil {
		return nil, 0, fmt.Errorf("find campaigns: %w", err)
	}
	return campaigns, len(campaigns), nil
}

// SetCampaignStatus starts, pauses or resumes a campaign.
func (s *CampaignService) SetCampaignStatus(ctx context.Context, id int64, status breachdesk.CampaignStatus) (*breachdesk.Campaign, error) {
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	c, err := setCampaignStatus(ctx, tx, id, status)
	if err != nil {
		return nil, fmt.Errorf("set campaign %d %s: %w", id, status, err)
	}
	return c, tx.Commit(ctx)
}

// CampaignProgress counts the notices in a read-only transaction and
// writes only to mark an active campaign done; that write, like any, needs
// an actor in ctx.
func (s *CampaignService) CampaignProgress(ctx context.Context, id int64) (*breachdesk.CampaignProgress, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	p, err := countNotices(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("campaign %d progress: %w", id, err)
	}
	tx.Rollback(ctx)
	if p.Status != breachdesk.CampaignActive || p.Remaining() > 0 {
		return p, nil
	}
	wtx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return nil, err
	}
	defer wtx.Rollback(ctx)
	if p.Status, err = completeCampaign(ctx, wtx, id); err != nil {
		return nil, fmt.Errorf("complete campaign %d: %w", id, err)
	}
	return p, wtx.Commit(ctx)
}

// CampaignDeliveries counts the notices handed over in each interval of
// step, in a read-only transaction.
func (s *CampaignService) CampaignDeliveries(ctx context.Context, id int64, step time.Duration) ([]breachdesk.DeliveryPoint, error) {
	if step < time.Second {
		return nil, breachdesk.FieldErrorf("step", "the intervals of a delivery chart last a second or more, not %s", step)
	}
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	points, err := countDeliveries(ctx, tx, id, step)
	if err != nil {
		return nil, fmt.Errorf("campaign %d deliveries: %w", id, err)
	}
	return points, nil
}

// FindNotices returns the notices matching filter, by ID.
func (s *CampaignService) FindNotices(ctx context.Context, filter breachdesk.NoticeFilter) ([]*breachdesk.Notice, int, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback(ctx)
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
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	started := tx.now
	if !w.StartedAt.IsZero() {
		started = w.StartedAt
	}
	err = tx.QueryRow(ctx, `
		INSERT INTO workers (id, host, pid, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, heartbeat_at = EXCLUDED.heartbeat_at
		RETURNING started_at, heartbeat_at`,
		w.ID, w.Host, w.PID, started, tx.now).Scan(&w.StartedAt, &w.HeartbeatAt)
	if err != nil {
		return fmt.Errorf("register worker %s: %w", w.ID, FormatError(err))
	}
	w.StartedAt, w.HeartbeatAt = w.StartedAt.UTC(), w.HeartbeatAt.UTC()
	return tx.Commit(ctx)
}

// FindWorkers returns the registered workers by ID.
func (s *CampaignService) FindWorkers(ctx context.Context) ([]*breachdesk.Worker, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, `SELECT id, host, pid, started_at, heartbeat_at FROM workers ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("find workers: %w", FormatError(err))
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*breachdesk.Worker, error) {
		var w breachdesk.Worker
		err := row.Scan(&w.ID, &w.Host, &w.PID, &w.StartedAt, &w.HeartbeatAt)
		w.StartedAt, w.HeartbeatAt = w.StartedAt.UTC(), w.HeartbeatAt.UTC()
		return &w, err
	})
}

// ReleaseWorker queues again what the worker held and forgets it.
func (s *CampaignService) ReleaseWorker(ctx context.Context, workerID string) (int, error) {
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `
		UPDATE notices SET state = 'queued', worker_id = NULL, updated_at = $1
		WHERE worker_id = $2 AND state = 'claimed'`, tx.now, workerID); err != nil {
		return 0, fmt.Errorf("release worker %s: %w", workerID, FormatError(err))
	}
	tag, err := tx.Exec(ctx, `
		UPDATE notices SET state = 'queued', uncertain = TRUE, worker_id = NULL, updated_at = $1
		WHERE worker_id = $2 AND state = 'in_flight'`, tx.now, workerID)
	if err != nil {
		return 0, fmt.Errorf("release worker %s: %w", workerID, FormatError(err))
	}
	if _, err := tx.Exec(ctx, `DELETE FROM workers WHERE id = $1`, workerID); err != nil {
		return 0, fmt.Errorf("release worker %s: %w", workerID, FormatError(err))
	}
	return int(tag.RowsAffected()), tx.Commit(ctx)
}

// ClaimNotices locks the first due notices of each active campaign with
// SKIP LOCKED, so that concurrent workers pass over each other's rows
// instead of waiting for them, and marks the Limit oldest claimed.
func (s *CampaignService) ClaimNotices(ctx context.Context, req breachdesk.ClaimRequest) ([]*breachdesk.ClaimedNotice, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	claimed, err := claimNotices(ctx, tx, req)
	if err != nil {
		return nil, fmt.Errorf("claim notices: %w", err)
	}
	return claimed, tx.Commit(ctx)
}

// RecordNoticeOutcomes sends every outcome's update in one batch, each a
// prepared statement whose WHERE clause is its guard: an outcome that
// changes no row did not apply.
func (s *CampaignService) RecordNoticeOutcomes(ctx context.Context, workerID string, outcomes []breachdesk.NoticeOutcome) (int, error) {
	for i := range outcomes {
		if err := outcomes[i].Validate(); err != nil {
			return 0, err
		}
	}
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	ignored, err := recordNoticeOutcomes(ctx, tx, workerID, outcomes)
	if err != nil {
		return 0, fmt.Errorf("record notice outcomes: %w", err)
	}
	return ignored, tx.Commit(ctx)
}

// queryArgs collects the arguments of a query built piece by piece.
type queryArgs []any

// add appends v and returns its placeholder.
func (a *queryArgs) add(v any) string {
	*a = append(*a, v)
	return fmt.Sprintf("$%d", len(*a))
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
	if err := tx.QueryRow(ctx, `
		INSERT INTO campaigns (incident_id, channel, template, filter, follow_up_of, unreached, status, actor, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		c.IncidentID, c.Channel, c.Template, string(filter), c.FollowUpOf, c.Unreached, string(c.Status),
		c.Actor, c.CreatedAt, c.UpdatedAt).Scan(&c.ID); err != nil {
		return FormatError(err)
	}

	// Notices are numbered, and so sent, in the order people were imported.
	args := queryArgs{c.ID, tx.now}
	tag, err := tx.Exec(ctx, `
		INSERT INTO notices (campaign_id, person_id, state, next_attempt_at, updated_at)
		SELECT $1, p.id, 'queued', $2, $2 FROM affected_people p
		WHERE `+audienceSQL(c, &args)+` AND `+reachableSQL(c.Channel)+` ORDER BY p.id`, args...)
	if err != nil {
		return FormatError(err)
	}
	c.Recipients = tag.RowsAffected()
	args = nil
	if err := tx.QueryRow(ctx, `
		SELECT COUNT(*) FROM affected_people p WHERE `+audienceSQL(c, &args)+` AND NOT `+reachableSQL(c.Channel),
		args...).Scan(&c.Skipped); err != nil {
		return FormatError(err)
	}
	if c.Recipients == 0 {
		return breachdesk.NoRecipientsError(c.Channel, c.Skipped)
	}
	if _, err := tx.Exec(ctx, `UPDATE campaigns SET recipients = $1, skipped = $2 WHERE id = $3`, c.Recipients, c.Skipped, c.ID); err != nil {
		return FormatError(err)
	}
	return appendAudit(ctx, tx, breachdesk.AuditCampaignCreate, "campaign", c.ID, nil, c)
}

// audienceSQL returns the condition on affected_people p that selects the
// campaign's people, before their channel is considered.
func audienceSQL(c *breachdesk.Campaign, args *queryArgs) string {
	where := []string{"p.incident_id = " + args.add(c.IncidentID)}
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
			where = append(where, f.column+" = ANY("+args.add(f.values)+")")
		}
	}
	if c.Unreached {
		where = append(where, "p.id IN (SELECT person_id FROM notices WHERE campaign_id = "+args.add(*c.FollowUpOf)+" AND state IN ('failed', 'bounced'))")
	}
	return strings.Join(where, " AND ")
}

// reachableSQL returns the condition on affected_people p that a person
// can be reached on channel. A letter goes only to people without a usable
// e-mail address: they have none, or every e-mail notice they were sent
// in the incident's campaigns ended failed or bounced. A person's notices
// are all of campaigns of the person's incident.
func reachableSQL(channel string) string {
	if channel == breachdesk.ChannelEmail {
		return `(p.email_index IS NOT NULL)`
	}
	return `(p.postal_address IS NOT NULL AND (p.email_index IS NULL OR (
		EXISTS (SELECT 1 FROM notices e JOIN campaigns ec ON ec.id = e.campaign_id
			WHERE e.person_id = p.id AND ec.channel = 'email')
		AND NOT EXISTS (SELECT 1 FROM notices e JOIN campaigns ec ON ec.id = e.campaign_id
			WHERE e.person_id = p.id AND ec.channel = 'email' AND e.state NOT IN ('failed', 'bounced')))))`
}

func setCampaignStatus(ctx context.Context, tx *Tx, id int64, status breachdesk.CampaignStatus) (*breachdesk.Campaign, error) {
	// The row lock makes two starts of one campaign take turns, so that
	// only the first records individuals_notified.
	c, err := findCampaignByID(ctx, tx, id, "FOR NO KEY UPDATE")
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
	if _, err := tx.Exec(ctx, `UPDATE campaigns SET status = $1, updated_at = $2, started_at = $3 WHERE id = $4`,
		string(c.Status), c.UpdatedAt, c.StartedAt, c.ID); err != nil {
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
	c, err := findCampaignByID(ctx, tx, id, "FOR NO KEY UPDATE")
	if err != nil {
		return "", err
	}
	if c.Status != breachdesk.CampaignActive {
		return c.Status, nil
	}
	var remaining bool
	if err := tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM notices WHERE campaign_id = $1 AND state IN ('queued', 'claimed', 'in_flight'))`,
		id).Scan(&remaining); err != nil {
		return "", FormatError(err)
	}
	if remaining {
		return c.Status, nil
	}
	before := *c
	completed := tx.now
	c.Status, c.UpdatedAt, c.CompletedAt = breachdesk.CampaignDone, tx.now, &completed
	if _, err := tx.Exec(ctx, `UPDATE campaigns SET status = $1, updated_at = $2, completed_at = $3 WHERE id = $4`,
		string(c.Status), c.UpdatedAt, c.CompletedAt, c.ID); err != nil {
		return "", FormatError(err)
	}
	return c.Status, appendAudit(ctx, tx, breachdesk.AuditCampaignStatus, "campaign", c.ID, &before, c)
}

// findCampaignByID takes an optional locking clause such as "FOR UPDATE".
func findCampaignByID(ctx context.Context, tx *Tx, id int64, lock ...string) (*breachdesk.Campaign, error) {
	campaigns, err := findCampaigns(ctx, tx, "id = $1", queryArgs{id}, lock...)
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
func findCampaigns(ctx context.Context, tx *Tx, where string, args queryArgs, lock ...string) ([]*breachdesk.Campaign, error) {
	rows, err := tx.Query(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE `+where+` ORDER BY id DESC `+strings.Join(lock, " "), args...)
	if err != nil {
		return nil, FormatError(err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*breachdesk.Campaign, error) {
		var c breachdesk.Campaign
		var filter []byte
		if err := row.Scan(&c.ID, &c.IncidentID, &c.Channel, &c.Template, &filter, &c.FollowUpOf, &c.Unreached, &c.Status,
			&c.Recipients, &c.Skipped, &c.Actor, &c.CreatedAt, &c.UpdatedAt, &c.StartedAt, &c.CompletedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(filter, &c.Filter); err != nil {
			return nil, fmt.Errorf("campaign %d filter: %w", c.ID, err)
		}
		c.CreatedAt, c.UpdatedAt, c.StartedAt, c.CompletedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC(), utc(c.StartedAt), utc(c.CompletedAt)
		return &c, nil
	})
}

// utc returns t in UTC, or nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
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
	rows, err := tx.Query(ctx, `
		SELECT p.language, p.country, n.state, COUNT(*), COUNT(*) FILTER (WHERE n.uncertain),
			COUNT(*) FILTER (WHERE n.state = 'queued' AND n.next_attempt_at > $1), MIN(n.sent_at), MAX(n.sent_at)
		FROM notices n JOIN affected_people p ON p.id = n.person_id
		WHERE n.campaign_id = $2 GROUP BY 1, 2, 3`, tx.now, id)
	if err != nil {
		return nil, FormatError(err)
	}
	var language, country string
	var state breachdesk.NoticeState
	var n, uncertain, waiting int64
	var first, last *time.Time
	_, err = pgx.ForEachRow(rows, []any{&language, &country, &state, &n, &uncertain, &waiting, &first, &last}, func() error {
		p.Total += n
		p.States[state] += n
		p.Uncertain += uncertain
		p.Waiting += waiting
		addCount(p.ByLanguage, language, state, n)
		addCount(p.ByCountry, country, state, n)
		if first != nil && (p.FirstSentAt == nil || first.Before(*p.FirstSentAt)) {
			p.FirstSentAt = utc(first)
		}
		if last != nil && (p.LastSentAt == nil || last.After(*p.LastSentAt)) {
			p.LastSentAt = utc(last)
		}
		return nil
	})
	return p, FormatError(err)
}

// countDeliveries counts the campaign's sent notices by the interval of
// step that their sent_at falls in. date_bin works in whole microseconds,
// as timestamptz stores them, so no rounding moves a notice to the next
// interval; step is sent as an interval of microseconds. Only sent
// notices and bounced ones have a sent_at; naming their states lets
// notices_state_idx skip the queued ones, most of a campaign early in its
// send.
func countDeliveries(ctx context.Context, tx *Tx, id int64, step time.Duration) ([]breachdesk.DeliveryPoint, error) {
	if _, err := findCampaignByID(ctx, tx, id); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `
		SELECT date_bin($1, sent_at, 'epoch') AS at, COUNT(*)
		FROM notices WHERE campaign_id = $2 AND state IN ('sent', 'bounced') AND sent_at IS NOT NULL
		GROUP BY at ORDER BY at`, step, id)
	if err != nil {
		return nil, FormatError(err)
	}
	var points []breachdesk.DeliveryPoint
	var p breachdesk.DeliveryPoint
	_, err = pgx.ForEachRow(rows, []any{&p.At, &p.Sent}, func() error {
		p.At = p.At.UTC()
		points = append(points, p)
		return nil
	})
	return points, FormatError(err)
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
	return []any{&n.ID, &n.CampaignID, &n.PersonID, &n.State, &n.Uncertain, &n.Attempts, &n.NextAttemptAt,
		&n.LastError, &n.Code, &n.MessageID, &n.Recipient, &n.WorkerID,
		&n.SentAt, &n.BouncedAt, &n.UpdatedAt, &n.ExternalID, &n.Country, &n.Region, &n.Language}
}

// noticeUTC puts the notice's times in UTC.
func noticeUTC(n *breachdesk.Notice) {
	n.NextAttemptAt, n.UpdatedAt, n.SentAt, n.BouncedAt = n.NextAttemptAt.UTC(), n.UpdatedAt.UTC(), utc(n.SentAt), utc(n.BouncedAt)
}

func findNotices(ctx context.Context, tx *Tx, filter breachdesk.NoticeFilter) ([]*breachdesk.Notice, int, error) {
	var args queryArgs
	where := []string{"TRUE"}
	if v := filter.CampaignID; v != nil {
		where = append(where, "n.campaign_id = "+args.add(*v))
	}
	if v := filter.PersonID; v != nil {
		where = append(where, "n.person_id = "+args.add(*v))
	}
	if v := filter.ExternalID; v != nil {
		// External ids are unique per incident: naming every incident lets
		// the look-up use that index instead of reading every person.
		where = append(where, "n.person_id IN (SELECT id FROM affected_people WHERE incident_id IN (SELECT id FROM incidents) AND external_id = "+args.add(*v)+")")
	}
	if v := filter.Code; v != nil {
		where = append(where, "n.code = "+args.add(*v))
	}
	if v := filter.State; v != nil {
		where = append(where, "n.state = "+args.add(string(*v)))
	}
	var total int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM notices n WHERE `+strings.Join(where, " AND "), args...).Scan(&total); err != nil {
		return nil, 0, FormatError(err)
	}
	rows, err := tx.Query(ctx, `
		SELECT `+noticeColumns+` FROM notices n JOIN affected_people p ON p.id = n.person_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY n.id `+limitOffset(filter.Limit, filter.Offset), args...)
	if err != nil {
		return nil, 0, FormatError(err)
	}
	notices, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*breachdesk.Notice, error) {
		var n breachdesk.Notice
		err := row.Scan(noticeDest(&n)...)
		noticeUTC(&n)
		return &n, err
	})
	return notices, total, FormatError(err)
}

func claimNotices(ctx context.Context, tx *Tx, req breachdesk.ClaimRequest) ([]*breachdesk.ClaimedNotice, error) {
	var args queryArgs
	where := "status = 'active'"
	if req.CampaignID != nil {
		where += " AND id = " + args.add(*req.CampaignID)
	}
	if req.Channel != "" {
		where += " AND channel = " + args.add(req.Channel)
	}
	campaigns, err := findCampaigns(ctx, tx, where, args)
	if err != nil || len(campaigns) == 0 {
		return nil, err
	}
	byID := map[int64]*breachdesk.Campaign{}
	ids := make([]int64, 0, len(campaigns))
	for _, c := range campaigns {
		byID[c.ID] = c
		ids = append(ids, c.ID)
	}
	// For each active campaign, the first due notices from notices_due_idx,
	// locked; the Limit oldest of them all are claimed. Few campaigns are
	// active at a time, and the index holds only queued notices, so this
	// reads about Limit entries per campaign however large the campaigns
	// are. Rows locked but not kept are free again at commit.
	rows, err := tx.Query(ctx, `
		WITH due AS (
			SELECT d.id FROM unnest($1::bigint[]) AS c (id), LATERAL (
				SELECT n.id, n.next_attempt_at FROM notices n
				WHERE n.campaign_id = c.id AND n.state = 'queued' AND n.next_attempt_at <= $2
				ORDER BY n.next_attempt_at, n.id LIMIT $3
				FOR UPDATE SKIP LOCKED
			) d
			ORDER BY d.next_attempt_at, d.id LIMIT $3
		), claimed AS (
			UPDATE notices n SET state = 'claimed', worker_id = $4, updated_at = $2
			FROM due WHERE n.id = due.id
			RETURNING n.*
		)
		SELECT `+noticeColumns+`, p.id, p.incident_id, p.name, p.email, p.phone, p.postal_address,
			p.email_index, p.phone_index, p.data_categories, p.created_at
		FROM claimed n JOIN affected_people p ON p.id = n.person_id
		ORDER BY n.next_attempt_at, n.id`, ids, tx.now, req.Limit, req.WorkerID)
	if err != nil {
		return nil, FormatError(err)
	}
	claimed, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*breachdesk.ClaimedNotice, error) {
		var n breachdesk.Notice
		var p breachdesk.SealedPerson
		dest := append(noticeDest(&n), &p.ID, &p.IncidentID, &p.Name, &p.Email, &p.Phone, &p.PostalAddress,
			&p.EmailIndex, &p.PhoneIndex, &p.DataCategories, &p.CreatedAt)
		if err := row.Scan(dest...); err != nil {
			return nil, err
		}
		noticeUTC(&n)
		p.CreatedAt = p.CreatedAt.UTC()
		p.ExternalID, p.Country, p.Region, p.Language = n.ExternalID, n.Country, n.Region, n.Language
		return &breachdesk.ClaimedNotice{Notice: &n, Person: &p, Campaign: byID[n.CampaignID]}, nil
	})
	return claimed, FormatError(err)
}

func recordNoticeOutcomes(ctx context.Context, tx *Tx, workerID string, outcomes []breachdesk.NoticeOutcome) (int, error) {
	// In notice order, so that two batches that touch the same notices (a
	// worker's and the bounce processor's) lock them in one order and
	// cannot deadlock; the sort is stable, keeping each notice's steps in
	// the order given.
	outcomes = slices.Clone(outcomes)
	slices.SortStableFunc(outcomes, func(a, b breachdesk.NoticeOutcome) int { return cmp.Compare(a.NoticeID, b.NoticeID) })
	batch := &pgx.Batch{}
	for _, o := range outcomes {
		at := o.At
		if at.IsZero() {
			at = tx.now
		}
		// $4, whether the message may have been delivered, once set stays
		// set.
		switch o.State {
		case breachdesk.NoticeInFlight:
			batch.Queue(`UPDATE notices SET state = 'in_flight', updated_at = $1, uncertain = (uncertain OR $4),
				code = COALESCE(code, NULLIF($5, '')), message_id = COALESCE(message_id, NULLIF($6, '')),
				recipient = COALESCE(NULLIF(recipient, ''), $7), attempts = attempts + 1
				WHERE id = $2 AND worker_id = $3 AND state IN ('claimed', 'in_flight')`,
				tx.now, o.NoticeID, workerID, o.Uncertain, o.Code, o.MessageID, o.Recipient)
		case breachdesk.NoticeSent:
			batch.Queue(`UPDATE notices SET state = 'sent', updated_at = $1, uncertain = (uncertain OR $4),
				sent_at = $5, worker_id = NULL, last_error = ''
				WHERE id = $2 AND worker_id = $3 AND state = 'in_flight'`,
				tx.now, o.NoticeID, workerID, o.Uncertain, at)
		case breachdesk.NoticeQueued:
			next := o.NextAttemptAt
			if next.IsZero() {
				next = tx.now
			}
			batch.Queue(`UPDATE notices SET state = 'queued', updated_at = $1, uncertain = (uncertain OR $4),
				next_attempt_at = $5, last_error = $6, worker_id = NULL
				WHERE id = $2 AND worker_id = $3 AND state IN ('claimed', 'in_flight')`,
				tx.now, o.NoticeID, workerID, o.Uncertain, next, breachdesk.TrimReply(o.Error))
		case breachdesk.NoticeFailed:
			batch.Queue(`UPDATE notices SET state = 'failed', updated_at = $1, uncertain = (uncertain OR $4),
				last_error = $5, worker_id = NULL
				WHERE id = $2 AND worker_id = $3 AND state IN ('claimed', 'in_flight')`,
				tx.now, o.NoticeID, workerID, o.Uncertain, breachdesk.TrimReply(o.Error))
		case breachdesk.NoticeBounced:
			// A bounce may come from anyone, even before the worker recorded
			// the server's acceptance: it is proof the message left.
			batch.Queue(`UPDATE notices SET state = 'bounced', updated_at = $1, uncertain = (uncertain OR $3),
				bounced_at = $4, last_error = $5, worker_id = NULL
				WHERE id = $2 AND state IN ('sent', 'in_flight')`,
				tx.now, o.NoticeID, o.Uncertain, at, breachdesk.TrimReply(o.Error))
		}
	}
	results := tx.SendBatch(ctx, batch)
	defer results.Close()
	ignored := 0
	for _, o := range outcomes {
		tag, err := results.Exec()
		if err != nil {
			return 0, fmt.Errorf("notice %d %s: %w", o.NoticeID, o.State, FormatError(err))
		}
		if tag.RowsAffected() == 0 {
			ignored++
		}
	}
	return ignored, results.Close()
}
