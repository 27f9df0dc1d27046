package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/google/go-cmp/cmp"
)

// testTalkingPoints covers the scripts customer service follows about
// incidents.
func testTalkingPoints(t *testing.T, open OpenFunc) {
	ctx := Context()
	// setup opens a store with an incident that has no talking points yet.
	setup := func(t *testing.T) (*Clock, Store, *breachdesk.Incident) {
		clock := &Clock{T: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
		s := open(t, clock.Now)
		inc := &breachdesk.Incident{Title: "Customer database stolen"}
		if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		return clock, s, inc
	}
	set := func(t *testing.T, s Store, incidentID int64, text string) *breachdesk.TalkingPoints {
		t.Helper()
		tp := &breachdesk.TalkingPoints{IncidentID: incidentID, Text: text}
		if err := s.TalkingPoints.SetTalkingPoints(ctx, tp); err != nil {
			t.Fatalf("SetTalkingPoints(incident %d) = %v", incidentID, err)
		}
		return tp
	}
	find := func(t *testing.T, s Store, incidentID int64) *breachdesk.TalkingPoints {
		t.Helper()
		got, err := s.TalkingPoints.FindTalkingPoints(ctx, incidentID)
		if err != nil {
			t.Fatalf("FindTalkingPoints(incident %d) = %v", incidentID, err)
		}
		return got
	}
	// audit returns the talking_points.set entries of the whole log.
	audit := func(t *testing.T, s Store) []*breachdesk.AuditEntry {
		t.Helper()
		entries, _, err := s.Audit.FindAuditEntries(ctx, breachdesk.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var set []*breachdesk.AuditEntry
		for _, e := range entries {
			if e.Action == breachdesk.AuditTalkingPointsSet {
				set = append(set, e)
			}
		}
		return set
	}

	t.Run("OK", func(t *testing.T) {
		clock, s, inc := setup(t)
		tp := set(t, s, inc.ID, "  Confirm the notice by its code.\r\nNever ask for a password.\r\n\r\n")
		want := &breachdesk.TalkingPoints{IncidentID: inc.ID, Text: "Confirm the notice by its code.\nNever ask for a password.",
			UpdatedAt: clock.T, UpdatedBy: Actor.String()}
		if diff := cmp.Diff(want, tp); diff != "" {
			t.Fatalf("SetTalkingPoints() mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, find(t, s, inc.ID)); diff != "" {
			t.Fatalf("FindTalkingPoints() mismatch (-want +got):\n%s", diff)
		}
		if got := find(t, s, inc.ID); got.UpdatedAt.Location() != time.UTC {
			t.Errorf("UpdatedAt location = %v, want UTC", got.UpdatedAt.Location())
		}
	})

	t.Run("OKReplace", func(t *testing.T) {
		clock, s, inc := setup(t)
		set(t, s, inc.ID, "First version.")
		clock.T = clock.T.Add(90 * time.Minute)
		set(t, s, inc.ID, "Second version.")
		want := &breachdesk.TalkingPoints{IncidentID: inc.ID, Text: "Second version.", UpdatedAt: clock.T, UpdatedBy: Actor.String()}
		if diff := cmp.Diff(want, find(t, s, inc.ID)); diff != "" {
			t.Fatalf("FindTalkingPoints() after replace mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("OKOneIncidentOnly", func(t *testing.T) {
		_, s, inc := setup(t)
		other := &breachdesk.Incident{Title: "Laptop lost"}
		if err := s.Incidents.CreateIncident(ctx, other); err != nil {
			t.Fatal(err)
		}
		set(t, s, inc.ID, "About the database.")
		set(t, s, other.ID, "About the laptop.")
		if got := find(t, s, inc.ID); got.Text != "About the database." {
			t.Fatalf("FindTalkingPoints(first incident) text = %q, want its own", got.Text)
		}
	})

	t.Run("OKEmptyClears", func(t *testing.T) {
		clock, s, inc := setup(t)
		set(t, s, inc.ID, "Tell callers to change their password.")
		clock.T = clock.T.Add(time.Hour)
		set(t, s, inc.ID, " \r\n\t ")
		want := &breachdesk.TalkingPoints{IncidentID: inc.ID, Text: "", UpdatedAt: clock.T, UpdatedBy: Actor.String()}
		if diff := cmp.Diff(want, find(t, s, inc.ID)); diff != "" {
			t.Fatalf("FindTalkingPoints() after clearing mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("OKLongest", func(t *testing.T) {
		// The limit is in bytes, counted after trimming: 10,000 two-byte
		// characters fit, with the blank lines around them.
		_, s, inc := setup(t)
		text := strings.Repeat("é", 10_000)
		set(t, s, inc.ID, "\r\n"+text+"\r\n")
		if got := find(t, s, inc.ID); got.Text != text {
			t.Fatalf("FindTalkingPoints() text = %d bytes, want %d", len(got.Text), len(text))
		}
	})

	t.Run("ErrTooLong", func(t *testing.T) {
		clock, s, inc := setup(t)
		previous := set(t, s, inc.ID, "Still in force.")
		clock.T = clock.T.Add(time.Hour)
		err := s.TalkingPoints.SetTalkingPoints(ctx, &breachdesk.TalkingPoints{IncidentID: inc.ID, Text: strings.Repeat("a", 20_001)})
		if code, field := breachdesk.ErrorCode(err), breachdesk.ErrorField(err); code != breachdesk.EInvalid || field != "text" {
			t.Fatalf("SetTalkingPoints(20001 bytes) = %q on %q (%v), want invalid on text", code, field, err)
		}
		if diff := cmp.Diff(previous, find(t, s, inc.ID)); diff != "" {
			t.Fatalf("FindTalkingPoints() after rejected set mismatch (-previous +found):\n%s", diff)
		}
	})

	t.Run("ErrIncidentNotFound", func(t *testing.T) {
		_, s, _ := setup(t)
		err := s.TalkingPoints.SetTalkingPoints(ctx, &breachdesk.TalkingPoints{IncidentID: 999_999, Text: "No such incident."})
		if code := breachdesk.ErrorCode(err); code != breachdesk.ENotFound {
			t.Fatalf("SetTalkingPoints(incident 999999) code = %q (%v), want not_found", code, err)
		}
		if _, err := s.TalkingPoints.FindTalkingPoints(ctx, 999_999); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
			t.Fatalf("FindTalkingPoints(incident 999999) after rejected set = %v, want not_found", err)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, s, inc := setup(t)
		for _, id := range []int64{inc.ID, 999_999} {
			if got, err := s.TalkingPoints.FindTalkingPoints(ctx, id); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
				t.Errorf("FindTalkingPoints(incident %d) = %+v, %v; want not_found", id, got, err)
			}
		}
	})

	t.Run("ErrNoActor", func(t *testing.T) {
		_, s, inc := setup(t)
		err := s.TalkingPoints.SetTalkingPoints(context.Background(), &breachdesk.TalkingPoints{IncidentID: inc.ID, Text: "Anonymous."})
		if err == nil {
			t.Fatal("SetTalkingPoints() without an actor succeeded: a change would go unattributed")
		}
		if _, err := s.TalkingPoints.FindTalkingPoints(ctx, inc.ID); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
			t.Fatalf("FindTalkingPoints() after a set without an actor = %v, want not_found", err)
		}
	})

	t.Run("OKAudit", func(t *testing.T) {
		clock, s, inc := setup(t)
		first := set(t, s, inc.ID, "First version.")
		firstCopy := *first
		clock.T = clock.T.Add(time.Minute)
		if err := s.TalkingPoints.SetTalkingPoints(ctx, &breachdesk.TalkingPoints{IncidentID: inc.ID, Text: strings.Repeat("a", 20_001)}); err == nil {
			t.Fatal("SetTalkingPoints(20001 bytes) succeeded")
		}
		if err := s.TalkingPoints.SetTalkingPoints(ctx, &breachdesk.TalkingPoints{IncidentID: 999_999, Text: "No such incident."}); err == nil {
			t.Fatal("SetTalkingPoints(incident 999999) succeeded")
		}
		clock.T = clock.T.Add(time.Minute)
		cleared := set(t, s, inc.ID, "")

		entries := audit(t, s)
		if len(entries) != 2 {
			t.Fatalf("%s entries = %d, want 2: one per successful set", breachdesk.AuditTalkingPointsSet, len(entries))
		}
		for i, tt := range []struct {
			at            time.Time
			before, after string
		}{
			{firstCopy.UpdatedAt, "", breachdesk.Digest(&firstCopy)},
			{cleared.UpdatedAt, breachdesk.Digest(&firstCopy), breachdesk.Digest(cleared)},
		} {
			e := entries[i]
			if e.Entity != "incident" || e.EntityID != fmt.Sprint(inc.ID) || e.Actor != Actor.String() || !e.At.Equal(tt.at) {
				t.Errorf("audit entry %d = %+v, want on incident %d by %s at %v", i, e, inc.ID, Actor.String(), tt.at)
			}
			if e.Before != tt.before || e.After != tt.after {
				t.Errorf("audit entry %d digests = %q, %q; want %q, %q", i, e.Before, e.After, tt.before, tt.after)
			}
		}
		if v, err := s.Audit.VerifyAuditLog(ctx); err != nil || !v.OK() {
			t.Fatalf("VerifyAuditLog() = %+v, %v; want the chain intact", v, err)
		}
	})

	t.Run("OKConcurrent", func(t *testing.T) {
		// Each entry's before is the version the set replaced, however
		// many write at once.
		_, s, inc := setup(t)
		const n = 8
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				errs <- s.TalkingPoints.SetTalkingPoints(ctx, &breachdesk.TalkingPoints{IncidentID: inc.ID, Text: fmt.Sprintf("Version %d.", i)})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		entries := audit(t, s)
		if len(entries) != n {
			t.Fatalf("%s entries = %d, want %d", breachdesk.AuditTalkingPointsSet, len(entries), n)
		}
		prev := ""
		for i, e := range entries {
			if e.Before != prev {
				t.Errorf("audit entry %d before = %q, want the previous entry's after %q", i, e.Before, prev)
			}
			prev = e.After
		}
		if got := find(t, s, inc.ID); breachdesk.Digest(got) != entries[n-1].After {
			t.Fatalf("FindTalkingPoints() = %+v, want the version of the last audit entry", got)
		}
	})
}
