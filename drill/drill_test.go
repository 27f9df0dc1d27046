package drill_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/assess"
	"github.com/breachdesk/breachdesk/drill"
)

// clock is a drill's clock that moves only when told, or by step at every
// reading when step is set.
type clock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(c.step)
	return t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// store is an in-memory drill.Store.
type store struct {
	org       *breachdesk.Organization
	incidents []*breachdesk.Incident
	events    []*breachdesk.IncidentEvent
	people    map[int64]int64
	overrides []*breachdesk.AssessmentOverride
	statuses  []*breachdesk.ObligationStatus
	reports   []*breachdesk.RegulatorReport
	campaigns []*breachdesk.Campaign
	pages     []*breachdesk.IncidentPage
	points    []*breachdesk.TalkingPoints
	replies   []*breachdesk.SealedInquiryReply
}

var _ drill.Store = (*store)(nil)

func newStore() *store { return &store{people: map[int64]int64{}} }

func (s *store) FindOrganization(ctx context.Context) (*breachdesk.Organization, error) {
	if s.org == nil {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "no organization")
	}
	o := *s.org
	return &o, nil
}

func (s *store) SetOrganization(ctx context.Context, org *breachdesk.Organization) error {
	o := *org
	s.org = &o
	return nil
}

func (s *store) FindIncidents(ctx context.Context, f breachdesk.IncidentFilter) ([]*breachdesk.Incident, int, error) {
	var out []*breachdesk.Incident
	for i := len(s.incidents) - 1; i >= 0; i-- {
		out = append(out, s.incidents[i])
	}
	total := len(out)
	out = out[min(f.Offset, len(out)):]
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, total, nil
}

func (s *store) incident(id int64) *breachdesk.Incident {
	for _, inc := range s.incidents {
		if inc.ID == id {
			return inc
		}
	}
	return nil
}

func (s *store) FindIncidentByID(ctx context.Context, id int64) (*breachdesk.Incident, error) {
	inc := s.incident(id)
	if inc == nil {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "no incident %d", id)
	}
	c := *inc
	return &c, nil
}

func (s *store) CreateIncident(ctx context.Context, inc *breachdesk.Incident) error {
	inc.Normalize()
	if err := inc.Validate(); err != nil {
		return err
	}
	inc.ID = int64(len(s.incidents) + 1)
	c := *inc
	s.incidents = append(s.incidents, &c)
	return nil
}

func (s *store) CreateIncidentEvent(ctx context.Context, e *breachdesk.IncidentEvent) error {
	if s.incident(e.IncidentID) == nil {
		return breachdesk.Errorf(breachdesk.ENotFound, "no incident %d", e.IncidentID)
	}
	if err := e.Validate(); err != nil {
		return err
	}
	e.ID = int64(len(s.events) + 1)
	c := *e
	s.events = append(s.events, &c)
	return nil
}

func (s *store) FindIncidentEvents(ctx context.Context, f breachdesk.IncidentEventFilter) ([]*breachdesk.IncidentEvent, int, error) {
	var out []*breachdesk.IncidentEvent
	for _, e := range s.events {
		if e.IncidentID == f.IncidentID && (f.Kind == nil || *f.Kind == e.Kind) {
			out = append(out, e)
		}
	}
	return out, len(out), nil
}

func (s *store) CountAffectedPeople(ctx context.Context, id int64, by string) (*breachdesk.PopulationCount, error) {
	return &breachdesk.PopulationCount{Total: s.people[id]}, nil
}

func (s *store) FindAssessmentOverrides(ctx context.Context, id int64) ([]*breachdesk.AssessmentOverride, error) {
	return filter(s.overrides, func(o *breachdesk.AssessmentOverride) bool { return o.IncidentID == id }), nil
}

func (s *store) FindObligationStatuses(ctx context.Context, id int64) ([]*breachdesk.ObligationStatus, error) {
	return filter(s.statuses, func(o *breachdesk.ObligationStatus) bool { return o.IncidentID == id }), nil
}

func (s *store) FindRegulatorReports(ctx context.Context, f breachdesk.RegulatorReportFilter) ([]*breachdesk.RegulatorReport, int, error) {
	out := filter(s.reports, func(r *breachdesk.RegulatorReport) bool { return r.IncidentID == f.IncidentID })
	return out, len(out), nil
}

