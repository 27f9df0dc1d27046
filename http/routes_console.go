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
}

// consolePages lists every route of the console that needs a session,
// with its permission: the table the authorisation test walks with every
// role.
func (s *Server) consolePages() []consoleRoute {
	return []consoleRoute{
		{"GET /{$}", breachdesk.PermDashboardView, s.handleDashboard},
		{"GET /incidents", breachdesk.PermIncidentsView, s.handleIncidentsPage},
		{"GET /incidents/new", breachdesk.PermIncidentsManage, s.handleIncidentNew},
		{"POST /incidents", breachdesk.PermIncidentsManage, s.handleIncidentCreateForm},
		{"GET /incidents/{id}", breachdesk.PermIncidentsView, s.handleIncidentConsolePage},
		{"GET /incidents/{id}/talking-points", breachdesk.PermTalkingPointsEdit, s.handleTalkingPointsForm},
		{"POST /incidents/{id}/talking-points", breachdesk.PermTalkingPointsEdit, s.handleTalkingPointsSave},
		{"POST /incidents/{id}/obligations", breachdesk.PermObligationsManage, s.handleObligationStatus},
		{"POST /incidents/{id}/overrides", breachdesk.PermAssessmentsManage, s.handleAssessmentOverride},
		{"POST /incidents/{id}/events", breachdesk.PermIncidentsManage, s.handleTimelineEvent},
		{"GET /incidents/{id}/facts", breachdesk.PermIncidentsManage, s.handleFactsForm},
		{"POST /incidents/{id}/facts", breachdesk.PermIncidentsManage, s.handleFactsSave},
		{"GET /incidents/{id}/reports/{authority}", breachdesk.PermReportsView, s.handleReportDownload},
		{"GET /campaigns", breachdesk.PermCampaignsView, s.handleCampaignsPage},
		{"GET /campaigns/{id}", breachdesk.PermCampaignsView, s.handleCampaignPage},
		{"GET /campaigns/{id}/events", breachdesk.PermCampaignsView, s.handleCampaignEvents},
		{"POST /campaigns/{id}", breachdesk.PermCampaignsManage, s.handleCampaignAction},
		{"POST /incidents/{id}/campaigns", breachdesk.PermCampaignsManage, s.handleCampaignCreate},
		{"GET /lookup", breachdesk.PermPeopleLookup, s.handleLookup},
		{"GET /inquiries", breachdesk.PermInquiriesView, s.handleInquiriesPage},
		{"GET /inquiries/{reference}", breachdesk.PermInquiriesView, s.handleInquiryPage},
		{"POST /inquiries/{reference}", breachdesk.PermInquiriesManage, s.handleInquiryAction},
		{"GET /audit", breachdesk.PermAuditView, s.handleAuditPage},
		{"GET /staff", breachdesk.PermStaffManage, s.handleStaffPage},
		{"POST /sign-out", "", s.handleSignOut},
	}
}

// consoleRoutes maps the whole staff surface: the console's pages, each
// behind a session and a permission, and the JSON API under /api/v1,
// every route of which needs an API token.
func (s *Server) consoleRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /sign-in", s.handleSignInForm)
	mux.HandleFunc("POST /sign-in", s.handleSignIn)
	mux.HandleFunc("GET /static/console.css", s.handleConsoleStatic)
	mux.HandleFunc("GET /static/console.js", s.handleConsoleStatic)
	for _, route := range s.consolePages() {
		mux.Handle(route.pattern, s.requireSession(route.perm, route.handle))
	}
	mux.Handle("/", s.requireSession("", s.handleConsoleNotFound))

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

// handleConsoleNotFound answers the addresses of no console page.
func (s *Server) handleConsoleNotFound(w http.ResponseWriter, r *http.Request, p *consolePage) {
	s.renderConsoleError(w, r, p, http.StatusNotFound, consoleNotFound)
}
