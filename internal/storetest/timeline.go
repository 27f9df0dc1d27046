package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/google/go-cmp/cmp"
)

func testTimeline(t *testing.T, open OpenFunc) {
	ctx := Context()
	clock := &Clock{T: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}
	s := open(t, clock.Now)
	inc := &breachdesk.Incident{Title: "Exposure", DataCategories: []string{"name"}}
	if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}

	clock.T = clock.T.Add(time.Hour)
	aware := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	cats := []string{"name", "email"}
	if _, err := s.Incidents.UpdateIncident(ctx, inc.ID, breachdesk.IncidentUpdate{AwareAt: &aware, DataCategories: &cats}); err != nil {
		t.Fatal(err)
	}
	same := "Exposure"
	if _, err := s.Incidents.UpdateIncident(ctx, inc.ID, breachdesk.IncidentUpdate{Title: &same}); err != nil {
		t.Fatal(err)
	}

	notified := time.Date(2026, 11, 21, 16, 30, 0, 0, time.UTC)
	for _, e := range []*breachdesk.IncidentEvent{
		{IncidentID: inc.ID, Kind: breachdesk.EventAuthorityNotified, At: notified, Note: "CNIL notification 2026-123"},
		{IncidentID: inc.ID, Kind: breachdesk.EventDecision, Note: "Individuals not notified yet: scope unknown"},
		{IncidentID: inc.ID, Kind: breachdesk.EventDetected, At: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)},
	} {
		if err := s.Events.CreateIncidentEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		if e.ID == 0 || e.Actor != Actor.String() || !e.RecordedAt.Equal(clock.T) {
			t.Fatalf("created event = %+v, want an id, actor %s and recorded_at %v", e, Actor, clock.T)
		}
	}

	events, n, err := s.Events.FindIncidentEvents(ctx, breachdesk.IncidentEventFilter{IncidentID: inc.ID})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, e.At.Format("02T15:04")+" "+e.Kind+" "+e.Field+e.Before+">"+e.After+e.Note)
	}
	want := []string{
		"20T08:00 detected >",
		`20T12:00 created >`,
		`20T13:00 field_changed aware_at>"2026-11-20T09:00:00Z"`,
		`20T13:00 field_changed data_categories["name"]>["name","email"]`,
		"20T13:00 decision >Individuals not notified yet: scope unknown",
		"21T16:30 authority_notified >CNIL notification 2026-123",
	}
	if diff := cmp.Diff(want, got); diff != "" || n != len(want) {
		t.Fatalf("FindIncidentEvents() total %d; timeline (-want +got):\n%s", n, diff)
	}

	found, err := s.Incidents.FindIncidentByID(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if found.AuthorityNotifiedAt == nil || !found.AuthorityNotifiedAt.Equal(notified) || found.IndividualsNotifiedAt != nil {
		t.Fatalf("incident notified times = %v, %v; want %v and nil", found.AuthorityNotifiedAt, found.IndividualsNotifiedAt, notified)
	}

	kind := breachdesk.EventDecision
	decisions, n, err := s.Events.FindIncidentEvents(ctx, breachdesk.IncidentEventFilter{IncidentID: inc.ID, Kind: &kind})
	if err != nil || n != 1 || len(decisions) != 1 {
		t.Fatalf("FindIncidentEvents(kind decision) = %d events, total %d, %v; want 1", len(decisions), n, err)
	}

	for _, tt := range []struct {
		name  string
		event breachdesk.IncidentEvent
		code  string
	}{
		{"ErrKindReserved", breachdesk.IncidentEvent{IncidentID: inc.ID, Kind: breachdesk.EventFieldChanged}, breachdesk.EInvalid},
		{"ErrKindUnknown", breachdesk.IncidentEvent{IncidentID: inc.ID, Kind: "lunch"}, breachdesk.EInvalid},
		{"ErrNoteRequired", breachdesk.IncidentEvent{IncidentID: inc.ID, Kind: breachdesk.EventNote, Note: " "}, breachdesk.EInvalid},
		{"ErrIncidentNotFound", breachdesk.IncidentEvent{IncidentID: 404, Kind: breachdesk.EventContained}, breachdesk.ENotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.event
			if code := breachdesk.ErrorCode(s.Events.CreateIncidentEvent(ctx, &e)); code != tt.code {
				t.Fatalf("CreateIncidentEvent() code = %q, want %q", code, tt.code)
			}
		})
	}
	if _, n, _ := s.Events.FindIncidentEvents(ctx, breachdesk.IncidentEventFilter{IncidentID: inc.ID}); n != len(want) {
		t.Fatalf("rejected events changed the timeline: %d events, want %d", n, len(want))
	}
	if _, _, err := s.Events.FindIncidentEvents(ctx, breachdesk.IncidentEventFilter{IncidentID: 404}); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
		t.Fatalf("FindIncidentEvents(404) = %v, want not_found", err)
	}
}

