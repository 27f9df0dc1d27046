package breachdesk

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Campaign tells a chosen set of an incident's affected people about the
// breach, one notice each, by e-mail or by letter. Its notices wait in an
// outbox in the database until a sender delivers them, so that a campaign
// survives a crash and can be spread over several worker processes.
type Campaign struct {
	ID         int64 `json:"id"`
	IncidentID int64 `json:"incident_id"`
	// Channel is ChannelEmail or ChannelLetter.
	Channel string `json:"channel"`
	// Template is TemplateNotice for a first notice, TemplateUpdate for a
	// follow-up with news.
	Template string `json:"template"`
	// Filter narrows the incident's people; empty means all of them.
	Filter CampaignAudience `json:"filter"`
	// FollowUpOf is the campaign this one follows up; with Unreached, only
	// the people that campaign did not reach (its notice failed or
	// bounced) are selected.
	FollowUpOf *int64 `json:"follow_up_of,omitempty"`
	Unreached  bool   `json:"unreached,omitempty"`

	Status CampaignStatus `json:"status"`
	// Recipients is how many notices the campaign queued when it was
	// created; Skipped how many selected people it could not address on
	// its channel (no e-mail address, or no postal address for a letter).
	Recipients int64 `json:"recipients"`
	Skipped    int64 `json:"skipped"`

	// Actor is who created the campaign, as kind:name.
	Actor       string     `json:"actor"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	StartedAt   *time.Time `json:"started_at,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

// Campaign channels.
const (
	ChannelEmail  = "email"
	ChannelLetter = "letter"
)

// Campaign templates.
const (
	// TemplateNotice is the first notice of a breach.
	TemplateNotice = "notice"
	// TemplateUpdate is a later notice that tells what changed.
	TemplateUpdate = "update"
)

// CampaignStatus is where a campaign stands.
type CampaignStatus string

// Campaign statuses. A campaign is created as a draft, which can be
// previewed; sending makes it active; it can be paused and resumed; it is
// done when every notice has ended sent, failed or bounced.
const (
	CampaignDraft  CampaignStatus = "draft"
	CampaignActive CampaignStatus = "active"
	CampaignPaused CampaignStatus = "paused"
	CampaignDone   CampaignStatus = "done"
)

// CampaignAudience selects people by their attributes. Each non-empty list
// keeps the people whose value is in it.
type CampaignAudience struct {
	Countries   []string `json:"countries,omitempty"`
	Regions     []string `json:"regions,omitempty"`
	Languages   []string `json:"languages,omitempty"`
	ExternalIDs []string `json:"external_ids,omitempty"`
}

// IsEmpty tells whether the audience selects everyone.
func (a CampaignAudience) IsEmpty() bool {
	return len(a.Countries)+len(a.Regions)+len(a.Languages)+len(a.ExternalIDs) == 0
}

// Normalize upper-cases country and region codes and writes languages in
// the case BCP 47 recommends (pt-BR, zh-Hant-TW), the form people's
// languages are stored in.
func (c *Campaign) Normalize() {
	if c.Channel == "" {
		c.Channel = ChannelEmail
	}
	if c.Template == "" {
		c.Template = TemplateNotice
		if c.FollowUpOf != nil && !c.Unreached {
			c.Template = TemplateUpdate
		}
	}
	for i, v := range c.Filter.Countries {
		c.Filter.Countries[i] = strings.ToUpper(strings.TrimSpace(v))
	}
	for i, v := range c.Filter.Regions {
		c.Filter.Regions[i] = strings.ToUpper(strings.TrimSpace(v))
	}
	for i, v := range c.Filter.Languages {
		c.Filter.Languages[i] = languageCase(strings.TrimSpace(v))
	}
}

// languageCase writes a language tag in the case RFC 5646 recommends: the
// language lower case, a script in title case, a region upper case.
func languageCase(tag string) string {
	parts := strings.Split(strings.ToLower(tag), "-")
	for i := 1; i < len(parts); i++ {
		switch p := parts[i]; {
		case len(parts[i-1]) == 1:
			// After a singleton (x-, u-) come private or extension subtags.
			return strings.Join(parts, "-")
		case len(p) == 2:
			parts[i] = strings.ToUpper(p)
		case len(p) == 4:
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

// Validate returns an invalid error naming the first field that is wrong.
func (c *Campaign) Validate() error {
	switch {
	case c.IncidentID <= 0:
		return FieldErrorf("incident_id", "the incident is required")
	case c.Channel != ChannelEmail && c.Channel != ChannelLetter:
		return FieldErrorf("channel", "%q is not email or letter", c.Channel)
	case c.Template != TemplateNotice && c.Template != TemplateUpdate:
		return FieldErrorf("template", "%q is not notice or update", c.Template)
	case c.Unreached && c.FollowUpOf == nil:
		return FieldErrorf("unreached", "only a follow-up of another campaign can target the people it did not reach")
	}
	for _, v := range c.Filter.Countries {
		if !IsCountryCode(v) {
			return FieldErrorf("filter.countries", "%q is not an ISO 3166-1 alpha-2 country code", v)
		}
	}
	for _, v := range c.Filter.Regions {
		if !regionCode.MatchString(v) {
			return FieldErrorf("filter.regions", "%q is not an ISO 3166-2 region code (such as US-CA)", v)
		}
	}
	for _, v := range c.Filter.Languages {
		if !IsLanguageTag(v) {
			return FieldErrorf("filter.languages", "%q is not a language tag (such as fr or pt-BR)", v)
		}
	}
	return nil
}

var regionCode = regexp.MustCompile(`^[A-Z]{2}-[A-Z0-9]{1,3}$`)

// NoticeState is where one notice stands in the outbox.
type NoticeState string

// Notice states. A notice is queued; a sender claims it; it is in flight
// from just before the message is handed to the mail server until the
// server's reply is recorded; then it is sent, or queued again for a retry
// after a temporary failure, or failed. A sent notice becomes bounced when
// a delivery status notification says it could not be delivered.
const (
	NoticeQueued   NoticeState = "queued"
	NoticeClaimed  NoticeState = "claimed"
	NoticeInFlight NoticeState = "in_flight"
	NoticeSent     NoticeState = "sent"
	NoticeFailed   NoticeState = "failed"
	NoticeBounced  NoticeState = "bounced"
)

// NoticeStates returns every state in the order a notice moves through them.
func NoticeStates() []NoticeState {
	return []NoticeState{NoticeQueued, NoticeClaimed, NoticeInFlight, NoticeSent, NoticeFailed, NoticeBounced}
}

// Done tells whether the state is final.
func (s NoticeState) Done() bool {
	return s == NoticeSent || s == NoticeFailed || s == NoticeBounced
}

// Notice is one person's message in a campaign: the outbox row. It holds
// no personal data; the person's address is read, and decrypted, only when
// the notice is sent.
type Notice struct {
	ID         int64       `json:"id"`
	CampaignID int64       `json:"campaign_id"`
	PersonID   int64       `json:"person_id"`
	State      NoticeState `json:"state"`
	// Uncertain marks a notice that was in flight when its sender stopped
	// without recording the server's reply: it was sent again, and the
	// person may have received it twice.
	Uncertain bool `json:"uncertain,omitempty"`
	Attempts  int  `json:"attempts"`
	// NextAttemptAt is when a queued notice may be tried (again).
	NextAttemptAt time.Time `json:"next_attempt_at"`
	// LastError is the mail server's last reply to a failed attempt, or the
	// bounce's diagnostic, with e-mail addresses masked.
	LastError string `json:"last_error,omitempty"`
	// Code is the verification code the notice carries, and MessageID its
	// Message-ID header; both are set when it is first handed over and
	// stay the same on every attempt.
	Code      string `json:"code,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	// Recipient is the masked address the notice went to (MaskEmail), or
	// the masked name on a letter, for the verification page.
	Recipient string `json:"recipient,omitempty"`
	// WorkerID is the sender that holds a claimed or in-flight notice.
	WorkerID string     `json:"worker_id,omitempty"`
	SentAt   *time.Time `json:"sent_at,omitempty"`
	// BouncedAt is when a bounce was recorded.
	BouncedAt *time.Time `json:"bounced_at,omitempty"`
	UpdatedAt time.Time  `json:"updated_at"`

	// ExternalID, Country, Region and Language are copied from the person
	// when read, for grouping and look-ups.
	ExternalID string `json:"external_id"`
	Country    string `json:"country"`
	Region     string `json:"region,omitempty"`
	Language   string `json:"language"`
}

// ClaimedNotice is a notice a sender holds, with its person (sealed: the
// sender decrypts it) and campaign.
type ClaimedNotice struct {
	Notice   *Notice
	Person   *SealedPerson
	Campaign *Campaign
}

// NoticeOutcome is the result of one step of sending a notice, which a
// sender records. Several are recorded in one transaction.
type NoticeOutcome struct {
	NoticeID int64 `json:"notice_id"`
	// State is NoticeInFlight (set Code and MessageID), NoticeSent,
	// NoticeQueued (a retry at NextAttemptAt), NoticeFailed, or
	// NoticeBounced.
	State     NoticeState `json:"state"`
	Code      string      `json:"code,omitempty"`
	MessageID string      `json:"message_id,omitempty"`
	// Recipient, with an in-flight mark, is the masked recipient
	// (Notice.Recipient).
	Recipient     string    `json:"recipient,omitempty"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	// Error is the reason of a retry, failure or bounce, with e-mail
	// addresses masked (MaskAddresses).
	Error string `json:"error,omitempty"`
	// Uncertain marks a notice whose message the server may have received
	// although no reply said so (the connection broke after the message
	// was sent): a retry may deliver it twice. It stays set.
	Uncertain bool `json:"uncertain,omitempty"`
	// At is when it happened.
	At time.Time `json:"at"`
}

// Validate returns an invalid error if the outcome's state is not one a
// sender records.
func (o *NoticeOutcome) Validate() error {
	switch o.State {
	case NoticeInFlight, NoticeSent, NoticeQueued, NoticeFailed, NoticeBounced:
		return nil
	}
	return FieldErrorf("state", "notice %d: %q is not in_flight, sent, queued, failed or bounced", o.NoticeID, o.State)
}

// CampaignProgress counts a campaign's notices by state, in all and per
// language and per country.
type CampaignProgress struct {
	CampaignID int64                 `json:"campaign_id"`
	Status     CampaignStatus        `json:"status"`
	Total      int64                 `json:"total"`
	States     map[NoticeState]int64 `json:"states"`
	// Uncertain counts the notices that may have been delivered twice.
	Uncertain int64 `json:"uncertain"`
	// Waiting counts queued notices waiting for a retry.
	Waiting    int64                            `json:"waiting"`
	ByLanguage map[string]map[NoticeState]int64 `json:"by_language"`
	ByCountry  map[string]map[NoticeState]int64 `json:"by_country"`
	// FirstSentAt and LastSentAt bound the deliveries so far.
	FirstSentAt *time.Time `json:"first_sent_at,omitempty"`
	LastSentAt  *time.Time `json:"last_sent_at,omitempty"`
}

// DeliveryPoint is how many notices of a campaign were handed over in one
// interval.
type DeliveryPoint struct {
	// At starts the interval: a multiple of the step since the Unix epoch.
	At   time.Time `json:"at"`
	Sent int64     `json:"sent"`
}

// Remaining counts the notices not yet in a final state.
func (p *CampaignProgress) Remaining() int64 {
	return p.States[NoticeQueued] + p.States[NoticeClaimed] + p.States[NoticeInFlight]
}

// Worker is a sending process, registered so that others can tell when it
// has died and take over what it held.
type Worker struct {
	ID string `json:"id"`
	// Host and PID identify the process; a worker on the same host whose
	// process is gone is dead at once, others when their heartbeat is old.
	Host        string    `json:"host"`
	PID         int       `json:"pid"`
	StartedAt   time.Time `json:"started_at"`
	HeartbeatAt time.Time `json:"heartbeat_at"`
}

// CampaignFilter selects campaigns.
type CampaignFilter struct {
	IncidentID *int64
	Status     *CampaignStatus
}

// NoticeFilter selects notices.
type NoticeFilter struct {
	CampaignID *int64
	PersonID   *int64
	ExternalID *string
	Code       *string
	State      *NoticeState

	Offset int
	Limit  int
}

// ClaimRequest asks for notices to send.
type ClaimRequest struct {
	WorkerID string
	// CampaignID limits the claim to one campaign; nil claims from every
	// active campaign.
	CampaignID *int64
	Channel    string
	Limit      int
}

// Validate returns an invalid error naming the first field that is wrong.
func (r *ClaimRequest) Validate() error {
	switch {
	case r.WorkerID == "":
		return FieldErrorf("worker_id", "a claim needs the id of the worker that makes it")
	case r.Limit <= 0:
		return FieldErrorf("limit", "a claim is for at least one notice, not %d", r.Limit)
	case r.Channel != "" && r.Channel != ChannelEmail && r.Channel != ChannelLetter:
		return FieldErrorf("channel", "%q is not email or letter", r.Channel)
	}
	return nil
}

// CampaignService stores campaigns and their outbox.
type CampaignService interface {
	// CreateCampaign stores a draft campaign and queues one notice for each
	// selected person who can be reached on its channel, in one
	// transaction; it sets ID, Status, Recipients and Skipped. Returns
	// not_found if the incident or the followed-up campaign does not exist,
	// invalid if the campaign does not validate or selects no one.
	CreateCampaign(ctx context.Context, c *Campaign) error

	// FindCampaignByID returns a campaign. Returns not_found if it does
	// not exist.
	FindCampaignByID(ctx context.Context, id int64) (*Campaign, error)

	// FindCampaigns returns the campaigns matching filter, newest first,
	// and their total.
	FindCampaigns(ctx context.Context, filter CampaignFilter) ([]*Campaign, int, error)

	// SetCampaignStatus moves a campaign to active (from draft or paused),
	// paused (from active) and records it on the timeline: the first
	// activation as individuals_notified. Returns conflict for a move that
	// is not allowed, such as pausing a finished campaign.
	SetCampaignStatus(ctx context.Context, id int64, status CampaignStatus) (*Campaign, error)

	// CampaignProgress counts a campaign's notices. A campaign that is
	// active and has nothing left to send is marked done. Returns
	// not_found if the campaign does not exist.
	CampaignProgress(ctx context.Context, id int64) (*CampaignProgress, error)

	// CampaignDeliveries counts the notices of a campaign handed over
	// (by SentAt) in each interval of step, intervals starting at
	// multiples of step since the Unix epoch, in order, skipping empty
	// ones; for the chart of delivery over time. Returns invalid for a
	// step under a second, not_found if the campaign does not exist.
	CampaignDeliveries(ctx context.Context, id int64, step time.Duration) ([]DeliveryPoint, error)

	// FindNotices returns the notices matching filter, by ID, and their
	// total.
	FindNotices(ctx context.Context, filter NoticeFilter) ([]*Notice, int, error)

	// RegisterWorker records a sending process, or refreshes its heartbeat
	// if it is registered already.
	RegisterWorker(ctx context.Context, w *Worker) error

	// FindWorkers returns the registered workers.
	FindWorkers(ctx context.Context) ([]*Worker, error)

	// ReleaseWorker takes back what a worker held and forgets the worker:
	// its claimed notices are queued again as they were; its in-flight
	// notices, whose fate is unknown, are queued again and marked
	// uncertain. Returns how many notices were in flight.
	ReleaseWorker(ctx context.Context, workerID string) (int, error)

	// ClaimNotices hands the worker up to Limit queued notices that are due,
	// of active campaigns on the channel, oldest first, and marks them
	// claimed by it. Concurrent workers never get the same notice.
	ClaimNotices(ctx context.Context, req ClaimRequest) ([]*ClaimedNotice, error)

	// RecordNoticeOutcomes applies outcomes in one transaction. Only the
	// worker holding a notice may move it, except to bounced, which applies
	// to a sent notice; an outcome for a notice the worker no longer holds
	// is ignored and counted in the returned number.
	RecordNoticeOutcomes(ctx context.Context, workerID string, outcomes []NoticeOutcome) (ignored int, err error)
}

// emailAddress matches an e-mail address inside a server reply.
var emailAddress = regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+`)

// MaskAddresses masks every e-mail address in text, such as a mail
// server's reply "550 5.1.1 <marie@example.com>: unknown user", so that the
// reply can be stored and shown without the address.
func MaskAddresses(text string) string {
	return emailAddress.ReplaceAllStringFunc(text, MaskEmail)
}

// noticeReplyLimit bounds a stored server reply.
const noticeReplyLimit = 500

// TrimReply masks the addresses in a server reply and cuts it to a length
// worth storing.
func TrimReply(reply string) string {
	reply = MaskAddresses(strings.Join(strings.Fields(reply), " "))
	if r := []rune(reply); len(r) > noticeReplyLimit {
		reply = string(r[:noticeReplyLimit]) + "…"
	}
	return reply
}

// NoticeCodePrefix starts every verification code.
const NoticeCodePrefix = "BD"

// FormatNoticeCode writes the low 60 bits of bits, a verification code, as
// BD-XXXX-XXXX-XXXX in Crockford's base 32, whose alphabet leaves out the
// letters that look like digits (I, L, O) and U.
func FormatNoticeCode(bits uint64) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b strings.Builder
	b.WriteString(NoticeCodePrefix)
	for i := range 12 {
		if i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(alphabet[(bits>>(55-5*i))&31])
	}
	return b.String()
}

// ParseNoticeCode returns the canonical form of a code as a person may type
// it: in any case, with or without the prefix, dashes and spaces, and with
// O for 0 and I or L for 1. Returns invalid if it cannot be a code.
func ParseNoticeCode(s string) (string, error) {
	bits, err := NoticeCodeBits(s)
	if err != nil {
		return "", err
	}
	return FormatNoticeCode(bits), nil
}

// NoticeCodeBits returns the 60-bit number a code stands for, read as
// ParseNoticeCode reads it.
func NoticeCodeBits(s string) (uint64, error) {
	s = strings.ToUpper(strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\t' || r == '.' {
			return -1
		}
		return r
	}, s))
	s = strings.TrimPrefix(s, NoticeCodePrefix)
	if len(s) != 12 {
		return 0, FieldErrorf("code", "a verification code has 12 letters and digits after %s-", NoticeCodePrefix)
	}
	var bits uint64
	for _, r := range s {
		switch r {
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		v := strings.IndexRune("0123456789ABCDEFGHJKMNPQRSTVWXYZ", r)
		if v < 0 {
			return 0, FieldErrorf("code", "%q cannot appear in a verification code", r)
		}
		bits = bits<<5 | uint64(v)
	}
	return bits, nil
}

// noticeStateNames lists the states for messages.
func noticeStateNames() string {
	names := make([]string, 0, len(NoticeStates()))
	for _, s := range NoticeStates() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// ParseNoticeState returns the state named s. Returns invalid if there is
// none.
func ParseNoticeState(s string) (NoticeState, error) {
	if slices.Contains(NoticeStates(), NoticeState(s)) {
		return NoticeState(s), nil
	}
	return "", FieldErrorf("state", "%q is not one of %s", s, noticeStateNames())
}

// String returns the campaign's label for messages.
func (c *Campaign) String() string {
	return fmt.Sprintf("campaign %d (%s, %s)", c.ID, c.Channel, c.Template)
}

// Audit actions of campaigns. Notices are not audited one by one: the
// outbox is their record.
const (
	AuditCampaignCreate = "campaign.create"
	AuditCampaignStatus = "campaign.status"
)

// StatusChange checks a move of c to status, the only moves a person
// makes: active starts a draft or resumes a paused campaign, paused pauses
// an active one. It returns false, and no error, when c has that status
// already. Returns invalid for a status that cannot be set and conflict
// for a move the campaign's life does not allow.
func (c *Campaign) StatusChange(status CampaignStatus) (bool, error) {
	if status != CampaignActive && status != CampaignPaused {
		return false, FieldErrorf("status", "%q cannot be set: a campaign is made active or paused; it is created a draft and becomes done by itself", status)
	}
	switch {
	case c.Status == status:
		return false, nil
	case c.Status == CampaignDone && status == CampaignActive:
		return false, Errorf(EConflict, "Campaign %d is done; it cannot be started again.", c.ID)
	case c.Status == CampaignDone:
		return false, Errorf(EConflict, "Campaign %d is done; it cannot be paused.", c.ID)
	case c.Status == CampaignDraft && status == CampaignPaused:
		return false, Errorf(EConflict, "Campaign %d is a draft; only an active campaign can be paused.", c.ID)
	}
	return true, nil
}

// StartNote is the note of the individuals_notified event that records the
// campaign's first activation.
func (c *Campaign) StartNote() string {
	channel, noun := "e-mail", "notices"
	if c.Channel == ChannelLetter {
		channel = "letter"
	}
	if c.Recipients == 1 {
		noun = "notice"
	}
	return fmt.Sprintf("Campaign %d started: %s %s by %s.", c.ID, groupThousands(c.Recipients), noun, channel)
}

// NoRecipientsError is the error of a campaign on channel that queues no
// notice; skipped counts the people it selects, none of whom can be
// reached on the channel.
func NoRecipientsError(channel string, skipped int64) error {
	if skipped == 0 {
		return Errorf(EInvalid, "The campaign selects no one: no affected person of the incident matches its audience.")
	}
	who := fmt.Sprintf("the %s people it selects have", groupThousands(skipped))
	if skipped == 1 {
		who = "the one person it selects has"
	}
	if channel == ChannelLetter {
		return Errorf(EInvalid, "The campaign selects no one who can be reached by letter: %s no postal address, or an e-mail address not found unusable.", who)
	}
	return Errorf(EInvalid, "The campaign selects no one who can be reached by e-mail: %s no e-mail address.", who)
}

// groupThousands writes 24000000 as 24,000,000.
func groupThousands(n int64) string {
	s := fmt.Sprint(n)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String()
}
