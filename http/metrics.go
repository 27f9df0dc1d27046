package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/breachdesk/breachdesk"
)

// Metrics counts the requests of both listeners and serves the counts at
// the console's GET /metrics; metrics.Registry implements it. Its methods
// are called on every request and must return at once.
type Metrics interface {
	// ObserveRequest is told of each request answered on listener
	// (ListenerConsole or ListenerPublic): the pattern of the route that
	// answered it, RouteUnmatched when no route did, its status and how
	// long it took. The pattern, unlike the path, holds no code or
	// reference, and there are few of them.
	ObserveRequest(listener, route string, status int, took time.Duration)
	// RequestLimited is told of each public request a limit refused:
	// "client", "global" or "in_flight".
	RequestLimited(limit string)
	// ServeHTTP answers a scrape.
	http.Handler
}

// Listeners, as Metrics.ObserveRequest names them.
const (
	ListenerConsole = "console"
	ListenerPublic  = "public"
)

// RouteUnmatched is the route of the requests no pattern matched, such as
// a method a path does not take.
const RouteUnmatched = "unmatched"

// routeNoteKey is the context key of the routeNote of a request.
type routeNoteKey struct{}

// routeNote carries the pattern of a mux nested in another one back to
// the middleware that counts requests: the outer mux sets the request's
// Pattern in place, but a nested one sets it on a copy made with
// WithContext by the middleware in between.
type routeNote struct{ pattern string }

// countRequests reports each request to s.Metrics with its route: the
// pattern of the innermost mux that routed it, never the path.
func (s *Server) countRequests(listener string, next http.Handler) http.Handler {
	if s.Metrics == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		note := &routeNote{}
		r = r.WithContext(context.WithValue(r.Context(), routeNoteKey{}, note))
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		route := note.pattern
		if route == "" {
			route = r.Pattern
		}
		if route == "" {
			route = RouteUnmatched
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		s.Metrics.ObserveRequest(listener, route, status, time.Since(start))
	})
}

// notePattern wraps a mux nested under another so that the requests it
// routes are counted by its pattern rather than the outer one's prefix.
func notePattern(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if note, ok := r.Context().Value(routeNoteKey{}).(*routeNote); ok && r.Pattern != "" {
			note.pattern = r.Pattern
		}
	})
}

// limited counts a public request refused by a limit.
func (s *Server) limited(limit string) {
	if s.Metrics != nil {
		s.Metrics.RequestLimited(limit)
	}
}

// handleMetrics answers GET /metrics on the console listener, without a
// session: Prometheus scrapes without credentials, and the console's
// address is the internal one. The public listener has no such route.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if s.Metrics == nil {
		s.Error(w, r, breachdesk.Errorf(breachdesk.ENotFound, "This server keeps no metrics."))
		return
	}
	s.Metrics.ServeHTTP(w, r)
}

// MetricsServer answers GET /metrics and GET /healthz alone, for a
// process with no console listener: breachdesk worker.
type MetricsServer struct {
	// Addr is where it listens; Metrics answers the scrapes.
	Addr    string
	Metrics http.Handler
	Logger  *slog.Logger

	srv *http.Server
	ln  net.Listener
}

// Open starts listening on Addr and serves in the background.
func (s *MetricsServer) Open() (err error) {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.ln, err = net.Listen("tcp", s.Addr); err != nil {
		return fmt.Errorf("listen on %s: %w", s.Addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.Metrics)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.srv = &http.Server{
		Handler:           securityHeaders(mux),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := s.srv.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("metrics server stopped", slog.String("addr", s.ln.Addr().String()), slog.Any("error", err))
		}
	}()
	return nil
}

// URL returns the base URL of the listener.
func (s *MetricsServer) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the server. It is safe to call more than once.
func (s *MetricsServer) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return s.srv.Shutdown(ctx)
}
