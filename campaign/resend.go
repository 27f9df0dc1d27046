package campaign

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/keyring"
)

// Resender answers "am I affected?": it mails an affected address its
// notices again, with their codes, and does nothing for any other address.
// Requests are queued and handled in the background, so that the page that
// takes them does the same work, in the same time, whatever the answer.
type Resender struct {
	People    breachdesk.AffectedPersonService
	Campaigns breachdesk.CampaignService
	Keyring   *keyring.Keyring
	Composer  *MailComposer
	Messenger Messenger
	Logger    *slog.Logger
	Now       func() time.Time
	// Observer, when set, is told of each notice mailed again.
	Observer Observer
	// Every is how often one address may be sent its notices again, so
	// that the form cannot flood a mailbox; default an hour. Queue bounds
	// the requests waiting; beyond, requests are dropped. Default 10,000.
	Every time.Duration
	Queue int

	requests chan string
	mu       sync.Mutex
	recent   map[string]time.Time // by blind index, hex
}

// Init prepares r; call it before RequestResend and Run.
func (r *Resender) Init() {
	if r.Every <= 0 {
		r.Every = time.Hour
	}
	if r.Queue <= 0 {
		r.Queue = 10000
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Observer == nil {
		r.Observer = noObserver{}
	}
	r.requests = make(chan string, r.Queue)
	r.recent = map[string]time.Time{}
}

// RequestResend queues a request for email. It never blocks and never
// tells whether the address is affected. The language is the asker's; the
// notices go in their own, the person's.
func (r *Resender) RequestResend(email, language string) {
	select {
	case r.requests <- email:
	default:
		r.Logger.Warn("dropped a request to send notices again: the queue is full")
	}
}

// Run handles requests until ctx ends.
func (r *Resender) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case email := <-r.requests:
			if n, err := r.resend(ctx, email); err != nil {
				r.Logger.Warn("sending notices again failed", slog.Any("error", err))
			} else if n > 0 {
				r.Logger.Info("sent notices again on request", slog.Int("notices", n))
			}
		}
	}
}

// resend mails the person behind email the latest notice of each of their
// incidents, and returns how many it sent.
func (r *Resender) resend(ctx context.Context, email string) (int, error) {
	index := r.Keyring.Index("email", breachdesk.EmailIndexKey(email))
	if !r.mayResend(hex.EncodeToString(index)) {
		return 0, nil
	}
	people, err := r.People.FindSealedPeople(ctx, breachdesk.SealedPersonFilter{EmailIndex: index})
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, p := range people {
		n, c, err := r.latestNotice(ctx, p.ID)
		if err != nil {
			return sent, err
		}
		if n == nil {
			continue
		}
		// A Message-ID of its own, or the person's mail client may take it
		// for the notice it already has and hide it.
		again := *n
		again.MessageID = fmt.Sprintf("<resent.%d.%d.%d@%s>", n.CampaignID, n.ID, r.Now().Unix(), r.Composer.BounceDomain)
		mail, err := r.Composer.Compose(ctx, &breachdesk.ClaimedNotice{Notice: &again, Person: p, Campaign: c})
		if err != nil {
			return sent, err
		}
		if err := r.Messenger.Send(ctx, mail.ReturnPath, mail.To, mail.Raw); err != nil {
			return sent, fmt.Errorf("notice %d: %w", n.ID, err)
		}
		r.Observer.NoticeResent()
		sent++
	}
	return sent, nil
}

// latestNotice returns the person's most recent e-mail notice that was
// handed over, with its campaign; nil if there is none.
func (r *Resender) latestNotice(ctx context.Context, personID int64) (*breachdesk.Notice, *breachdesk.Campaign, error) {
	notices, _, err := r.Campaigns.FindNotices(ctx, breachdesk.NoticeFilter{PersonID: &personID})
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(notices, func(a, b *breachdesk.Notice) int { return -compareTime(a.SentAt, b.SentAt) })
	for _, n := range notices {
		if n.Code == "" || (n.State != breachdesk.NoticeSent && n.State != breachdesk.NoticeBounced && n.State != breachdesk.NoticeInFlight) {
			continue
		}
		c, err := r.Campaigns.FindCampaignByID(ctx, n.CampaignID)
		if err != nil {
			return nil, nil, err
		}
		if c.Channel == breachdesk.ChannelEmail {
			return n, c, nil
		}
	}
	return nil, nil, nil
}

func compareTime(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Compare(*b)
}

// mayResend tells whether the address with this index may be sent its
// notices now, and if so records that it is.
func (r *Resender) mayResend(index string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.Now()
	if last, ok := r.recent[index]; ok && now.Sub(last) < r.Every {
		return false
	}
	if len(r.recent) > 100000 {
		for k, t := range r.recent {
			if now.Sub(t) >= r.Every {
				delete(r.recent, k)
			}
		}
	}
	r.recent[index] = now
	return true
}
