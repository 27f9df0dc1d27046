// Package campaign sends the notices of campaigns: it claims them from the
// outbox in the database, composes each message, hands it to the mail
// relay and records the outcome, so that a crash at any moment loses no
// notice and duplicates only what was in flight.
//
// The order of a notice's life is what makes it crash-safe: it is marked in
// flight (and that mark committed) before its message is handed over, and
// marked sent only after the server's 250. A sender that dies leaves its
// notices claimed (never handed over: they are queued again) or in flight
// (perhaps delivered: they are queued again and marked uncertain).
package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/smtp"
	"golang.org/x/time/rate"
)

// Mail is a composed message, ready to hand over.
type Mail struct {
	// ReturnPath is the envelope sender (a VERP address); To the recipient.
	ReturnPath, To string
	// Domain is the recipient's domain, for the per-domain limits.
	Domain string
	// Code and MessageID are recorded with the in-flight mark.
	Code, MessageID string
	Raw             []byte
}

// Composer builds the message of a claimed notice. An error with code
// invalid concerns this notice alone (such as an address that is not one)
// and fails it; any other error stops the sender.
type Composer interface {
	Compose(ctx context.Context, n *breachdesk.ClaimedNotice) (*Mail, error)
}

// Messenger hands a message to the mail relay. An error that has a
// Temporary method returning true is retried later; others fail the
// notice.
type Messenger interface {
	Send(ctx context.Context, from, to string, msg []byte) error
}

// Observer is told what the senders of this package do, to count it;
// metrics.Registry implements it. Its methods are called from many
// goroutines at once and must return at once.
type Observer interface {
	// NoticeOutcome is told of each outcome a Sender reaches for a
	// notice it held: NoticeSent, NoticeQueued for a retry, or
	// NoticeFailed.
	NoticeOutcome(state breachdesk.NoticeState)
	// NoticeHandedOver is told how long the relay took to answer one
	// notice's message, and the outcome it led to.
	NoticeHandedOver(state breachdesk.NoticeState, took time.Duration)
	// NoticeResent is told of each notice a Resender mailed again.
	NoticeResent()
}

// noObserver counts nothing.
type noObserver struct{}

func (noObserver) NoticeOutcome(breachdesk.NoticeState)                   {}
func (noObserver) NoticeHandedOver(breachdesk.NoticeState, time.Duration) {}
func (noObserver) NoticeResent()                                          {}

// Config tunes a Sender. Zero values take the defaults.
type Config struct {
	// WorkerID names this process in the outbox; default host-pid-random.
	WorkerID string
	// CampaignID limits the sender to one campaign, and makes Run return
	// when that campaign has nothing left to send or is paused. Without
	// it, Run sends every active campaign until ctx ends.
	CampaignID *int64
	// Concurrency is how many messages are handed over at once: the SMTP
	// connections kept open. Default 8.
	Concurrency int
	// Rate limits messages per second for this process; 0: no limit.
	Rate float64
	// DomainConcurrency and DomainRate limit the messages to one
	// recipient domain; 0: no limit beyond Concurrency and Rate.
	DomainConcurrency int
	DomainRate        float64
	// MaxAttempts is how many times a notice is tried before it fails on
	// temporary errors. Default 8.
	MaxAttempts int
	// RetryBase is the wait after the first temporary failure; it doubles
	// each time, up to RetryMax. Defaults 1 minute and 1 hour.
	RetryBase, RetryMax time.Duration
	// Heartbeat is how often the worker proves it is alive and looks for
	// dead ones; DeadAfter how old a heartbeat makes a worker dead.
	// Defaults 5 and 30 seconds.
	Heartbeat, DeadAfter time.Duration
	// Poll is how often an idle sender looks for work. Default 1 second.
	Poll time.Duration
	// Grace is how long a stopping sender waits for messages being handed
	// over. Default 30 seconds.
	Grace time.Duration
}

func (c *Config) defaults() {
	if c.WorkerID == "" {
		host, _ := os.Hostname()
		c.WorkerID = fmt.Sprintf("%s-%d-%04x", host, os.Getpid(), rand.Uint32()&0xffff)
	}
	setDefault(&c.Concurrency, 8)
	setDefault(&c.MaxAttempts, 8)
	setDefault(&c.RetryBase, time.Minute)
	setDefault(&c.RetryMax, time.Hour)
	setDefault(&c.Heartbeat, 5*time.Second)
	setDefault(&c.DeadAfter, deadAfter)
	setDefault(&c.Poll, time.Second)
	setDefault(&c.Grace, 30*time.Second)
}

