package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/prometheus/client_golang/prometheus"
)

// IncidentFinder is what State reads of the incidents
// (breachdesk.IncidentService).
type IncidentFinder interface {
	FindIncidents(ctx context.Context, filter breachdesk.IncidentFilter) ([]*breachdesk.Incident, int, error)
}

// InquiryBacklogger is what State reads of the inquiries
// (breachdesk.InquiryService).
type InquiryBacklogger interface {
	InquiryBacklog(ctx context.Context, limit int) (*breachdesk.InquiryBacklog, error)
}

// CampaignFinder is what State reads of the campaigns and their workers
// (breachdesk.CampaignService).
type CampaignFinder interface {
	FindCampaigns(ctx context.Context, filter breachdesk.CampaignFilter) ([]*breachdesk.Campaign, int, error)
	FindWorkers(ctx context.Context) ([]*breachdesk.Worker, error)
}

// backlogLimit is where the counts of inquiries stop: counting 10,000
// index entries costs a scrape 10 to 30 ms on either backend, while
// counting the 600,000 open inquiries of a flood took a second on
// PostgreSQL.
const backlogLimit = 10000

// workerDeadAfter is how old a heartbeat makes a worker dead, as the
// senders judge it (campaign.Config.DeadAfter's default).
const workerDeadAfter = 30 * time.Second

// State is a collector of gauges read from the store at scrape time:
// incidents and campaigns by status, the staff's queue of inquiries, and
// the sending workers alive or dead. Every query it runs reads a table of
// a few rows, or an index for at most 10,000 entries, so that a
// scrape stays cheap with 24 million notices and a million inquiries: it
// never counts notices, whose outbox is that large (watch the rate of
// breachdesk_notices_sent_total instead). Register it with
// Registry.Register.
type State struct {
	Incidents IncidentFinder
	Inquiries InquiryBacklogger
	Campaigns CampaignFinder
	Logger    *slog.Logger
	Now       func() time.Time
	// Timeout bounds the queries of one scrape; default 5 seconds.
	// MaxAge is how long the answers are reused, so that scrapes that
	// come together cost the store one round of queries; default one
	// second.
	Timeout, MaxAge time.Duration

	mu     sync.Mutex
	at     time.Time
	cached []prometheus.Metric
}

var (
	incidentsDesc = prometheus.NewDesc(namespace+"_incidents", "Incidents by status.", []string{"status"}, nil)
	inquiriesDesc = prometheus.NewDesc(namespace+"_inquiries",
		"Inquiries waiting in the staff's queue, by status (open: for anyone; assigned: to someone), counted up to 10,000 (the limit means that many or more).",
		[]string{"status"}, nil)
	receiptsDesc = prometheus.NewDesc(namespace+"_inquiry_receipts_pending",
		"Inquiries whose receipt is not mailed yet, counted up to 10,000.", nil, nil)
	oldestOpenDesc = prometheus.NewDesc(namespace+"_inquiry_oldest_open_timestamp_seconds",
		"When the oldest open inquiry came in, in Unix seconds; absent when none is open.", nil, nil)
	campaignsDesc = prometheus.NewDesc(namespace+"_campaigns", "Campaigns by status: draft, active, paused, done.", []string{"status"}, nil)
	workersDesc   = prometheus.NewDesc(namespace+"_workers",
		"Registered senders (worker, campaign send) by state: alive (a heartbeat in the last 30 seconds) or dead (not yet taken over).", []string{"state"}, nil)
	stateUpDesc = prometheus.NewDesc(namespace+"_state_up",
		"1 if every query of the store gauges succeeded at the last scrape, else 0 (the gauges that failed are left out).", nil, nil)
	stateDurationDesc = prometheus.NewDesc(namespace+"_state_scrape_duration_seconds",
		"Time the store gauges' queries took at the last scrape.", nil, nil)
)

// Describe sends the descriptions of the gauges.
func (s *State) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{incidentsDesc, inquiriesDesc, receiptsDesc, oldestOpenDesc, campaignsDesc, workersDesc, stateUpDesc, stateDurationDesc} {
		ch <- d
	}
}

