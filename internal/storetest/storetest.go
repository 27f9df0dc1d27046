// Package storetest is the conformance suite every breachdesk store must
// pass. The sqlite and postgres packages run it against a real database, so
// that both backends keep one contract.
package storetest

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Store is the set of services a backend provides, and a way around them
// for tamper tests.
type Store struct {
	Organizations breachdesk.OrganizationService
	Incidents     breachdesk.IncidentService
	Events        breachdesk.IncidentEventService
	Audit         breachdesk.AuditService
	Tokens        breachdesk.APITokenService
	People        breachdesk.AffectedPersonService
	DataKeys      breachdesk.DataKeyService

	RegulatorReports breachdesk.RegulatorReportService
	Campaigns        breachdesk.CampaignService
	Verifications    breachdesk.VerificationService
	IncidentPages    breachdesk.IncidentPageService
	Inquiries        breachdesk.InquiryService
	Staff            breachdesk.StaffService
	TalkingPoints    breachdesk.TalkingPointsService
	Assessments      breachdesk.AssessmentService
	InquiryReplies   breachdesk.InquiryReplyService

	// Exec runs query, which takes no arguments, directly on the database,
	// past the services and without an actor, and returns its error: the
	// way to check that triggers guard the append-only tables.
	Exec func(t *testing.T, query string) error

	// TamperAuditEntry changes the actor of audit entry id directly in the
	// database, getting past the append-only trigger as an attacker with
	// database access would.
	TamperAuditEntry func(t *testing.T, id int64)
}

// Actor is the actor the suite's writes carry.
var Actor = breachdesk.Actor{Kind: breachdesk.ActorCLI, Name: "storetest"}

// Context returns a context carrying Actor.
func Context() context.Context {
	return breachdesk.NewContextWithActor(context.Background(), Actor)
}

// OpenFunc opens a new, empty store whose clock is now, and arranges for it
// to be closed when the test ends.
type OpenFunc func(t *testing.T, now func() time.Time) Store

// Clock is a settable clock for tests.
type Clock struct{ T time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.T }

// Exercise runs the whole suite against the stores open returns.
func Exercise(t *testing.T, open OpenFunc) {
	t.Run("Organization", func(t *testing.T) { t.Parallel(); testOrganization(t, open) })
	t.Run("CreateIncident", func(t *testing.T) { t.Parallel(); testCreateIncident(t, open) })
	t.Run("FindIncidents", func(t *testing.T) { t.Parallel(); testFindIncidents(t, open) })
	t.Run("UpdateIncident", func(t *testing.T) { t.Parallel(); testUpdateIncident(t, open) })
	t.Run("Timeline", func(t *testing.T) { t.Parallel(); testTimeline(t, open) })
	t.Run("Audit", func(t *testing.T) { t.Parallel(); testAudit(t, open) })
	t.Run("APITokens", func(t *testing.T) { t.Parallel(); testAPITokens(t, open) })
	t.Run("WriteNeedsActor", func(t *testing.T) { t.Parallel(); testWriteNeedsActor(t, open) })
	t.Run("AffectedPeople", func(t *testing.T) { t.Parallel(); testAffectedPeople(t, open) })
	t.Run("DataKeys", func(t *testing.T) { t.Parallel(); testDataKeys(t, open) })
	t.Run("RegulatorReports", func(t *testing.T) { t.Parallel(); testRegulatorReports(t, open) })
	t.Run("Campaigns", func(t *testing.T) { t.Parallel(); testCampaigns(t, open) })
	t.Run("CampaignDeliveries", func(t *testing.T) { t.Parallel(); testCampaignDeliveries(t, open) })
	t.Run("Public", func(t *testing.T) { t.Parallel(); testPublic(t, open) })
	t.Run("Staff", func(t *testing.T) { t.Parallel(); testStaff(t, open) })
	t.Run("TalkingPoints", func(t *testing.T) { t.Parallel(); testTalkingPoints(t, open) })
	t.Run("UpdateInquiry", func(t *testing.T) { t.Parallel(); testUpdateInquiry(t, open) })
	t.Run("ObligationStatus", func(t *testing.T) { t.Parallel(); testObligationStatus(t, open) })
	t.Run("InquiryReplies", func(t *testing.T) { t.Parallel(); testInquiryReplies(t, open) })
	t.Run("InquiryBacklog", func(t *testing.T) { t.Parallel(); testInquiryBacklog(t, open) })
}

