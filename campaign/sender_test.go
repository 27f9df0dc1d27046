package campaign_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/campaign"
	"github.com/breachdesk/breachdesk/smtp"
	"github.com/breachdesk/breachdesk/sqlite"
)

var actor = breachdesk.NewContextWithActor(context.Background(), breachdesk.Actor{Kind: breachdesk.ActorCLI, Name: "test"})

// bundle is a SQLite store with an incident of n people and a campaign of
// them, ready to send.
type bundle struct {
	campaigns  breachdesk.CampaignService
	campaignID int64
	n          int
}

func setup(t *testing.T, n int) *bundle {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("p%d@d%d.example", i, i%3)
	}
	return setupPeople(t, ids)
}

// setupPeople makes one person per external ID, which the fake composer
// takes for the address.
func setupPeople(t *testing.T, ids []string) *bundle {
	t.Helper()
	n := len(ids)
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "test.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	inc := &breachdesk.Incident{Title: "Theft", DataCategories: []string{"email"}}
	if err := sqlite.NewIncidentService(db).CreateIncident(actor, inc); err != nil {
		t.Fatal(err)
	}
	people := make([]*breachdesk.SealedPerson, n)
	for i := range people {
		people[i] = &breachdesk.SealedPerson{ExternalID: ids[i],
			Email: []byte("sealed"), EmailIndex: []byte(fmt.Sprintf("index-%d", i)), Country: "FR", Language: "fr"}
	}
	if _, err := sqlite.NewAffectedPersonService(db).InsertSealedPeople(actor, inc.ID, people); err != nil {
		t.Fatal(err)
	}
	b := &bundle{campaigns: sqlite.NewCampaignService(db), n: n}
	c := &breachdesk.Campaign{IncidentID: inc.ID}
	if err := b.campaigns.CreateCampaign(actor, c); err != nil {
		t.Fatal(err)
	}
	if _, err := b.campaigns.SetCampaignStatus(actor, c.ID, breachdesk.CampaignActive); err != nil {
		t.Fatal(err)
	}
	b.campaignID = c.ID
	return b
}

func (b *bundle) sender(m campaign.Messenger) *campaign.Sender {
	id := b.campaignID
	return &campaign.Sender{
		Config:    campaign.Config{CampaignID: &id, Concurrency: 4, RetryBase: time.Millisecond, RetryMax: 5 * time.Millisecond, Poll: 5 * time.Millisecond},
		Campaigns: b.campaigns, Composer: composer{}, Messenger: m,
	}
}

func (b *bundle) progress(t *testing.T) *breachdesk.CampaignProgress {
	t.Helper()
	p, err := b.campaigns.CampaignProgress(actor, b.campaignID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (b *bundle) notices(t *testing.T) []*breachdesk.Notice {
	t.Helper()
	notices, _, err := b.campaigns.FindNotices(actor, breachdesk.NoticeFilter{CampaignID: &b.campaignID})
	if err != nil {
		t.Fatal(err)
	}
	return notices
}

// composer addresses each notice to its person's external ID.
type composer struct{}

func (composer) Compose(_ context.Context, n *breachdesk.ClaimedNotice) (*campaign.Mail, error) {
	to := n.Person.ExternalID
	if strings.HasPrefix(to, "invalid") {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "no usable address")
	}
	_, domain, _ := strings.Cut(to, "@")
	return &campaign.Mail{ReturnPath: fmt.Sprintf("bounce+%d@bd.example", n.Notice.ID), To: to, Domain: domain,
		Code: fmt.Sprintf("code-%d", n.Notice.ID), MessageID: fmt.Sprintf("<%d@bd.example>", n.Notice.ID), Raw: []byte("message")}, nil
}

// messenger records deliveries; fail, when set, decides an attempt's error.
type messenger struct {
	mu        sync.Mutex
	delivered map[string]int
	attempts  map[string]int
	fail      func(to string, attempt int) error
	// busy counts sends under way per domain; maxBusy the most seen.
	busy, maxBusy map[string]int
	onSend        func(delivered int)
}

func newMessenger() *messenger {
	return &messenger{delivered: map[string]int{}, attempts: map[string]int{}, busy: map[string]int{}, maxBusy: map[string]int{}}
}

func (m *messenger) Send(ctx context.Context, from, to string, msg []byte) error {
	_, domain, _ := strings.Cut(to, "@")
	m.mu.Lock()
	m.attempts[to]++
	attempt := m.attempts[to]
	m.busy[domain]++
	m.maxBusy[domain] = max(m.maxBusy[domain], m.busy[domain])
	m.mu.Unlock()
	time.Sleep(100 * time.Microsecond)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.busy[domain]--
	if m.fail != nil {
		if err := m.fail(to, attempt); err != nil {
			return err
		}
	}
	m.delivered[to]++
	if m.onSend != nil {
		m.onSend(len(m.delivered))
	}
	return nil
}

func (m *messenger) twice() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for to, n := range m.delivered {
		if n > 1 {
			out = append(out, to)
		}
	}
	return out
}