// Collect reads the gauges from the store, or reuses those read less
// than MaxAge ago. A query that fails is logged and its gauges left out;
// breachdesk_state_up says so.
func (s *State) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	maxAge := s.MaxAge
	if maxAge <= 0 {
		maxAge = time.Second
	}
	if s.cached == nil || now.Sub(s.at) >= maxAge || now.Before(s.at) {
		s.cached, s.at = s.read(), now
	}
	for _, m := range s.cached {
		ch <- m
	}
}

func (s *State) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// read runs the queries and returns the gauges.
func (s *State) read() []prometheus.Metric {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	var out []prometheus.Metric
	gauge := func(desc *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...))
	}
	var errs []error
	for _, read := range []func() error{
		func() error { return s.readIncidents(ctx, gauge) },
		func() error { return s.readInquiries(ctx, gauge) },
		func() error { return s.readCampaigns(ctx, gauge) },
	} {
		if err := read(); err != nil {
			errs = append(errs, err)
		}
	}
	up := 1.0
	if err := errors.Join(errs...); err != nil {
		up = 0
		if s.Logger != nil {
			s.Logger.Warn("metrics: reading the store gauges", slog.Any("error", err))
		}
	}
	gauge(stateUpDesc, up)
	gauge(stateDurationDesc, time.Since(start).Seconds())
	return out
}

// readIncidents counts the incidents by status: an organization has few,
// so they are read whole.
func (s *State) readIncidents(ctx context.Context, gauge func(*prometheus.Desc, float64, ...string)) error {
	if s.Incidents == nil {
		return nil
	}
	incidents, _, err := s.Incidents.FindIncidents(ctx, breachdesk.IncidentFilter{})
	if err != nil {
		return fmt.Errorf("incidents: %w", err)
	}
	counts := map[breachdesk.IncidentStatus]int{}
	for _, inc := range incidents {
		counts[inc.Status]++
	}
	for _, st := range []breachdesk.IncidentStatus{breachdesk.IncidentOpen, breachdesk.IncidentAssessed, breachdesk.IncidentNotifying,
		breachdesk.IncidentMonitoring, breachdesk.IncidentClosed} {
		gauge(incidentsDesc, float64(counts[st]), string(st))
	}
	return nil
}

// readInquiries reads the staff's queue, each count stopping at
// backlogLimit.
func (s *State) readInquiries(ctx context.Context, gauge func(*prometheus.Desc, float64, ...string)) error {
	if s.Inquiries == nil {
		return nil
	}
	b, err := s.Inquiries.InquiryBacklog(ctx, backlogLimit)
	if err != nil {
		return fmt.Errorf("inquiries: %w", err)
	}
	gauge(inquiriesDesc, float64(b.Open), string(breachdesk.InquiryOpen))
	gauge(inquiriesDesc, float64(b.Assigned), string(breachdesk.InquiryAssigned))
	gauge(receiptsDesc, float64(b.ReceiptsPending))
	if b.OldestOpen != nil {
		gauge(oldestOpenDesc, float64(b.OldestOpen.Unix()))
	}
	return nil
}

// readCampaigns counts the campaigns by status and the workers alive and
// dead: both tables hold a row per campaign or process.
func (s *State) readCampaigns(ctx context.Context, gauge func(*prometheus.Desc, float64, ...string)) error {
	if s.Campaigns == nil {
		return nil
	}
	campaigns, _, err := s.Campaigns.FindCampaigns(ctx, breachdesk.CampaignFilter{})
	if err != nil {
		return fmt.Errorf("campaigns: %w", err)
	}
	counts := map[breachdesk.CampaignStatus]int{}
	for _, c := range campaigns {
		counts[c.Status]++
	}
	for _, st := range []breachdesk.CampaignStatus{breachdesk.CampaignDraft, breachdesk.CampaignActive, breachdesk.CampaignPaused, breachdesk.CampaignDone} {
		gauge(campaignsDesc, float64(counts[st]), string(st))
	}
	workers, err := s.Campaigns.FindWorkers(ctx)
	if err != nil {
		return fmt.Errorf("workers: %w", err)
	}
	now := s.now()
	alive := 0
	for _, w := range workers {
		if now.Sub(w.HeartbeatAt) <= workerDeadAfter {
			alive++
		}
	}
	gauge(workersDesc, float64(alive), "alive")
	gauge(workersDesc, float64(len(workers)-alive), "dead")
	return nil
}
