package http

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
)

// factsView is the form of an incident's facts.
type factsView struct {
	Incident   *breachdesk.Incident
	Statuses   []breachdesk.IncidentStatus
	Categories []string
	// Checked are the data categories the incident has.
	Checked map[string]bool
	// Problem says what is wrong with the facts posted: the field and
	// the store's sentence.
	Problem, ProblemField string
}

// factTimes are the times the form edits, by form field, with the name
// of the incident field that Clear takes.
func factTimes(inc *breachdesk.Incident, upd *breachdesk.IncidentUpdate) []struct {
	field string
	have  *time.Time
	set   **time.Time
} {
	return []struct {
		field string
		have  *time.Time
		set   **time.Time
	}{
		{"detected_at", inc.DetectedAt, &upd.DetectedAt},
		{"aware_at", inc.AwareAt, &upd.AwareAt},
		{"contained_at", inc.ContainedAt, &upd.ContainedAt},
	}
}

// handleFactsForm answers GET /incidents/{id}/facts.
func (s *Server) handleFactsForm(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "incidents"
	v, ok := s.consoleIncident(w, r, p)
	if !ok {
		return
	}
	s.renderConsole(w, r, p, http.StatusOK, "facts", s.factsView(v.Incident))
}

func (s *Server) factsView(inc *breachdesk.Incident) *factsView {
	v := &factsView{Incident: inc, Statuses: breachdesk.IncidentStatuses(), Categories: breachdesk.DataCategories(), Checked: map[string]bool{}}
	for _, c := range inc.DataCategories {
		v.Checked[c] = true
	}
	return v
}

// handleFactsSave answers POST /incidents/{id}/facts: the facts as the
// form gives them, each change on the timeline as the store records it,
// then the incident's page. An emptied time becomes unknown again.
func (s *Server) handleFactsSave(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "incidents"
	v, ok := s.consoleIncident(w, r, p)
	if !ok {
		return
	}
	inc, f := v.Incident, r.PostForm
	text := func(name string) *string {
		t := strings.TrimSpace(strings.ReplaceAll(f.Get(name), "\r\n", "\n"))
		return &t
	}
	status := breachdesk.IncidentStatus(f.Get("status"))
	categories := f["data_categories"]
	upd := breachdesk.IncidentUpdate{
		Title: text("title"), Summary: text("summary"), Status: &status, DataCategories: &categories,
		MeasuresTaken: text("measures_taken"), MeasuresPlanned: text("measures_planned"),
		LikelyConsequences: text("likely_consequences"), DelayReasons: text("delay_reasons"),
	}
	fail := func(field, message string) {
		form := s.factsView(inc)
		form.Problem, form.ProblemField = message, field
		s.renderConsole(w, r, p, http.StatusUnprocessableEntity, "facts", form)
	}
	if n := strings.TrimSpace(f.Get("approx_subjects")); n != "" {
		count, err := strconv.ParseInt(n, 10, 64)
		if err != nil || count < 0 {
			fail("approx_subjects", "a whole number of people, such as 120000")
			return
		}
		upd.ApproxSubjects = &count
	} else if inc.ApproxSubjects != nil {
		upd.Clear = append(upd.Clear, "approx_subjects")
	}
	for _, t := range factTimes(inc, &upd) {
		value := strings.TrimSpace(f.Get(t.field))
		switch {
		case value == "" && t.have != nil:
			upd.Clear = append(upd.Clear, t.field)
		case value != "":
			at, err := time.ParseInLocation("2006-01-02T15:04", value, time.UTC)
			if err != nil {
				fail(t.field, "a date and time in UTC")
				return
			}
			// Keep seconds the form cannot show when the minute is the same.
			if t.have != nil && t.have.UTC().Truncate(time.Minute).Equal(at) {
				at = *t.have
			}
			*t.set = &at
		}
	}
	if len(categories) == 0 {
		upd.DataCategories = nil
		if len(inc.DataCategories) > 0 {
			upd.Clear = append(upd.Clear, "data_categories")
		}
	}
	_, err := s.IncidentService.UpdateIncident(r.Context(), inc.ID, upd)
	switch {
	case breachdesk.ErrorCode(err) == breachdesk.EInvalid:
		fail(breachdesk.ErrorField(err), breachdesk.ErrorMessage(err))
		return
	case err != nil:
		s.consoleFailed(w, r, p, "update incident", err)
		return
	}
	http.Redirect(w, r, "/incidents/"+strconv.FormatInt(inc.ID, 10), http.StatusSeeOther)
}
