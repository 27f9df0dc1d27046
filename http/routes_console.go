package http

import "net/http"

// consoleRoutes maps the whole staff surface: the JSON API under /api/v1.
func (s *Server) consoleRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)

	mux.HandleFunc("GET /api/v1/organization", s.handleOrganizationView)
	mux.HandleFunc("PUT /api/v1/organization", s.handleOrganizationSet)

	mux.HandleFunc("GET /api/v1/incidents", s.handleIncidentList)
	mux.HandleFunc("POST /api/v1/incidents", s.handleIncidentCreate)
	mux.HandleFunc("GET /api/v1/incidents/{id}", s.handleIncidentView)
	mux.HandleFunc("PATCH /api/v1/incidents/{id}", s.handleIncidentUpdate)

	mux.Handle("/api/", http.HandlerFunc(s.handleAPINotFound))
	return mux
}