func setDefault[T int | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Stats counts what a sender did.
type Stats struct {
	Sent, Retried, Failed int64
	// Recovered counts the notices taken back from dead workers, and
	// Uncertain those of them that were in flight.
	Recovered, Uncertain int64
}

// Sender sends notices by e-mail.
type Sender struct {
	Config
	Campaigns breachdesk.CampaignService
	Composer  Composer
	Messenger Messenger
	Logger    *slog.Logger
	Now       func() time.Time
	// Observer, when set, is told each outcome as it happens, for metrics.
	Observer Observer

	sent, retried, failed atomic.Int64
	recovered, uncertain  atomic.Int64

	domains sync.Map // domain -> *domainLimit
	limit   *rate.Limiter
	// active holds, per campaign ID, whether it may still send.
	active sync.Map
	// pending counts the notices claimed by this process whose outcome is
	// not yet handed to the journal; drained is signalled when it drops
	// to zero, so that the end of a campaign is seen at once.
	pending atomic.Int64
	drained chan struct{}
}

// Stats returns what the sender did so far.
func (s *Sender) Stats() Stats {
	return Stats{Sent: s.sent.Load(), Retried: s.retried.Load(), Failed: s.failed.Load(),
		Recovered: s.recovered.Load(), Uncertain: s.uncertain.Load()}
}

// ErrPaused is returned by Run for one campaign when the campaign was
// paused.
var ErrPaused = errors.New("the campaign is paused")

type domainLimit struct {
	slots   chan struct{}
	limiter *rate.Limiter
}

// Run sends until ctx ends or, for one campaign, until nothing is left.
// On the way out it releases what it claimed and did not hand over.
func (s *Sender) Run(ctx context.Context) error {
	s.Config.defaults()
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Observer == nil {
		s.Observer = noObserver{}
	}
	s.drained = make(chan struct{}, 1)
	if s.Rate > 0 {
		s.limit = rate.NewLimiter(rate.Limit(s.Rate), max(1, int(s.Rate/10)))
	}
	// Records outlive a stop signal: what was handed over must be written.
	db := context.WithoutCancel(ctx)
	if _, err := breachdesk.ActorFromContext(ctx); err != nil {
		db = breachdesk.NewContextWithActor(db, breachdesk.Actor{Kind: breachdesk.ActorSystem, Name: "worker " + s.WorkerID})
	}
	host, _ := os.Hostname()
	if err := s.Campaigns.RegisterWorker(db, &breachdesk.Worker{ID: s.WorkerID, Host: host, PID: os.Getpid()}); err != nil {
		return fmt.Errorf("register worker: %w", err)
	}
	if err := s.recover(db, host); err != nil {
		return err
	}

	j := newJournal(s.Campaigns, s.WorkerID, s.Concurrency)
	journalDone := make(chan error, 1)
	go func() { journalDone <- j.run(db) }()

	jobs := make(chan *breachdesk.ClaimedNotice, 2*s.Concurrency)
	stop, cancelStop := context.WithCancelCause(ctx)
	defer cancelStop(nil)
	// Sends get their own context: a stop signal lets the messages being
	// handed over finish, for Grace at most.
	sendCtx, cancelSends := context.WithCancel(db)
	defer cancelSends()
	go func() {
		<-stop.Done()
		select {
		case <-time.After(s.Grace):
			cancelSends()
		case <-sendCtx.Done():
		}
	}()

	var wg sync.WaitGroup
	for range s.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.sendLoop(stop, sendCtx, j, jobs, cancelStop)
		}()
	}

	runErr := s.claimLoop(stop, db, host, j, jobs)
	close(jobs)
	wg.Wait()
	j.close()
	jErr := <-journalDone
	cancelSends()
	// Only a clean stop gives the worker up; after a failure its leftovers
	// are recovered as a dead worker's, by this process's next run or
	// another worker.
	if jErr == nil {
		if n, err := s.Campaigns.ReleaseWorker(db, s.WorkerID); err != nil {
			jErr = err
		} else if n > 0 {
			s.Logger.Warn("messages were being handed over when the sender stopped; marked uncertain", slog.Int("notices", n))
		}
	}
	if cause := context.Cause(stop); cause != nil && !errors.Is(cause, context.Canceled) && runErr == nil {
		runErr = cause
	}
	return errors.Join(runErr, jErr)
}

// release returns a claimed notice that was not handed over to the queue,
// as it was.
func release(n *breachdesk.ClaimedNotice, now time.Time) breachdesk.NoticeOutcome {
	return breachdesk.NoticeOutcome{NoticeID: n.Notice.ID, State: breachdesk.NoticeQueued, NextAttemptAt: now, At: now}
}