func TestSendEveryoneOnce(t *testing.T) {
	b := setup(t, 300)
	m := newMessenger()
	s := b.sender(m)
	if err := s.Run(actor); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if got := len(m.delivered); got != b.n {
		t.Errorf("%d people received a notice, want %d", got, b.n)
	}
	if twice := m.twice(); len(twice) > 0 {
		t.Errorf("%d people received two notices without any crash: %v", len(twice), twice[:1])
	}
	p := b.progress(t)
	if p.Status != breachdesk.CampaignDone || p.States[breachdesk.NoticeSent] != int64(b.n) || p.Uncertain != 0 {
		t.Errorf("progress = %s, %v, uncertain %d; want done with %d sent", p.Status, p.States, p.Uncertain, b.n)
	}
	for _, n := range b.notices(t)[:3] {
		if n.Code != fmt.Sprintf("code-%d", n.ID) || n.MessageID != fmt.Sprintf("<%d@bd.example>", n.ID) || n.Attempts != 1 || n.SentAt == nil {
			t.Errorf("notice %d = %+v; want its code, Message-ID, one attempt and a sent time recorded", n.ID, n)
		}
	}
	if st := s.Stats(); st.Sent != int64(b.n) {
		t.Errorf("Stats().Sent = %d, want %d", st.Sent, b.n)
	}
}

func TestTemporaryFailuresAreRetried(t *testing.T) {
	b := setup(t, 60)
	m := newMessenger()
	m.fail = func(to string, attempt int) error {
		if attempt <= 2 && strings.Contains(to, "@d1.") {
			return &smtp.Error{Code: 451, Message: "4.3.0 try again later, " + to, Command: "RCPT"}
		}
		return nil
	}
	if err := b.sender(m).Run(actor); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if len(m.delivered) != b.n || len(m.twice()) > 0 {
		t.Fatalf("%d delivered (%d twice), want each of %d once", len(m.delivered), len(m.twice()), b.n)
	}
	for _, n := range b.notices(t) {
		want := 1
		if strings.Contains(n.ExternalID, "@d1.") {
			want = 3
		}
		if n.Attempts != want || n.State != breachdesk.NoticeSent {
			t.Errorf("notice of %s: %d attempts, %s; want %d, sent", n.ExternalID, n.Attempts, n.State, want)
		}
	}
}

// observer records what the senders count.
type observer struct {
	mu     sync.Mutex
	counts map[string]int
	// handedOver counts the hand-overs timed, by outcome.
	handedOver map[breachdesk.NoticeState]int
}

func newObserver() *observer {
	return &observer{counts: map[string]int{}, handedOver: map[breachdesk.NoticeState]int{}}
}

func (o *observer) NoticeOutcome(state breachdesk.NoticeState) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.counts[string(state)]++
}

func (o *observer) NoticeHandedOver(state breachdesk.NoticeState, took time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if took > 0 {
		o.handedOver[state]++
	}
}

