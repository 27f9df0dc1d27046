package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/campaign"
	bdhttp "github.com/breachdesk/breachdesk/http"
	"github.com/breachdesk/breachdesk/importer"
	"github.com/breachdesk/breachdesk/intake"
	"github.com/breachdesk/breachdesk/internal/metricstest"
	"github.com/breachdesk/breachdesk/metrics"
)

// Registry is what each package that does the work calls.
var (
	_ bdhttp.Metrics    = (*metrics.Registry)(nil)
	_ campaign.Observer = (*metrics.Registry)(nil)
	_ intake.Observer   = (*metrics.Registry)(nil)
	_ importer.Observer = (*metrics.Registry)(nil)
)

// scrape serves a scrape of r and parses it.
func scrape(t *testing.T, r *metrics.Registry) metricstest.Samples {
	t.Helper()
	srv := httptest.NewServer(r)
	defer srv.Close()
	return metricstest.Scrape(t, srv.URL)
}

func TestRegistryCounts(t *testing.T) {
	r := metrics.New()
	r.ObserveRequest(bdhttp.ListenerPublic, "GET /verify", 200, 30*time.Millisecond)
	r.ObserveRequest(bdhttp.ListenerPublic, "GET /verify", 200, 3*time.Second)
	r.ObserveRequest(bdhttp.ListenerConsole, "GET /incidents/{id}", 404, time.Millisecond)
	r.RequestLimited("client")
	for _, st := range []breachdesk.NoticeState{breachdesk.NoticeSent, breachdesk.NoticeSent, breachdesk.NoticeQueued,
		breachdesk.NoticeFailed, breachdesk.NoticeBounced, breachdesk.NoticeInFlight} {
		r.NoticeOutcome(st)
	}
	r.NoticeHandedOver(breachdesk.NoticeSent, 120*time.Millisecond)
	r.NoticeHandedOver(breachdesk.NoticeQueued, 2*time.Second)
	r.NoticeResent()
	r.InquiryStored(breachdesk.InquiryClaim)
	r.InquiryMail(intake.MailReceipt, intake.MailMailed)
	r.InquiryMail(intake.MailReply, intake.MailRefused)
	r.PeopleImported(40, 2, 3)

	s := scrape(t, r)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"breachdesk_http_requests_total", []string{"listener", "public", "route", "GET /verify", "status", "200"}, 2},
		{"breachdesk_http_requests_total", []string{"listener", "console", "route", "GET /incidents/{id}", "status", "404"}, 1},
		{"breachdesk_http_request_duration_seconds_count", []string{"listener", "public", "route", "GET /verify"}, 2},
		{"breachdesk_http_request_duration_seconds_bucket", []string{"listener", "public", "route", "GET /verify", "le", "0.05"}, 1},
		{"breachdesk_http_limited_requests_total", []string{"limit", "client"}, 1},
		{"breachdesk_http_limited_requests_total", []string{"limit", "in_flight"}, 0},
		{"breachdesk_notices_sent_total", nil, 2},
		{"breachdesk_notices_retried_total", nil, 1},
		{"breachdesk_notices_failed_total", nil, 1},
		{"breachdesk_notices_bounced_total", nil, 1},
		{"breachdesk_notices_resent_total", nil, 1},
		{"breachdesk_smtp_handover_duration_seconds_count", []string{"outcome", "sent"}, 1},
		{"breachdesk_smtp_handover_duration_seconds_count", []string{"outcome", "retried"}, 1},
		{"breachdesk_inquiries_received_total", []string{"category", "claim"}, 1},
		{"breachdesk_inquiries_received_total", []string{"category", "question"}, 0},
		{"breachdesk_inquiry_mails_total", []string{"kind", "receipt", "result", "mailed"}, 1},
		{"breachdesk_inquiry_mails_total", []string{"kind", "reply", "result", "refused"}, 1},
		{"breachdesk_inquiry_mails_total", []string{"kind", "reply", "result", "deferred"}, 0},
		{"breachdesk_import_rows_total", []string{"result", "imported"}, 40},
		{"breachdesk_import_rows_total", []string{"result", "duplicate"}, 2},
		{"breachdesk_import_rows_total", []string{"result", "rejected"}, 3},
	} {
		if got, ok := s.Get(c.name, c.labels...); !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	for name, help := range s.Help {
		if strings.HasPrefix(name, "breachdesk_") && help == "" {
			t.Errorf("%s has no help text", name)
		}
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if _, ok := s.Help[name]; !ok {
			t.Errorf("the scrape lacks %s: want the Go and process collectors", name)
		}
	}
}

// TestRegistriesAreSeparate: each registry counts on its own; nothing goes
// to Prometheus's global registry.
func TestRegistriesAreSeparate(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.NoticeOutcome(breachdesk.NoticeSent)
	if got, _ := scrape(t, b).Get("breachdesk_notices_sent_total"); got != 0 {
		t.Errorf("another registry counted %v notices sent, want 0", got)
	}
	if got, _ := scrape(t, a).Get("breachdesk_notices_sent_total"); got != 1 {
		t.Errorf("notices sent = %v, want 1", got)
	}
}

