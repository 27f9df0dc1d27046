package http

import (
	"net/http"

	"github.com/breachdesk/breachdesk"
)

// handleOrganizationView answers GET /api/v1/organization.
func (s *Server) handleOrganizationView(w http.ResponseWriter, r *http.Request) {
	org, err := s.OrganizationService.FindOrganization(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, org)
}

// handleOrganizationSet answers PUT /api/v1/organization: the body replaces
// the organization.
func (s *Server) handleOrganizationSet(w http.ResponseWriter, r *http.Request) {
	var org breachdesk.Organization
	doc, err := readBody(w, r, &org)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.OrganizationService.SetOrganization(r.Context(), &org); err != nil {
		s.Error(w, r, doc.Locate(err))
		return
	}
	writeJSON(w, http.StatusOK, &org)
}