func (o *observer) NoticeResent() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.counts["resent"]++
}

func (o *observer) count(key string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.counts[key]
}

// TestObserverCountsOutcomes: the observer is told every outcome as the
// sender's Stats count it, and the time of every hand-over to the relay.
func TestObserverCountsOutcomes(t *testing.T) {
	b := setupPeople(t, []string{"a@d0.example", "b@d1.example", "c@d2.example", "d@d0.example", "invalid-1"})
	m := newMessenger()
	m.fail = func(to string, attempt int) error {
		switch {
		case strings.Contains(to, "@d1.") && attempt == 1:
			return &smtp.Error{Code: 451, Message: "4.3.0 try again later", Command: "RCPT"}
		case strings.Contains(to, "@d2."):
			return &smtp.Error{Code: 550, EnhancedCode: "5.1.1", Message: "no such user", Command: "RCPT"}
		}
		return nil
	}
	s := b.sender(m)
	obs := newObserver()
	s.Observer = obs
	if err := s.Run(actor); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	st := s.Stats()
	if st.Sent != 3 || st.Retried != 1 || st.Failed != 2 {
		t.Fatalf("Stats() = %+v, want 3 sent, 1 retried, 2 failed", st)
	}
	want := map[string]int{"sent": 3, "queued": 1, "failed": 2}
	if got := obs.counts; !maps.Equal(got, want) {
		t.Errorf("the observer counted %v, want %v", got, want)
	}
	// The address that is not one failed before any hand-over.
	if got, want := obs.handedOver, map[breachdesk.NoticeState]int{breachdesk.NoticeSent: 3, breachdesk.NoticeQueued: 1, breachdesk.NoticeFailed: 1}; !maps.Equal(got, want) {
		t.Errorf("hand-overs timed: %v, want %v", got, want)
	}
}

func TestPermanentFailureKeepsReplyWithoutAddress(t *testing.T) {
	b := setup(t, 9)
	m := newMessenger()
	m.fail = func(to string, attempt int) error {
		if strings.Contains(to, "@d2.") {
			return &smtp.Error{Code: 550, EnhancedCode: "5.1.1", Message: "<" + to + ">: Recipient address rejected", Command: "RCPT"}
		}
		return nil
	}
	if err := b.sender(m).Run(actor); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	p := b.progress(t)
	if p.States[breachdesk.NoticeFailed] != 3 || p.States[breachdesk.NoticeSent] != 6 || p.Status != breachdesk.CampaignDone {
		t.Fatalf("progress %s %v, want 3 failed and 6 sent, done", p.Status, p.States)
	}
	for _, n := range b.notices(t) {
		if n.State != breachdesk.NoticeFailed {
			continue
		}
		if !strings.Contains(n.LastError, "550") || !strings.Contains(n.LastError, "Recipient address rejected") || strings.Contains(n.LastError, n.ExternalID) {
			t.Errorf("last error %q: want the server's reply with the address masked", n.LastError)
		}
		if n.Attempts != 1 {
			t.Errorf("a permanent failure was tried %d times, want once", n.Attempts)
		}
	}
}

func TestGiveUpAfterMaxAttempts(t *testing.T) {
	b := setup(t, 3)
	m := newMessenger()
	m.fail = func(string, int) error { return &smtp.Error{Command: "DIAL", Err: errors.New("connection refused")} }
	s := b.sender(m)
	s.MaxAttempts = 3
	if err := s.Run(actor); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	for _, n := range b.notices(t) {
		if n.State != breachdesk.NoticeFailed || n.Attempts != 3 || !strings.Contains(n.LastError, "gave up after 3 attempts") {
			t.Errorf("notice %d: %s after %d attempts (%q); want failed after 3", n.ID, n.State, n.Attempts, n.LastError)
		}
	}
}