func (s *store) FindCampaigns(ctx context.Context, f breachdesk.CampaignFilter) ([]*breachdesk.Campaign, int, error) {
	out := filter(s.campaigns, func(c *breachdesk.Campaign) bool { return c.IncidentID == *f.IncidentID })
	return out, len(out), nil
}

func (s *store) FindIncidentPage(ctx context.Context, f breachdesk.IncidentPageFilter) (*breachdesk.IncidentPage, error) {
	for _, p := range s.pages {
		if p.IncidentID == *f.IncidentID {
			return p, nil
		}
	}
	return nil, breachdesk.Errorf(breachdesk.ENotFound, "no page")
}

func (s *store) FindTalkingPoints(ctx context.Context, id int64) (*breachdesk.TalkingPoints, error) {
	for _, tp := range s.points {
		if tp.IncidentID == id {
			return tp, nil
		}
	}
	return nil, breachdesk.Errorf(breachdesk.ENotFound, "no talking points")
}

func (s *store) FindInquiryReplies(ctx context.Context, id int64) ([]*breachdesk.SealedInquiryReply, error) {
	return filter(s.replies, func(r *breachdesk.SealedInquiryReply) bool { return r.InquiryID == id }), nil
}

func filter[T any](list []T, keep func(T) bool) []T {
	var out []T
	for _, v := range list {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// notes returns the notes on an incident's timeline.
func (s *store) notes(id int64) []string {
	var out []string
	for _, e := range s.events {
		if e.IncidentID == id && e.Kind == breachdesk.EventNote {
			out = append(out, e.Note)
		}
	}
	return out
}

// bundle is a drill on a fake store and clock, with what it printed and
// the inquiries it sent.
type bundle struct {
	store     *store
	clock     *clock
	out       *bytes.Buffer
	drill     *drill.Drill
	inquiries []*breachdesk.Inquiry
}

var start = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func setup(t *testing.T) *bundle {
	t.Helper()
	b := &bundle{store: newStore(), clock: &clock{t: start}, out: &bytes.Buffer{}}
	b.drill = &drill.Drill{
		Store: b.store, Now: b.clock.Now, Out: b.out,
		Assess: b.assess,
		Inquire: func(ctx context.Context, q *breachdesk.Inquiry) error {
			now := b.clock.Now()
			due := breachdesk.DataRequestDue(now)
			q.ID, q.Reference, q.DueAt, q.CreatedAt = int64(len(b.inquiries)+1), "Q-TEST-0001", &due, now
			b.inquiries = append(b.inquiries, q)
			return nil
		},
		People: 20, PeopleDir: t.TempDir(), TimeLimit: 3 * time.Hour, Poll: time.Millisecond,
		ConsoleURL: "http://127.0.0.1:8080", CLI: "breachdesk --db drill.db",
	}
	return b
}

// assess stands in for the rules engine: the obligations a French
// controller has for people in France, India and New York, counted from
// the incident's times, with the statuses recorded.
func (b *bundle) assess(ctx context.Context, id int64) (*assess.Result, error) {
	inc, err := b.store.FindIncidentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	at := func(d time.Duration) *time.Time { t := inc.AwareAt.Add(d); return &t }
	obligations := []*assess.Obligation{
		{ID: "in-cert-in", Law: "CERT-In Directions", Recipient: "authority", Deadline: at(6 * time.Hour)},
		{ID: "eu-gdpr-33/FR", Law: "GDPR Art. 33", Recipient: "authority", Deadline: at(72 * time.Hour)},
		{ID: "us-ny-individuals", Law: "N.Y. Gen. Bus. Law §899-aa", Recipient: "individuals", Deadline: at(30 * 24 * time.Hour)},
		{ID: "eu-gdpr-33-5/FR", Law: "GDPR Art. 33(5)", Recipient: "other", DeadlineText: "document every breach"},
		{ID: "eu-gdpr-34/FR", Law: "GDPR Art. 34", Recipient: "individuals", DeadlineText: "without undue delay"},
	}
	for _, o := range obligations {
		o.Status = breachdesk.ObligationPending
		for _, s := range b.store.statuses {
			if s.IncidentID == id && s.ObligationID == o.ID {
				o.Status = s.Status
			}
		}
	}
	return &assess.Result{IncidentID: id, Obligations: obligations}, nil
}

func (b *bundle) mustStart(t *testing.T) *breachdesk.Incident {
	t.Helper()
	if err := b.drill.Start(context.Background()); err != nil {
		t.Fatalf("Start() = %v", err)
	}
	return b.drill.Incident
}

// look advances the clock by d, looks at the store, and returns what the
// drill printed.
func (b *bundle) look(t *testing.T, d time.Duration) string {
	t.Helper()
	b.clock.Add(d)
	b.out.Reset()
	if err := b.drill.Look(context.Background()); err != nil {
		t.Fatalf("Look() = %v", err)
	}
	return b.out.String()
}

func (b *bundle) command(t *testing.T, d time.Duration, line string) string {
	t.Helper()
	b.clock.Add(d)
	b.out.Reset()
	if b.drill.Command(context.Background(), line) {
		t.Fatalf("Command(%q) ended the drill", line)
	}
	return b.out.String()
}

func (b *bundle) update(id int64, change func(*breachdesk.Incident)) {
	change(b.store.incident(id))
}

// factsKnown records everything Art. 33(3) asks for.
func factsKnown(inc *breachdesk.Incident) {
	n := int64(20)
	inc.Nature, inc.Cause = []string{"confidentiality"}, breachdesk.CauseMaliciousAttack
	inc.DataCategories, inc.SubjectCategories = []string{"name", "email", "password_hash_weak"}, []string{"customers"}
	inc.ApproxSubjects, inc.ApproxRecords = &n, &n
	inc.LikelyConsequences, inc.MeasuresTaken = "Phishing and account takeover.", "Passwords reset."
}

func TestCheckDatabase(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		if err := drill.CheckDatabase(ctx, newStore()); err != nil {
			t.Fatalf("CheckDatabase(empty) = %v", err)
		}
	})
	t.Run("ErrRealIncident", func(t *testing.T) {
		b := setup(t)
		b.store.CreateIncident(ctx, &breachdesk.Incident{Title: "Seller names exposed"})
		err := b.drill.Start(ctx)
		if breachdesk.ErrorCode(err) != breachdesk.EConflict || !strings.Contains(err.Error(), "--db drill.db") {
			t.Fatalf("Start() = %v, want conflict telling to use --db drill.db", err)
		}
		if len(b.store.incidents) != 1 || b.store.org != nil || len(b.store.events) != 0 {
			t.Fatalf("Start() refused but wrote: %d incidents, org %v, %d events", len(b.store.incidents), b.store.org, len(b.store.events))
		}
	})
	t.Run("ErrTitleWithoutMarker", func(t *testing.T) {
		s := newStore()
		s.CreateIncident(ctx, &breachdesk.Incident{Title: "DRILL server room flooded"})
		if err := drill.CheckDatabase(ctx, s); breachdesk.ErrorCode(err) != breachdesk.EConflict {
			t.Fatalf("CheckDatabase(title DRILL, no marker) = %v, want conflict", err)
		}
	})
	t.Run("ErrMarkerWithoutTitle", func(t *testing.T) {
		b := setup(t)
		inc := b.mustStart(t)
		b.update(inc.ID, func(inc *breachdesk.Incident) { inc.Title = "Customer database intrusion" })
		if err := drill.CheckDatabase(ctx, b.store); breachdesk.ErrorCode(err) != breachdesk.EConflict {
			t.Fatalf("CheckDatabase(drill incident renamed) = %v, want conflict", err)
		}
	})
	t.Run("OKEarlierDrills", func(t *testing.T) {
		b := setup(t)
		for range 2 {
			b.drill.Incident = nil
			b.mustStart(t)
		}
		if len(b.store.incidents) != 2 {
			t.Fatalf("%d incidents after two drills, want 2", len(b.store.incidents))
		}
	})
}

