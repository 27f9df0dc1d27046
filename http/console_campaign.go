package http

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/breachdesk/breachdesk"
)

// Live progress: how often a campaign page's stream sends the counts, and
// how long one stream lasts before the browser opens another.
const (
	campaignEventsEvery  = 2 * time.Second
	campaignEventsMaxAge = 30 * time.Minute
	// chartMaxBars bounds the bars of the delivery chart.
	chartMaxBars = 90
)

// campaignRow is one campaign in the list.
type campaignRow struct {
	Campaign *breachdesk.Campaign
	Incident string
}

// handleCampaignsPage answers GET /campaigns: every campaign, newest
// first, with its incident.
func (s *Server) handleCampaignsPage(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "campaigns"
	campaigns, _, err := s.CampaignService.FindCampaigns(r.Context(), breachdesk.CampaignFilter{})
	if err != nil {
		s.consoleFailed(w, r, p, "campaigns page", err)
		return
	}
	titles := map[int64]string{}
	rows := []campaignRow{}
	for _, c := range campaigns {
		if _, ok := titles[c.IncidentID]; !ok {
			inc, err := s.IncidentService.FindIncidentByID(r.Context(), c.IncidentID)
			if err != nil {
				s.consoleFailed(w, r, p, "campaigns page: incident", err)
				return
			}
			titles[c.IncidentID] = inc.Title
		}
		rows = append(rows, campaignRow{Campaign: c, Incident: titles[c.IncidentID]})
	}
	s.renderConsole(w, r, p, http.StatusOK, "campaigns", rows)
}

// campaignCounts are a campaign's figures as the page and its stream
// show them: formatted for the page's language.
type campaignCounts struct {
	Status    string `json:"status"`
	Total     string `json:"total"`
	Sent      string `json:"sent"`
	Failed    string `json:"failed"`
	Bounced   string `json:"bounced"`
	Uncertain string `json:"uncertain"`
	Remaining string `json:"remaining"`
	// Rate is the notices handed over per minute, ETA the time left at
	// that rate; "–" when there is nothing to tell.
	Rate string `json:"rate"`
	ETA  string `json:"eta"`
	// Done is set once nothing is left to send.
	Done bool `json:"done"`
}

// campaignCounts formats progress in lang. The rate is measured since
// the previous snapshot when there is one (the stream's), else over the
// whole send.
func (s *Server) campaignCounts(lang string, pr *breachdesk.CampaignProgress, prev *breachdesk.CampaignProgress, since time.Duration) campaignCounts {
	printer := message.NewPrinter(language.Make(lang))
	n := func(v int64) string { return printer.Sprintf("%d", v) }
	handed := func(p *breachdesk.CampaignProgress) int64 {
		return p.States[breachdesk.NoticeSent] + p.States[breachdesk.NoticeBounced]
	}
	c := campaignCounts{
		Status: s.consoleSite.T(lang, "campaign_status."+string(pr.Status)), Total: n(pr.Total),
		Sent: n(pr.States[breachdesk.NoticeSent]), Failed: n(pr.States[breachdesk.NoticeFailed]),
		Bounced: n(pr.States[breachdesk.NoticeBounced]), Uncertain: n(pr.Uncertain), Remaining: n(pr.Remaining()),
		Rate: "–", ETA: "–", Done: pr.Status == breachdesk.CampaignDone,
	}
	var perMinute float64
	switch {
	case prev != nil && since > 0:
		perMinute = float64(handed(pr)-handed(prev)) / since.Minutes()
	case pr.FirstSentAt != nil && pr.LastSentAt != nil && pr.LastSentAt.After(*pr.FirstSentAt):
		perMinute = float64(handed(pr)) / pr.LastSentAt.Sub(*pr.FirstSentAt).Minutes()
	}
	if perMinute > 0 {
		c.Rate = printer.Sprintf("%.0f", perMinute)
		if pr.Remaining() > 0 && pr.Status == breachdesk.CampaignActive {
			c.ETA = s.hours(lang, time.Duration(float64(pr.Remaining())/perMinute*float64(time.Minute)))
		}
	}
	return c
}

// campaignView is a campaign's page.
type campaignView struct {
	Campaign *breachdesk.Campaign
	Incident *breachdesk.Incident
	Counts   campaignCounts
	Chart    template.HTML
	// Breakdowns break the notices down by language and by country.
	Breakdowns []breakdownTable
	// Problem is the key of why the last action was refused.
	Problem string
	// NoSender is set when the campaign is active and no sender runs.
	NoSender bool
}

