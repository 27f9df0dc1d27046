package http_test

import (
	"context"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/mock"
	"github.com/breachdesk/breachdesk/report"
)

// generatorFunc is a report generator made of a func.
type generatorFunc func(ctx context.Context, incidentID int64, opt report.Options) (*report.Report, error)

func (f generatorFunc) Generate(ctx context.Context, incidentID int64, opt report.Options) (*report.Report, error) {
	return f(ctx, incidentID, opt)
}

// storedVersion is a small stored CNIL report.
func storedVersion() *breachdesk.RegulatorReport {
	v := &breachdesk.RegulatorReport{ID: 4, IncidentID: 1, Authority: "CNIL", Phase: "initial", Version: 2, Language: "fr",
		Content:   []byte(`{"authority":"CNIL","language":"fr","title":"Notification d'une violation","addressee":"CNIL","sections":[{"key":"measures","title":"1. Mesures","items":[{"key":"measures.taken","label":"Mesures prises","value":"Mot de passe changé.","text":"Mot de passe changé."}]}],"pending":[]}`),
		Actor:     "token:ticketing",
		CreatedAt: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	v.Normalize()
	return v
}

func TestReportRoutes(t *testing.T) {
	b := setup(t)
	var got report.Options
	b.server.ReportGenerator = generatorFunc(func(ctx context.Context, id int64, opt report.Options) (*report.Report, error) {
		got = opt
		if id != 1 {
			return nil, breachdesk.Errorf(breachdesk.ENotFound, "Incident %d does not exist.", id)
		}
		if _, err := report.FindAuthority(opt.Authority); err != nil {
			return nil, err
		}
		return report.New(storedVersion(), nil)
	})
	b.server.RegulatorReportService = &mock.RegulatorReportService{
		FindRegulatorReportsFunc: func(ctx context.Context, filter breachdesk.RegulatorReportFilter) ([]*breachdesk.RegulatorReport, int, error) {
			if filter.IncidentID != 1 {
				return nil, 0, breachdesk.Errorf(breachdesk.ENotFound, "Incident %d does not exist.", filter.IncidentID)
			}
			if filter.Authority != nil && *filter.Authority != "CNIL" {
				return nil, 0, nil
			}
			return []*breachdesk.RegulatorReport{storedVersion()}, 1, nil
		},
	}
	for _, tt := range []scenario{
		{name: "OKList", method: "GET", url: "/api/v1/incidents/1/reports", status: 200,
			contains: []string{`"authority": "CNIL"`, `"version": 2`, `"total": 1`}, notContains: []string{`"content"`}},
		{name: "OKListNone", method: "GET", url: "/api/v1/incidents/1/reports?authority=ico", status: 200, contains: []string{`"reports": []`}},
		{name: "ErrListAuthority", method: "GET", url: "/api/v1/incidents/1/reports?authority=XYZ", status: 400, contains: []string{"not an authority"}},
		{name: "ErrListIncident", method: "GET", url: "/api/v1/incidents/7/reports", status: 404},
		{name: "OKJSON", method: "GET", url: "/api/v1/incidents/1/reports/CNIL", status: 200,
			contains: []string{`"authority": "CNIL"`, `"reference": "INC-1"`, `"digest": "` + storedVersion().Digest + `"`}},
		{name: "OKMarkdown", method: "GET", url: "/api/v1/incidents/1/reports/cnil?format=md", status: 200, contentType: "text/markdown",
			contains: []string{"# Notification d'une violation", "**Mesures prises\u00a0:** Mot de passe changé."}},
		{name: "OKPDF", method: "GET", url: "/api/v1/incidents/1/reports/CNIL?format=pdf", status: 200, contentType: "application/pdf", contains: []string{"%PDF-"}},
		{name: "ErrFormat", method: "GET", url: "/api/v1/incidents/1/reports/CNIL?format=docx", status: 400, contains: []string{`"field": "format"`}},
		{name: "ErrDraft", method: "GET", url: "/api/v1/incidents/1/reports/CNIL?draft=perhaps", status: 400, contains: []string{`"field": "draft"`}},
		{name: "ErrVersion", method: "GET", url: "/api/v1/incidents/1/reports/CNIL?version=-1", status: 400, contains: []string{`"field": "version"`}},
		{name: "ErrAuthority", method: "GET", url: "/api/v1/incidents/1/reports/NOPE", status: 400, contains: []string{"CNIL, ICO"}},
		{name: "ErrIncident", method: "GET", url: "/api/v1/incidents/2/reports/CNIL", status: 404},
		{name: "ErrNoToken", method: "GET", url: "/api/v1/incidents/1/reports/CNIL", token: "-", status: 401},
	} {
		t.Run(tt.name, func(t *testing.T) { b.run(t, tt) })
	}

	b.run(t, scenario{name: "Options", method: "GET", url: "/api/v1/incidents/1/reports/CNIL?phase=final&case_ref=ABC-1&draft=true&version=2", status: 200})
	if want := (report.Options{Authority: "CNIL", Phase: "final", CaseReference: "ABC-1", Draft: true, Version: 2}); got != want {
		t.Errorf("the generator got %+v, want %+v", got, want)
	}
}