func TestStart(t *testing.T) {
	t.Run("ExampleOrganization", func(t *testing.T) {
		b := setup(t)
		inc := b.mustStart(t)
		if !b.drill.OrganizationCreated || b.store.org == nil || b.store.org.Country != "FR" {
			t.Fatalf("organization = %+v (created %v), want the example one", b.store.org, b.drill.OrganizationCreated)
		}
		out := b.out.String()
		for _, want := range []string{"set up an example one", "Example Shop SAS", "WHAT WE KNOW SO FAR", "drill-1-people.csv",
			"http://127.0.0.1:8080/incidents/1/facts", "breachdesk --db drill.db subjects import 1 ", "obligations done 1 eu-gdpr-33/FR",
			"2026-11-27 09:00 UTC"} {
			if !strings.Contains(out, want) {
				t.Errorf("Start() printed no %q:\n%s", want, out)
			}
		}
		if !strings.HasPrefix(inc.Title, drill.TitlePrefix) || !inc.AwareAt.Equal(start) || !inc.DetectedAt.Equal(start) || inc.Nature != nil {
			t.Fatalf("incident = %+v, want a DRILL title, aware and detected now, nothing else", inc)
		}
		if notes := b.store.notes(inc.ID); len(notes) != 1 || !strings.HasPrefix(notes[0], drill.Marker) {
			t.Fatalf("timeline notes = %q, want the marker", notes)
		}
		data, err := os.ReadFile(b.drill.PeopleFile)
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.Count(string(data), "\n"); lines != 21 {
			t.Fatalf("people file has %d lines, want a header and 20 people", lines)
		}
	})
	t.Run("OrganizationKept", func(t *testing.T) {
		b := setup(t)
		b.store.org = &breachdesk.Organization{Name: "Shop Ltd", Country: "GB", Language: "en"}
		b.mustStart(t)
		if b.drill.OrganizationCreated || b.store.org.Name != "Shop Ltd" {
			t.Fatalf("organization = %+v (created %v), want it kept", b.store.org, b.drill.OrganizationCreated)
		}
		if out := b.out.String(); strings.Contains(out, "example one") || !strings.Contains(out, "--authority ICO") || !strings.Contains(out, "gb-ukgdpr-33") {
			t.Fatalf("Start() output does not fit a British controller:\n%s", out)
		}
	})
}

