package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/google/go-cmp/cmp"
)

func testRegulatorReports(t *testing.T, open OpenFunc) {
	ctx := Context()
	clock := &Clock{T: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	s := open(t, clock.Now)
	inc := &breachdesk.Incident{Title: "Customer database stolen"}
	if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	create := func(authority, phase, caseReference, content string) *breachdesk.RegulatorReport {
		t.Helper()
		r := &breachdesk.RegulatorReport{IncidentID: inc.ID, Authority: authority, Phase: phase, Language: "fr",
			CaseReference: caseReference, Content: []byte(content)}
		if err := s.RegulatorReports.CreateRegulatorReport(ctx, r); err != nil {
			t.Fatalf("CreateRegulatorReport(%s %s %s) = %v", authority, phase, content, err)
		}
		return r
	}
	count := func() int {
		t.Helper()
		_, n, err := s.RegulatorReports.FindRegulatorReports(ctx, breachdesk.RegulatorReportFilter{IncidentID: inc.ID})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	reportEvents := func() []*breachdesk.IncidentEvent {
		t.Helper()
		kind := breachdesk.EventReportGenerated
		events, _, err := s.Events.FindIncidentEvents(ctx, breachdesk.IncidentEventFilter{IncidentID: inc.ID, Kind: &kind})
		if err != nil {
			t.Fatal(err)
		}
		return events
	}

	// Odd spacing and key order: a store that re-encodes JSON changes the
	// bytes, and the digest no longer matches them.
	const content = `{"b": 1,  "a":[2], "é": "\u00e9"}`
	first := create("CNIL", breachdesk.ReportPhaseInitial, "", content)
	if first.ID == 0 || first.Version != 1 || first.Digest != breachdesk.ReportDigest([]byte(content)) ||
		first.Actor != Actor.String() || !first.CreatedAt.Equal(clock.T) {
		t.Fatalf("first version = %+v, want version 1 with the content's digest, actor %s, created at %v", first, Actor, clock.T)
	}

	t.Run("OKSameReportIsNoNewVersion", func(t *testing.T) {
		clock.T = clock.T.Add(time.Minute)
		again := create("CNIL", breachdesk.ReportPhaseInitial, "", content)
		if diff := cmp.Diff(first, again); diff != "" {
			t.Fatalf("the same report again = a new version (-first +again):\n%s", diff)
		}
		if n, events := count(), reportEvents(); n != 1 || len(events) != 1 {
			t.Fatalf("after the same report twice: %d versions, %d report_generated events; want 1 and 1", n, len(events))
		}
	})

	clock.T = clock.T.Add(time.Hour)
	second := create("CNIL", breachdesk.ReportPhaseFollowUp, "", `{"a": [2, 3]}`)
	third := create("CNIL", breachdesk.ReportPhaseFollowUp, "2026-000123", `{"a": [2, 3]}`)
	fourth := create("CNIL", breachdesk.ReportPhaseInitial, "", content)
	ico := create("ICO", breachdesk.ReportPhaseInitial, "", content)
	for _, tt := range []struct {
		name    string
		r       *breachdesk.RegulatorReport
		version int
	}{
		{"ChangedContent", second, 2},
		{"CaseReferenceGiven", third, 3},
		{"SameAsAnOlderVersion", fourth, 4},
		{"OtherAuthority", ico, 1},
	} {
		if tt.r.Version != tt.version || tt.r.ID == first.ID || !tt.r.CreatedAt.Equal(clock.T) {
			t.Errorf("%s: version %d (id %d, created %v), want a new version %d created at %v", tt.name, tt.r.Version, tt.r.ID, tt.r.CreatedAt, tt.version, clock.T)
		}
	}

	t.Run("OKFind", func(t *testing.T) {
		all, n, err := s.RegulatorReports.FindRegulatorReports(ctx, breachdesk.RegulatorReportFilter{IncidentID: inc.ID})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*breachdesk.RegulatorReport{first, second, third, fourth, ico}, all); diff != "" || n != 5 {
			t.Fatalf("FindRegulatorReports() total %d, want 5 by authority then version (-want +got):\n%s", n, diff)
		}
		if !bytes.Equal(all[0].Content, []byte(content)) || breachdesk.ReportDigest(all[0].Content) != all[0].Digest {
			t.Fatalf("stored content = %s, want the bytes given, %s, matching the digest", all[0].Content, content)
		}
	})

	versions := func(reports []*breachdesk.RegulatorReport) []string {
		var out []string
		for _, r := range reports {
			out = append(out, fmt.Sprintf("%s %d", r.Authority, r.Version))
		}
		return out
	}
	for _, tt := range []struct {
		name   string
		filter breachdesk.RegulatorReportFilter
		want   []string
		total  int
	}{
		{"ByAuthority", breachdesk.RegulatorReportFilter{Authority: new("ICO")}, []string{"ICO 1"}, 1},
		{"ByVersion", breachdesk.RegulatorReportFilter{Version: new(2)}, []string{"CNIL 2"}, 1},
		{"ByAuthorityAndVersion", breachdesk.RegulatorReportFilter{Authority: new("CNIL"), Version: new(2)}, []string{"CNIL 2"}, 1},
		{"UnknownAuthority", breachdesk.RegulatorReportFilter{Authority: new("AP")}, nil, 0},
		{"Page", breachdesk.RegulatorReportFilter{Limit: 2, Offset: 1}, []string{"CNIL 2", "CNIL 3"}, 5},
		{"PagePastEnd", breachdesk.RegulatorReportFilter{Limit: 2, Offset: 10}, nil, 5},
	} {
		t.Run("OKFilter"+tt.name, func(t *testing.T) {
			tt.filter.IncidentID = inc.ID
			got, n, err := s.RegulatorReports.FindRegulatorReports(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, versions(got)); diff != "" || n != tt.total {
				t.Fatalf("FindRegulatorReports() total = %d, want %d; versions (-want +got):\n%s", n, tt.total, diff)
			}
		})
	}

	t.Run("OKTimeline", func(t *testing.T) {
		events := reportEvents()
		if len(events) != 5 {
			t.Fatalf("%d report_generated events, want one per version: 5", len(events))
		}
		e := events[0]
		if !strings.Contains(e.Note, first.Digest) || !strings.Contains(e.Note, "CNIL") || !e.At.Equal(first.CreatedAt) || e.Actor != Actor.String() {
			t.Fatalf("first report_generated event = %+v, want the CNIL version's digest in the note, at %v by %s", e, first.CreatedAt, Actor)
		}
		if e.Note != first.EventNote() {
			t.Errorf("event note = %q, want %q", e.Note, first.EventNote())
		}
	})

	t.Run("OKAudit", func(t *testing.T) {
		action, n := breachdesk.AuditReportGenerate, 0
		entries, _, err := s.Audit.FindAuditEntries(ctx, breachdesk.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Action == action {
				n++
				if e.Entity != "incident" || e.EntityID != fmt.Sprint(inc.ID) || e.After == "" {
					t.Errorf("audit entry = %+v, want entity incident %d with an after digest", e, inc.ID)
				}
			}
		}
		if n != 5 {
			t.Fatalf("%d %s audit entries, want one per version: 5", n, action)
		}
		v, err := s.Audit.VerifyAuditLog(ctx)
		if err != nil || !v.OK() {
			t.Fatalf("VerifyAuditLog() = %+v, %v; want intact", v, err)
		}
	})

	for _, tt := range []struct {
		name, field string
		edit        func(*breachdesk.RegulatorReport)
	}{
		{"ErrPhase", "phase", func(r *breachdesk.RegulatorReport) { r.Phase = "draft" }},
		{"ErrAuthorityLowercase", "authority", func(r *breachdesk.RegulatorReport) { r.Authority = "cnil" }},
		{"ErrContentNotJSON", "content", func(r *breachdesk.RegulatorReport) { r.Content = []byte(`{"a": `) }},
		{"ErrContentNotUTF8", "content", func(r *breachdesk.RegulatorReport) { r.Content = []byte("\"\xff\"") }},
		{"ErrLanguage", "language", func(r *breachdesk.RegulatorReport) { r.Language = "french" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &breachdesk.RegulatorReport{IncidentID: inc.ID, Authority: "CNIL", Phase: breachdesk.ReportPhaseFinal,
				Language: "fr", Content: []byte(`{"final": true}`)}
			tt.edit(r)
			err := s.RegulatorReports.CreateRegulatorReport(ctx, r)
			if code, field := breachdesk.ErrorCode(err), breachdesk.ErrorField(err); code != breachdesk.EInvalid || field != tt.field {
				t.Fatalf("CreateRegulatorReport() = %q on %q (%v), want invalid on %q", code, field, err, tt.field)
			}
			if n := count(); n != 5 {
				t.Fatalf("%d versions after a rejected report, want 5", n)
			}
		})
	}

	t.Run("ErrNotFound", func(t *testing.T) {
		r := &breachdesk.RegulatorReport{IncidentID: 404, Authority: "CNIL", Phase: breachdesk.ReportPhaseInitial,
			Language: "fr", Content: []byte(`{}`)}
		if code := breachdesk.ErrorCode(s.RegulatorReports.CreateRegulatorReport(ctx, r)); code != breachdesk.ENotFound {
			t.Fatalf("CreateRegulatorReport(incident 404) code = %q, want not_found", code)
		}
		_, _, err := s.RegulatorReports.FindRegulatorReports(ctx, breachdesk.RegulatorReportFilter{IncidentID: 404})
		if code := breachdesk.ErrorCode(err); code != breachdesk.ENotFound {
			t.Fatalf("FindRegulatorReports(incident 404) code = %q, want not_found", code)
		}
	})

	t.Run("ErrAppendOnly", func(t *testing.T) {
		for _, q := range []string{
			`UPDATE regulator_reports SET content = '{}', digest = 'forged'`,
			`DELETE FROM regulator_reports`,
		} {
			if err := s.Exec(t, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s = %v, want the append-only trigger to refuse it", q, err)
			}
		}
		got, n, err := s.RegulatorReports.FindRegulatorReports(ctx, breachdesk.RegulatorReportFilter{IncidentID: inc.ID})
		if err != nil || n != 5 || got[0].Digest != first.Digest {
			t.Fatalf("after refused changes: %d versions, first digest %q, %v; want 5 unchanged", n, got[0].Digest, err)
		}
	})

	t.Run("OKConcurrentVersions", func(t *testing.T) {
		// Writers that generate one incident's report at the same time, as
		// several API requests or processes would, each get a version of
		// their own.
		s := open(t, time.Now)
		inc := &breachdesk.Incident{Title: "Exposure"}
		if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		const writers = 8
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Go(func() {
				r := &breachdesk.RegulatorReport{IncidentID: inc.ID, Authority: "CNIL", Phase: breachdesk.ReportPhaseInitial,
					Language: "fr", Content: fmt.Appendf(nil, `{"writer": %d}`, i)}
				errs[i] = s.RegulatorReports.CreateRegulatorReport(ctx, r)
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
		}
		reports, n, err := s.RegulatorReports.FindRegulatorReports(ctx, breachdesk.RegulatorReportFilter{IncidentID: inc.ID})
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, r := range reports {
			got = append(got, r.Version)
		}
		if want := []int{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(got, want) || n != writers {
			t.Fatalf("versions after %d concurrent writers = %v (total %d), want %v", writers, got, n, want)
		}
		if v, err := s.Audit.VerifyAuditLog(ctx); err != nil || !v.OK() {
			t.Fatalf("VerifyAuditLog() = %+v, %v; want intact", v, err)
		}
	})
}