func TestBrokenAfterDataIsUncertain(t *testing.T) {
	b := setup(t, 6)
	m := newMessenger()
	m.fail = func(to string, attempt int) error {
		if attempt == 1 && strings.Contains(to, "@d0.") {
			return &smtp.Error{Command: "DATA-END", Err: errors.New("connection reset")}
		}
		return nil
	}
	if err := b.sender(m).Run(actor); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if p := b.progress(t); p.Uncertain != 2 || p.States[breachdesk.NoticeSent] != 6 {
		t.Errorf("progress %v, uncertain %d; want all 6 sent and the 2 cut off after the message uncertain", p.States, p.Uncertain)
	}
}

func TestInvalidAddressFailsOnlyThatNotice(t *testing.T) {
	b := setupPeople(t, []string{"a@d0.example", "invalid-1", "b@d1.example", "invalid-2"})
	m := newMessenger()
	if err := b.sender(m).Run(actor); err != nil {
		t.Fatalf("Run() = %v, want the sender to go on past a bad address", err)
	}
	for _, n := range b.notices(t) {
		bad := strings.HasPrefix(n.ExternalID, "invalid")
		if bad && (n.State != breachdesk.NoticeFailed || !strings.Contains(n.LastError, "no usable address")) {
			t.Errorf("notice of %s: %s %q, want failed with the reason", n.ExternalID, n.State, n.LastError)
		}
		if !bad && n.State != breachdesk.NoticeSent {
			t.Errorf("notice of %s: %s, want sent", n.ExternalID, n.State)
		}
	}
}

func TestPauseAndResume(t *testing.T) {
	b := setup(t, 400)
	m := newMessenger()
	var once sync.Once
	m.onSend = func(delivered int) {
		if delivered >= 50 {
			once.Do(func() {
				go b.campaigns.SetCampaignStatus(actor, b.campaignID, breachdesk.CampaignPaused)
			})
		}
	}
	err := b.sender(m).Run(actor)
	if !errors.Is(err, campaign.ErrPaused) {
		t.Fatalf("Run() = %v, want ErrPaused", err)
	}
	p := b.progress(t)
	sent := p.States[breachdesk.NoticeSent]
	if sent < 50 || sent >= int64(b.n) || p.States[breachdesk.NoticeClaimed] != 0 || p.States[breachdesk.NoticeInFlight] != 0 {
		t.Fatalf("after the pause: %v; want some sent, the rest queued, nothing held", p.States)
	}
	if int64(len(m.delivered)) != sent {
		t.Fatalf("%d delivered but %d recorded sent", len(m.delivered), sent)
	}
	m.onSend = nil
	if _, err := b.campaigns.SetCampaignStatus(actor, b.campaignID, breachdesk.CampaignActive); err != nil {
		t.Fatal(err)
	}
	if err := b.sender(m).Run(actor); err != nil {
		t.Fatalf("Run() after resume = %v", err)
	}
	if len(m.delivered) != b.n || len(m.twice()) > 0 {
		t.Errorf("after resume: %d delivered, %d twice; want each of %d once", len(m.delivered), len(m.twice()), b.n)
	}
}

func TestTakesOverDeadWorker(t *testing.T) {
	b := setup(t, 50)
	// A worker of this host whose process is gone held 10 notices: 4 it had
	// handed over when it died, 6 it had only claimed.
	ghost := &breachdesk.Worker{ID: "ghost", Host: hostname(t), PID: 1 << 22}
	if err := b.campaigns.RegisterWorker(actor, ghost); err != nil {
		t.Fatal(err)
	}
	claimed, err := b.campaigns.ClaimNotices(actor, breachdesk.ClaimRequest{WorkerID: "ghost", CampaignID: &b.campaignID, Limit: 10})
	if err != nil || len(claimed) != 10 {
		t.Fatalf("ClaimNotices() = %d, %v", len(claimed), err)
	}
	var inFlight []breachdesk.NoticeOutcome
	for _, n := range claimed[:4] {
		inFlight = append(inFlight, breachdesk.NoticeOutcome{NoticeID: n.Notice.ID, State: breachdesk.NoticeInFlight, Code: fmt.Sprint("c", n.Notice.ID), MessageID: fmt.Sprint("m", n.Notice.ID)})
	}
	if _, err := b.campaigns.RecordNoticeOutcomes(actor, "ghost", inFlight); err != nil {
		t.Fatal(err)
	}
	m := newMessenger()
	s := b.sender(m)
	if err := s.Run(actor); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	p := b.progress(t)
	if p.States[breachdesk.NoticeSent] != 50 || p.Uncertain != 4 || p.Status != breachdesk.CampaignDone {
		t.Errorf("progress %s %v, uncertain %d; want all 50 sent and the 4 in flight uncertain", p.Status, p.States, p.Uncertain)
	}
	if st := s.Stats(); st.Recovered != 1 || st.Uncertain != 4 {
		t.Errorf("Stats() = %+v, want one worker recovered with 4 uncertain", st)
	}
	workers, _ := b.campaigns.FindWorkers(actor)
	for _, w := range workers {
		if w.ID == "ghost" {
			t.Error("the dead worker is still registered")
		}
	}
}