func TestMissingFacts(t *testing.T) {
	inc := &breachdesk.Incident{}
	if got := drill.MissingFacts(inc); len(got) != 8 {
		t.Fatalf("MissingFacts(empty) = %q, want 8 facts", got)
	}
	factsKnown(inc)
	inc.MeasuresTaken, inc.MeasuresPlanned = "", "Passwords to be reset."
	if got := drill.MissingFacts(inc); len(got) != 0 {
		t.Fatalf("MissingFacts(known, measures planned) = %q, want none", got)
	}
	inc.ApproxRecords = nil
	if got := drill.MissingFacts(inc); !slices.Equal(got, []string{"approx_records"}) {
		t.Fatalf("MissingFacts(no records) = %q, want approx_records", got)
	}
}

// TestSteps plays a whole drill against the store, each step a few
// minutes after the last, in an order of the team's own.
func TestSteps(t *testing.T) {
	b := setup(t)
	inc := b.mustStart(t)
	id := inc.ID
	ctx := context.Background()
	if out := b.look(t, time.Minute); out != "" {
		t.Fatalf("Look() on a fresh incident printed %q", out)
	}

	steps := []struct {
		name string
		do   func()
		want string
	}{
		{"Facts", func() { b.update(id, factsKnown) }, "[+00:06:00] step 1 done: the facts Art. 33(3) asks for are recorded\n"},
		{"Scope", func() { b.store.people[id] = 1500 }, "[+00:11:00] step 2 done: 1,500 people imported\n"},
		{"Contain", func() { b.update(id, func(inc *breachdesk.Incident) { c := start; inc.ContainedAt = &c }) },
			"[+00:16:00] step 4 done: contained at 2026-11-24 09:00 UTC\n"},
		{"Assess", func() {
			b.store.overrides = append(b.store.overrides, &breachdesk.AssessmentOverride{IncidentID: id, Factor: "risk", Value: "high_risk", Reason: "r", Actor: "user:dana@example.com"})
		}, "[+00:21:00] step 3 done: risk overridden by user:dana@example.com, with the reason\n"},
		{"Report", func() {
			b.store.reports = append(b.store.reports, &breachdesk.RegulatorReport{IncidentID: id, Authority: "CNIL", Version: 1})
		}, "[+00:26:00] step 5 under way: the notification is ready (CNIL report version 1 stored)\n"},
		{"Authority", func() {
			b.update(id, func(inc *breachdesk.Incident) { n := start.Add(31 * time.Minute); inc.AuthorityNotifiedAt = &n })
		}, "[+00:31:00] step 5 done: authority notified; CNIL report version 1 stored\n"},
		{"PageDraft", func() { b.store.pages = append(b.store.pages, &breachdesk.IncidentPage{IncidentID: id, Slug: "drill"}) }, ""},
		{"TalkingPoints", func() {
			b.store.points = append(b.store.points, &breachdesk.TalkingPoints{IncidentID: id, Text: "Say this.", UpdatedBy: "user:dana@example.com"})
		}, "[+00:41:00] step 7 done: talking points written by user:dana@example.com\n"},
		{"CampaignDraft", func() {
			b.store.campaigns = append(b.store.campaigns, &breachdesk.Campaign{ID: 1, IncidentID: id, Channel: "email", Status: breachdesk.CampaignDraft, Recipients: 1500})
		}, ""},
		{"CampaignStarted", func() { b.store.campaigns[0].Status = breachdesk.CampaignActive },
			"[+00:51:00] step 6 done: campaign 1 started: 1,500 notices by email\n" +
				"[+00:51:00] a person wrote in through the public form: data-subject request Q-TEST-0001 (access, "},
		{"Answer", func() {
			b.store.replies = append(b.store.replies, &breachdesk.SealedInquiryReply{InquiryID: 1, Author: "ali@example.com"})
		}, "[+00:56:00] step 8 done: inquiry Q-TEST-0001 answered by ali@example.com\n"},
	}
	for _, s := range steps {
		s.do()
		out := b.look(t, 5*time.Minute)
		if s.want == "" && out != "" || !strings.HasPrefix(out, s.want) {
			t.Fatalf("%s: Look() printed %q, want %q", s.name, out, s.want)
		}
	}
	if q := b.inquiries; len(q) != 1 || q[0].Category != breachdesk.InquiryDataRequest || *q[0].IncidentID != id || !strings.Contains(q[0].Email, "@example.") {
		t.Fatalf("inquiries sent = %+v, want one data-subject request about the incident from a made-up person", q)
	}
	b.look(t, time.Minute)
	if len(b.inquiries) != 1 {
		t.Fatalf("%d inquiries sent, want the one", len(b.inquiries))
	}

	notes := b.store.notes(id)
	for n := 1; n <= drill.Steps; n++ {
		want := fmt.Sprintf("Drill: step %d (", n)
		if !slices.ContainsFunc(notes, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("no timeline note starts with %q: %q", want, notes)
		}
	}

	rep, err := b.drill.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Ready || rep.Summary != "ready: all 8 steps done, none late" || len(rep.Reasons) != 0 {
		t.Fatalf("report: ready %v, %q, reasons %q; want ready", rep.Ready, rep.Summary, rep.Reasons)
	}
	for _, s := range rep.Steps {
		if s.Verdict != drill.VerdictOnTime {
			t.Errorf("step %d verdict = %q, want %q", s.Number, s.Verdict, drill.VerdictOnTime)
		}
	}
	s5 := rep.Steps[4]
	if *s5.AfterAwarenessSeconds != 31*60 || len(s5.Clocks) != 2 || s5.Clocks[0].Obligation != "eu-gdpr-33/FR" || *s5.Clocks[0].MarginSeconds != (72*60-31)*60 ||
		s5.Clocks[1].Obligation != "in-cert-in" || *s5.Clocks[1].MarginSeconds != (6*60-31)*60 {
		t.Fatalf("step 5 = %+v, clocks %+v %+v; want done at T+0:31 against Art. 33 (71h29m left) and CERT-In (5h29m left)", s5, s5.Clocks[0], s5.Clocks[len(s5.Clocks)-1])
	}
	if s6 := rep.Steps[5]; s6.Clocks[0].Obligation != "us-ny-individuals" || s6.Clocks[1].Obligation != "eu-gdpr-34/FR" || s6.Clocks[1].Deadline != nil {
		t.Fatalf("step 6 clocks = %+v %+v, want the New York 30 days and Art. 34 without undue delay", s6.Clocks[0], s6.Clocks[1])
	}
	if s7 := rep.Steps[6]; *s7.Clocks[0].MarginSeconds != 10*60 {
		t.Fatalf("step 7 clock = %+v, want 10 minutes before the notices", s7.Clocks[0])
	}
	want := "The notification was ready at T+0:26:00 (CNIL report version 1). The authority was notified at T+0:31:00, with 71h29m left on the 72-hour clock of GDPR Art. 33 (eu-gdpr-33/FR)."
	if rep.Authority != want {
		t.Fatalf("Authority = %q, want %q", rep.Authority, want)
	}
	// Steps 5 and 6 each came 10 minutes after the step before; the first
	// counts.
	if rep.Slowest == nil || rep.Slowest.Step != 5 || rep.Slowest.Seconds != 10*60 || rep.Slowest.After != "step 3" {
		t.Fatalf("Slowest = %+v, want step 5, 10 minutes after step 3", rep.Slowest)
	}
}