func testAudit(t *testing.T, open OpenFunc) {
	ctx := Context()
	s := open(t, time.Now)
	if err := s.Organizations.SetOrganization(ctx, &breachdesk.Organization{Name: "Shop", Country: "FR"}); err != nil {
		t.Fatal(err)
	}
	inc := FullIncident()
	if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	status := breachdesk.IncidentNotifying
	if _, err := s.Incidents.UpdateIncident(ctx, inc.ID, breachdesk.IncidentUpdate{Status: &status}); err != nil {
		t.Fatal(err)
	}
	if err := s.Events.CreateIncidentEvent(ctx, &breachdesk.IncidentEvent{IncidentID: inc.ID, Kind: breachdesk.EventContained}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Tokens.CreateAPIToken(ctx, "ticketing"); err != nil {
		t.Fatal(err)
	}
	// A rejected write leaves no entry.
	bad := "gremlins"
	s.Incidents.UpdateIncident(ctx, inc.ID, breachdesk.IncidentUpdate{Cause: &bad})

	entries, n, err := s.Audit.FindAuditEntries(ctx, breachdesk.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
		if e.Actor != Actor.String() || e.After == "" {
			t.Errorf("entry %d = %+v, want actor %s and an after digest", e.ID, e, Actor)
		}
	}
	wantActions := []string{breachdesk.AuditOrganizationSet, breachdesk.AuditIncidentCreate, breachdesk.AuditIncidentUpdate,
		breachdesk.AuditEventCreate, breachdesk.AuditTokenCreate}
	if diff := cmp.Diff(wantActions, actions); diff != "" || n != 5 {
		t.Fatalf("audit actions (-want +got):\n%s", diff)
	}
	if entries[1].Before != "" || entries[2].Before != entries[1].After {
		t.Errorf("update's before digest %q, want the create's after digest %q", entries[2].Before, entries[1].After)
	}
	entity, id := "incident", entries[1].EntityID
	if _, n, _ := s.Audit.FindAuditEntries(ctx, breachdesk.AuditFilter{Entity: &entity, EntityID: &id}); n != 3 {
		t.Errorf("audit entries for incident %s = %d, want 3", id, n)
	}

	v, err := s.Audit.VerifyAuditLog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() || v.Entries != 5 || v.Head != entries[4].Hash {
		t.Fatalf("VerifyAuditLog() = %+v, want 5 intact entries ending in %s", v, entries[4].Hash)
	}

	s.TamperAuditEntry(t, 3)
	v, err = s.Audit.VerifyAuditLog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.OK() || *v.FirstBroken != 3 || v.Entries != 2 || !strings.Contains(v.Problem, "entry 3") {
		t.Fatalf("VerifyAuditLog() after tampering with entry 3 = %+v, want entry 3 named as the first broken", v)
	}
}

func testAPITokens(t *testing.T, open OpenFunc) {
	ctx := Context()
	s := open(t, time.Now)
	token, secret, err := s.Tokens.CreateAPIToken(ctx, "ticketing")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, token.Prefix) || len(secret) < 40 || token.CreatedBy != Actor.String() {
		t.Fatalf("CreateAPIToken() = %+v, secret of %d characters", token, len(secret))
	}
	got, err := s.Tokens.AuthenticateAPIToken(ctx, secret)
	if err != nil || got.Name != "ticketing" {
		t.Fatalf("AuthenticateAPIToken() = %+v, %v", got, err)
	}
	if _, err := s.Tokens.AuthenticateAPIToken(ctx, secret+"x"); breachdesk.ErrorCode(err) != breachdesk.EUnauthorized {
		t.Fatalf("AuthenticateAPIToken(wrong) = %v, want unauthorized", err)
	}
	if _, _, err := s.Tokens.CreateAPIToken(ctx, "ticketing"); breachdesk.ErrorCode(err) != breachdesk.EConflict {
		t.Fatalf("CreateAPIToken(same name) = %v, want conflict", err)
	}
	if _, _, err := s.Tokens.CreateAPIToken(ctx, "has space"); breachdesk.ErrorCode(err) != breachdesk.EInvalid {
		t.Fatalf("CreateAPIToken(has space) = %v, want invalid", err)
	}
	if err := s.Tokens.RevokeAPIToken(ctx, "ticketing"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tokens.AuthenticateAPIToken(ctx, secret); breachdesk.ErrorCode(err) != breachdesk.EUnauthorized {
		t.Fatalf("AuthenticateAPIToken(revoked) = %v, want unauthorized", err)
	}
	if err := s.Tokens.RevokeAPIToken(ctx, "ticketing"); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
		t.Fatalf("RevokeAPIToken(again) = %v, want not_found", err)
	}
	if _, _, err := s.Tokens.CreateAPIToken(ctx, "ticketing"); err != nil {
		t.Fatalf("CreateAPIToken(name of a revoked token) = %v, want it allowed", err)
	}
	tokens, err := s.Tokens.FindAPITokens(ctx)
	if err != nil || len(tokens) != 2 || tokens[0].RevokedAt != nil || tokens[1].RevokedAt == nil {
		t.Fatalf("FindAPITokens() = %+v, %v; want the new active token then the revoked one", tokens, err)
	}
}

func testWriteNeedsActor(t *testing.T, open OpenFunc) {
	s := open(t, time.Now)
	err := s.Incidents.CreateIncident(context.Background(), &breachdesk.Incident{Title: "Anonymous"})
	if err == nil {
		t.Fatal("CreateIncident() without an actor succeeded: a change would go unattributed")
	}
	if _, n, _ := s.Incidents.FindIncidents(context.Background(), breachdesk.IncidentFilter{}); n != 0 {
		t.Fatalf("%d incidents stored without an actor", n)
	}
}
