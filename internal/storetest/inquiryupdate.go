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

// testUpdateInquiry covers the staff queue: who handles an inquiry and
// where it stands.
func testUpdateInquiry(t *testing.T, open OpenFunc) {
	ctx := Context()
	created := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	// setup opens a store with two open inquiries, the first of which the
	// tests update and the second of which must stay as it is.
	setup := func(t *testing.T) (*Clock, Store, *breachdesk.SealedInquiry, *breachdesk.SealedInquiry) {
		clock := &Clock{T: created}
		s := open(t, clock.Now)
		q, other := sealedInquiry("q", breachdesk.InquiryClaim, nil, "a"), sealedInquiry("other", breachdesk.InquiryQuestion, nil, "b")
		if err := s.Inquiries.CreateInquiries(ctx, []*breachdesk.SealedInquiry{q, other}); err != nil {
			t.Fatal(err)
		}
		clock.T = clock.T.Add(time.Hour)
		return clock, s, q, other
	}
	find := func(t *testing.T, s Store, reference string) *breachdesk.SealedInquiry {
		t.Helper()
		got, err := s.Inquiries.FindInquiryByReference(ctx, reference)
		if err != nil {
			t.Fatalf("FindInquiryByReference(%s) = %v", reference, err)
		}
		return got
	}
	// update updates the inquiry and checks that it returns the inquiry as
	// it is then found.
	update := func(t *testing.T, s Store, reference string, upd breachdesk.InquiryUpdate) *breachdesk.SealedInquiry {
		t.Helper()
		got, err := s.Inquiries.UpdateInquiry(ctx, reference, upd)
		if err != nil {
			t.Fatalf("UpdateInquiry(%s) = %v", reference, err)
		}
		if diff := cmp.Diff(find(t, s, reference), got); diff != "" {
			t.Fatalf("UpdateInquiry(%s) mismatch (-found +returned):\n%s", reference, diff)
		}
		return got
	}
	// audit returns the inquiry.update entries of the whole log.
	audit := func(t *testing.T, s Store) []*breachdesk.AuditEntry {
		t.Helper()
		entries, _, err := s.Audit.FindAuditEntries(ctx, breachdesk.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var updates []*breachdesk.AuditEntry
		for _, e := range entries {
			if e.Action == breachdesk.AuditInquiryUpdate {
				updates = append(updates, e)
			}
		}
		return updates
	}
	status := func(s breachdesk.InquiryStatus) *breachdesk.InquiryStatus { return &s }
	assignee := func(s string) *string { return &s }
	// want returns q as stored, at status, assigned to assignedTo and
	// updated at.
	want := func(q *breachdesk.SealedInquiry, status breachdesk.InquiryStatus, assignedTo string, at time.Time) *breachdesk.SealedInquiry {
		w := *q
		w.Status, w.AssignedTo, w.UpdatedAt = status, assignedTo, at
		return &w
	}

	t.Run("OKAssign", func(t *testing.T) {
		clock, s, q, other := setup(t)
		stored, otherStored := find(t, s, q.Reference), find(t, s, other.Reference)
		got := update(t, s, q.Reference, breachdesk.InquiryUpdate{
			Status: status(breachdesk.InquiryAssigned), AssignedTo: assignee("  dana@example.com\n")})
		if diff := cmp.Diff(want(stored, breachdesk.InquiryAssigned, "dana@example.com", clock.T), got); diff != "" {
			t.Fatalf("UpdateInquiry(assign) mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(otherStored, find(t, s, other.Reference)); diff != "" {
			t.Fatalf("FindInquiryByReference(other inquiry) after update mismatch (-before +after):\n%s", diff)
		}
	})

	t.Run("OKClose", func(t *testing.T) {
		clock, s, q, _ := setup(t)
		update(t, s, q.Reference, breachdesk.InquiryUpdate{Status: status(breachdesk.InquiryAssigned), AssignedTo: assignee("dana@example.com")})
		assigned := find(t, s, q.Reference)
		clock.T = clock.T.Add(time.Hour)
		got := update(t, s, q.Reference, breachdesk.InquiryUpdate{Status: status(breachdesk.InquiryClosed)})
		if diff := cmp.Diff(want(assigned, breachdesk.InquiryClosed, "dana@example.com", clock.T), got); diff != "" {
			t.Fatalf("UpdateInquiry(close) mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("OKReopen", func(t *testing.T) {
		clock, s, q, _ := setup(t)
		update(t, s, q.Reference, breachdesk.InquiryUpdate{Status: status(breachdesk.InquiryClosed)})
		closed := find(t, s, q.Reference)
		clock.T = clock.T.Add(time.Hour)
		got := update(t, s, q.Reference, breachdesk.InquiryUpdate{Status: status(breachdesk.InquiryOpen)})
		if diff := cmp.Diff(want(closed, breachdesk.InquiryOpen, "", clock.T), got); diff != "" {
			t.Fatalf("UpdateInquiry(reopen) mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("OKUnassign", func(t *testing.T) {
		// "" leaves the inquiry to anyone; its status stays as it is.
		clock, s, q, _ := setup(t)
		update(t, s, q.Reference, breachdesk.InquiryUpdate{Status: status(breachdesk.InquiryAssigned), AssignedTo: assignee("dana@example.com")})
		assigned := find(t, s, q.Reference)
		clock.T = clock.T.Add(time.Hour)
		got := update(t, s, q.Reference, breachdesk.InquiryUpdate{AssignedTo: assignee(" ")})
		if diff := cmp.Diff(want(assigned, breachdesk.InquiryAssigned, "", clock.T), got); diff != "" {
			t.Fatalf("UpdateInquiry(unassign) mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("OKLongestAssignee", func(t *testing.T) {
		// The limit is in bytes, counted after trimming: 127 two-byte
		// characters fit, with the spaces around them.
		_, s, q, _ := setup(t)
		long := strings.Repeat("é", 127)
		if got := update(t, s, q.Reference, breachdesk.InquiryUpdate{AssignedTo: assignee(" " + long + " ")}); got.AssignedTo != long {
			t.Fatalf("UpdateInquiry() assigned_to = %d bytes, want %d", len(got.AssignedTo), len(long))
		}
	})

	t.Run("OKNoChange", func(t *testing.T) {
		// An update that changes nothing succeeds and writes nothing: the
		// inquiry keeps its updated_at and the log gets no entry.
		clock, s, q, _ := setup(t)
		update(t, s, q.Reference, breachdesk.InquiryUpdate{Status: status(breachdesk.InquiryAssigned), AssignedTo: assignee("dana@example.com")})
		stored := find(t, s, q.Reference)
		clock.T = clock.T.Add(time.Hour)
		for _, upd := range []breachdesk.InquiryUpdate{
			{},
			{Status: status(breachdesk.InquiryAssigned)},
			{AssignedTo: assignee(" dana@example.com ")},
			{Status: status(breachdesk.InquiryAssigned), AssignedTo: assignee("dana@example.com")},
		} {
			got := update(t, s, q.Reference, upd)
			if diff := cmp.Diff(stored, got); diff != "" {
				t.Fatalf("UpdateInquiry(%+v) changed the inquiry (-before +after):\n%s", upd, diff)
			}
		}
		if n := len(audit(t, s)); n != 1 {
			t.Fatalf("%s entries = %d, want 1: none for an update that changes nothing", breachdesk.AuditInquiryUpdate, n)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, s, _, _ := setup(t)
		_, err := s.Inquiries.UpdateInquiry(ctx, "Q-0000-0000", breachdesk.InquiryUpdate{Status: status(breachdesk.InquiryClosed)})
		if code := breachdesk.ErrorCode(err); code != breachdesk.ENotFound {
			t.Fatalf("UpdateInquiry(unknown reference) code = %q (%v), want not_found", code, err)
		}
		if msg := breachdesk.ErrorMessage(err); !strings.Contains(msg, "Q-0000-0000") {
			t.Errorf("UpdateInquiry(unknown reference) message = %q, want it to name the reference", msg)
		}
	})

	// rejected checks that a rejected update changed nothing.
	rejected := func(t *testing.T, s Store, before *breachdesk.SealedInquiry) {
		t.Helper()
		if diff := cmp.Diff(before, find(t, s, before.Reference)); diff != "" {
			t.Fatalf("FindInquiryByReference() after rejected update mismatch (-before +after):\n%s", diff)
		}
		if n := len(audit(t, s)); n != 0 {
			t.Fatalf("%s entries after rejected update = %d, want 0", breachdesk.AuditInquiryUpdate, n)
		}
	}

	for _, tt := range []struct {
		name, field string
		upd         breachdesk.InquiryUpdate
	}{
		{"ErrUnknownStatus", "status", breachdesk.InquiryUpdate{Status: status("pending"), AssignedTo: assignee("dana@example.com")}},
		{"ErrEmptyStatus", "status", breachdesk.InquiryUpdate{Status: status("")}},
		{"ErrAssigneeTooLong", "assigned_to", breachdesk.InquiryUpdate{Status: status(breachdesk.InquiryClosed), AssignedTo: assignee(strings.Repeat("é", 127) + "a")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, s, q, _ := setup(t)
			before := find(t, s, q.Reference)
			_, err := s.Inquiries.UpdateInquiry(ctx, q.Reference, tt.upd)
			if code, field := breachdesk.ErrorCode(err), breachdesk.ErrorField(err); code != breachdesk.EInvalid || field != tt.field {
				t.Fatalf("UpdateInquiry(%+v) = %q on %q (%v), want invalid on %q", tt.upd, code, field, err, tt.field)
			}
			rejected(t, s, before)
		})
	}

	t.Run("ErrNoActor", func(t *testing.T) {
		_, s, q, _ := setup(t)
		before := find(t, s, q.Reference)
		if _, err := s.Inquiries.UpdateInquiry(context.Background(), q.Reference, breachdesk.InquiryUpdate{Status: status(breachdesk.InquiryClosed)}); err == nil {
			t.Fatal("UpdateInquiry() without an actor succeeded: a change would go unattributed")
		}
		rejected(t, s, before)
	})

	t.Run("OKAudit", func(t *testing.T) {
		// One entry per update that changes something, by the actor, on
		// the inquiry, with the digests of the row before and after.
		clock, s, q, _ := setup(t)
		versions := []*breachdesk.SealedInquiry{find(t, s, q.Reference)}
		for _, upd := range []breachdesk.InquiryUpdate{
			{Status: status(breachdesk.InquiryAssigned), AssignedTo: assignee("dana@example.com")},
			{Status: status(breachdesk.InquiryAssigned)}, // no change
			{Status: status("pending")},                  // rejected
			{AssignedTo: assignee("lee@example.com")},
			{Status: status(breachdesk.InquiryClosed), AssignedTo: assignee("")},
			{}, // no change
		} {
			clock.T = clock.T.Add(time.Minute)
			got, err := s.Inquiries.UpdateInquiry(ctx, q.Reference, upd)
			if err != nil {
				continue
			}
			if last := versions[len(versions)-1]; !got.UpdatedAt.Equal(last.UpdatedAt) {
				versions = append(versions, got)
			}
		}
		if len(versions) != 4 {
			t.Fatalf("inquiry versions = %d, want 4: as created and after each of three changes", len(versions))
		}

		entries := audit(t, s)
		if len(entries) != len(versions)-1 {
			t.Fatalf("%s entries = %d, want %d: one per change", breachdesk.AuditInquiryUpdate, len(entries), len(versions)-1)
		}
		for i, e := range entries {
			before, after := versions[i], versions[i+1]
			if e.Entity != "inquiry" || e.EntityID != fmt.Sprint(q.ID) || e.Actor != Actor.String() || !e.At.Equal(after.UpdatedAt) {
				t.Errorf("audit entry %d = %+v, want on inquiry %d by %s at %v", i, e, q.ID, Actor.String(), after.UpdatedAt)
			}
			if want, got := [2]string{breachdesk.Digest(before), breachdesk.Digest(after)}, [2]string{e.Before, e.After}; got != want {
				t.Errorf("audit entry %d digests = %q, want %q", i, got, want)
			}
		}
		if v, err := s.Audit.VerifyAuditLog(ctx); err != nil || !v.OK() {
			t.Fatalf("VerifyAuditLog() = %+v, %v; want the chain intact", v, err)
		}
	})

	t.Run("OKFindByStatus", func(t *testing.T) {
		_, s, q, other := setup(t)
		update(t, s, q.Reference, breachdesk.InquiryUpdate{Status: status(breachdesk.InquiryAnswered)})
		for _, tt := range []struct {
			status breachdesk.InquiryStatus
			want   []string
		}{
			{breachdesk.InquiryAnswered, []string{q.Reference}},
			{breachdesk.InquiryOpen, []string{other.Reference}},
			{breachdesk.InquiryClosed, nil},
		} {
			got, n, err := s.Inquiries.FindInquiries(ctx, breachdesk.InquiryFilter{Status: &tt.status})
			if err != nil {
				t.Fatal(err)
			}
			var refs []string
			for _, g := range got {
				refs = append(refs, g.Reference)
			}
			if diff := cmp.Diff(tt.want, refs, equate); diff != "" || n != len(tt.want) {
				t.Errorf("FindInquiries(status %s) total = %d, want %d; references (-want +got):\n%s", tt.status, n, len(tt.want), diff)
			}
		}
	})

	t.Run("OKConcurrent", func(t *testing.T) {
		// Each entry's before is the row the update replaced, however
		// many update at once.
		_, s, q, _ := setup(t)
		first := find(t, s, q.Reference)
		const n = 8
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				_, err := s.Inquiries.UpdateInquiry(ctx, q.Reference, breachdesk.InquiryUpdate{AssignedTo: assignee(fmt.Sprintf("staff%d@example.com", i))})
				errs <- err
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
			t.Fatalf("%s entries = %d, want %d", breachdesk.AuditInquiryUpdate, len(entries), n)
		}
		prev := breachdesk.Digest(first)
		for i, e := range entries {
			if e.Before != prev {
				t.Errorf("audit entry %d before = %q, want the previous entry's after %q", i, e.Before, prev)
			}
			prev = e.After
		}
		if got := find(t, s, q.Reference); breachdesk.Digest(got) != prev {
			t.Fatalf("FindInquiryByReference() = %+v, want the version of the last audit entry", got)
		}
	})
}