// TestLateSteps checks that a step done after its deadline is late, and
// the verdict not ready.
func TestLateSteps(t *testing.T) {
	b := setup(t)
	inc := b.mustStart(t)
	b.update(inc.ID, factsKnown)
	b.look(t, time.Minute)
	// Customer service ready, then the people told: in the right order.
	b.store.points = append(b.store.points, &breachdesk.TalkingPoints{IncidentID: inc.ID, Text: "Say this.", UpdatedBy: "user:dana"})
	b.look(t, time.Minute)
	b.store.reports = append(b.store.reports, &breachdesk.RegulatorReport{IncidentID: inc.ID, Authority: "CNIL", Version: 1})
	b.update(inc.ID, func(inc *breachdesk.Incident) { n := start.Add(75 * time.Hour); inc.AuthorityNotifiedAt = &n })
	out := b.look(t, 75*time.Hour-2*time.Minute)
	if !strings.Contains(out, "[+75:00:00] step 5 done") {
		t.Fatalf("Look() printed %q, want step 5 done at +75:00:00", out)
	}
	b.drill.Command(context.Background(), "end")
	rep, err := b.drill.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s5 := rep.Steps[4]
	if !s5.Late || s5.Verdict != drill.VerdictLate || *s5.Clocks[0].MarginSeconds != -3*3600 {
		t.Fatalf("step 5 = %+v (clock %+v), want late by 3h", s5, s5.Clocks[0])
	}
	if rep.Ready || rep.Summary != "not ready: 3 of 8 steps done, 1 late" {
		t.Fatalf("Summary = %q, want not ready: 3 of 8 steps done, 1 late", rep.Summary)
	}
	if !slices.Contains(rep.Reasons, "step 5 (notify the authority) late: done at T+75:00:00, 3h00m after its deadline (eu-gdpr-33/FR, GDPR Art. 33)") {
		t.Fatalf("Reasons = %q, want step 5 late after the Art. 33 deadline", rep.Reasons)
	}
	// Steps not done whose deadline passed during the drill say so.
	if !slices.ContainsFunc(rep.Reasons, func(r string) bool {
		return strings.HasPrefix(r, "step 2 (scope the people) not done: no people imported yet; its deadline (eu-gdpr-33/FR, GDPR Art. 33) passed 3h00m before the drill ended")
	}) {
		t.Fatalf("Reasons = %q, want step 2 not done, its deadline passed", rep.Reasons)
	}
	if !strings.Contains(rep.Authority, "The authority was notified at T+75:00:00, 3h00m after the end of the 72-hour clock") {
		t.Fatalf("Authority = %q", rep.Authority)
	}
	if rep.Steps[6].Verdict != drill.VerdictOnTime || rep.Steps[6].Clocks[0].Deadline != nil {
		t.Fatalf("step 7 = %+v, want done on time with the notices not sent", rep.Steps[6])
	}

	var text, md bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`5 notify the authority +T\+75:00:00 +late +eu-gdpr-33/FR +2026-11-27 09:00 UTC +3h00m late`),
		regexp.MustCompile(`Verdict: not ready: 3 of 8 steps done, 1 late\.`),
	} {
		if !want.MatchString(text.String()) {
			t.Errorf("text report does not match %s:\n%s", want, text.String())
		}
	}
	if !strings.Contains(md.String(), "| 5 | notify the authority | T+75:00:00 | late | eu-gdpr-33/FR, GDPR Art. 33 | 2026-11-27 09:00 UTC | 3h00m late |") {
		t.Errorf("Markdown report lacks step 5's row:\n%s", md.String())
	}
}

