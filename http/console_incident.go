package http

import (
	"cmp"
	"context"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
)

// incidentConsoleView is an incident's page in the console.
type incidentConsoleView struct {
	Incident *breachdesk.Incident
	// Clock is the 72-hour clock in words, Late when it ran out.
	Clock string
	Late  bool
	// TalkingPoints is nil until the DPO writes them.
	TalkingPoints *breachdesk.TalkingPoints
	// Assessment is the severity, the risk and the obligations with their
	// deadlines; Timeline the incident's events, newest first.
	Assessment *assessmentView
	Timeline   []*breachdesk.IncidentEvent
	// Problem is the key of why the last action was refused.
	Problem string
	// ByCountry and ByCategory chart the people concerned.
	ByCountry, ByCategory template.HTML
	// EventKinds are the kinds of event a person may record.
	EventKinds []string
	// Reports are the versions of the notifications filed, newest first;
	// Campaigns the incident's campaigns.
	Reports   []*breachdesk.RegulatorReport
	Campaigns []*breachdesk.Campaign
}

// handleIncidentsPage answers GET /incidents in the console: every
// incident, newest first, with its 72-hour clock.
func (s *Server) handleIncidentsPage(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "incidents"
	incidents, _, err := s.IncidentService.FindIncidents(r.Context(), breachdesk.IncidentFilter{})
	if err != nil {
		s.consoleFailed(w, r, p, "incidents page", err)
		return
	}
	now := s.Now()
	rows := []dashboardIncident{}
	for _, inc := range incidents {
		text, late := s.clockText(p.Lang, inc.NotificationClock(now))
		rows = append(rows, dashboardIncident{ID: inc.ID, Title: inc.Title, Status: inc.Status, Clock: text, Late: late})
	}
	s.renderConsole(w, r, p, http.StatusOK, "incidents", rows)
}

// consoleIncident reads the incident of the request's {id}, answering
// the request itself when there is none.
func (s *Server) consoleIncident(w http.ResponseWriter, r *http.Request, p *consolePage) (*incidentConsoleView, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.renderConsoleError(w, r, p, http.StatusNotFound, consoleNotFound)
		return nil, false
	}
	inc, err := s.IncidentService.FindIncidentByID(r.Context(), id)
	switch {
	case breachdesk.ErrorCode(err) == breachdesk.ENotFound:
		s.renderConsoleError(w, r, p, http.StatusNotFound, consoleNotFound)
		return nil, false
	case err != nil:
		s.consoleFailed(w, r, p, "find incident", err)
		return nil, false
	}
	v := &incidentConsoleView{Incident: inc, EventKinds: breachdesk.EventKinds()}
	v.Clock, v.Late = s.clockText(p.Lang, inc.NotificationClock(s.Now()))
	return v, true
}

// talkingPoints returns an incident's talking points, nil when it has
// none or they were cleared.
func (s *Server) talkingPoints(ctx context.Context, incidentID int64) (*breachdesk.TalkingPoints, error) {
	if s.TalkingPointsService == nil {
		return nil, nil
	}
	tp, err := s.TalkingPointsService.FindTalkingPoints(ctx, incidentID)
	switch {
	case breachdesk.ErrorCode(err) == breachdesk.ENotFound:
		return nil, nil
	case err != nil:
		return nil, err
	case tp.Text == "":
		return nil, nil
	}
	return tp, nil
}

// handleIncidentConsolePage answers GET /incidents/{id} in the console:
// the facts, the talking points, the assessment with the obligations
// board, and the timeline.
func (s *Server) handleIncidentConsolePage(w http.ResponseWriter, r *http.Request, p *consolePage) {
	s.incidentPage(w, r, p, http.StatusOK, "")
}

// incidentPage writes an incident's page with status and problem.
func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request, p *consolePage, status int, problem string) {
	p.Nav = "incidents"
	v, ok := s.consoleIncident(w, r, p)
	if !ok {
		return
	}
	v.Problem = problem
	var err error
	if v.TalkingPoints, err = s.talkingPoints(r.Context(), v.Incident.ID); err != nil {
		s.consoleFailed(w, r, p, "incident page: talking points", err)
		return
	}
	if v.Assessment, err = s.assessment(r.Context(), p.Lang, v.Incident.ID); err != nil {
		s.consoleFailed(w, r, p, "incident page: assess", err)
		return
	}
	if s.RegulatorReportService != nil && p.Can(string(breachdesk.PermReportsView)) {
		reports, _, err := s.RegulatorReportService.FindRegulatorReports(r.Context(), breachdesk.RegulatorReportFilter{IncidentID: v.Incident.ID})
		if err != nil {
			s.consoleFailed(w, r, p, "incident page: reports", err)
			return
		}
		slices.Reverse(reports)
		v.Reports = reports
	}
	if s.CampaignService != nil && p.Can(string(breachdesk.PermCampaignsView)) {
		if v.Campaigns, _, err = s.CampaignService.FindCampaigns(r.Context(), breachdesk.CampaignFilter{IncidentID: &v.Incident.ID}); err != nil {
			s.consoleFailed(w, r, p, "incident page: campaigns", err)
			return
		}
	}
	if err := s.populationCharts(r.Context(), p.Lang, v); err != nil {
		s.consoleFailed(w, r, p, "incident page: population", err)
		return
	}
	if s.IncidentEventService != nil {
		events, _, err := s.IncidentEventService.FindIncidentEvents(r.Context(), breachdesk.IncidentEventFilter{IncidentID: v.Incident.ID})
		if err != nil {
			s.consoleFailed(w, r, p, "incident page: timeline", err)
			return
		}
		slices.Reverse(events)
		v.Timeline = events
	}
	s.renderConsole(w, r, p, status, "incident", v)
}

