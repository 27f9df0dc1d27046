package http

import (
	"net/http"

	"github.com/breachdesk/breachdesk"
)

// AuditListResponse is one page of the audit log.
type AuditListResponse struct {
	Entries []*breachdesk.AuditEntry `json:"entries"`
	Total   int                      `json:"total"`
}

// RegisterResponse is the Art. 33(5) breach register.
type RegisterResponse struct {
	Incidents []breachdesk.RegisterEntry `json:"incidents"`
}

// handleAuditList answers GET /api/v1/audit?entity=&entity_id=&limit=&offset=.
func (s *Server) handleAuditList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var filter breachdesk.AuditFilter
	if v := q.Get("entity"); v != "" {
		filter.Entity = &v
	}
	if v := q.Get("entity_id"); v != "" {
		filter.EntityID = &v
	}
	var err error
	if filter.Limit, err = intParam(q.Get("limit"), "limit", 1000); err != nil {
		s.Error(w, r, err)
		return
	}
	if filter.Offset, err = intParam(q.Get("offset"), "offset", 0); err != nil {
		s.Error(w, r, err)
		return
	}
	entries, total, err := s.AuditService.FindAuditEntries(r.Context(), filter)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if entries == nil {
		entries = []*breachdesk.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, AuditListResponse{Entries: entries, Total: total})
}

// handleAuditVerify answers GET /api/v1/audit/verify with the result of
// checking the whole chain; a broken chain is reported in the body, 200.
func (s *Server) handleAuditVerify(w http.ResponseWriter, r *http.Request) {
	v, err := s.AuditService.VerifyAuditLog(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// handleRegister answers GET /api/v1/register: every incident, notified or
// not, as Art. 33(5) requires it documented.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	entries, err := breachdesk.BuildRegister(r.Context(), s.IncidentService, s.IncidentEventService)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, RegisterResponse{Incidents: entries})
}
