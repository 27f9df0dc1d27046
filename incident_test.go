package breachdesk_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
)

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestIncidentValidate(t *testing.T) {
	valid := func() *breachdesk.Incident {
		return &breachdesk.Incident{Title: "Exposure", Status: breachdesk.IncidentOpen}
	}
	long := make([]byte, 201)
	for i := range long {
		long[i] = 'a'
	}
	for _, tt := range []struct {
		name  string
		edit  func(*breachdesk.Incident)
		field string // "" when valid
	}{
		{"OK", func(*breachdesk.Incident) {}, ""},
		{"OKEveryCategory", func(inc *breachdesk.Incident) { inc.DataCategories = breachdesk.DataCategories() }, ""},
		{"OKEqualTimes", func(inc *breachdesk.Incident) {
			inc.OccurredFrom, inc.OccurredTo = at("2026-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z")
		}, ""},
		{"ErrTitleBlank", func(inc *breachdesk.Incident) { inc.Title = " \t" }, "title"},
		{"ErrTitleLong", func(inc *breachdesk.Incident) { inc.Title = string(long) }, "title"},
		{"ErrStatusEmpty", func(inc *breachdesk.Incident) { inc.Status = "" }, "status"},
		{"ErrNature", func(inc *breachdesk.Incident) { inc.Nature = []string{"privacy"} }, "nature"},
		{"ErrNatureTwice", func(inc *breachdesk.Incident) { inc.Nature = []string{"integrity", "integrity"} }, "nature"},
		{"ErrCause", func(inc *breachdesk.Incident) { inc.Cause = "hackers" }, "cause"},
		{"ErrOccurredOrder", func(inc *breachdesk.Incident) {
			inc.OccurredFrom, inc.OccurredTo = at("2026-01-02T00:00:00Z"), at("2026-01-01T00:00:00Z")
		}, "occurred_to"},
		{"ErrCategory", func(inc *breachdesk.Incident) { inc.DataCategories = []string{"Email"} }, "data_categories"},
		{"ErrSubjectCategory", func(inc *breachdesk.Incident) { inc.SubjectCategories = []string{"Customers "} }, "subject_categories"},
		{"ErrRecords", func(inc *breachdesk.Incident) { n := int64(-5); inc.ApproxRecords = &n }, "approx_records"},
		{"ErrRecipients", func(inc *breachdesk.Incident) { inc.Recipients = "everyone" }, "recipients"},
		{"ErrEncryption", func(inc *breachdesk.Incident) { inc.Encryption = "aes" }, "encryption"},
		{"ErrLongText", func(inc *breachdesk.Incident) { inc.MeasuresTaken = string(make([]byte, 20001)) }, "measures_taken"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inc := valid()
			tt.edit(inc)
			err := inc.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if code, field := breachdesk.ErrorCode(err), breachdesk.ErrorField(err); code != breachdesk.EInvalid || field != tt.field {
				t.Fatalf("Validate() = %q on %q (%v), want invalid on %q", code, field, err, tt.field)
			}
		})
	}
}

func TestIncidentWarnings(t *testing.T) {
	inc := &breachdesk.Incident{
		OccurredFrom: at("2026-11-10T00:00:00Z"),
		DetectedAt:   at("2026-11-12T00:00:00Z"),
		AwareAt:      at("2026-11-11T00:00:00Z"),
		ContainedAt:  at("2026-11-09T00:00:00Z"),
	}
	got := inc.Warnings()
	if len(got) != 2 {
		t.Fatalf("Warnings() = %q, want 2 (aware before detected, contained before occurred)", got)
	}
	inc.AwareAt, inc.ContainedAt = at("2026-11-12T06:00:00Z"), at("2026-11-13T00:00:00Z")
	if got := inc.Warnings(); len(got) != 0 {
		t.Fatalf("Warnings() in order = %q, want none", got)
	}
}

