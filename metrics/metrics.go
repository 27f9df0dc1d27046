// Package metrics counts what breachdesk does, for Prometheus: the
// requests of both listeners, the notices handed to the relay, the
// inquiries taken and mailed, the people imported, and, read from the
// store at each scrape, where incidents, inquiries, campaigns and workers
// stand (State).
//
// Each process has a Registry of its own, not Prometheus's global one:
// serve answers GET /metrics on its console listener, worker on
// --metrics-addr. The packages that do the work do not import Prometheus:
// each declares the small observer interface it calls (http.Metrics,
// campaign.Observer, intake.Observer, importer.Observer), and Registry
// implements them all.
//
// No label carries personal data: a route is the pattern of the mux that
// answered, never the path, which can hold a code or a reference; every
// other label takes its values from a short fixed list.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric of breachdesk's own.
const namespace = "breachdesk"

// Registry holds the metrics of one process and serves them. Its methods
// are safe for concurrent use, and a nil *Registry counts nothing.
type Registry struct {
	reg     *prometheus.Registry
	handler http.Handler

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	limited         *prometheus.CounterVec

	noticesSent, noticesRetried, noticesFailed, noticesBounced, noticesResent prometheus.Counter
	handOver                                                                  *prometheus.HistogramVec

	inquiries   *prometheus.CounterVec
	inquiryMail *prometheus.CounterVec
	importRows  *prometheus.CounterVec
}

// New returns a registry with breachdesk's metrics, and the Go runtime's
// and the process's (go_*, process_*).
func New() *Registry {
	r := &Registry{reg: prometheus.NewRegistry()}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help})
	}
	counterVec := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
	}

	r.requests = counterVec("http_requests_total",
		"HTTP requests answered, by listener (console or public), route (the pattern that answered, or unmatched) and status code.",
		"listener", "route", "status")
	r.requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by listener and route.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"listener", "route"})
	r.limited = counterVec("http_limited_requests_total",
		"Public requests refused by a limit: client (one client's rate, 429), global (all clients' rate, 429) or in_flight (too many at once, 503).",
		"limit")

	r.noticesSent = counter("notices_sent_total", "Notices the relay accepted (250) from this process's senders.")
	r.noticesRetried = counter("notices_retried_total", "Hand-overs that failed for a time (4xx, broken connection): the notice waits for another attempt.")
	r.noticesFailed = counter("notices_failed_total", "Notices that failed for good: refused (5xx), out of attempts, or with an address that is not one.")
	r.noticesBounced = counter("notices_bounced_total", "Bounces recorded by serve --smtp-addr for notices sent earlier.")
	r.noticesResent = counter("notices_resent_total", "Notices mailed again to an affected address that asked on the \"am I affected?\" page.")
	r.handOver = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "smtp_handover_duration_seconds",
		Help:    "Time the relay took to answer one notice's message, by outcome (sent, retried or failed).",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}, []string{"outcome"})

	r.inquiries = counterVec("inquiries_received_total", "Inquiries stored from the public contact form, by category.", "category")
	r.inquiryMail = counterVec("inquiry_mails_total",
		"Receipts and replies of inquiries handed to the relay, by kind (receipt or reply) and result (mailed; refused for good; deferred by a temporary failure, tried again).",
		"kind", "result")
	r.importRows = counterVec("import_rows_total",
		"Rows of affected-people files imported through the console, by result: imported, duplicate (stored already) or rejected.",
		"result")

	r.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		r.requests, r.requestDuration, r.limited,
		r.noticesSent, r.noticesRetried, r.noticesFailed, r.noticesBounced, r.noticesResent, r.handOver,
		r.inquiries, r.inquiryMail, r.importRows)

	// Series that exist from the start, at 0, so that rates and alerts
	// see them before the first event.
	for _, l := range []string{"client", "global", "in_flight"} {
		r.limited.WithLabelValues(l)
	}
	for _, c := range breachdesk.InquiryCategories() {
		r.inquiries.WithLabelValues(string(c))
	}
	for _, kind := range []string{"receipt", "reply"} {
		for _, result := range []string{"mailed", "refused", "deferred"} {
			r.inquiryMail.WithLabelValues(kind, result)
		}
	}
	for _, result := range []string{"imported", "duplicate", "rejected"} {
		r.importRows.WithLabelValues(result)
	}

	// A collector that fails leaves its metrics out of the answer; the
	// others are still served.
	r.handler = promhttp.InstrumentMetricHandler(r.reg, promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
	}))
	return r
}