// mayStillSend tells whether a campaign was active when last looked at.
func (s *Sender) mayStillSend(campaignID int64) bool {
	v, ok := s.active.Load(campaignID)
	return !ok || v.(bool)
}

// claimLoop claims notices and feeds them to the senders until stopped or,
// for one campaign, until it has nothing left.
func (s *Sender) claimLoop(ctx, db context.Context, host string, j *journal, jobs chan<- *breachdesk.ClaimedNotice) error {
	heartbeat := time.NewTicker(s.Heartbeat)
	defer heartbeat.Stop()
	batch := min(500, max(16, 4*s.Concurrency))
	lastCheck := time.Time{}
	idle := 0
	for ctx.Err() == nil {
		select {
		case <-heartbeat.C:
			if err := s.Campaigns.RegisterWorker(db, &breachdesk.Worker{ID: s.WorkerID, Host: host, PID: os.Getpid()}); err != nil {
				return fmt.Errorf("heartbeat: %w", err)
			}
			if err := s.recover(db, host); err != nil {
				return err
			}
		default:
		}
		if time.Since(lastCheck) > 250*time.Millisecond {
			lastCheck = time.Now()
			if err := s.checkCampaigns(db); err != nil {
				return err
			}
		}
		claimed, err := s.Campaigns.ClaimNotices(db, breachdesk.ClaimRequest{
			WorkerID: s.WorkerID, CampaignID: s.CampaignID, Channel: breachdesk.ChannelEmail, Limit: batch})
		if err != nil {
			return fmt.Errorf("claim notices: %w", err)
		}
		s.pending.Add(int64(len(claimed)))
		for i, n := range claimed {
			if _, known := s.active.Load(n.Campaign.ID); !known {
				s.active.Store(n.Campaign.ID, true)
			}
			select {
			case jobs <- n:
			case <-ctx.Done():
				// Not handed to a sender: back to the queue.
				rest := make([]breachdesk.NoticeOutcome, 0, len(claimed)-i)
				for _, n := range claimed[i:] {
					rest = append(rest, release(n, s.Now()))
				}
				s.pending.Add(-int64(len(rest)))
				if _, err := s.Campaigns.RecordNoticeOutcomes(db, s.WorkerID, rest); err != nil {
					return err
				}
				return nil
			}
		}
		if len(claimed) > 0 {
			idle = 0
			continue
		}
		if s.pending.Load() > 0 {
			// The last notices are still with the senders: wait for
			// them, then look again (a retry may be due).
			select {
			case <-s.drained:
			case <-time.After(s.Poll):
			case <-ctx.Done():
			}
			continue
		}
		// Counting a large campaign costs: look as soon as this process
		// has nothing left and its outcomes are written, then every
		// tenth idle round.
		if s.CampaignID != nil && idle%10 == 0 {
			if err := j.flush(); err != nil {
				return err
			}
			done, err := s.campaignFinished(db)
			if err != nil || done {
				return err
			}
		}
		idle++
		select {
		case <-time.After(s.Poll):
		case <-ctx.Done():
		}
	}
	return nil
}

// checkCampaigns refreshes which campaigns this sender may still send, so
// that a pause takes effect within a fraction of a second.
func (s *Sender) checkCampaigns(db context.Context) error {
	var ids []int64
	s.active.Range(func(k, _ any) bool { ids = append(ids, k.(int64)); return true })
	if s.CampaignID != nil && len(ids) == 0 {
		ids = append(ids, *s.CampaignID)
	}
	for _, id := range ids {
		c, err := s.Campaigns.FindCampaignByID(db, id)
		if err != nil {
			return err
		}
		s.active.Store(id, c.Status == breachdesk.CampaignActive)
	}
	return nil
}

// campaignFinished tells whether the one campaign being sent is done or
// paused; it is asked once nothing is waiting locally.
func (s *Sender) campaignFinished(db context.Context) (bool, error) {
	p, err := s.Campaigns.CampaignProgress(db, *s.CampaignID)
	if err != nil {
		return false, err
	}
	switch {
	case p.Status == breachdesk.CampaignPaused:
		return true, ErrPaused
	case p.Status == breachdesk.CampaignDone:
		return true, nil
	case p.Status != breachdesk.CampaignActive:
		return true, breachdesk.Errorf(breachdesk.EConflict, "Campaign %d is %s; it is not sending.", p.CampaignID, p.Status)
	}
	// Notices in flight or claimed here are still with the senders; others'
	// belong to workers alive or recovered by the heartbeat.
	return false, nil
}