func TestMarkedByHand(t *testing.T) {
	b := setup(t)
	inc := b.mustStart(t)
	if out := b.command(t, 20*time.Minute, "4"); out != "[+00:20:00] step 4 marked done by hand (contain the breach)\n" {
		t.Fatalf("Command(4) printed %q", out)
	}
	if out := b.command(t, time.Minute, " 4 "); !strings.Contains(out, "Step 4 is done already, at T+0:20:00") {
		t.Fatalf("Command(4) again printed %q", out)
	}
	if out := b.command(t, time.Minute, "9"); !strings.Contains(out, "not a command") {
		t.Fatalf("Command(9) printed %q", out)
	}
	// A step done by hand counts for what follows it: the inquiry comes
	// after the people are told.
	if out := b.command(t, time.Minute, "6"); !strings.Contains(out, "a person wrote in") || len(b.inquiries) != 1 {
		t.Fatalf("Command(6) printed %q and sent %d inquiries, want the inquiry", out, len(b.inquiries))
	}
	if out := b.command(t, 0, "status"); !regexp.MustCompile(`(?m)^  4  contain the breach +marked done by hand at T\+0:20:00$`).MatchString(out) ||
		!strings.Contains(out, "2 of 8 steps done") {
		t.Fatalf("status printed:\n%s", out)
	}
	// Looking at the store does not undo the hand: contained_at is still
	// unknown.
	b.look(t, time.Minute)
	if !slices.ContainsFunc(b.store.notes(inc.ID), func(n string) bool {
		return strings.HasPrefix(n, "Drill: step 4 (contain the breach) marked done by hand at T+0:20:00")
	}) {
		t.Fatalf("timeline notes = %q, want step 4 marked by hand", b.store.notes(inc.ID))
	}
	rep, err := b.drill.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Steps[3]; !s.Done || !s.ByHand || s.Verdict != drill.VerdictByHand {
		t.Fatalf("step 4 = %+v, want marked by hand", s)
	}
	if !slices.Contains(rep.Notes, "Step 4 (contain the breach) was marked done by hand: breachdesk did not see it done.") {
		t.Fatalf("Notes = %q", rep.Notes)
	}
}

