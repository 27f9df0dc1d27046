package http

import (
	"net/http"
	"net/mail"
	"strings"

	"github.com/breachdesk/breachdesk"
)

// maxAffectedBytes caps the body of the "am I affected?" form: one
// address and a token.
const maxAffectedBytes = 16 << 10

// affectedView is the "am I affected?" page: a form for an address, or,
// once sent, the same answer whatever the address.
type affectedView struct {
	Page  *publicPage
	CSRF  string
	Email string
	// Invalid is set when the address typed is not an address at all.
	Invalid bool
	Sent    bool
}

// handleAffectedForm answers GET /affected with the form.
func (s *Server) handleAffectedForm(w http.ResponseWriter, r *http.Request, p *publicPage) {
	s.render(w, r, p, http.StatusOK, "affected", &affectedView{Page: p, CSRF: s.csrfToken(w, r)})
}

// handleAffectedSubmit answers POST /affected. The page never tells
// whether an address is affected: it asks NoticeResender to mail the
// notices of any well-formed address, which returns at once and nothing,
// and it answers the same page, byte for byte, for every address. Nothing
// here reads whether the address is affected, so neither the answer nor
// its timing can depend on it.
func (s *Server) handleAffectedSubmit(w http.ResponseWriter, r *http.Request, p *publicPage) {
	if err := r.ParseForm(); err != nil {
		s.formError(w, r, p, err)
		return
	}
	if !s.checkCSRF(r) {
		s.refuseForm(w, r, p, "/affected")
		return
	}
	typed := r.PostForm.Get("email")
	email := breachdesk.EmailIndexKey(typed)
	if !isEmailAddress(email) {
		// Only the syntax is checked: it says nothing of who is affected.
		v := &affectedView{Page: p, CSRF: s.csrfToken(w, r), Email: typed, Invalid: true}
		if len(v.Email) > breachdesk.InquiryEmailLimit {
			v.Email = v.Email[:breachdesk.InquiryEmailLimit]
		}
		s.render(w, r, p, http.StatusUnprocessableEntity, "affected", v)
		return
	}
	if s.NoticeResender != nil {
		s.NoticeResender.RequestResend(email, p.Lang)
	}
	s.render(w, r, p, http.StatusOK, "affected", &affectedView{Page: p, Sent: true})
}

// isEmailAddress reports whether s, normalised, is a bare address whose
// domain has a dot: the addresses a notice can go to.
func isEmailAddress(s string) bool {
	if s == "" || len(s) > breachdesk.InquiryEmailLimit {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".")
}
