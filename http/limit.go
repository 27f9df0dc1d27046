package http

import (
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// PublicLimits bounds what the public pages take on, so that a surge of
// visitors or an attack slows some of them down instead of taking the
// pages, or the database behind them, down for everyone. A zero field
// takes its value from DefaultPublicLimits; rate.Inf lifts a rate limit.
type PublicLimits struct {
	// PerClient is the sustained number of requests per second one client
	// may make, and PerClientBurst how many it may make at once. A client
	// is an IPv4 address or an IPv6 /64, the block one subscriber gets.
	PerClient      rate.Limit
	PerClientBurst int
	// Global and GlobalBurst bound the requests of all clients together.
	Global      rate.Limit
	GlobalBurst int
	// MaxClients bounds how many clients are remembered, and ClientIdle
	// is how long a client is remembered after its last request: its
	// allowance has long refilled by then.
	MaxClients int
	ClientIdle time.Duration
	// MaxInFlight is how many requests may be in progress at once; the
	// next ones are answered 503 at once rather than queued.
	MaxInFlight int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client. Without them the connection's address is the client.
	TrustedProxies []netip.Prefix
}

// DefaultPublicLimits returns the limits of the public pages. A page view
// is two requests (the page and its style sheet); a client gets a few
// dozen at once and ten a second after, which leaves room for the many
// people one mobile carrier's address can hide.
func DefaultPublicLimits() PublicLimits {
	return PublicLimits{
		PerClient: 10, PerClientBurst: 50,
		Global: 5000, GlobalBurst: 10000,
		MaxClients: 100000, ClientIdle: time.Minute,
		MaxInFlight: 512,
	}
}

// withDefaults returns l with its zero fields set from the defaults.
func (l PublicLimits) withDefaults() PublicLimits {
	d := DefaultPublicLimits()
	if l.PerClient == 0 {
		l.PerClient = d.PerClient
	}
	if l.PerClientBurst == 0 {
		l.PerClientBurst = d.PerClientBurst
	}
	if l.Global == 0 {
		l.Global = d.Global
	}
	if l.GlobalBurst == 0 {
		l.GlobalBurst = d.GlobalBurst
	}
	if l.MaxClients == 0 {
		l.MaxClients = d.MaxClients
	}
	if l.ClientIdle == 0 {
		l.ClientIdle = d.ClientIdle
	}
	if l.MaxInFlight == 0 {
		l.MaxInFlight = d.MaxInFlight
	}
	return l
}

// retryAfter returns the Retry-After of an answer refused by a limit of
// r per second: the whole seconds until one more request is allowed.
func retryAfter(r rate.Limit) []string {
	secs := 1
	if r > 0 && r != rate.Inf {
		secs = max(1, int(math.Ceil(1/float64(r))))
	}
	return []string{strconv.Itoa(secs)}
}

// clientLimiter holds one token bucket per client. It forgets clients in
// two generations: a client is looked up in the current map, then in the
// previous one (and moved to the current); the current map becomes the
// previous when it is ClientIdle old or holds half of MaxClients, so that
// a client idle for a generation is dropped and the maps never hold more
// than MaxClients, in constant time per request.
type clientLimiter struct {
	limit rate.Limit
	burst int
	half  int
	idle  time.Duration

	mu        sync.Mutex
	cur, prev map[netip.Addr]*rate.Limiter
	rotated   time.Time
}

func newClientLimiter(l PublicLimits) *clientLimiter {
	return &clientLimiter{limit: l.PerClient, burst: l.PerClientBurst, half: max(1, l.MaxClients/2), idle: l.ClientIdle,
		cur: map[netip.Addr]*rate.Limiter{}, prev: map[netip.Addr]*rate.Limiter{}}
}

// allow reports whether client may make a request at now.
func (c *clientLimiter) allow(client netip.Addr, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.rotated) >= c.idle || len(c.cur) >= c.half {
		c.prev, c.cur, c.rotated = c.cur, make(map[netip.Addr]*rate.Limiter, len(c.cur)), now
	}
	l, ok := c.cur[client]
	if !ok {
		if l, ok = c.prev[client]; ok {
			delete(c.prev, client)
		} else {
			l = rate.NewLimiter(c.limit, c.burst)
		}
		c.cur[client] = l
	}
	return l.AllowN(now, 1)
}