func TestDomainConcurrency(t *testing.T) {
	b := setup(t, 90)
	m := newMessenger()
	s := b.sender(m)
	s.Concurrency, s.DomainConcurrency = 8, 2
	if err := s.Run(actor); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	for domain, most := range m.maxBusy {
		if most > 2 {
			t.Errorf("%d messages at once to %s, want at most 2", most, domain)
		}
	}
	if len(m.delivered) != b.n {
		t.Errorf("%d delivered, want %d", len(m.delivered), b.n)
	}
}

func hostname(t *testing.T) string {
	t.Helper()
	h, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// blockingMessenger holds each Send until the test lets it go.
type blockingMessenger struct {
	sending chan string
	proceed chan struct{}
}

func (m *blockingMessenger) Send(ctx context.Context, from, to string, msg []byte) error {
	m.sending <- to
	<-m.proceed
	return nil
}

func TestNextNoticeMarkedInFlightDuringHandOver(t *testing.T) {
	b := setup(t, 3)
	m := &blockingMessenger{sending: make(chan string), proceed: make(chan struct{})}
	s := b.sender(m)
	s.Concurrency = 1
	done := make(chan error, 1)
	go func() { done <- s.Run(actor) }()

	// The first message goes as soon as it is ready: the next notice
	// may not have reached the connection yet.
	<-m.sending
	m.proceed <- struct{}{}
	// By the second, the next notice waits: while the second message is
	// with the relay, the third gets its in-flight mark committed, so
	// that it goes out as soon as the relay answers.
	second := <-m.sending
	var states map[breachdesk.NoticeState]int64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if states = b.progress(t).States; states[breachdesk.NoticeInFlight] == 2 && states[breachdesk.NoticeSent] == 1 {
			break
		}
	}
	if states[breachdesk.NoticeInFlight] != 2 || states[breachdesk.NoticeSent] != 1 {
		t.Fatalf("while %s is handed over: %v; want it and the next notice in flight, the first sent", second, states)
	}
	m.proceed <- struct{}{}
	<-m.sending
	m.proceed <- struct{}{}
	if err := <-done; err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if p := b.progress(t); p.States[breachdesk.NoticeSent] != 3 || p.Uncertain != 0 {
		t.Errorf("progress %v, uncertain %d; want 3 sent, none uncertain", p.States, p.Uncertain)
	}
}

func TestRunEndsWithTheCampaignNotThePoll(t *testing.T) {
	b := setup(t, 40)
	s := b.sender(newMessenger())
	// A sender that has sent its last notice sees the campaign is done
	// at once; it does not wait for the next look for work.
	s.Poll = time.Hour
	ctx, cancel := context.WithTimeout(actor, 30*time.Second)
	defer cancel()
	if err := s.Run(ctx); err != nil {
		t.Fatalf("Run() = %v, want it to return when the campaign is done", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Run() returned only when its context ended, not when the campaign was done")
	}
	if p := b.progress(t); p.Status != breachdesk.CampaignDone {
		t.Errorf("status %s, want done", p.Status)
	}
}