// ServeHTTP answers a scrape in Prometheus's text format (or the format
// the scraper asks for).
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r == nil {
		http.NotFound(w, req)
		return
	}
	r.handler.ServeHTTP(w, req)
}

// Register adds a collector, such as a State, to the registry.
func (r *Registry) Register(c prometheus.Collector) error {
	return r.reg.Register(c)
}

// ObserveRequest counts a request answered by listener: route is the
// pattern of the mux that answered it ("unmatched" if none did).
func (r *Registry) ObserveRequest(listener, route string, status int, took time.Duration) {
	if r == nil {
		return
	}
	r.requests.WithLabelValues(listener, route, strconv.Itoa(status)).Inc()
	r.requestDuration.WithLabelValues(listener, route).Observe(took.Seconds())
}

// RequestLimited counts a public request refused by limit: "client",
// "global" or "in_flight".
func (r *Registry) RequestLimited(limit string) {
	if r == nil {
		return
	}
	r.limited.WithLabelValues(limit).Inc()
}

// NoticeOutcome counts an outcome recorded for a notice: NoticeSent,
// NoticeQueued (a retry), NoticeFailed or NoticeBounced.
func (r *Registry) NoticeOutcome(state breachdesk.NoticeState) {
	if r == nil {
		return
	}
	switch state {
	case breachdesk.NoticeSent:
		r.noticesSent.Inc()
	case breachdesk.NoticeQueued:
		r.noticesRetried.Inc()
	case breachdesk.NoticeFailed:
		r.noticesFailed.Inc()
	case breachdesk.NoticeBounced:
		r.noticesBounced.Inc()
	}
}

// NoticeHandedOver records how long the relay took to answer a notice's
// message, and the outcome it led to.
func (r *Registry) NoticeHandedOver(state breachdesk.NoticeState, took time.Duration) {
	if r == nil {
		return
	}
	var outcome string
	switch state {
	case breachdesk.NoticeSent:
		outcome = "sent"
	case breachdesk.NoticeQueued:
		outcome = "retried"
	case breachdesk.NoticeFailed:
		outcome = "failed"
	default:
		return
	}
	r.handOver.WithLabelValues(outcome).Observe(took.Seconds())
}

// NoticeResent counts a notice mailed again on request.
func (r *Registry) NoticeResent() {
	if r == nil {
		return
	}
	r.noticesResent.Inc()
}

// InquiryStored counts an inquiry stored, by category.
func (r *Registry) InquiryStored(category breachdesk.InquiryCategory) {
	if r == nil {
		return
	}
	r.inquiries.WithLabelValues(string(category)).Inc()
}

// InquiryMail counts a receipt or reply ("receipt", "reply") handed to
// the relay, by result ("mailed", "refused", "deferred").
func (r *Registry) InquiryMail(kind, result string) {
	if r == nil {
		return
	}
	r.inquiryMail.WithLabelValues(kind, result).Inc()
}

// PeopleImported counts the rows of one commit of an import.
func (r *Registry) PeopleImported(imported, duplicates, rejected int64) {
	if r == nil {
		return
	}
	r.importRows.WithLabelValues("imported").Add(float64(imported))
	r.importRows.WithLabelValues("duplicate").Add(float64(duplicates))
	r.importRows.WithLabelValues("rejected").Add(float64(rejected))
}