// breakdownTable is one breakdown: the key of its title, and its rows.
type breakdownTable struct {
	Title string
	Rows  []breakdownRow
}

// breakdownRow is the notices of one language or country.
type breakdownRow struct {
	Key                         string
	Total, Sent, Failed, Bounce int64
}

// breakdown turns counts by key into rows, largest first.
func breakdown(by map[string]map[breachdesk.NoticeState]int64) []breakdownRow {
	var rows []breakdownRow
	for key, states := range by {
		row := breakdownRow{Key: key, Sent: states[breachdesk.NoticeSent], Failed: states[breachdesk.NoticeFailed], Bounce: states[breachdesk.NoticeBounced]}
		for _, n := range states {
			row.Total += n
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b breakdownRow) int {
		if a.Total != b.Total {
			return cmp.Compare(b.Total, a.Total)
		}
		return strings.Compare(a.Key, b.Key)
	})
	return rows
}

// consoleCampaign reads the campaign of the request's {id} and its
// progress, answering the request itself when there is none.
func (s *Server) consoleCampaign(w http.ResponseWriter, r *http.Request, p *consolePage) (*campaignView, *breachdesk.CampaignProgress, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.renderConsoleError(w, r, p, http.StatusNotFound, consoleNotFound)
		return nil, nil, false
	}
	c, err := s.CampaignService.FindCampaignByID(r.Context(), id)
	switch {
	case breachdesk.ErrorCode(err) == breachdesk.ENotFound:
		s.renderConsoleError(w, r, p, http.StatusNotFound, consoleNotFound)
		return nil, nil, false
	case err != nil:
		s.consoleFailed(w, r, p, "find campaign", err)
		return nil, nil, false
	}
	pr, err := s.CampaignService.CampaignProgress(r.Context(), id)
	if err != nil {
		s.consoleFailed(w, r, p, "campaign progress", err)
		return nil, nil, false
	}
	c.Status = pr.Status
	return &campaignView{Campaign: c}, pr, true
}

// handleCampaignPage answers GET /campaigns/{id}: the counts, the rate and
// the time left, the chart of delivery over time, the breakdown by
// language and country, and pause or resume for those allowed. The
// counts then follow /campaigns/{id}/events.
func (s *Server) handleCampaignPage(w http.ResponseWriter, r *http.Request, p *consolePage) {
	s.campaignPage(w, r, p, http.StatusOK, "")
}

// campaignPage writes a campaign's page with status and problem.
func (s *Server) campaignPage(w http.ResponseWriter, r *http.Request, p *consolePage, status int, problem string) {
	p.Nav = "campaigns"
	v, pr, ok := s.consoleCampaign(w, r, p)
	if !ok {
		return
	}
	v.Problem = problem
	inc, err := s.IncidentService.FindIncidentByID(r.Context(), v.Campaign.IncidentID)
	if err != nil {
		s.consoleFailed(w, r, p, "campaign page: incident", err)
		return
	}
	v.Incident = inc
	v.Counts = s.campaignCounts(p.Lang, pr, nil, 0)
	if pr.Status == breachdesk.CampaignActive {
		alive, err := s.sendersAlive(r.Context())
		if err != nil {
			s.consoleFailed(w, r, p, "campaign page: senders", err)
			return
		}
		v.NoSender = !alive
	}
	v.Breakdowns = []breakdownTable{{"campaign.by_language", breakdown(pr.ByLanguage)}, {"campaign.by_country", breakdown(pr.ByCountry)}}
	if pr.FirstSentAt != nil && pr.LastSentAt != nil {
		step := chartStep(pr.LastSentAt.Sub(*pr.FirstSentAt), chartMaxBars)
		points, err := s.CampaignService.CampaignDeliveries(r.Context(), v.Campaign.ID, step)
		if err != nil {
			s.consoleFailed(w, r, p, "campaign page: deliveries", err)
			return
		}
		v.Chart = deliveryChart(points, step, s.consoleSite.T(p.Lang, "campaign.chart"))
	}
	s.renderConsole(w, r, p, status, "campaign", v)
}

