package http

import (
	"net/http"

	"github.com/breachdesk/breachdesk"
)

// consoleRoute is a page or an action of the console, and the permission
// of the catalogue (breachdesk.Role.Can) that it needs; "" needs only a
// session.
type consoleRoute struct {
	pattern string
	perm    breachdesk.Permission
	handle  consoleHandler
	// upload, when above 0, lets the route take a multipart form of up
	// to that many bytes, streamed to its handler.
	upload int64
}

// consolePages lists every route of the console that needs a session,
// with its permission: the table the authorisation test walks with every
// role.
func (s *Server) consolePages() []consoleRoute {
	return []consoleRoute{
		{"GET /{$}", breachdesk.PermDashboardView, s.handleDashboard, 0},
		{"GET /incidents", breachdesk.PermIncidentsView, s.handleIncidentsPage, 0},
		{"GET /incidents/new", breachdesk.PermIncidentsManage, s.handleIncidentNew, 0},
		{"POST /incidents", breachdesk.PermIncidentsManage, s.handleIncidentCreateForm, 0},
		{"GET /incidents/{id}", breachdesk.PermIncidentsView, s.handleIncidentConsolePage, 0},
		{"GET /incidents/{id}/talking-points", breachdesk.PermTalkingPointsEdit, s.handleTalkingPointsForm, 0},
		{"POST /incidents/{id}/talking-points", breachdesk.PermTalkingPointsEdit, s.handleTalkingPointsSave, 0},
		{"POST /incidents/{id}/obligations", breachdesk.PermObligationsManage, s.handleObligationStatus, 0},
		{"POST /incidents/{id}/overrides", breachdesk.PermAssessmentsManage, s.handleAssessmentOverride, 0},
		{"POST /incidents/{id}/events", breachdesk.PermIncidentsManage, s.handleTimelineEvent, 0},
		{"GET /incidents/{id}/facts", breachdesk.PermIncidentsManage, s.handleFactsForm, 0},
		{"POST /incidents/{id}/facts", breachdesk.PermIncidentsManage, s.handleFactsSave, 0},
		{"GET /incidents/{id}/people", breachdesk.PermPeopleImport, s.handlePeopleImportForm, 0},
		{"POST /incidents/{id}/people", breachdesk.PermPeopleImport, s.handlePeopleImport, maxImportBytes},
		{"GET /incidents/{id}/reports/{authority}", breachdesk.PermReportsView, s.handleReportDownload, 0},
		{"GET /campaigns", breachdesk.PermCampaignsView, s.handleCampaignsPage, 0},
		{"GET /campaigns/{id}", breachdesk.PermCampaignsView, s.handleCampaignPage, 0},
		{"GET /campaigns/{id}/events", breachdesk.PermCampaignsView, s.handleCampaignEvents, 0},
		{"POST /campaigns/{id}", breachdesk.PermCampaignsManage, s.handleCampaignAction, 0},
		{"POST /incidents/{id}/campaigns", breachdesk.PermCampaignsManage, s.handleCampaignCreate, 0},
		{"GET /lookup", breachdesk.PermPeopleLookup, s.handleLookup, 0},
		{"GET /inquiries", breachdesk.PermInquiriesView, s.handleInquiriesPage, 0},
		{"GET /inquiries/{reference}", breachdesk.PermInquiriesView, s.handleInquiryPage, 0},
		{"POST /inquiries/{reference}", breachdesk.PermInquiriesManage, s.handleInquiryAction, 0},
		{"GET /audit", breachdesk.PermAuditView, s.handleAuditPage, 0},
		{"GET /staff", breachdesk.PermStaffManage, s.handleStaffPage, 0},
		{"POST /sign-out", "", s.handleSignOut, 0},
	}
}

// apiRoute is an endpoint of the JSON API.
type apiRoute struct {
	pattern string
	handle  http.HandlerFunc
	// public is true for the one route that needs no API token: the
	// API's description, which holds no data.
	public bool
}

// apiRoutes lists every endpoint of the JSON API under /api/v1: the
// operations of http/openapi.json, which TestOpenAPIRoutes keeps equal.
func (s *Server) apiRoutes() []apiRoute {
	return []apiRoute{
		{"GET /api/v1/openapi.json", s.handleOpenAPI, true},

		{"GET /api/v1/organization", s.handleOrganizationView, false},
		{"PUT /api/v1/organization", s.handleOrganizationSet, false},

		{"GET /api/v1/incidents", s.handleIncidentList, false},
		{"POST /api/v1/incidents", s.handleIncidentCreate, false},
		{"GET /api/v1/incidents/{id}", s.handleIncidentView, false},
		{"PATCH /api/v1/incidents/{id}", s.handleIncidentUpdate, false},
		{"GET /api/v1/incidents/{id}/events", s.handleEventList, false},
		{"POST /api/v1/incidents/{id}/events", s.handleEventCreate, false},
		{"GET /api/v1/incidents/{id}/reports", s.handleReportList, false},
		{"GET /api/v1/incidents/{id}/reports/{authority}", s.handleReportView, false},

		{"GET /api/v1/register", s.handleRegister, false},
		{"GET /api/v1/audit", s.handleAuditList, false},
		{"GET /api/v1/audit/verify", s.handleAuditVerify, false},
	}
}

// consoleRoutes maps the whole staff surface: the console's pages, each
// behind a session and a permission, and the JSON API under /api/v1,
// every route of which needs an API token but its OpenAPI description.
func (s *Server) consoleRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /metrics", s.handleMetrics)
	mux.HandleFunc("GET /sign-in", s.handleSignInForm)
	mux.HandleFunc("POST /sign-in", s.handleSignIn)
	mux.HandleFunc("GET /static/console.css", s.handleConsoleStatic)
	mux.HandleFunc("GET /static/console.js", s.handleConsoleStatic)
	for _, route := range s.consolePages() {
		mux.Handle(route.pattern, s.requireSession(route.perm, route.upload, route.handle))
	}
	mux.Handle("/", s.requireSession("", 0, s.handleConsoleNotFound))

	api := http.NewServeMux()
	for _, route := range s.apiRoutes() {
		if route.public {
			mux.HandleFunc(route.pattern, route.handle)
		} else {
			api.HandleFunc(route.pattern, route.handle)
		}
	}
	api.HandleFunc("/api/", s.handleAPINotFound)
	mux.Handle("/api/", s.requireAPIToken(notePattern(api)))
	return mux
}

// handleConsoleNotFound answers the addresses of no console page.
func (s *Server) handleConsoleNotFound(w http.ResponseWriter, r *http.Request, p *consolePage) {
	s.renderConsoleError(w, r, p, http.StatusNotFound, consoleNotFound)
}
