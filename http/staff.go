package http

import (
	"net/http"
)

// handleStaffPage answers GET /staff: the accounts of the console.
func (s *Server) handleStaffPage(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "staff"
	users, err := s.StaffService.FindStaffUsers(r.Context())
	if err != nil {
		s.consoleFailed(w, r, p, "staff page: find accounts", err)
		return
	}
	s.renderConsole(w, r, p, http.StatusOK, "staff", users)
}
