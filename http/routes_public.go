package http

import (
	"log/slog"
	"net/http"
)

// publicRoutes maps the whole public surface, the pages affected people
// reach. It shares no route or middleware state with the console.
//
// Every page answers at its address without a language prefix, in the
// language the browser asks for, and under each language's prefix
// (/fr/verify). Every page and the style sheet pass the rate limits and
// the limit of requests in flight; /healthz passes none, so that an
// overloaded process still says it is up.
func (s *Server) publicRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)

	limitRate, limitInFlight := s.limitRate(), s.limitInFlight()
	protect := func(h http.Handler) http.Handler { return limitRate(limitInFlight(h)) }
	mux.Handle("GET /static/", protect(http.HandlerFunc(s.handleStatic)))

	for _, lang := range append([]string{""}, publicLanguages()...) {
		base := ""
		if lang != "" {
			base = "/" + lang
		}
		page := func(method, path string, h publicHandler, mw ...func(http.Handler) http.Handler) {
			handler := s.page(lang, h)
			for _, m := range mw {
				handler = m(handler)
			}
			pattern := base + path
			if method != "" {
				pattern = method + " " + pattern
			}
			mux.Handle(pattern, protect(handler))
		}
		page("GET", "/{$}", s.handleHome)
		page("GET", "/verify", s.handleVerify)
		page("GET", "/affected", s.handleAffectedForm)
		page("POST", "/affected", s.handleAffectedSubmit, limitBody(maxAffectedBytes))
		page("GET", "/incidents/{slug}", s.handleIncidentPage)
		page("GET", "/contact", s.handleContactForm)
		page("POST", "/contact", s.handleContactSubmit, limitBody(maxContactBytes))
		page("", "/", s.handleNotFound)
	}
	return s.publicHeaders(s.recoverPublic(s.logRequestsAt(slog.LevelDebug, mux)))
}