// handleCampaignAction answers POST /campaigns/{id}: action pause or
// resume, then the page again.
func (s *Server) handleCampaignAction(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "campaigns"
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.renderConsoleError(w, r, p, http.StatusNotFound, consoleNotFound)
		return
	}
	status := breachdesk.CampaignPaused
	switch r.PostForm.Get("action") {
	case "pause":
	case "start", "resume":
		status = breachdesk.CampaignActive
	default:
		s.renderConsoleError(w, r, p, http.StatusBadRequest, consoleNotFound)
		return
	}
	_, err = s.CampaignService.SetCampaignStatus(r.Context(), id, status)
	switch breachdesk.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/campaigns/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	case breachdesk.EConflict:
		s.campaignPage(w, r, p, http.StatusConflict, "campaign.conflict")
	case breachdesk.ENotFound:
		s.renderConsoleError(w, r, p, http.StatusNotFound, consoleNotFound)
	default:
		s.consoleFailed(w, r, p, "set campaign status", err)
	}
}

// handleCampaignEvents answers GET /campaigns/{id}/events with a stream
// of server-sent events: "progress" with the counts every
// campaignEventsEvery (less often when counting takes long), and "done"
// when nothing is left to send, after
// which the page stops listening. A stream ends after
// campaignEventsMaxAge, and the browser opens another.
func (s *Server) handleCampaignEvents(w http.ResponseWriter, r *http.Request, p *consolePage) {
	_, pr, ok := s.consoleCampaign(w, r, p)
	if !ok {
		return
	}
	rc := http.NewResponseController(w)
	// The stream outlives the server's write timeout, which is for pages.
	if err := rc.SetWriteDeadline(time.Now().Add(campaignEventsMaxAge + time.Minute)); err != nil {
		s.consoleFailed(w, r, p, "campaign events", err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // a proxy in front must not hold the events back
	w.WriteHeader(http.StatusOK)

	timer := time.NewTimer(campaignEventsEvery)
	defer timer.Stop()
	end := time.After(campaignEventsMaxAge)
	var prev *breachdesk.CampaignProgress
	var prevAt time.Time
	curAt := time.Now()
	for {
		counts := s.campaignCounts(p.Lang, pr, prev, curAt.Sub(prevAt))
		data, _ := json.Marshal(counts) // strings and a bool always marshal
		event := "progress"
		if counts.Done {
			event = "done"
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data); err != nil {
			return
		}
		if err := rc.Flush(); err != nil || counts.Done {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-end:
			return
		case <-timer.C:
		}
		asked := time.Now()
		next, err := s.CampaignService.CampaignProgress(r.Context(), pr.CampaignID)
		if err != nil {
			s.Logger.ErrorContext(r.Context(), "campaign events", slog.Any("error", err))
			return
		}
		// Counting a million notices takes about a second: a stream
		// never keeps the database busy more than a fifth of the time.
		timer.Reset(max(campaignEventsEvery, 4*time.Since(asked)))
		prev, prevAt = pr, curAt
		pr, curAt = next, time.Now()
	}
}

// handleCampaignCreate answers POST /incidents/{id}/campaigns: a draft
// campaign that notifies every person of the incident reachable on the
// channel chosen, then its page, where it is started.
func (s *Server) handleCampaignCreate(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "campaigns"
	v, ok := s.consoleIncident(w, r, p)
	if !ok {
		return
	}
	c := &breachdesk.Campaign{IncidentID: v.Incident.ID, Channel: r.PostForm.Get("channel"), Template: breachdesk.TemplateNotice}
	err := s.CampaignService.CreateCampaign(r.Context(), c)
	switch {
	case breachdesk.ErrorCode(err) == breachdesk.EInvalid:
		s.incidentPage(w, r, p, http.StatusUnprocessableEntity, "campaigns.invalid")
		return
	case err != nil:
		s.consoleFailed(w, r, p, "create campaign", err)
		return
	}
	http.Redirect(w, r, "/campaigns/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}

// sendersAlive reports whether a sender has shown signs of life in the
// last minute: an active campaign is sent only while one runs.
func (s *Server) sendersAlive(ctx context.Context) (bool, error) {
	workers, err := s.CampaignService.FindWorkers(ctx)
	if err != nil {
		return false, err
	}
	for _, w := range workers {
		if s.Now().Sub(w.HeartbeatAt) < time.Minute {
			return true, nil
		}
	}
	return false, nil
}