// TestRunTimeLimit runs a drill nobody plays, with standard input closed
// from the start: it ends at the time limit, not at the end of input.
func TestRunTimeLimit(t *testing.T) {
	b := setup(t)
	b.mustStart(t)
	b.drill.TimeLimit = 90 * time.Minute
	b.clock.step = time.Minute
	rep, err := b.drill.Run(context.Background(), strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ended != drill.EndTimeLimit || rep.DurationSeconds < 90*60 {
		t.Fatalf("Run() ended %q after %ds, want the time limit after 90 minutes", rep.Ended, rep.DurationSeconds)
	}
	if rep.Ready || rep.Summary != "not ready: 0 of 8 steps done" || len(rep.Reasons) != 8 {
		t.Fatalf("report: %q, reasons %q", rep.Summary, rep.Reasons)
	}
	if !strings.HasPrefix(rep.Authority, "The authority was not notified during the drill: when it ended, at T+1:3") {
		t.Fatalf("Authority = %q", rep.Authority)
	}
	out := b.out.String()
	if !strings.Contains(out, "Standard input is closed: the drill watches on") || !strings.Contains(out, "drill ended: time limit reached.") {
		t.Fatalf("Run() printed:\n%s", out)
	}
	notes := b.store.notes(b.drill.Incident.ID)
	if last := notes[len(notes)-1]; last != "Drill ended (time limit reached): not ready: 0 of 8 steps done." {
		t.Fatalf("last timeline note = %q", last)
	}
}

func TestRunEnd(t *testing.T) {
	b := setup(t)
	b.mustStart(t)
	rep, err := b.drill.Run(context.Background(), strings.NewReader("2\nstatus\nend\n"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ended != drill.EndFacilitator || rep.StepsDone != 1 || !rep.Steps[1].ByHand {
		t.Fatalf("Run() = ended %q with %d steps done, want ended by the facilitator, step 2 by hand", rep.Ended, rep.StepsDone)
	}
	if out := b.out.String(); !strings.Contains(out, "1 of 8 steps done") {
		t.Fatalf("status printed nothing:\n%s", out)
	}
}

func TestRunInterrupted(t *testing.T) {
	b := setup(t)
	b.mustStart(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rep, err := b.drill.Run(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ended != drill.EndInterrupted {
		t.Fatalf("Run() ended %q, want interrupted", rep.Ended)
	}
	// The end is recorded though the context ended.
	notes := b.store.notes(b.drill.Incident.ID)
	if !strings.HasPrefix(notes[len(notes)-1], "Drill ended (interrupted)") {
		t.Fatalf("notes = %q", notes)
	}
}
