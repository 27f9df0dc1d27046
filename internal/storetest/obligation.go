package storetest

import (
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// cmpIgnoreEventID compares events but for the ID the store gives them.
var cmpIgnoreEventID = cmpopts.IgnoreFields(breachdesk.IncidentEvent{}, "ID")

// testObligationStatus covers obligations marked done, waived or pending,
// and the 72-hour clock that marking GDPR Art. 33 done stops.
func testObligationStatus(t *testing.T, open OpenFunc) {
	ctx := Context()
	aware := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	// setup opens a store with an incident whose 72-hour clock runs.
	setup := func(t *testing.T) (*Clock, Store, *breachdesk.Incident) {
		clock := &Clock{T: aware.Add(24 * time.Hour)}
		s := open(t, clock.Now)
		inc := &breachdesk.Incident{Title: "Customer database copied", AwareAt: &aware}
		if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		return clock, s, inc
	}
	mark := func(t *testing.T, s Store, st *breachdesk.ObligationStatus) {
		t.Helper()
		if err := s.Assessments.SetObligationStatus(ctx, st); err != nil {
			t.Fatalf("SetObligationStatus(%s %s) = %v", st.ObligationID, st.Status, err)
		}
	}
	notified := func(t *testing.T, s Store, incidentID int64) []*breachdesk.IncidentEvent {
		t.Helper()
		kind := breachdesk.EventAuthorityNotified
		events, _, err := s.Events.FindIncidentEvents(ctx, breachdesk.IncidentEventFilter{IncidentID: incidentID, Kind: &kind})
		if err != nil {
			t.Fatal(err)
		}
		return events
	}
	at := func(d time.Duration) *time.Time { t := aware.Add(d); return &t }

	t.Run("OKArt33DoneStopsTheClock", func(t *testing.T) {
		clock, s, inc := setup(t)
		mark(t, s, &breachdesk.ObligationStatus{IncidentID: inc.ID, ObligationID: "eu-gdpr-33/FR", Status: breachdesk.ObligationDone,
			At: at(20 * time.Hour), Note: "CNIL notification 2026-000123"})
		want := []*breachdesk.IncidentEvent{{IncidentID: inc.ID, Kind: breachdesk.EventAuthorityNotified, At: *at(20 * time.Hour),
			Note: "Obligation eu-gdpr-33/FR marked done.", Actor: Actor.String(), RecordedAt: clock.T}}
		if diff := cmp.Diff(want, notified(t, s, inc.ID), cmpIgnoreEventID); diff != "" {
			t.Fatalf("authority_notified events mismatch (-want +got):\n%s", diff)
		}
		got, err := s.Incidents.FindIncidentByID(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.AuthorityNotifiedAt == nil || !got.AuthorityNotifiedAt.Equal(*at(20 * time.Hour)) {
			t.Fatalf("AuthorityNotifiedAt = %v, want %v", got.AuthorityNotifiedAt, at(20*time.Hour))
		}
		if c := got.NotificationClock(clock.T); c.NotifiedAt == nil || c.Late {
			t.Errorf("the clock after Art. 33 done: %+v, want stopped in time", c)
		}
		// Marked done again, or the UK's Art. 33 too: the clock stopped
		// once, at the first.
		clock.T = clock.T.Add(time.Hour)
		mark(t, s, &breachdesk.ObligationStatus{IncidentID: inc.ID, ObligationID: "eu-gdpr-33/FR", Status: breachdesk.ObligationDone, At: at(22 * time.Hour)})
		mark(t, s, &breachdesk.ObligationStatus{IncidentID: inc.ID, ObligationID: "gb-ukgdpr-33", Status: breachdesk.ObligationDone, At: at(23 * time.Hour)})
		if got := notified(t, s, inc.ID); len(got) != 1 {
			t.Fatalf("%d authority_notified events, want the first only", len(got))
		}
		entries, _, err := s.Audit.FindAuditEntries(ctx, breachdesk.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			if e.Action == breachdesk.AuditObligationStatus || e.Action == breachdesk.AuditEventCreate {
				actions = append(actions, e.Action)
			}
		}
		if diff := cmp.Diff([]string{breachdesk.AuditObligationStatus, breachdesk.AuditEventCreate, breachdesk.AuditObligationStatus, breachdesk.AuditObligationStatus}, actions); diff != "" {
			t.Errorf("audit actions mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("OKUKArt33DoneStopsTheClock", func(t *testing.T) {
		_, s, inc := setup(t)
		mark(t, s, &breachdesk.ObligationStatus{IncidentID: inc.ID, ObligationID: "gb-ukgdpr-33", Status: breachdesk.ObligationDone, At: at(30 * time.Hour)})
		if got := notified(t, s, inc.ID); len(got) != 1 || !got[0].At.Equal(*at(30 * time.Hour)) {
			t.Fatalf("authority_notified events = %+v, want one at %v", got, at(30*time.Hour))
		}
	})

	t.Run("OKOthersLeaveTheClock", func(t *testing.T) {
		_, s, inc := setup(t)
		for _, st := range []*breachdesk.ObligationStatus{
			{ObligationID: "eu-gdpr-34", Status: breachdesk.ObligationDone, At: at(time.Hour)},
			{ObligationID: "eu-gdpr-33-5", Status: breachdesk.ObligationDone, At: at(time.Hour)},
			{ObligationID: "us-ca-1798.82/US-CA", Status: breachdesk.ObligationDone, At: at(time.Hour)},
			{ObligationID: "eu-gdpr-33/FR", Status: breachdesk.ObligationWaived, Note: "No risk: the data was encrypted."},
			{ObligationID: "eu-gdpr-33/FR", Status: breachdesk.ObligationPending},
		} {
			st.IncidentID = inc.ID
			mark(t, s, st)
		}
		if got := notified(t, s, inc.ID); len(got) != 0 {
			t.Fatalf("authority_notified events = %+v, want none", got)
		}
	})

	t.Run("OKAlreadyNotifiedKeepsItsTime", func(t *testing.T) {
		_, s, inc := setup(t)
		if err := s.Events.CreateIncidentEvent(ctx, &breachdesk.IncidentEvent{IncidentID: inc.ID, Kind: breachdesk.EventAuthorityNotified,
			At: *at(10 * time.Hour), Note: "CNIL by phone"}); err != nil {
			t.Fatal(err)
		}
		mark(t, s, &breachdesk.ObligationStatus{IncidentID: inc.ID, ObligationID: "eu-gdpr-33/FR", Status: breachdesk.ObligationDone, At: at(12 * time.Hour)})
		if got := notified(t, s, inc.ID); len(got) != 1 || got[0].Note != "CNIL by phone" {
			t.Fatalf("authority_notified events = %+v, want the one recorded before", got)
		}
	})

	t.Run("ErrUnknownIncident", func(t *testing.T) {
		_, s, inc := setup(t)
		err := s.Assessments.SetObligationStatus(ctx, &breachdesk.ObligationStatus{IncidentID: inc.ID + 1, ObligationID: "eu-gdpr-33/FR",
			Status: breachdesk.ObligationDone, At: at(time.Hour)})
		if code := breachdesk.ErrorCode(err); code != breachdesk.ENotFound {
			t.Fatalf("SetObligationStatus(unknown incident) code = %q (%v), want %q", code, err, breachdesk.ENotFound)
		}
		if got := notified(t, s, inc.ID); len(got) != 0 {
			t.Fatalf("authority_notified events of the other incident = %+v, want none", got)
		}
	})
}
