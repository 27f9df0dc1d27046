package http_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk"
	bdhttp "github.com/breachdesk/breachdesk/http"
	"github.com/breachdesk/breachdesk/internal/metricstest"
	"github.com/breachdesk/breachdesk/metrics"
	"github.com/breachdesk/breachdesk/mock"
	"golang.org/x/time/rate"
)

// withMetrics gives the server a registry and the API its token and
// incidents.
func withMetrics(s *bdhttp.Server) {
	s.Metrics = metrics.New()
	s.APITokenService = &mock.APITokenService{
		AuthenticateAPITokenFunc: func(ctx context.Context, secret string) (*breachdesk.APIToken, error) {
			if secret != goodToken {
				return nil, breachdesk.Errorf(breachdesk.EUnauthorized, "The API token is unknown or revoked.")
			}
			return &breachdesk.APIToken{Name: "ticketing"}, nil
		},
	}
	s.IncidentService = &mock.IncidentService{
		FindIncidentsFunc: func(ctx context.Context, filter breachdesk.IncidentFilter) ([]*breachdesk.Incident, int, error) {
			return nil, 0, nil
		},
	}
}

// get sends a GET with an optional bearer token and returns the status.
func get(t *testing.T, url, token string) int {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestMetricsCountRoutes: requests to both listeners are counted by the
// pattern that answered them, never by their path, and the console
// serves the count without a session.
func TestMetricsCountRoutes(t *testing.T) {
	t.Parallel()
	b := setupPublic(t, withMetrics)
	b.run(t, publicScenario{url: "/verify?code=" + genuineCode, status: 200})
	b.run(t, publicScenario{url: "/fr/verify?code=" + genuineCode, status: 200})
	b.run(t, publicScenario{url: "/incidents/" + pageSlug, status: 200})
	b.run(t, publicScenario{url: "/Q-7KQ4-M2XP/anna@example.com", status: 404})
	b.run(t, publicScenario{method: "POST", url: "/contact", status: 200,
		form: url.Values{"category": {"question"}, "name": {"Anna"}, "email": {"anna@example.com"}, "message": {"Hello"}}})
	console := b.server.URL()
	for _, c := range []struct {
		path, token string
		status      int
	}{
		{"/healthz", "", 200},
		{"/api/v1/incidents", "", 401},
		{"/api/v1/incidents", goodToken, 200},
		{"/api/v1/incidents/BD-7KQ4-M2XP-9RTA/nothing", goodToken, 404},
	} {
		if got := get(t, console+c.path, c.token); got != c.status {
			t.Fatalf("GET %s = %d, want %d", c.path, got, c.status)
		}
	}
	// A request no pattern can match: the mux answers 400 itself.
	conn, err := net.Dial("tcp", strings.TrimPrefix(console, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte("GET * HTTP/1.1\r\nHost: console\r\nConnection: close\r\n\r\n"))
	if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err != nil || resp.StatusCode != 400 {
		t.Fatalf("GET * = %v, %v; want 400", resp, err)
	}
	conn.Close()

	s := metricstest.Scrape(t, console+"/metrics")
	for _, c := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"listener", "public", "route", "GET /verify", "status", "200"}, 1},
		{[]string{"listener", "public", "route", "GET /fr/verify", "status", "200"}, 1},
		{[]string{"listener", "public", "route", "GET /incidents/{slug}", "status", "200"}, 1},
		{[]string{"listener", "public", "route", "/", "status", "404"}, 1},
		{[]string{"listener", "public", "route", "POST /contact", "status", "200"}, 1},
		{[]string{"listener", "console", "route", "GET /healthz", "status", "200"}, 1},
		{[]string{"listener", "console", "route", "/api/", "status", "401"}, 1},
		{[]string{"listener", "console", "route", "GET /api/v1/incidents", "status", "200"}, 1},
		{[]string{"listener", "console", "route", "/api/", "status", "404"}, 1},
		{[]string{"listener", "console", "route", bdhttp.RouteUnmatched, "status", "400"}, 1},
	} {
		if got, ok := s.Get("breachdesk_http_requests_total", c.labels...); !ok || got != c.want {
			t.Errorf("breachdesk_http_requests_total%v = %v (present %v), want %v", c.labels, got, ok, c.want)
		}
	}
	if got := s.Sum("breachdesk_http_request_duration_seconds_count", "listener", "public", "route", "GET /verify"); got != 1 {
		t.Errorf("durations of GET /verify counted %v times, want 1", got)
	}
	for _, v := range s.LabelValues() {
		if strings.ContainsAny(v, "@?") || strings.Contains(v, "7KQ4") || strings.Contains(v, pageSlug) {
			t.Errorf("a label value holds part of a path or a form: %q", v)
		}
	}

	// The public listener has no /metrics: the page not found, in the
	// public pages' dress, without a sample.
	resp, body := b.do(t, publicScenario{url: "/metrics"})
	if resp.StatusCode != 404 || strings.Contains(body, "breachdesk_") || strings.Contains(body, "go_goroutines") {
		t.Errorf("GET /metrics on the public listener = %d:\n%s\nwant the page not found", resp.StatusCode, body)
	}
}

// TestMetricsWithout: a server without metrics answers /metrics 404.
func TestMetricsWithout(t *testing.T) {
	t.Parallel()
	b := setupPublic(t)
	if got := get(t, b.server.URL()+"/metrics", ""); got != 404 {
		t.Errorf("GET /metrics without metrics = %d, want 404", got)
	}
}

// TestMetricsCountLimited: requests refused by a limit are counted by the
// limit and as the 429 they were answered.
func TestMetricsCountLimited(t *testing.T) {
	t.Parallel()
	b := setupPublic(t, withMetrics, func(s *bdhttp.Server) {
		s.PublicLimits = bdhttp.PublicLimits{PerClient: 1, PerClientBurst: 1, Global: rate.Inf,
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	})
	b.run(t, publicScenario{url: "/verify", from: "203.0.113.1", status: 200})
	b.run(t, publicScenario{url: "/verify", from: "203.0.113.1", status: 429})
	b.run(t, publicScenario{url: "/verify", from: "203.0.113.1", status: 429})
	s := metricstest.Scrape(t, b.server.URL()+"/metrics")
	if got, _ := s.Get("breachdesk_http_limited_requests_total", "limit", "client"); got != 2 {
		t.Errorf("limited by client = %v, want 2", got)
	}
	if got, _ := s.Get("breachdesk_http_requests_total", "listener", "public", "route", "GET /verify", "status", "429"); got != 2 {
		t.Errorf("GET /verify answered 429 = %v, want 2", got)
	}
}

// TestMetricsServer: the worker's listener answers /metrics and /healthz,
// and nothing else.
func TestMetricsServer(t *testing.T) {
	t.Parallel()
	reg := metrics.New()
	reg.NoticeOutcome(breachdesk.NoticeSent)
	ms := &bdhttp.MetricsServer{Addr: "127.0.0.1:0", Metrics: reg}
	if err := ms.Open(); err != nil {
		t.Fatal(err)
	}
	defer ms.Close()
	if got, _ := metricstest.Scrape(t, ms.URL()+"/metrics").Get("breachdesk_notices_sent_total"); got != 1 {
		t.Errorf("breachdesk_notices_sent_total = %v, want 1", got)
	}
	if got := get(t, ms.URL()+"/healthz", ""); got != 200 {
		t.Errorf("GET /healthz = %d, want 200", got)
	}
	if got := get(t, ms.URL()+"/", ""); got != 404 {
		t.Errorf("GET / = %d, want 404", got)
	}
	if err := ms.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
}
