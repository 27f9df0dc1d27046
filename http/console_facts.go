package http

import (
	"net/http"
	"net/url"
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

// factsUpdate reads the facts form into an update of inc. When the form
// is wrong it returns the field and what it must be.
func factsUpdate(inc *breachdesk.Incident, f url.Values) (upd breachdesk.IncidentUpdate, field, problem string) {
	text := func(name string) *string {
		t := strings.TrimSpace(strings.ReplaceAll(f.Get(name), "\r\n", "\n"))
		return &t
	}
	status := breachdesk.IncidentStatus(f.Get("status"))
	categories := f["data_categories"]
	upd = breachdesk.IncidentUpdate{
		Title: text("title"), Summary: text("summary"), Status: &status, DataCategories: &categories,
		MeasuresTaken: text("measures_taken"), MeasuresPlanned: text("measures_planned"),
		LikelyConsequences: text("likely_consequences"), DelayReasons: text("delay_reasons"),
	}
	if n := strings.TrimSpace(f.Get("approx_subjects")); n != "" {
		count, err := strconv.ParseInt(n, 10, 64)
		if err != nil || count < 0 {
			return upd, "approx_subjects", "a whole number of people, such as 120000"
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
				return upd, t.field, "a date and time in UTC"
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
	return upd, "", ""
}

// factsProblem writes the facts form again, for inc, with what is wrong.
func (s *Server) factsProblem(w http.ResponseWriter, r *http.Request, p *consolePage, inc *breachdesk.Incident, field, problem string) {
	form := s.factsView(inc)
	form.Problem, form.ProblemField = problem, field
	s.renderConsole(w, r, p, http.StatusUnprocessableEntity, "facts", form)
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
	upd, field, problem := factsUpdate(v.Incident, r.PostForm)
	if problem != "" {
		s.factsProblem(w, r, p, v.Incident, field, problem)
		return
	}
	_, err := s.IncidentService.UpdateIncident(r.Context(), v.Incident.ID, upd)
	switch {
	case breachdesk.ErrorCode(err) == breachdesk.EInvalid:
		s.factsProblem(w, r, p, v.Incident, breachdesk.ErrorField(err), breachdesk.ErrorMessage(err))
		return
	case err != nil:
		s.consoleFailed(w, r, p, "update incident", err)
		return
	}
	http.Redirect(w, r, "/incidents/"+strconv.FormatInt(v.Incident.ID, 10), http.StatusSeeOther)
}

// handleIncidentNew answers GET /incidents/new: the facts form, empty.
func (s *Server) handleIncidentNew(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "incidents"
	s.renderConsole(w, r, p, http.StatusOK, "facts", s.factsView(&breachdesk.Incident{Status: breachdesk.IncidentOpen}))
}

// handleIncidentCreateForm answers POST /incidents: a new incident from
// the facts form, recorded as breachdesk incident create records one,
// then its page.
func (s *Server) handleIncidentCreateForm(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "incidents"
	inc := &breachdesk.Incident{}
	upd, field, problem := factsUpdate(inc, r.PostForm)
	if problem == "" {
		upd.Apply(inc)
		err := s.IncidentService.CreateIncident(r.Context(), inc)
		switch {
		case breachdesk.ErrorCode(err) == breachdesk.EInvalid:
			field, problem = breachdesk.ErrorField(err), breachdesk.ErrorMessage(err)
		case err != nil:
			s.consoleFailed(w, r, p, "create incident", err)
			return
		}
	}
	if problem != "" {
		inc.ID = 0
		s.factsProblem(w, r, p, inc, field, problem)
		return
	}
	http.Redirect(w, r, "/incidents/"+strconv.FormatInt(inc.ID, 10), http.StatusSeeOther)
}
