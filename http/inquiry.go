package http

import (
	"log/slog"
	"net/http"
	"net/url"
	"slices"

	"github.com/breachdesk/breachdesk"
)

// maxContactBytes caps the body of the contact form: a message of
// InquiryMessageLimit characters of four bytes each, percent-encoded
// (three characters a byte), fits with the other fields.
const maxContactBytes = 64 << 10

// contactForm is the contact form's fields, as typed.
type contactForm struct {
	Category, RequestKind             string
	Name, Email, Phone, Code, Message string
	// Incident is the address of the incident page the person came from.
	Incident string
}

// contactView is the contact form.
type contactView struct {
	Page *publicPage
	CSRF string
	Form contactForm
	// ErrText is the message about the form's mistake, shown at its top
	// with a link to ErrField, and next to the field in Err.
	ErrField, ErrText string
	Err               contactErrors
	// Unavailable is set when the message could not be stored.
	Unavailable bool
}

// contactErrors holds the message about each field, if any.
type contactErrors struct {
	Category, RequestKind, Name, Email, Phone, Code, Message string
}

// setError sets the message about the field of err, which Validate or
// ParseNoticeCode returned.
func (v *contactView) setError(err error) {
	field := breachdesk.ErrorField(err)
	if !slices.Contains(contactFields(), field) {
		v.ErrText = v.Page.T("contact.error.form")
		return
	}
	v.ErrField, v.ErrText = field, v.Page.T("contact.error."+field)
	switch field {
	case "category":
		v.Err.Category = v.ErrText
	case "request_kind":
		v.Err.RequestKind = v.ErrText
	case "name":
		v.Err.Name = v.ErrText
	case "email":
		v.Err.Email = v.ErrText
	case "phone":
		v.Err.Phone = v.ErrText
	case "code":
		v.Err.Code = v.ErrText
	case "message":
		v.Err.Message = v.ErrText
	}
}

// contactDoneView is the page that confirms a message was received.
type contactDoneView struct {
	Page      *publicPage
	Reference string
	// Email is the masked address the receipt goes to.
	Email string
	// DueOn is when a data-subject request must be answered by.
	DueOn string
}

// contactFields lists the fields the form shows messages about; a message
// about another field shows at the top of the form.
func contactFields() []string {
	return []string{"category", "request_kind", "name", "email", "phone", "code", "message"}
}

// handleContactForm answers GET /contact, the form for a question, a
// claim, a data-subject request or a complaint; ?incident= and ?code=
// fill in the incident and the verification code.
func (s *Server) handleContactForm(w http.ResponseWriter, r *http.Request, p *publicPage) {
	q := r.URL.Query()
	f := contactForm{Category: string(breachdesk.InquiryQuestion)}
	here := url.Values{}
	if slug := q.Get("incident"); validSlug(slug) {
		f.Incident = slug
		here.Set("incident", slug)
	}
	if code := q.Get("code"); code != "" {
		if canonical, err := breachdesk.ParseNoticeCode(code); err == nil {
			f.Code = canonical
		} else if len(code) <= maxTypedCode {
			f.Code = code
		}
		if f.Code != "" {
			here.Set("code", f.Code)
		}
	}
	if len(here) > 0 {
		p.Here += "?" + here.Encode()
	}
	s.renderContact(w, r, p, http.StatusOK, &contactView{Form: f})
}

// handleContactSubmit answers POST /contact. A form with a mistake comes
// back 422 with what was typed and a message next to the field; a valid
// one is confirmed, with its reference, only once InquiryIntake has
// stored it. When it could not be stored the form comes back 503, as
// typed, for the person to send again.
func (s *Server) handleContactSubmit(w http.ResponseWriter, r *http.Request, p *publicPage) {
	if err := r.ParseForm(); err != nil {
		s.formError(w, r, p, err)
		return
	}
	if !s.checkCSRF(r) {
		s.refuseForm(w, r, p, "/contact")
		return
	}
	form := r.PostForm
	f := contactForm{
		Category: form.Get("category"), RequestKind: form.Get("request_kind"),
		Name: form.Get("name"), Email: form.Get("email"), Phone: form.Get("phone"),
		Code: form.Get("code"), Message: form.Get("message"),
	}
	if slug := form.Get("incident"); validSlug(slug) {
		f.Incident = slug
	}
	q := &breachdesk.Inquiry{
		Category: breachdesk.InquiryCategory(f.Category), RequestKind: f.RequestKind,
		Name: f.Name, Email: f.Email, Phone: f.Phone, Message: f.Message, Code: f.Code,
		Language: p.Lang,
	}
	if q.Category != breachdesk.InquiryDataRequest {
		// The form shows the kinds beside every category, as it works
		// without script: a kind chosen for another category is ignored.
		q.RequestKind = ""
	}
	q.Normalize()
	err := q.Validate()
	if err == nil && q.Code != "" {
		q.Code, err = breachdesk.ParseNoticeCode(q.Code)
	}
	if err != nil {
		v := &contactView{Page: p, Form: f}
		v.setError(err)
		s.renderContact(w, r, p, http.StatusUnprocessableEntity, v)
		return
	}
	if f.Incident != "" {
		q.IncidentID = s.incidentOfPage(r, f.Incident)
	}
	if err := s.submitInquiry(r, q); err != nil {
		s.Logger.ErrorContext(r.Context(), "submit inquiry", slog.Any("error", err))
		w.Header().Set("Retry-After", "30")
		s.renderContact(w, r, p, http.StatusServiceUnavailable, &contactView{Form: f, Unavailable: true})
		return
	}
	v := &contactDoneView{Page: p, Reference: q.Reference, Email: breachdesk.MaskEmail(q.Email)}
	if q.DueAt != nil {
		v.DueOn = p.cat.Date(*q.DueAt)
	}
	s.render(w, r, p, http.StatusOK, "contact_done", v)
}

// renderContact writes the contact form v, with a fresh token.
func (s *Server) renderContact(w http.ResponseWriter, r *http.Request, p *publicPage, status int, v *contactView) {
	v.Page, v.CSRF = p, s.csrfToken(w, r)
	s.render(w, r, p, status, "contact", v)
}

// submitInquiry hands q to the intake, if there is one.
func (s *Server) submitInquiry(r *http.Request, q *breachdesk.Inquiry) error {
	if s.InquiryIntake == nil {
		return breachdesk.Errorf(breachdesk.EInternal, "no inquiry intake")
	}
	return s.InquiryIntake.SubmitInquiry(r.Context(), q)
}

// incidentOfPage returns the incident whose published page is at slug, or
// nil: the inquiry is taken all the same, and staff can link it later.
func (s *Server) incidentOfPage(r *http.Request, slug string) *int64 {
	page, err := s.findPublishedPage(r, slug)
	if err != nil {
		if breachdesk.ErrorCode(err) != breachdesk.ENotFound {
			s.Logger.WarnContext(r.Context(), "contact form: find incident page", slog.String("slug", slug), slog.Any("error", err))
		}
		return nil
	}
	return &page.IncidentID
}