// recover takes back the notices of workers that died.
func (s *Sender) recover(db context.Context, host string) error {
	workers, uncertain, err := releaseDead(db, s.Campaigns, s.WorkerID, host, s.Now(), s.DeadAfter, s.Logger)
	s.recovered.Add(int64(workers))
	s.uncertain.Add(int64(uncertain))
	return err
}

// releaseDead takes back the notices of every worker but self that died:
// whose heartbeat is older than deadAfter, or whose process on this host
// is gone. It returns how many workers it released and how many of their
// notices were in flight.
func releaseDead(ctx context.Context, store breachdesk.CampaignService, self, host string, now time.Time, deadAfter time.Duration, logger *slog.Logger) (workers, uncertain int, err error) {
	all, err := store.FindWorkers(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("find workers: %w", err)
	}
	for _, w := range all {
		if w.ID == self {
			continue
		}
		dead := now.Sub(w.HeartbeatAt) > deadAfter || (w.Host == host && !processAlive(w.PID))
		if !dead {
			continue
		}
		n, err := store.ReleaseWorker(ctx, w.ID)
		if err != nil {
			return workers, uncertain, fmt.Errorf("release worker %s: %w", w.ID, err)
		}
		workers, uncertain = workers+1, uncertain+n
		logger.Warn("took over the notices of a worker that stopped", slog.String("worker", w.ID), slog.Int("uncertain", n))
	}
	return workers, uncertain, nil
}

// processAlive tells whether a process of this host is running.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// handover is a notice composed and being marked in flight, ready to be
// handed to the relay once the mark is committed.
type handover struct {
	notice    *breachdesk.ClaimedNotice
	mail      *Mail
	domain    *domainLimit
	committed <-chan error
}

// sendLoop is the work of one connection. It prepares the next notice
// (composes it and has its in-flight mark committed) while it hands the
// current one over, so that the connection does not wait for the database
// between messages. A crash can thus leave two notices per connection in
// flight, one of them not handed over. Errors that must stop the sender
// go to stopWith; the loop goes on releasing what it is given.
func (s *Sender) sendLoop(stop, sendCtx context.Context, j *journal, jobs <-chan *breachdesk.ClaimedNotice, stopWith context.CancelCauseFunc) {
	var cur *handover
	finish := func() {
		if cur == nil {
			return
		}
		h := cur
		cur = nil
		if err := s.handOver(sendCtx, j, h); err != nil {
			stopWith(err)
		}
		s.done()
	}
	for {
		var n *breachdesk.ClaimedNotice
		var ok bool
		select {
		case n, ok = <-jobs:
		default:
			// Nothing to prepare: the current notice goes at once.
			finish()
			n, ok = <-jobs
		}
		if !ok {
			break
		}
		if stop.Err() != nil || !s.mayStillSend(n.Campaign.ID) {
			j.record(release(n, s.Now()))
			s.done()
			continue
		}
		next, err := s.prepare(stop, sendCtx, j, n, finish)
		if err != nil {
			stopWith(err)
		}
		finish()
		if next == nil {
			s.done()
		}
		cur = next
	}
	finish()
}

// done counts a claimed notice whose outcome is with the journal.
func (s *Sender) done() {
	if s.pending.Add(-1) == 0 {
		select {
		case s.drained <- struct{}{}:
		default:
		}
	}
}

// prepare composes a notice, waits for the limits and has its in-flight
// mark committed. It returns nil when the notice was settled without
// sending (failed or released), and an error only when the sender must
// stop. Before it waits for a limit it calls beforeWait, so that the
// current message is not held back by the next one's wait.
func (s *Sender) prepare(stop, sendCtx context.Context, j *journal, n *breachdesk.ClaimedNotice, beforeWait func()) (*handover, error) {
	mail, err := s.Composer.Compose(sendCtx, n)
	if err != nil {
		if breachdesk.ErrorCode(err) == breachdesk.EInvalid {
			s.failed.Add(1)
			s.Observer.NoticeOutcome(breachdesk.NoticeFailed)
			j.record(breachdesk.NoticeOutcome{NoticeID: n.Notice.ID, State: breachdesk.NoticeFailed,
				Error: "not sent: " + breachdesk.ErrorMessage(err), At: s.Now()})
			return nil, nil
		}
		j.record(release(n, s.Now()))
		return nil, fmt.Errorf("compose notice %d: %w", n.Notice.ID, err)
	}
	dl := s.domainLimit(mail.Domain)
	if s.limit != nil || dl != nil {
		beforeWait()
		if err := s.wait(stop, dl); err != nil {
			j.record(release(n, s.Now()))
			return nil, nil
		}
	}
	committed := j.commitAsync(breachdesk.NoticeOutcome{NoticeID: n.Notice.ID, State: breachdesk.NoticeInFlight,
		Code: mail.Code, MessageID: mail.MessageID, Recipient: breachdesk.MaskEmail(mail.To), At: s.Now()})
	return &handover{notice: n, mail: mail, domain: dl, committed: committed}, nil
}