// talkingPointsView is the form of an incident's talking points.
type talkingPointsView struct {
	Incident *breachdesk.Incident
	Text     string
	// Saved is set just after a save; Problem is the key of what is
	// wrong with the text posted.
	Saved   bool
	Problem string
}

// handleTalkingPointsForm answers GET /incidents/{id}/talking-points.
func (s *Server) handleTalkingPointsForm(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "incidents"
	v, ok := s.consoleIncident(w, r, p)
	if !ok {
		return
	}
	form := &talkingPointsView{Incident: v.Incident, Saved: r.URL.Query().Has("saved")}
	tp, err := s.talkingPoints(r.Context(), v.Incident.ID)
	if err != nil {
		s.consoleFailed(w, r, p, "find talking points", err)
		return
	}
	if tp != nil {
		form.Text = tp.Text
	}
	s.renderConsole(w, r, p, http.StatusOK, "talking_points", form)
}

// handleTalkingPointsSave answers POST /incidents/{id}/talking-points:
// the new version, then the form again with the saved text.
func (s *Server) handleTalkingPointsSave(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "incidents"
	v, ok := s.consoleIncident(w, r, p)
	if !ok {
		return
	}
	tp := &breachdesk.TalkingPoints{IncidentID: v.Incident.ID, Text: r.PostForm.Get("text")}
	err := s.TalkingPointsService.SetTalkingPoints(r.Context(), tp)
	switch {
	case breachdesk.ErrorCode(err) == breachdesk.EInvalid:
		problem := "talking_points.not_text"
		if len(tp.Text) > breachdesk.MaxTalkingPointsLength {
			problem = "talking_points.too_long"
		}
		s.renderConsole(w, r, p, http.StatusUnprocessableEntity, "talking_points",
			&talkingPointsView{Incident: v.Incident, Text: strings.ToValidUTF8(tp.Text, "\uFFFD"), Problem: problem})
		return
	case err != nil:
		s.consoleFailed(w, r, p, "set talking points", err)
		return
	}
	http.Redirect(w, r, "/incidents/"+strconv.FormatInt(v.Incident.ID, 10)+"/talking-points?saved=1", http.StatusSeeOther)
}

// populationCharts charts the incident's people by country (with the
// region where laws differ by region) and by category of data affected.
func (s *Server) populationCharts(ctx context.Context, lang string, v *incidentConsoleView) error {
	if s.AssessmentService == nil {
		return nil
	}
	profiles, err := s.AssessmentService.FindPopulationProfiles(ctx, v.Incident.ID)
	if err != nil {
		return err
	}
	countries, categories := map[string]int64{}, map[string]int64{}
	for _, pp := range profiles {
		place := pp.Country
		if pp.Region != "" {
			place = pp.Region
		}
		countries[place] += pp.People
		cats := pp.DataCategories
		if len(cats) == 0 {
			cats = v.Incident.DataCategories
		}
		for _, c := range cats {
			categories[c] += pp.People
		}
	}
	rows := func(counts map[string]int64, label func(string) string) []chartRow {
		var out []chartRow
		for k, n := range counts {
			out = append(out, chartRow{Label: label(k), Value: n})
		}
		slices.SortFunc(out, func(a, b chartRow) int {
			if a.Value != b.Value {
				return cmp.Compare(b.Value, a.Value)
			}
			return strings.Compare(a.Label, b.Label)
		})
		return out
	}
	v.ByCountry = barChart(s.consoleSite.T(lang, "population.by_country"), rows(countries, func(k string) string { return k }))
	v.ByCategory = barChart(s.consoleSite.T(lang, "population.by_category"),
		rows(categories, func(k string) string { return s.consoleSite.T(lang, "category."+k) }))
	return nil
}

// handleTimelineEvent answers POST /incidents/{id}/events: an event on
// the incident's timeline (kind, at in UTC or now, note), then the page.
// Recording authority_notified stops the 72-hour clock.
func (s *Server) handleTimelineEvent(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "incidents"
	v, ok := s.consoleIncident(w, r, p)
	if !ok {
		return
	}
	e := &breachdesk.IncidentEvent{IncidentID: v.Incident.ID, Kind: r.PostForm.Get("kind"), Note: strings.TrimSpace(r.PostForm.Get("note"))}
	if at := strings.TrimSpace(r.PostForm.Get("at")); at != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", at, time.UTC)
		if err != nil {
			s.incidentPage(w, r, p, http.StatusUnprocessableEntity, "timeline.invalid_at")
			return
		}
		e.At = t
	}
	err := s.IncidentEventService.CreateIncidentEvent(r.Context(), e)
	switch {
	case breachdesk.ErrorCode(err) == breachdesk.EInvalid:
		s.incidentPage(w, r, p, http.StatusUnprocessableEntity, "timeline.invalid_"+breachdesk.ErrorField(err))
		return
	case err != nil:
		s.consoleFailed(w, r, p, "record timeline event", err)
		return
	}
	http.Redirect(w, r, "/incidents/"+strconv.FormatInt(v.Incident.ID, 10)+"#timeline", http.StatusSeeOther)
}
