package http

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/assess"
	"github.com/breachdesk/breachdesk/notice"
)

// dashboardView is the dashboard: the incidents in progress with their
// 72-hour clocks, for those who may see incidents, and the inquiries
// waiting, for those who answer them.
type dashboardView struct {
	Incidents     []dashboardIncident
	OpenInquiries int
	// Deadlines are the next pending obligations of the incidents in
	// progress, soonest first; Campaigns those sending or paused.
	Deadlines []dashboardDeadline
	Campaigns []dashboardCampaign
}

// dashboardDeadlines is how many deadlines the dashboard lists.
const dashboardDeadlines = 8

// dashboardDeadline is one pending obligation on the dashboard.
type dashboardDeadline struct {
	IncidentID    int64
	IncidentTitle string
	Obligation    *assess.Obligation
	Due           string
}

// dashboardCampaign is one campaign under way on the dashboard.
type dashboardCampaign struct {
	Campaign      *breachdesk.Campaign
	IncidentTitle string
	Counts        campaignCounts
}

// dashboardIncident is one incident on the dashboard.
type dashboardIncident struct {
	ID     int64
	Title  string
	Status breachdesk.IncidentStatus
	// Clock is the 72-hour clock in words, Late when it ran out.
	Clock string
	Late  bool
}

// handleDashboard answers GET /, the first page after signing in.
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "dashboard"
	v := &dashboardView{}
	now := s.Now()
	if p.Can(string(breachdesk.PermIncidentsView)) && s.IncidentService != nil {
		incidents, _, err := s.IncidentService.FindIncidents(r.Context(), breachdesk.IncidentFilter{})
		if err != nil {
			s.consoleFailed(w, r, p, "dashboard: find incidents", err)
			return
		}
		for _, inc := range incidents {
			if inc.Status == breachdesk.IncidentClosed {
				continue
			}
			text, late := s.clockText(p.Lang, inc.NotificationClock(now))
			v.Incidents = append(v.Incidents, dashboardIncident{ID: inc.ID, Title: inc.Title, Status: inc.Status, Clock: text, Late: late})
			if err := s.addDeadlines(r.Context(), p.Lang, inc, v); err != nil {
				s.consoleFailed(w, r, p, "dashboard: deadlines", err)
				return
			}
			if err := s.addCampaigns(r.Context(), p, inc, v); err != nil {
				s.consoleFailed(w, r, p, "dashboard: campaigns", err)
				return
			}
		}
		slices.SortStableFunc(v.Deadlines, func(a, b dashboardDeadline) int { return a.Obligation.Deadline.Compare(*b.Obligation.Deadline) })
		v.Deadlines = v.Deadlines[:min(len(v.Deadlines), dashboardDeadlines)]
	}
	if p.Can(string(breachdesk.PermInquiriesView)) && s.InquiryService != nil {
		open := breachdesk.InquiryOpen
		_, n, err := s.InquiryService.FindInquiries(r.Context(), breachdesk.InquiryFilter{Status: &open, Limit: 1})
		if err != nil {
			s.consoleFailed(w, r, p, "dashboard: count inquiries", err)
			return
		}
		v.OpenInquiries = n
	}
	s.renderConsole(w, r, p, http.StatusOK, "dashboard", v)
}

// clockText says a 72-hour clock in lang, and whether it ran out.
func (s *Server) clockText(lang string, c *breachdesk.NotificationClock) (string, bool) {
	t := func(key string) string { return s.consoleSite.T(lang, key) }
	switch {
	case c == nil:
		return t("clock.unknown"), false
	case c.NotifiedAt != nil && c.Late:
		return t("clock.notified_late"), true
	case c.NotifiedAt != nil:
		return t("clock.notified"), false
	case c.SecondsLeft >= 0:
		return notice.Fill(t("clock.left"), "time", s.hours(lang, time.Duration(c.SecondsLeft)*time.Second)), false
	default:
		return notice.Fill(t("clock.overdue"), "time", s.hours(lang, -time.Duration(c.SecondsLeft)*time.Second)), true
	}
}

// hours writes d in hours and minutes, such as "41 h 12 min", or in
// minutes under an hour.
func (s *Server) hours(lang string, d time.Duration) string {
	m := int(d / time.Minute)
	if m < 60 {
		return notice.Fill(s.consoleSite.T(lang, "clock.minutes"), "minutes", strconv.Itoa(m))
	}
	return notice.Fill(s.consoleSite.T(lang, "clock.hours"), "hours", strconv.Itoa(m/60), "minutes", strconv.Itoa(m%60))
}

// consoleFailed logs a failure to read what a page shows, and answers it
// with the error page.
func (s *Server) consoleFailed(w http.ResponseWriter, r *http.Request, p *consolePage, what string, err error) {
	s.Logger.ErrorContext(r.Context(), what, slog.Any("error", err))
	s.renderConsoleError(w, r, p, http.StatusInternalServerError, consoleInternal)
}

// addDeadlines adds the pending obligations of inc that have a deadline.
func (s *Server) addDeadlines(ctx context.Context, lang string, inc *breachdesk.Incident, v *dashboardView) error {
	a, err := s.assessment(ctx, lang, inc.ID)
	if err != nil || a == nil {
		return err
	}
	for _, o := range a.Obligations {
		if o.Status == breachdesk.ObligationPending && o.Deadline != nil {
			v.Deadlines = append(v.Deadlines, dashboardDeadline{IncidentID: inc.ID, IncidentTitle: inc.Title, Obligation: o.Obligation, Due: o.Due})
		}
	}
	return nil
}

// addCampaigns adds the campaigns of inc that are sending or paused, for
// those who may see campaigns.
func (s *Server) addCampaigns(ctx context.Context, p *consolePage, inc *breachdesk.Incident, v *dashboardView) error {
	if s.CampaignService == nil || !p.Can(string(breachdesk.PermCampaignsView)) {
		return nil
	}
	campaigns, _, err := s.CampaignService.FindCampaigns(ctx, breachdesk.CampaignFilter{IncidentID: &inc.ID})
	if err != nil {
		return err
	}
	for _, c := range campaigns {
		if c.Status != breachdesk.CampaignActive && c.Status != breachdesk.CampaignPaused {
			continue
		}
		pr, err := s.CampaignService.CampaignProgress(ctx, c.ID)
		if err != nil {
			return err
		}
		v.Campaigns = append(v.Campaigns, dashboardCampaign{Campaign: c, IncidentTitle: inc.Title, Counts: s.campaignCounts(p.Lang, pr, nil, 0)})
	}
	return nil
}
