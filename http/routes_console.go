package http

import "net/http"

// consoleRoutes maps the whole staff surface: the JSON API under /api/v1,
// every route of which needs an API token.
func (s *Server) consoleRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)

	api := http.NewServeMux()
	api.HandleFunc("GET /api/v1/organization", s.handleOrganizationView)
	api.HandleFunc("PUT /api/v1/organization", s.handleOrganizationSet)

	api.HandleFunc("GET /api/v1/incidents", s.handleIncidentList)
	api.HandleFunc("POST /api/v1/incidents", s.handleIncidentCreate)
	api.HandleFunc("GET /api/v1/incidents/{id}", s.handleIncidentView)
	api.HandleFunc("PATCH /api/v1/incidents/{id}", s.handleIncidentUpdate)
	api.HandleFunc("GET /api/v1/incidents/{id}/events", s.handleEventList)
	api.HandleFunc("POST /api/v1/incidents/{id}/events", s.handleEventCreate)
	api.HandleFunc("GET /api/v1/incidents/{id}/reports", s.handleReportList)
	api.HandleFunc("GET /api/v1/incidents/{id}/reports/{authority}", s.handleReportView)

	api.HandleFunc("GET /api/v1/register", s.handleRegister)
	api.HandleFunc("GET /api/v1/audit", s.handleAuditList)
	api.HandleFunc("GET /api/v1/audit/verify", s.handleAuditVerify)

	api.HandleFunc("/api/", s.handleAPINotFound)
	mux.Handle("/api/", s.requireAPIToken(api))
	return mux
}
