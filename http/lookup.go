package http

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/lookup"
)

// PersonFinder finds a person among the affected people of every
// incident (lookup.Finder).
type PersonFinder interface {
	Find(ctx context.Context, q lookup.Query) ([]*lookup.Match, error)
}

// maxLookupLength bounds what the look-up box takes.
const maxLookupLength = 254

// lookupView is the customer-service look-up page.
type lookupView struct {
	Typed string
	// Inquiry is the reference of the inquiry whose sender is looked up.
	Inquiry string
	// Searched is set once something was looked up; Problem is the key
	// of what is wrong with it.
	Searched bool
	Problem  string
	Matches  []lookupMatch
}

// lookupMatch is one incident the person is in, masked for the page.
type lookupMatch struct {
	IncidentTitle      string
	Name, Email, Phone string
	Postal             bool
	Country, Language  string
	DataCategories     []string
	Notices            []*breachdesk.Notice
	// TalkingPoints is what the DPO wrote for agents about the incident.
	TalkingPoints string
}

// handleLookup answers GET /lookup?q=: the form and, for what a caller
// gave, the incidents they are in and the notices sent to them. Contact
// data is always masked here; every person shown is recorded in the
// audit log as looked up by the signed-in user.
func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "lookup"
	v := &lookupView{Typed: strings.TrimSpace(r.URL.Query().Get("q"))}
	if len(v.Typed) > maxLookupLength {
		v.Typed = v.Typed[:maxLookupLength]
	}
	query := v.Typed
	if ref := r.URL.Query().Get("inquiry"); query == "" && ref != "" {
		// The sender of an inquiry: their address is read here, never put
		// in the page's address or its box.
		email, ok := s.inquirySender(w, r, p, ref)
		if !ok {
			return
		}
		v.Inquiry, query = ref, email
	}
	if query == "" || s.PersonFinder == nil {
		s.renderConsole(w, r, p, http.StatusOK, "lookup", v)
		return
	}
	v.Searched = true
	matches, err := s.PersonFinder.Find(r.Context(), lookup.ParseQuery(query))
	if breachdesk.ErrorCode(err) == breachdesk.EInvalid {
		v.Searched, v.Problem = false, "lookup.invalid_"+breachdesk.ErrorField(err)
		s.renderConsole(w, r, p, http.StatusUnprocessableEntity, "lookup", v)
		return
	} else if err != nil {
		s.consoleFailed(w, r, p, "look-up", err)
		return
	}
	for _, m := range matches {
		person := m.Person
		if err := s.AuditService.RecordAccess(r.Context(), breachdesk.AuditPeopleLookup, "affected_person",
			fmt.Sprintf("%d/%s", person.IncidentID, person.ExternalID)); err != nil {
			s.consoleFailed(w, r, p, "look-up: audit", err)
			return
		}
		tp, err := s.talkingPoints(r.Context(), m.Incident.ID)
		if err != nil {
			s.consoleFailed(w, r, p, "look-up: talking points", err)
			return
		}
		match := lookupMatch{
			IncidentTitle: m.Incident.Title, Name: breachdesk.MaskName(person.Name),
			Email: breachdesk.MaskEmail(person.Email), Phone: breachdesk.MaskPhone(person.Phone),
			Postal: person.PostalAddress != "", Country: strings.TrimSpace(person.Country + " " + person.Region),
			Language: person.Language, DataCategories: person.DataCategories, Notices: m.Notices,
		}
		if tp != nil {
			match.TalkingPoints = tp.Text
		}
		v.Matches = append(v.Matches, match)
	}
	s.renderConsole(w, r, p, http.StatusOK, "lookup", v)
}

// inquirySender returns the e-mail address of the inquiry with reference,
// for a user who may read inquiries, answering the request itself when
// there is none.
func (s *Server) inquirySender(w http.ResponseWriter, r *http.Request, p *consolePage, reference string) (string, bool) {
	if !p.User.Role.Can(breachdesk.PermInquiriesView) {
		s.renderConsoleError(w, r, p, http.StatusForbidden, consoleForbidden)
		return "", false
	}
	sq, err := s.InquiryService.FindInquiryByReference(r.Context(), reference)
	if breachdesk.ErrorCode(err) == breachdesk.ENotFound {
		s.renderConsoleError(w, r, p, http.StatusNotFound, consoleNotFound)
		return "", false
	} else if err != nil {
		s.consoleFailed(w, r, p, "look-up: find inquiry", err)
		return "", false
	}
	q, err := s.InquiryOpener.OpenInquiry(sq)
	if err != nil {
		s.consoleFailed(w, r, p, "look-up: open inquiry", err)
		return "", false
	}
	return q.Email, true
}