func TestIncidentNormalize(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	detected := time.Date(2026, 11, 20, 10, 0, 0, 123456789, paris)
	inc := &breachdesk.Incident{Title: "x", DetectedAt: &detected}
	inc.Normalize()
	if inc.Status != breachdesk.IncidentOpen {
		t.Errorf("Status = %q, want open", inc.Status)
	}
	want := time.Date(2026, 11, 20, 9, 0, 0, 123456000, time.UTC)
	if !inc.DetectedAt.Equal(want) || inc.DetectedAt.Location() != time.UTC {
		t.Errorf("DetectedAt = %v, want %v", inc.DetectedAt, want)
	}
	if detected.Nanosecond() != 123456789 {
		t.Errorf("Normalize changed the caller's time value")
	}
}

func TestIncidentUpdateApply(t *testing.T) {
	inc := &breachdesk.Incident{Title: "Old", Summary: "keep", DataCategories: []string{"name"}}
	title, aware := "New", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	categories := []string{"name", "email"}
	upd := breachdesk.IncidentUpdate{Title: &title, AwareAt: &aware, DataCategories: &categories}
	upd.Apply(inc)
	if inc.Title != "New" || inc.Summary != "keep" || !slices.Equal(inc.DataCategories, categories) || !inc.AwareAt.Equal(aware) {
		t.Fatalf("Apply() = %+v", inc)
	}
	aware = aware.Add(time.Hour)
	if inc.AwareAt.Equal(aware) {
		t.Fatal("Apply() aliased the update's time: a later change to the update changed the incident")
	}
}

func TestNotificationClock(t *testing.T) {
	inc := &breachdesk.Incident{}
	now := *at("2026-11-21T12:30:00Z")
	if c := inc.NotificationClock(now); c != nil {
		t.Fatalf("NotificationClock() without aware_at = %+v, want nil", c)
	}
	inc.AwareAt = at("2026-11-20T10:00:00Z")
	for _, tt := range []struct {
		name     string
		now      string
		notified *time.Time
		left     int64
		late     bool
		text     string
	}{
		{"Running", "2026-11-21T12:30:00Z", nil, (45*3600 + 30*60), false, "45h30m left to notify the authority"},
		{"Overdue", "2026-11-23T11:15:00Z", nil, -(3600 + 15*60), true, "overdue by 1h15m"},
		{"NotifiedInTime", "2026-11-25T00:00:00Z", at("2026-11-22T09:00:00Z"), -(38 * 3600), false, "authority notified 47h00m after awareness, within 72 hours"},
		{"NotifiedLate", "2026-11-25T00:00:00Z", at("2026-11-23T16:00:00Z"), -(38 * 3600), true, "authority notified 78h00m after awareness, 6h00m late"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inc.AuthorityNotifiedAt = tt.notified
			c := inc.NotificationClock(*at(tt.now))
			if !c.Deadline.Equal(*at("2026-11-23T10:00:00Z")) {
				t.Errorf("Deadline = %v, want 72 hours after aware_at", c.Deadline)
			}
			if c.SecondsLeft != tt.left || c.Late != tt.late || !strings.HasPrefix(c.Text, tt.text) {
				t.Fatalf("NotificationClock() = %d s left, late %v, %q; want %d, %v, %q...", c.SecondsLeft, c.Late, c.Text, tt.left, tt.late, tt.text)
			}
		})
	}
}

func TestIncidentChanges(t *testing.T) {
	before := &breachdesk.Incident{ID: 3, Title: "Old", DataCategories: []string{"name"}, UpdatedAt: *at("2026-01-01T00:00:00Z")}
	after := *before
	after.Title = "New"
	after.AwareAt = at("2026-11-20T10:00:00Z")
	after.DataCategories = nil
	after.UpdatedAt = *at("2026-02-01T00:00:00Z")
	got := breachdesk.IncidentChanges(before, &after)
	var summary []string
	for _, e := range got {
		summary = append(summary, e.Field+":"+e.Before+"->"+e.After)
		if e.Kind != breachdesk.EventFieldChanged || e.IncidentID != 3 {
			t.Errorf("change event = %+v", e)
		}
	}
	want := []string{`aware_at:->"2026-11-20T10:00:00Z"`, `data_categories:["name"]->`, `title:"Old"->"New"`}
	if !slices.Equal(summary, want) {
		t.Fatalf("IncidentChanges() = %q, want %q", summary, want)
	}
}