// handOver waits for a prepared notice's in-flight mark, hands the
// message to the relay and records the outcome. It returns an error only
// when the sender must stop.
func (s *Sender) handOver(sendCtx context.Context, j *journal, h *handover) error {
	if h.domain != nil && h.domain.slots != nil {
		defer func() { <-h.domain.slots }()
	}
	n, mail := h.notice, h.mail
	if err := <-h.committed; err != nil {
		return fmt.Errorf("mark notice %d in flight: %w", n.Notice.ID, err)
	}
	start := time.Now()
	sendErr := s.Messenger.Send(sendCtx, mail.ReturnPath, mail.To, mail.Raw)
	took, now := time.Since(start), s.Now()
	outcome := func(state breachdesk.NoticeState) {
		s.Observer.NoticeHandedOver(state, took)
		s.Observer.NoticeOutcome(state)
	}
	if sendErr == nil {
		s.sent.Add(1)
		outcome(breachdesk.NoticeSent)
		j.record(breachdesk.NoticeOutcome{NoticeID: n.Notice.ID, State: breachdesk.NoticeSent, At: now})
		return nil
	}
	reply := breachdesk.TrimReply(sendErr.Error())
	if !isTemporary(sendErr) {
		s.failed.Add(1)
		outcome(breachdesk.NoticeFailed)
		j.record(breachdesk.NoticeOutcome{NoticeID: n.Notice.ID, State: breachdesk.NoticeFailed, Error: reply, At: now})
		return nil
	}
	attempts := n.Notice.Attempts + 1
	if attempts >= s.MaxAttempts {
		s.failed.Add(1)
		outcome(breachdesk.NoticeFailed)
		j.record(breachdesk.NoticeOutcome{NoticeID: n.Notice.ID, State: breachdesk.NoticeFailed,
			Error: fmt.Sprintf("gave up after %d attempts: %s", attempts, reply), At: now})
		return nil
	}
	s.retried.Add(1)
	outcome(breachdesk.NoticeQueued)
	j.record(breachdesk.NoticeOutcome{NoticeID: n.Notice.ID, State: breachdesk.NoticeQueued,
		NextAttemptAt: now.Add(s.backoff(attempts)), Error: reply, Uncertain: mayHaveDelivered(sendErr), At: now})
	return nil
}

// backoff is the wait before attempt n+1: RetryBase doubled n-1 times,
// at most RetryMax, with a tenth of jitter so that retries spread out.
func (s *Sender) backoff(attempts int) time.Duration {
	d := s.RetryBase << min(attempts-1, 20)
	if d > s.RetryMax || d <= 0 {
		d = s.RetryMax
	}
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}

func (s *Sender) domainLimit(domain string) *domainLimit {
	if s.DomainConcurrency <= 0 && s.DomainRate <= 0 {
		return nil
	}
	domain = strings.ToLower(domain)
	if v, ok := s.domains.Load(domain); ok {
		return v.(*domainLimit)
	}
	dl := &domainLimit{}
	if s.DomainConcurrency > 0 {
		dl.slots = make(chan struct{}, s.DomainConcurrency)
	}
	if s.DomainRate > 0 {
		dl.limiter = rate.NewLimiter(rate.Limit(s.DomainRate), max(1, int(s.DomainRate/10)))
	}
	v, _ := s.domains.LoadOrStore(domain, dl)
	return v.(*domainLimit)
}

// wait takes a slot of the recipient's domain and waits for the global and
// the domain's rate.
func (s *Sender) wait(ctx context.Context, dl *domainLimit) error {
	if s.limit != nil {
		if err := s.limit.Wait(ctx); err != nil {
			return err
		}
	}
	if dl == nil {
		return nil
	}
	if dl.slots != nil {
		select {
		case dl.slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if dl.limiter != nil {
		if err := dl.limiter.Wait(ctx); err != nil {
			if dl.slots != nil {
				<-dl.slots
			}
			return err
		}
	}
	return nil
}

// isTemporary tells whether a send error is worth retrying: a 4xx reply
// or a connection failure.
func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	if errors.As(err, &t) {
		return t.Temporary()
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// mayHaveDelivered tells whether a failed send may have delivered the
// message all the same: the connection broke after the whole message was
// sent and before the server's reply.
func mayHaveDelivered(err error) bool {
	return smtp.IsUncertain(err)
}
