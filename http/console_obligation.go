package http

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/assess"
	"github.com/breachdesk/breachdesk/notice"
	"github.com/breachdesk/breachdesk/report"
)

// Assessor assesses an incident from its recorded facts and the rules in
// force (assess.Gather and assess.Run).
type Assessor interface {
	AssessIncident(ctx context.Context, incidentID int64) (*assess.Result, error)
}

// obligationRow is one obligation on the incident's board.
type obligationRow struct {
	*assess.Obligation
	// Due says the deadline and the time left or past, in the page's
	// language.
	Due string
	// Report is the code of the authority whose notification breachdesk
	// writes for this obligation, "" when it writes none.
	Report string
}

// assessmentView is the assessment part of an incident's page.
type assessmentView struct {
	Result      *assess.Result
	Obligations []obligationRow
	// Factors are the factors a user may override.
	Factors []string
}

// assessment runs the assessor for the incident's page, nil without one.
func (s *Server) assessment(ctx context.Context, lang string, incidentID int64) (*assessmentView, error) {
	if s.Assessor == nil {
		return nil, nil
	}
	res, err := s.Assessor.AssessIncident(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	v := &assessmentView{Result: res, Factors: breachdesk.OverridableFactors()}
	codes := map[string]string{}
	for _, a := range report.Authorities() {
		codes[a.Name] = a.Code
	}
	for _, o := range res.Obligations {
		v.Obligations = append(v.Obligations, obligationRow{Obligation: o, Due: s.deadlineText(lang, o), Report: codes[o.Authority]})
	}
	return v, nil
}

// deadlineText says an obligation's deadline, and the time left or past
// while it is pending.
func (s *Server) deadlineText(lang string, o *assess.Obligation) string {
	if o.Deadline == nil {
		return o.DeadlineText
	}
	date := o.Deadline.UTC().Format("2006-01-02 15:04") + " UTC"
	if o.Status != breachdesk.ObligationPending || o.SecondsLeft == nil {
		return date
	}
	left := time.Duration(*o.SecondsLeft) * time.Second
	if left < 0 {
		return notice.Fill(s.consoleSite.T(lang, "obligations.overdue"), "date", date, "time", s.hours(lang, -left))
	}
	return notice.Fill(s.consoleSite.T(lang, "obligations.left"), "date", date, "time", s.hours(lang, left))
}

// handleObligationStatus answers POST /incidents/{id}/obligations: mark
// the obligation obligation_id done (now) or waived (with a reason), or
// pending again, then the incident's page.
func (s *Server) handleObligationStatus(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "incidents"
	v, ok := s.consoleIncident(w, r, p)
	if !ok {
		return
	}
	now := s.Now()
	st := &breachdesk.ObligationStatus{IncidentID: v.Incident.ID, ObligationID: r.PostForm.Get("obligation_id"),
		Note: strings.TrimSpace(r.PostForm.Get("note"))}
	switch r.PostForm.Get("action") {
	case "done":
		st.Status, st.At = breachdesk.ObligationDone, &now
	case "waive":
		st.Status = breachdesk.ObligationWaived
	case "pending":
		st.Status = breachdesk.ObligationPending
	default:
		s.renderConsoleError(w, r, p, http.StatusBadRequest, consoleNotFound)
		return
	}
	err := s.AssessmentService.SetObligationStatus(r.Context(), st)
	switch {
	case breachdesk.ErrorCode(err) == breachdesk.EInvalid:
		s.incidentPage(w, r, p, http.StatusUnprocessableEntity, "obligations.invalid_"+breachdesk.ErrorField(err))
		return
	case err != nil:
		s.consoleFailed(w, r, p, "set obligation status", err)
		return
	}
	http.Redirect(w, r, "/incidents/"+strconv.FormatInt(v.Incident.ID, 10)+"#obligations", http.StatusSeeOther)
}

// handleAssessmentOverride answers POST /incidents/{id}/overrides: a
// user's value for one factor of the assessment, with the reason, or the
// computed value again when the value is empty; then the incident's page.
func (s *Server) handleAssessmentOverride(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "incidents"
	v, ok := s.consoleIncident(w, r, p)
	if !ok {
		return
	}
	o := &breachdesk.AssessmentOverride{IncidentID: v.Incident.ID, Factor: r.PostForm.Get("factor"),
		Value: strings.TrimSpace(r.PostForm.Get("value")), Reason: strings.TrimSpace(r.PostForm.Get("reason"))}
	err := s.AssessmentService.SetAssessmentOverride(r.Context(), o)
	switch {
	case breachdesk.ErrorCode(err) == breachdesk.EInvalid:
		s.incidentPage(w, r, p, http.StatusUnprocessableEntity, "overrides.invalid_"+breachdesk.ErrorField(err))
		return
	case err != nil:
		s.consoleFailed(w, r, p, "set assessment override", err)
		return
	}
	http.Redirect(w, r, "/incidents/"+strconv.FormatInt(v.Incident.ID, 10)+"#assessment", http.StatusSeeOther)
}
