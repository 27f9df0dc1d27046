package http

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/breachdesk/breachdesk"
)

func TestClientLimiterForgets(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	busy, other := netip.MustParseAddr("203.0.113.1"), netip.MustParseAddr("198.51.100.9")
	// One request an hour after a burst of two: a bucket does not refill
	// during the test, so a fresh bucket shows a forgotten client.
	limits := PublicLimits{PerClient: rate.Every(time.Hour), PerClientBurst: 2, MaxClients: 100, ClientIdle: time.Minute}

	t.Run("BoundedSize", func(t *testing.T) {
		c := newClientLimiter(limits)
		for i := range 1000 {
			c.allow(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), t0)
			if n := c.size(); n > limits.MaxClients {
				t.Fatalf("after %d clients, %d are remembered, want at most %d", i+1, n, limits.MaxClients)
			}
		}
	})
	t.Run("KeepsActiveClient", func(t *testing.T) {
		c := newClientLimiter(limits)
		if !c.allow(busy, t0) || !c.allow(busy, t0) || c.allow(busy, t0) {
			t.Fatal("a new client does not get exactly its burst")
		}
		// Coming back within ClientIdle keeps the empty bucket across
		// generations.
		for _, at := range []time.Duration{50 * time.Second, 70 * time.Second, 140 * time.Second, 190 * time.Second} {
			if c.allow(busy, t0.Add(at)) {
				t.Fatalf("at +%v the client got a fresh bucket", at)
			}
		}
	})
	t.Run("ForgetsIdleClient", func(t *testing.T) {
		c := newClientLimiter(limits)
		c.allow(busy, t0)
		c.allow(busy, t0)
		c.allow(other, t0.Add(2*time.Minute))
		c.allow(other, t0.Add(4*time.Minute))
		if n := c.size(); n != 1 {
			t.Errorf("%d clients remembered, want 1", n)
		}
		if !c.allow(busy, t0.Add(5*time.Minute)) {
			t.Error("an idle client was not forgotten")
		}
	})
}

func TestClientAddr(t *testing.T) {
	s := &Server{}
	proxies := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}
	for _, tt := range []struct {
		name, remote string
		forwarded    []string
		trusted      []netip.Prefix
		want         string
	}{
		{"Direct", "203.0.113.5:4321", nil, nil, "203.0.113.5"},
		{"UntrustedForwardIgnored", "203.0.113.5:4321", []string{"198.51.100.1"}, proxies, "203.0.113.5"},
		{"NoProxiesForwardIgnored", "127.0.0.1:4321", []string{"198.51.100.1"}, nil, "127.0.0.1"},
		{"ThroughProxies", "127.0.0.1:4321", []string{"192.0.2.66, 198.51.100.7, 10.1.2.3"}, proxies, "198.51.100.7"},
		{"SeveralHeaders", "127.0.0.1:4321", []string{"192.0.2.66", "198.51.100.7"}, proxies, "198.51.100.7"},
		{"GarbageStopsTheWalk", "127.0.0.1:4321", []string{"198.51.100.7, nonsense"}, proxies, "127.0.0.1"},
		{"IPv6Slash64", "[2001:db8:1:2:3:4:5:6]:443", nil, nil, "2001:db8:1:2::"},
		{"IPv4Mapped", "[::ffff:203.0.113.9]:443", nil, nil, "203.0.113.9"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, f := range tt.forwarded {
				r.Header.Add("X-Forwarded-For", f)
			}
			if got := s.clientAddr(r, tt.trusted); got.String() != tt.want {
				t.Errorf("clientAddr() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		limit rate.Limit
		want  string
	}{{10, "1"}, {1, "1"}, {0.1, "10"}, {rate.Every(time.Minute), "60"}, {rate.Inf, "1"}} {
		if got := retryAfter(tt.limit)[0]; got != tt.want {
			t.Errorf("retryAfter(%v) = %s, want %s", tt.limit, got, tt.want)
		}
	}
}

// benchServer returns the public handler on fakes, without limits.
func benchServer(b *testing.B) http.Handler {
	s := NewServer()
	s.PublicLimits = PublicLimits{PerClient: rate.Inf, Global: rate.Inf}
	s.VerificationService = benchVerifier{}
	if err := s.preparePublic(); err != nil {
		b.Fatal(err)
	}
	return s.publicRoutes()
}

type benchVerifier struct{}

func (benchVerifier) VerifyNotice(_ context.Context, req breachdesk.VerifyRequest) (*breachdesk.Verification, error) {
	sent := time.Date(2026, 11, 3, 9, 30, 0, 0, time.UTC)
	return &breachdesk.Verification{Code: req.Code, Organization: "Shop SpA", IncidentTitle: "Customer names exposed",
		IncidentSlug: "2026-customer-data", Channel: breachdesk.ChannelEmail, Recipient: "m***@example.com", SentAt: &sent}, nil
}

// BenchmarkPublicVerify measures the verification page against a handler
// that answers "hello", through the same listener-less path.
func BenchmarkPublicVerify(b *testing.B) {
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "hello")
	})
	for _, bb := range []struct {
		name    string
		handler http.Handler
	}{{"Hello", hello}, {"Verify", benchServer(b)}} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := httptest.NewRequest("GET", "/verify?code=bd-7kq4-m2xp-9rta", nil)
				r.Header.Set("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.8")
				for pb.Next() {
					w := httptest.NewRecorder()
					bb.handler.ServeHTTP(w, r)
					if w.Code != 200 || (bb.name == "Verify" && !strings.Contains(w.Body.String(), "authentique")) {
						b.Fatalf("status %d", w.Code)
					}
				}
			})
		})
	}
}
