package http

import (
	"net/http"
	"slices"

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

// auditPageSize is how many entries the audit log page shows.
const auditPageSize = 100

// auditPage is the console's audit log page: the last entries, newest
// first, and the check of the whole chain.
type auditPage struct {
	Entries  []*breachdesk.AuditEntry
	Total    int
	Check    *breachdesk.AuditVerification
	BrokenAt int64
}

// handleAuditPage answers GET /audit in the console.
func (s *Server) handleAuditPage(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "audit"
	_, total, err := s.AuditService.FindAuditEntries(r.Context(), breachdesk.AuditFilter{Limit: 1})
	if err != nil {
		s.consoleFailed(w, r, p, "audit page: count entries", err)
		return
	}
	v := &auditPage{Total: total}
	v.Entries, _, err = s.AuditService.FindAuditEntries(r.Context(), breachdesk.AuditFilter{Offset: max(0, total-auditPageSize), Limit: auditPageSize})
	if err != nil {
		s.consoleFailed(w, r, p, "audit page: find entries", err)
		return
	}
	slices.Reverse(v.Entries)
	check, err := s.AuditService.VerifyAuditLog(r.Context())
	if err != nil {
		s.consoleFailed(w, r, p, "audit page: verify", err)
		return
	}
	v.Check = &check
	if check.FirstBroken != nil {
		v.BrokenAt = *check.FirstBroken
	}
	s.renderConsole(w, r, p, http.StatusOK, "audit", v)
}
