package http

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/report"
)

// ReportGenerator writes regulator reports; report.Generator is one.
type ReportGenerator interface {
	Generate(ctx context.Context, incidentID int64, opt report.Options) (*report.Report, error)
}

// ReportListResponse lists the stored versions of an incident's reports,
// without their content.
type ReportListResponse struct {
	Reports []*breachdesk.RegulatorReport `json:"reports"`
	Total   int                           `json:"total"`
}

// handleReportList answers GET /api/v1/incidents/{id}/reports?authority=.
func (s *Server) handleReportList(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	filter := breachdesk.RegulatorReportFilter{IncidentID: id}
	if code := r.URL.Query().Get("authority"); code != "" {
		a, err := report.FindAuthority(code)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		filter.Authority = &a.Code
	}
	versions, total, err := s.RegulatorReportService.FindRegulatorReports(r.Context(), filter)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for _, v := range versions {
		v.Content = nil
	}
	if versions == nil {
		versions = []*breachdesk.RegulatorReport{}
	}
	writeJSON(w, http.StatusOK, ReportListResponse{Reports: versions, Total: total})
}

// handleReportView answers GET /api/v1/incidents/{id}/reports/{authority}
// with ?format=md|json|pdf (default json), phase=, case_ref=, draft=true
// and version=N, as the report command does. Like the command, it stores
// the report as a new version when its facts or phase changed; the same
// request again stores nothing more.
func (s *Server) handleReportView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "json"
	}
	if !slices.Contains(report.Formats(), format) {
		s.Error(w, r, breachdesk.FieldErrorf("format", "%q is not one of md, json, pdf", format))
		return
	}
	opt := report.Options{Authority: r.PathValue("authority"), Phase: q.Get("phase"), CaseReference: q.Get("case_ref")}
	if v := q.Get("draft"); v != "" {
		if opt.Draft, err = strconv.ParseBool(v); err != nil {
			s.Error(w, r, breachdesk.FieldErrorf("draft", "must be true or false, not %q", v))
			return
		}
	}
	if opt.Version, err = intParam(q.Get("version"), "version", 0); err != nil {
		s.Error(w, r, err)
		return
	}
	rep, err := s.ReportGenerator.Generate(r.Context(), id, opt)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := rep.Write(&buf, format); err != nil {
		s.Error(w, r, err)
		return
	}
	writeReport(w, rep, format, buf.Bytes())
}

// writeReport writes a report rendered in format as the answer, named for
// its authority and version: PDFs as attachments, the rest inline.
func writeReport(w http.ResponseWriter, rep *report.Report, format string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", report.ContentType(format))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if rep.Digest != "" {
		h.Set("ETag", strconv.Quote(rep.Digest))
	}
	name := fmt.Sprintf("%s-%s-v%d.%s", rep.Reference, rep.Authority, rep.Version, format)
	if rep.Draft {
		name = fmt.Sprintf("%s-%s-draft.%s", rep.Reference, rep.Authority, format)
	}
	disposition := "inline"
	if format == "pdf" {
		disposition = "attachment"
	}
	h.Set("Content-Disposition", fmt.Sprintf("%s; filename=%q", disposition, name))
	w.WriteHeader(http.StatusOK)
	w.Write(body) // the status is sent; a failed write means the client left
}

// handleReportDownload answers GET /incidents/{id}/reports/{authority}
// in the console: a draft of the authority's notification, from the facts
// recorded now, or with ?version=N the version filed, in PDF or Markdown
// (?format=md). A draft is not stored as a version; breachdesk report
// makes the versions filed.
func (s *Server) handleReportDownload(w http.ResponseWriter, r *http.Request, p *consolePage) {
	v, ok := s.consoleIncident(w, r, p)
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "pdf"
	}
	if format != "pdf" && format != "md" {
		s.renderConsoleError(w, r, p, http.StatusNotFound, consoleNotFound)
		return
	}
	opt := report.Options{Authority: r.PathValue("authority"), Draft: true}
	if version := r.URL.Query().Get("version"); version != "" {
		n, err := strconv.Atoi(version)
		if err != nil || n < 1 {
			s.renderConsoleError(w, r, p, http.StatusNotFound, consoleNotFound)
			return
		}
		opt.Draft, opt.Version = false, n
	}
	rep, err := s.ReportGenerator.Generate(r.Context(), v.Incident.ID, opt)
	switch {
	case breachdesk.ErrorCode(err) == breachdesk.ENotFound || breachdesk.ErrorCode(err) == breachdesk.EInvalid:
		s.renderConsoleError(w, r, p, http.StatusNotFound, consoleNotFound)
		return
	case err != nil:
		s.consoleFailed(w, r, p, "report draft", err)
		return
	}
	var buf bytes.Buffer
	if err := rep.Write(&buf, format); err != nil {
		s.consoleFailed(w, r, p, "report draft: write", err)
		return
	}
	writeReport(w, rep, format, buf.Bytes())
}
