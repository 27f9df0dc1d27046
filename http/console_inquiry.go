package http

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/notice"
)

// InquiryOpener opens sealed inquiries (keyring.Keyring).
type InquiryOpener interface {
	OpenInquiry(s *breachdesk.SealedInquiry) (*breachdesk.Inquiry, error)
}

// inquiryPageSize is how many inquiries the queue shows at once.
const inquiryPageSize = 100

// inquiriesView is the inquiry queue with its filters.
type inquiriesView struct {
	Categories []breachdesk.InquiryCategory
	Statuses   []breachdesk.InquiryStatus
	// Category and Status are the filters chosen, "" for any.
	Category breachdesk.InquiryCategory
	Status   breachdesk.InquiryStatus
	Rows     []*inquiryRow
	Total    int
}

// inquiryRow is one inquiry as the console shows it: contact data masked,
// the name too for customer service.
type inquiryRow struct {
	*breachdesk.Inquiry
	// Due is when a data-subject request must be answered, in words, and
	// Overdue whether that passed before it was answered.
	Due     string
	Overdue bool
	// Incident is the incident it is about, when known.
	Incident *breachdesk.Incident
}

// handleInquiriesPage answers GET /inquiries?category=&status=: the
// queue, oldest first.
func (s *Server) handleInquiriesPage(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "inquiries"
	v := &inquiriesView{Categories: breachdesk.InquiryCategories(), Statuses: breachdesk.InquiryStatuses()}
	filter := breachdesk.InquiryFilter{Limit: inquiryPageSize}
	if c := breachdesk.InquiryCategory(r.URL.Query().Get("category")); slices.Contains(v.Categories, c) {
		v.Category, filter.Category = c, &c
	}
	if st := breachdesk.InquiryStatus(r.URL.Query().Get("status")); slices.Contains(v.Statuses, st) {
		v.Status, filter.Status = st, &st
	}
	sealed, total, err := s.InquiryService.FindInquiries(r.Context(), filter)
	if err != nil {
		s.consoleFailed(w, r, p, "inquiry queue", err)
		return
	}
	v.Total = total
	for _, sq := range sealed {
		row, err := s.inquiryRow(r, p, sq, false)
		if err != nil {
			s.consoleFailed(w, r, p, "inquiry queue: open", err)
			return
		}
		v.Rows = append(v.Rows, row)
	}
	s.renderConsole(w, r, p, http.StatusOK, "inquiries", v)
}

// inquiryRow opens an inquiry and masks it for the page's user: contact
// data always, the name for customer service. With incident it also
// reads the incident the inquiry is about.
func (s *Server) inquiryRow(r *http.Request, p *consolePage, sq *breachdesk.SealedInquiry, incident bool) (*inquiryRow, error) {
	q, err := s.InquiryOpener.OpenInquiry(sq)
	if err != nil {
		return nil, err
	}
	q.Email, q.Phone = breachdesk.MaskEmail(q.Email), breachdesk.MaskPhone(q.Phone)
	if p.User.Role == breachdesk.RoleAgent {
		q.Name = breachdesk.MaskName(q.Name)
	}
	row := &inquiryRow{Inquiry: q}
	if q.DueAt != nil {
		row.Due, row.Overdue = s.dueText(p.Lang, *q.DueAt, q.Status)
	}
	if incident && q.IncidentID != nil && s.IncidentService != nil {
		inc, err := s.IncidentService.FindIncidentByID(r.Context(), *q.IncidentID)
		if err != nil && breachdesk.ErrorCode(err) != breachdesk.ENotFound {
			return nil, err
		}
		row.Incident = inc
	}
	return row, nil
}

// dueText says when a request is due, and whether it is overdue: past its
// date and neither answered nor closed.
func (s *Server) dueText(lang string, due time.Time, status breachdesk.InquiryStatus) (string, bool) {
	now := s.Now()
	date := due.UTC().Format("2006-01-02")
	done := status == breachdesk.InquiryAnswered || status == breachdesk.InquiryClosed
	days := int(due.Sub(now).Hours() / 24)
	switch {
	case done:
		return date, false
	case now.After(due):
		return notice.Fill(s.consoleSite.T(lang, "inquiries.due_overdue"), "date", date, "days", strconv.Itoa(max(1, -days))), true
	default:
		return notice.Fill(s.consoleSite.T(lang, "inquiries.due_in"), "date", date, "days", strconv.Itoa(days)), false
	}
}

// consoleInquiry reads the inquiry of the request's {reference},
// answering the request itself when there is none.
func (s *Server) consoleInquiry(w http.ResponseWriter, r *http.Request, p *consolePage) (*inquiryRow, bool) {
	sq, err := s.InquiryService.FindInquiryByReference(r.Context(), r.PathValue("reference"))
	switch {
	case breachdesk.ErrorCode(err) == breachdesk.ENotFound:
		s.renderConsoleError(w, r, p, http.StatusNotFound, consoleNotFound)
		return nil, false
	case err != nil:
		s.consoleFailed(w, r, p, "find inquiry", err)
		return nil, false
	}
	row, err := s.inquiryRow(r, p, sq, true)
	if err != nil {
		s.consoleFailed(w, r, p, "open inquiry", err)
		return nil, false
	}
	return row, true
}

// handleInquiryAction answers POST /inquiries/{reference}: action assign
// (to the signed-in user), close, reopen, or answer, then the inquiry
// again.
func (s *Server) handleInquiryAction(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "inquiries"
	row, ok := s.consoleInquiry(w, r, p)
	if !ok {
		return
	}
	var upd breachdesk.InquiryUpdate
	status := func(st breachdesk.InquiryStatus) *breachdesk.InquiryStatus { return &st }
	switch r.PostForm.Get("action") {
	case "assign":
		upd.Status, upd.AssignedTo = status(breachdesk.InquiryAssigned), &p.User.Login
	case "close":
		upd.Status = status(breachdesk.InquiryClosed)
	case "answer":
		s.answerInquiry(w, r, p, row)
		return
	case "reopen":
		upd.Status = status(breachdesk.InquiryOpen)
		if row.AssignedTo != "" {
			upd.Status = status(breachdesk.InquiryAssigned)
		}
	default:
		s.renderConsoleError(w, r, p, http.StatusBadRequest, consoleNotFound)
		return
	}
	if _, err := s.InquiryService.UpdateInquiry(r.Context(), row.Reference, upd); err != nil {
		s.consoleFailed(w, r, p, "update inquiry", err)
		return
	}
	http.Redirect(w, r, "/inquiries/"+url.PathEscape(row.Reference), http.StatusSeeOther)
}