// TestNilRegistry: a nil registry counts nothing and does not panic, so
// that a process without metrics can pass one along.
func TestNilRegistry(t *testing.T) {
	var r *metrics.Registry
	r.ObserveRequest(bdhttp.ListenerPublic, "/", 200, time.Second)
	r.RequestLimited("client")
	r.NoticeOutcome(breachdesk.NoticeSent)
	r.NoticeHandedOver(breachdesk.NoticeSent, time.Second)
	r.NoticeResent()
	r.InquiryStored(breachdesk.InquiryClaim)
	r.InquiryMail(intake.MailReceipt, intake.MailMailed)
	r.PeopleImported(1, 0, 0)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("a nil registry's scrape = %d, want 404", w.Code)
	}
}

// fakeStore answers the state's queries from fixed rows and counts them.
type fakeStore struct {
	incidents []*breachdesk.Incident
	backlog   breachdesk.InquiryBacklog
	campaigns []*breachdesk.Campaign
	workers   []*breachdesk.Worker
	queries   int
	failWith  error
}

func (f *fakeStore) FindIncidents(ctx context.Context, filter breachdesk.IncidentFilter) ([]*breachdesk.Incident, int, error) {
	f.queries++
	return f.incidents, len(f.incidents), nil
}

func (f *fakeStore) InquiryBacklog(ctx context.Context, limit int) (*breachdesk.InquiryBacklog, error) {
	f.queries++
	if f.failWith != nil {
		return nil, f.failWith
	}
	if limit != 10000 {
		return nil, fmt.Errorf("the state must count up to 10,000 inquiries, not %d", limit)
	}
	b := f.backlog
	return &b, nil
}

func (f *fakeStore) FindCampaigns(ctx context.Context, filter breachdesk.CampaignFilter) ([]*breachdesk.Campaign, int, error) {
	f.queries++
	return f.campaigns, len(f.campaigns), nil
}

func (f *fakeStore) FindWorkers(ctx context.Context) ([]*breachdesk.Worker, error) {
	f.queries++
	return f.workers, nil
}

func TestState(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	oldest := now.Add(-26 * time.Hour)
	store := &fakeStore{
		incidents: []*breachdesk.Incident{{Status: breachdesk.IncidentOpen}, {Status: breachdesk.IncidentOpen}, {Status: breachdesk.IncidentClosed}},
		backlog:   breachdesk.InquiryBacklog{Open: 1200, Assigned: 30, ReceiptsPending: 7, OldestOpen: &oldest},
		campaigns: []*breachdesk.Campaign{{Status: breachdesk.CampaignActive}, {Status: breachdesk.CampaignDone}},
		workers: []*breachdesk.Worker{{ID: "a", HeartbeatAt: now.Add(-4 * time.Second)}, {ID: "b", HeartbeatAt: now.Add(-2 * time.Second)},
			{ID: "c", HeartbeatAt: now.Add(-2 * time.Minute)}},
	}
	r := metrics.New()
	st := &metrics.State{Incidents: store, Inquiries: store, Campaigns: store, Now: func() time.Time { return now }}
	if err := r.Register(st); err != nil {
		t.Fatal(err)
	}
	s := scrape(t, r)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"breachdesk_incidents", []string{"status", "open"}, 2},
		{"breachdesk_incidents", []string{"status", "closed"}, 1},
		{"breachdesk_incidents", []string{"status", "notifying"}, 0},
		{"breachdesk_inquiries", []string{"status", "open"}, 1200},
		{"breachdesk_inquiries", []string{"status", "assigned"}, 30},
		{"breachdesk_inquiry_receipts_pending", nil, 7},
		{"breachdesk_inquiry_oldest_open_timestamp_seconds", nil, float64(oldest.Unix())},
		{"breachdesk_campaigns", []string{"status", "active"}, 1},
		{"breachdesk_campaigns", []string{"status", "paused"}, 0},
		{"breachdesk_workers", []string{"state", "alive"}, 2},
		{"breachdesk_workers", []string{"state", "dead"}, 1},
		{"breachdesk_state_up", nil, 1},
	} {
		if got, ok := s.Get(c.name, c.labels...); !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}

	// Two scrapes within MaxAge cost the store one round of queries.
	queries := store.queries
	scrape(t, r)
	if store.queries != queries {
		t.Errorf("a second scrape at once ran %d more queries, want the answers reused", store.queries-queries)
	}
	now = now.Add(6 * time.Second)
	store.failWith = errors.New("database is locked")
	s = scrape(t, r)
	if store.queries == queries {
		t.Error("a scrape after MaxAge ran no query")
	}
	if up, _ := s.Get("breachdesk_state_up"); up != 0 {
		t.Errorf("breachdesk_state_up = %v after a failed query, want 0", up)
	}
	if len(s.Of("breachdesk_inquiries")) != 0 {
		t.Error("the inquiries' gauges are served although their query failed")
	}
	if got, ok := s.Get("breachdesk_campaigns", "status", "active"); !ok || got != 1 {
		t.Errorf("breachdesk_campaigns{active} = %v (present %v) after another query failed, want 1", got, ok)
	}

	// With no open inquiry, there is no oldest one to tell.
	now = now.Add(6 * time.Second)
	store.failWith, store.backlog = nil, breachdesk.InquiryBacklog{Assigned: 3}
	s = scrape(t, r)
	if got := s.Of("breachdesk_inquiry_oldest_open_timestamp_seconds"); len(got) != 0 {
		t.Errorf("the oldest open inquiry's time is served with none open: %v", got)
	}
	if got, _ := s.Get("breachdesk_inquiries", "status", "open"); got != 0 {
		t.Errorf("breachdesk_inquiries{open} = %v, want 0", got)
	}
}