// equate ignores the difference between a nil and an empty list, which no
// user can see.
var equate = cmpopts.EquateEmpty()

func testOrganization(t *testing.T, open OpenFunc) {
	ctx := Context()
	t.Run("ErrNotFoundBeforeSet", func(t *testing.T) {
		s := open(t, time.Now)
		_, err := s.Organizations.FindOrganization(ctx)
		if code := breachdesk.ErrorCode(err); code != breachdesk.ENotFound {
			t.Fatalf("FindOrganization() code = %q (%v), want %q", code, err, breachdesk.ENotFound)
		}
	})
	t.Run("SetAndReplace", func(t *testing.T) {
		clock := &Clock{T: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		s := open(t, clock.Now)
		org := &breachdesk.Organization{Name: "Marketplace SAS", Country: "fr", DPOName: "Dana Prot",
			DPOEmail: "dpo@marketplace.example", DPOPhone: "+33 1 23 45 67 89"}
		if err := s.Organizations.SetOrganization(ctx, org); err != nil {
			t.Fatal(err)
		}
		want := breachdesk.Organization{Name: "Marketplace SAS", Country: "FR", DPOName: "Dana Prot",
			DPOEmail: "dpo@marketplace.example", DPOPhone: "+33 1 23 45 67 89", Language: "en",
			CreatedAt: clock.T, UpdatedAt: clock.T}
		got, err := s.Organizations.FindOrganization(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, *got); diff != "" {
			t.Fatalf("FindOrganization() mismatch (-want +got):\n%s", diff)
		}

		created := clock.T
		clock.T = clock.T.Add(time.Hour)
		if err := s.Organizations.SetOrganization(ctx, &breachdesk.Organization{Name: "Marketplace SA", Country: "BE", Language: "fr"}); err != nil {
			t.Fatal(err)
		}
		got, err = s.Organizations.FindOrganization(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want = breachdesk.Organization{Name: "Marketplace SA", Country: "BE", Language: "fr", CreatedAt: created, UpdatedAt: clock.T}
		if diff := cmp.Diff(want, *got); diff != "" {
			t.Fatalf("FindOrganization() after replace mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("ErrInvalidKeepsPrevious", func(t *testing.T) {
		s := open(t, time.Now)
		if err := s.Organizations.SetOrganization(ctx, &breachdesk.Organization{Name: "Shop", Country: "GB"}); err != nil {
			t.Fatal(err)
		}
		err := s.Organizations.SetOrganization(ctx, &breachdesk.Organization{Name: "Shop", Country: "XX"})
		if code, field := breachdesk.ErrorCode(err), breachdesk.ErrorField(err); code != breachdesk.EInvalid || field != "country" {
			t.Fatalf("SetOrganization(country XX) = %q on %q, want invalid on country", code, field)
		}
		got, err := s.Organizations.FindOrganization(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Country != "GB" {
			t.Fatalf("country after rejected update = %q, want GB", got.Country)
		}
	})
}

// FullIncident returns an incident with every field set, for round trips.
func FullIncident() *breachdesk.Incident {
	at := func(s string) *time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return &t
	}
	yes, no := true, false
	subjects, records := int64(24_000_000), int64(31_500_000)
	return &breachdesk.Incident{
		Title:                    "Customer database stolen",
		Summary:                  "An intruder copied the customer table.",
		Status:                   breachdesk.IncidentAssessed,
		Nature:                   []string{"confidentiality"},
		Cause:                    breachdesk.CauseMaliciousAttack,
		Malicious:                &yes,
		OccurredFrom:             at("2026-10-01T02:00:00Z"),
		OccurredTo:               at("2026-10-03T04:30:00.123456Z"),
		DetectedAt:               at("2026-10-05T08:15:00+02:00"),
		AwareAt:                  at("2026-10-05T17:00:00Z"),
		DeterminedAt:             at("2026-10-06T10:00:00Z"),
		ContainedAt:              at("2026-10-04T00:00:00Z"),
		DataCategories:           []string{"name", "email", "phone", "payment_card_last4", "password_hash_weak"},
		SubjectCategories:        []string{"customers"},
		ApproxSubjects:           &subjects,
		ApproxRecords:            &records,
		Recipients:               breachdesk.RecipientsUnknown,
		Encryption:               breachdesk.EncryptionNone,
		BackupAvailable:          &yes,
		DataRecovered:            &no,
		MeasuresTaken:            "Access revoked; passwords reset.",
		MeasuresPlanned:          "Move to a stronger password hash.",
		LikelyConsequences:       "Phishing and credential stuffing.",
		CrossBorder:              &yes,
		Discovery:                "A researcher reported the database for sale on a forum.",
		DelayReasons:             "The extent took four days to establish from the logs.",
		IndividualsCommunication: "E-mail to every customer on 2026-10-09, with advice on phishing.",
		LawEnforcement:           &no,
	}
}

func testCreateIncident(t *testing.T, open OpenFunc) {
	ctx := Context()
	t.Run("OKFullIncidentSetsEveryField", func(t *testing.T) {
		// A field FullIncident leaves unset is a field a backend could
		// forget to store without any round trip noticing.
		v := reflect.ValueOf(FullIncident()).Elem()
		for _, f := range reflect.VisibleFields(v.Type()) {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != "id" && !slices.Contains(breachdesk.IncidentReadOnlyFields(), name) && v.FieldByIndex(f.Index).IsZero() {
				t.Errorf("FullIncident() leaves %s unset", name)
			}
		}
	})
	t.Run("OK", func(t *testing.T) {
		clock := &Clock{T: time.Date(2026, 10, 5, 18, 0, 0, 0, time.UTC)}
		s := open(t, clock.Now)
		inc := FullIncident()
		if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		if inc.ID == 0 {
			t.Fatal("CreateIncident() left ID 0")
		}
		if !inc.CreatedAt.Equal(clock.T) || !inc.UpdatedAt.Equal(clock.T) {
			t.Fatalf("timestamps = %v, %v; want %v", inc.CreatedAt, inc.UpdatedAt, clock.T)
		}
		got, err := s.Incidents.FindIncidentByID(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := FullIncident()
		want.ID, want.CreatedAt, want.UpdatedAt = inc.ID, clock.T, clock.T
		want.Normalize()
		if diff := cmp.Diff(want, got, equate); diff != "" {
			t.Fatalf("FindIncidentByID() mismatch (-want +got):\n%s", diff)
		}
		if got.DetectedAt.Location() != time.UTC {
			t.Errorf("DetectedAt location = %v, want UTC", got.DetectedAt.Location())
		}
	})
	t.Run("MinimalGetsStatusOpen", func(t *testing.T) {
		s := open(t, time.Now)
		inc := &breachdesk.Incident{Title: "Laptop lost"}
		if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		got, err := s.Incidents.FindIncidentByID(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != breachdesk.IncidentOpen || got.AwareAt != nil || got.Malicious != nil || got.ApproxSubjects != nil {
			t.Fatalf("minimal incident = %+v, want open with unknown facts left nil", got)
		}
	})
	for _, tt := range []struct {
		name, field string
		edit        func(*breachdesk.Incident)
	}{
		{"ErrTitleRequired", "title", func(inc *breachdesk.Incident) { inc.Title = "  " }},
		{"ErrUnknownCategory", "data_categories", func(inc *breachdesk.Incident) { inc.DataCategories = []string{"email", "shoe_size"} }},
		{"ErrUnknownStatus", "status", func(inc *breachdesk.Incident) { inc.Status = "done" }},
		{"ErrEndBeforeStart", "occurred_to", func(inc *breachdesk.Incident) {
			*inc.OccurredTo = inc.OccurredFrom.Add(-time.Hour)
		}},
		{"ErrNegativeCount", "approx_subjects", func(inc *breachdesk.Incident) { n := int64(-1); inc.ApproxSubjects = &n }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, time.Now)
			inc := FullIncident()
			tt.edit(inc)
			err := s.Incidents.CreateIncident(ctx, inc)
			if code, field := breachdesk.ErrorCode(err), breachdesk.ErrorField(err); code != breachdesk.EInvalid || field != tt.field {
				t.Fatalf("CreateIncident() = %q on %q (%v), want invalid on %q", code, field, err, tt.field)
			}
			if _, n, err := s.Incidents.FindIncidents(ctx, breachdesk.IncidentFilter{}); err != nil || n != 0 {
				t.Fatalf("FindIncidents() after rejected create = %d, %v; want 0 stored", n, err)
			}
		})
	}
}

func testFindIncidents(t *testing.T, open OpenFunc) {
	ctx := Context()
	s := open(t, time.Now)
	for i, status := range []breachdesk.IncidentStatus{"open", "closed", "open", "notifying", "open"} {
		inc := &breachdesk.Incident{Title: "Incident " + string(rune('A'+i)), Status: status}
		if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
	}
	titles := func(incidents []*breachdesk.Incident) []string {
		var out []string
		for _, inc := range incidents {
			out = append(out, inc.Title)
		}
		return out
	}
	open_ := breachdesk.IncidentOpen
	for _, tt := range []struct {
		name   string
		filter breachdesk.IncidentFilter
		want   []string
		total  int
	}{
		{"All", breachdesk.IncidentFilter{}, []string{"Incident E", "Incident D", "Incident C", "Incident B", "Incident A"}, 5},
		{"ByStatus", breachdesk.IncidentFilter{Status: &open_}, []string{"Incident E", "Incident C", "Incident A"}, 3},
		{"Page", breachdesk.IncidentFilter{Limit: 2, Offset: 1}, []string{"Incident D", "Incident C"}, 5},
		{"PagePastEnd", breachdesk.IncidentFilter{Limit: 2, Offset: 10}, nil, 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := s.Incidents.FindIncidents(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, titles(got)); diff != "" || n != tt.total {
				t.Fatalf("FindIncidents() total = %d, want %d; titles (-want +got):\n%s", n, tt.total, diff)
			}
		})
	}
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.Incidents.FindIncidentByID(ctx, 999_999)
		if code := breachdesk.ErrorCode(err); code != breachdesk.ENotFound {
			t.Fatalf("FindIncidentByID(999999) code = %q, want not_found", code)
		}
	})
}

func testUpdateIncident(t *testing.T, open OpenFunc) {
	ctx := Context()
	t.Run("OK", func(t *testing.T) {
		clock := &Clock{T: time.Date(2026, 10, 5, 18, 0, 0, 0, time.UTC)}
		s := open(t, clock.Now)
		inc := &breachdesk.Incident{Title: "Exposure", DataCategories: []string{"name"}}
		if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		created := clock.T
		clock.T = clock.T.Add(2 * time.Hour)
		aware := time.Date(2026, 10, 5, 19, 30, 0, 0, time.FixedZone("CEST", 2*3600))
		categories := []string{"name", "email"}
		status := breachdesk.IncidentAssessed
		got, err := s.Incidents.UpdateIncident(ctx, inc.ID, breachdesk.IncidentUpdate{
			AwareAt: &aware, DataCategories: &categories, Status: &status,
		})
		if err != nil {
			t.Fatal(err)
		}
		found, err := s.Incidents.FindIncidentByID(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, found, equate); diff != "" {
			t.Fatalf("UpdateIncident() result differs from stored (-returned +stored):\n%s", diff)
		}
		if found.Title != "Exposure" || found.Status != status || !found.AwareAt.Equal(aware) ||
			!cmp.Equal(found.DataCategories, categories) || !found.CreatedAt.Equal(created) || !found.UpdatedAt.Equal(clock.T) {
			t.Fatalf("updated incident = %+v", found)
		}
	})
	t.Run("OKEveryField", func(t *testing.T) {
		clock := &Clock{T: time.Date(2026, 10, 5, 18, 0, 0, 0, time.UTC)}
		s := open(t, clock.Now)
		inc := &breachdesk.Incident{Title: "Exposure"}
		if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		// The update names every field, through the json names they share.
		var upd breachdesk.IncidentUpdate
		data, _ := json.Marshal(FullIncident())
		if err := json.Unmarshal(data, &upd); err != nil {
			t.Fatal(err)
		}
		got, err := s.Incidents.UpdateIncident(ctx, inc.ID, upd)
		if err != nil {
			t.Fatal(err)
		}
		found, err := s.Incidents.FindIncidentByID(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := FullIncident()
		want.ID, want.CreatedAt, want.UpdatedAt = inc.ID, clock.T, clock.T
		want.Normalize()
		for _, i := range []*breachdesk.Incident{got, found} {
			if diff := cmp.Diff(want, i, equate); diff != "" {
				t.Fatalf("UpdateIncident(every field) mismatch (-want +got):\n%s", diff)
			}
		}
	})
	t.Run("ErrInvalidWritesNothing", func(t *testing.T) {
		s := open(t, time.Now)
		inc := FullIncident()
		if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		before, err := s.Incidents.FindIncidentByID(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		title, cause := "New title", "gremlins"
		_, err = s.Incidents.UpdateIncident(ctx, inc.ID, breachdesk.IncidentUpdate{Title: &title, Cause: &cause})
		if code, field := breachdesk.ErrorCode(err), breachdesk.ErrorField(err); code != breachdesk.EInvalid || field != "cause" {
			t.Fatalf("UpdateIncident(cause gremlins) = %q on %q, want invalid on cause", code, field)
		}
		after, err := s.Incidents.FindIncidentByID(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, after, equate); diff != "" {
			t.Fatalf("rejected update changed the incident (-before +after):\n%s", diff)
		}
	})
	t.Run("ClearToUnknown", func(t *testing.T) {
		s := open(t, time.Now)
		inc := FullIncident()
		if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		got, err := s.Incidents.UpdateIncident(ctx, inc.ID, breachdesk.IncidentUpdate{Clear: []string{"contained_at", "malicious", "data_categories", "measures_planned", "law_enforcement", "delay_reasons"}})
		if err != nil {
			t.Fatal(err)
		}
		found, _ := s.Incidents.FindIncidentByID(ctx, inc.ID)
		for _, i := range []*breachdesk.Incident{got, found} {
			if i.ContainedAt != nil || i.Malicious != nil || len(i.DataCategories) != 0 || i.MeasuresPlanned != "" ||
				i.LawEnforcement != nil || i.DelayReasons != "" || i.AwareAt == nil || i.Discovery == "" {
				t.Fatalf("after clearing: %+v", i)
			}
		}
		for _, field := range []string{"title", "status", "id", "shoe_size"} {
			_, err := s.Incidents.UpdateIncident(ctx, inc.ID, breachdesk.IncidentUpdate{Clear: []string{field}})
			if breachdesk.ErrorCode(err) != breachdesk.EInvalid || breachdesk.ErrorField(err) != field {
				t.Errorf("clearing %s = %v, want invalid on %s", field, err, field)
			}
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s := open(t, time.Now)
		title := "x"
		_, err := s.Incidents.UpdateIncident(ctx, 42, breachdesk.IncidentUpdate{Title: &title})
		if code := breachdesk.ErrorCode(err); code != breachdesk.ENotFound {
			t.Fatalf("UpdateIncident(42) code = %q, want not_found", code)
		}
	})
}