// size returns how many clients are remembered.
func (c *clientLimiter) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.prev)
}

// limitRate returns a middleware that answers 429, with a Retry-After,
// the requests of a client beyond its allowance, then those of all
// clients beyond the global one. A refused request is answered from a
// page rendered at start. Every handler it wraps shares its allowances.
func (s *Server) limitRate() func(http.Handler) http.Handler {
	l := s.PublicLimits.withDefaults()
	clients := newClientLimiter(l)
	global := rate.NewLimiter(l.Global, l.GlobalBurst)
	clientRetry, globalRetry := retryAfter(l.PerClient), retryAfter(l.Global)
	perClient := l.PerClient != rate.Inf
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			now := s.Now()
			if perClient && !clients.allow(s.clientAddr(r, l.TrustedProxies), now) {
				s.limited("client")
				w.Header()["Retry-After"] = clientRetry
				s.refuse(w, r, http.StatusTooManyRequests, s.site.limited)
				return
			}
			if !global.AllowN(now, 1) {
				s.limited("global")
				w.Header()["Retry-After"] = globalRetry
				s.refuse(w, r, http.StatusTooManyRequests, s.site.limited)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// limitInFlight returns a middleware that answers 503 at once, without
// queueing, when MaxInFlight requests are in progress in the handlers it
// wraps, so that an overload costs the refused requests almost nothing
// and the process stays up for the others.
func (s *Server) limitInFlight() func(http.Handler) http.Handler {
	slots := make(chan struct{}, s.PublicLimits.withDefaults().MaxInFlight)
	retry := []string{"5"}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case slots <- struct{}{}:
			default:
				s.limited("in_flight")
				w.Header()["Retry-After"] = retry
				s.refuse(w, r, http.StatusServiceUnavailable, s.site.overloaded)
				return
			}
			defer func() { <-slots }()
			next.ServeHTTP(w, r)
		})
	}
}

// refuse writes one of the pages rendered at start, in the request's
// language as far as it can be told without reading anything.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, pages map[string][]byte) {
	orgLanguage := ""
	if org := s.site.org.Load(); org != nil {
		orgLanguage = org.language
	}
	if _, ok := s.site.pathLanguage(r.URL.Path); !ok {
		w.Header()["Vary"] = s.site.vary
	}
	s.site.write(w, status, pages[s.site.language(r, orgLanguage)])
}

// clientAddr returns the client a request counts against: the address of
// its connection or, when that is a trusted proxy, the last address of
// X-Forwarded-For that is not one; IPv6 addresses are cut to their /64.
func (s *Server) clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	addr := ap.Addr().Unmap()
	if isTrusted(addr, trusted) {
		forwarded := r.Header.Values("X-Forwarded-For")
	walk:
		for i := len(forwarded) - 1; i >= 0; i-- {
			list := forwarded[i]
			for list != "" {
				item := list
				if j := strings.LastIndexByte(list, ','); j >= 0 {
					item, list = list[j+1:], list[:j]
				} else {
					list = ""
				}
				a, err := netip.ParseAddr(strings.TrimSpace(item))
				if err != nil {
					break walk
				}
				addr = a.Unmap()
				if !isTrusted(addr, trusted) {
					break walk
				}
			}
		}
	}
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			addr = p.Addr()
		}
	}
	return addr
}

func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// publicHeaders sets the security headers of every public answer. The
// pages have no script and load nothing from elsewhere, so the policy
// allows only their own style sheet and forms posted to themselves.
// Answers are not stored by default: most hold a code or what a person
// typed; the pages without either allow it themselves.
func (s *Server) publicHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range s.site.headers {
			h[k] = v
		}
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody caps the body of a request at n bytes: reading more fails
// with an *http.MaxBytesError, which the form handlers answer with 413.
func limitBody(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}
