package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/google/go-cmp/cmp"
)

// testInquiryReplies covers the staff's replies to inquiries: the inquiry
// they answer, the audit log, and the outbox the mailer reads.
func testInquiryReplies(t *testing.T, open OpenFunc) {
	ctx := Context()
	created := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	// setup opens a store with two open inquiries, the first of which the
	// tests answer and the second of which must stay as it is unless a
	// test answers it too.
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
	// newReply returns a reply, as sealed, labelled in its body.
	newReply := func(label, author string) *breachdesk.SealedInquiryReply {
		return &breachdesk.SealedInquiryReply{Template: "affected", Language: "fr",
			Body: []byte("sealed-reply-" + label), Author: author}
	}
	find := func(t *testing.T, s Store, reference string) *breachdesk.SealedInquiry {
		t.Helper()
		got, err := s.Inquiries.FindInquiryByReference(ctx, reference)
		if err != nil {
			t.Fatalf("FindInquiryByReference(%s) = %v", reference, err)
		}
		return got
	}
	// answer answers the inquiry and checks that it returns the inquiry
	// as it is then found.
	answer := func(t *testing.T, s Store, reference string, reply *breachdesk.SealedInquiryReply) *breachdesk.SealedInquiry {
		t.Helper()
		got, err := s.InquiryReplies.AnswerInquiry(ctx, reference, reply)
		if err != nil {
			t.Fatalf("AnswerInquiry(%s) = %v", reference, err)
		}
		if diff := cmp.Diff(find(t, s, reference), got); diff != "" {
			t.Fatalf("AnswerInquiry(%s) mismatch (-found +returned):\n%s", reference, diff)
		}
		return got
	}
	replies := func(t *testing.T, s Store, inquiryID int64) []*breachdesk.SealedInquiryReply {
		t.Helper()
		got, err := s.InquiryReplies.FindInquiryReplies(ctx, inquiryID)
		if err != nil {
			t.Fatalf("FindInquiryReplies(%d) = %v", inquiryID, err)
		}
		return got
	}
	pending := func(t *testing.T, s Store, limit int) []*breachdesk.SealedInquiryReply {
		t.Helper()
		got, err := s.InquiryReplies.FindPendingReplies(ctx, limit)
		if err != nil {
			t.Fatalf("FindPendingReplies(%d) = %v", limit, err)
		}
		return got
	}
	// bodies returns the labels of replies, from their sealed bodies.
	bodies := func(replies []*breachdesk.SealedInquiryReply) []string {
		var labels []string
		for _, r := range replies {
			labels = append(labels, strings.TrimPrefix(string(r.Body), "sealed-reply-"))
		}
		return labels
	}
	// audit returns the whole log.
	audit := func(t *testing.T, s Store) []*breachdesk.AuditEntry {
		t.Helper()
		entries, _, err := s.Audit.FindAuditEntries(ctx, breachdesk.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return entries
	}
	// actions returns the actions of entries, in order.
	actions := func(entries []*breachdesk.AuditEntry) []string {
		var out []string
		for _, e := range entries {
			out = append(out, e.Action)
		}
		return out
	}
	// want returns q as stored, at status, assigned to assignedTo and
	// updated at.
	want := func(q *breachdesk.SealedInquiry, status breachdesk.InquiryStatus, assignedTo string, at time.Time) *breachdesk.SealedInquiry {
		w := *q
		w.Status, w.AssignedTo, w.UpdatedAt = status, assignedTo, at
		return &w
	}
	status := func(s breachdesk.InquiryStatus) *breachdesk.InquiryStatus { return &s }
	assignee := func(s string) *string { return &s }

	t.Run("OK", func(t *testing.T) {
		clock, s, q, other := setup(t)
		stored, otherStored := find(t, s, q.Reference), find(t, s, other.Reference)
		reply := newReply("1", "dana@example.com")
		got := answer(t, s, q.Reference, reply)
		if diff := cmp.Diff(want(stored, breachdesk.InquiryAnswered, "dana@example.com", clock.T), got); diff != "" {
			t.Fatalf("AnswerInquiry() mismatch (-want +got):\n%s", diff)
		}
		if reply.ID == 0 {
			t.Fatal("AnswerInquiry() left the reply's ID 0")
		}
		wantReply := &breachdesk.SealedInquiryReply{ID: reply.ID, InquiryID: q.ID, Reference: q.Reference,
			Template: "affected", Language: "fr", Body: []byte("sealed-reply-1"), Author: "dana@example.com", CreatedAt: clock.T}
		if diff := cmp.Diff(wantReply, reply); diff != "" {
			t.Fatalf("AnswerInquiry() filled the reply in (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]*breachdesk.SealedInquiryReply{wantReply}, replies(t, s, q.ID)); diff != "" {
			t.Fatalf("FindInquiryReplies() mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(otherStored, find(t, s, other.Reference)); diff != "" {
			t.Fatalf("FindInquiryByReference(other inquiry) after answer mismatch (-before +after):\n%s", diff)
		}
		if got := replies(t, s, other.ID); len(got) != 0 {
			t.Fatalf("FindInquiryReplies(other inquiry) = %d replies, want none", len(got))
		}
	})

	t.Run("OKKeepsAssignee", func(t *testing.T) {
		// The reply's author takes an inquiry that was nobody's, not one
		// that someone else handles.
		clock, s, q, _ := setup(t)
		if _, err := s.Inquiries.UpdateInquiry(ctx, q.Reference, breachdesk.InquiryUpdate{
			Status: status(breachdesk.InquiryAssigned), AssignedTo: assignee("lee@example.com")}); err != nil {
			t.Fatal(err)
		}
		assigned := find(t, s, q.Reference)
		clock.T = clock.T.Add(time.Hour)
		got := answer(t, s, q.Reference, newReply("1", "dana@example.com"))
		if diff := cmp.Diff(want(assigned, breachdesk.InquiryAnswered, "lee@example.com", clock.T), got); diff != "" {
			t.Fatalf("AnswerInquiry(assigned to another) mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("OKReopensClosed", func(t *testing.T) {
		// Answering a closed inquiry reopens the conversation.
		clock, s, q, _ := setup(t)
		if _, err := s.Inquiries.UpdateInquiry(ctx, q.Reference, breachdesk.InquiryUpdate{Status: status(breachdesk.InquiryClosed)}); err != nil {
			t.Fatal(err)
		}
		closed := find(t, s, q.Reference)
		clock.T = clock.T.Add(time.Hour)
		got := answer(t, s, q.Reference, newReply("1", "dana@example.com"))
		if diff := cmp.Diff(want(closed, breachdesk.InquiryAnswered, "dana@example.com", clock.T), got); diff != "" {
			t.Fatalf("AnswerInquiry(closed) mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("OKAudit", func(t *testing.T) {
		// One entry for the reply, by the actor, with the digest of the
		// reply as stored, and one for the inquiry's change, with the
		// digests of the row before and after.
		clock, s, q, _ := setup(t)
		before := find(t, s, q.Reference)
		logged := len(audit(t, s))
		reply := newReply("1", "dana@example.com")
		after := answer(t, s, q.Reference, reply)
		entries := audit(t, s)[logged:]
		if diff := cmp.Diff([]string{breachdesk.AuditInquiryAnswer, breachdesk.AuditInquiryUpdate}, actions(entries)); diff != "" {
			t.Fatalf("audit entries of the answer (-want +got):\n%s", diff)
		}
		stored := replies(t, s, q.ID)
		if len(stored) != 1 {
			t.Fatalf("FindInquiryReplies() = %d replies, want 1", len(stored))
		}
		for _, tt := range []struct {
			entity, id    string
			before, after string
		}{
			{"inquiry_reply", fmt.Sprint(reply.ID), "", breachdesk.Digest(stored[0])},
			{"inquiry", fmt.Sprint(q.ID), breachdesk.Digest(before), breachdesk.Digest(after)},
		} {
			e := entries[0]
			entries = entries[1:]
			if e.Entity != tt.entity || e.EntityID != tt.id || e.Actor != Actor.String() || !e.At.Equal(clock.T) {
				t.Errorf("%s entry = %+v, want on %s %s by %s at %v", e.Action, e, tt.entity, tt.id, Actor.String(), clock.T)
			}
			if want, got := [2]string{tt.before, tt.after}, [2]string{e.Before, e.After}; got != want {
				t.Errorf("%s entry digests = %q, want %q", e.Action, got, want)
			}
		}
		if v, err := s.Audit.VerifyAuditLog(ctx); err != nil || !v.OK() {
			t.Fatalf("VerifyAuditLog() = %+v, %v; want the chain intact", v, err)
		}
	})

	t.Run("OKTwice", func(t *testing.T) {
		// The second answer adds a reply; the inquiry, answered already
		// and handled by the first author, stays as it was, so it keeps
		// its updated_at and gets no update entry.
		clock, s, q, _ := setup(t)
		logged := len(audit(t, s))
		first := newReply("1", "dana@example.com")
		answered := answer(t, s, q.Reference, first)
		clock.T = clock.T.Add(time.Hour)
		second := &breachdesk.SealedInquiryReply{Body: []byte("sealed-reply-2"), Author: "lee@example.com"}
		got := answer(t, s, q.Reference, second)
		if diff := cmp.Diff(answered, got); diff != "" {
			t.Fatalf("AnswerInquiry(again) changed the inquiry (-first answer +second):\n%s", diff)
		}
		if second.ID <= first.ID || !second.CreatedAt.Equal(clock.T) {
			t.Fatalf("second reply ID %d, created at %v; want after %d, at %v", second.ID, second.CreatedAt, first.ID, clock.T)
		}
		if diff := cmp.Diff([]*breachdesk.SealedInquiryReply{first, second}, replies(t, s, q.ID)); diff != "" {
			t.Fatalf("FindInquiryReplies() mismatch (-want +got):\n%s", diff)
		}
		wantActions := []string{breachdesk.AuditInquiryAnswer, breachdesk.AuditInquiryUpdate, breachdesk.AuditInquiryAnswer}
		if diff := cmp.Diff(wantActions, actions(audit(t, s)[logged:])); diff != "" {
			t.Fatalf("audit entries of two answers (-want +got):\n%s", diff)
		}
	})

	// rejected checks that a rejected answer wrote nothing: the inquiries
	// are as they were, and there is no reply and no audit entry.
	rejected := func(t *testing.T, s Store, inquiries []*breachdesk.SealedInquiry, logged int) {
		t.Helper()
		for _, before := range inquiries {
			if diff := cmp.Diff(before, find(t, s, before.Reference)); diff != "" {
				t.Fatalf("FindInquiryByReference() after rejected answer mismatch (-before +after):\n%s", diff)
			}
			if got := replies(t, s, before.ID); len(got) != 0 {
				t.Fatalf("FindInquiryReplies() after rejected answer = %d replies, want none", len(got))
			}
		}
		if got := pending(t, s, 0); len(got) != 0 {
			t.Fatalf("FindPendingReplies() after rejected answer = %d replies, want none", len(got))
		}
		if entries := audit(t, s); len(entries) != logged {
			t.Fatalf("audit entries after rejected answer = %v, want none added", actions(entries[logged:]))
		}
	}

	t.Run("ErrNotFound", func(t *testing.T) {
		_, s, q, other := setup(t)
		before := []*breachdesk.SealedInquiry{find(t, s, q.Reference), find(t, s, other.Reference)}
		logged := len(audit(t, s))
		_, err := s.InquiryReplies.AnswerInquiry(ctx, "Q-0000-0000", newReply("1", "dana@example.com"))
		if code := breachdesk.ErrorCode(err); code != breachdesk.ENotFound {
			t.Fatalf("AnswerInquiry(unknown reference) code = %q (%v), want not_found", code, err)
		}
		if msg := breachdesk.ErrorMessage(err); !strings.Contains(msg, "Q-0000-0000") {
			t.Errorf("AnswerInquiry(unknown reference) message = %q, want it to name the reference", msg)
		}
		rejected(t, s, before, logged)
	})

	for _, tt := range []struct {
		name, field string
		edit        func(r *breachdesk.SealedInquiryReply) *breachdesk.SealedInquiryReply
	}{
		{"ErrMissing", "", func(r *breachdesk.SealedInquiryReply) *breachdesk.SealedInquiryReply { return nil }},
		{"ErrBodyRequired", "body", func(r *breachdesk.SealedInquiryReply) *breachdesk.SealedInquiryReply { r.Body = nil; return r }},
		{"ErrAuthorRequired", "author", func(r *breachdesk.SealedInquiryReply) *breachdesk.SealedInquiryReply { r.Author = ""; return r }},
		{"ErrAuthorTooLong", "author", func(r *breachdesk.SealedInquiryReply) *breachdesk.SealedInquiryReply {
			r.Author = strings.Repeat("é", 127) + "a"
			return r
		}},
		{"ErrTemplateTooLong", "template", func(r *breachdesk.SealedInquiryReply) *breachdesk.SealedInquiryReply {
			r.Template = strings.Repeat("t", breachdesk.InquiryReplyTemplateLimit+1)
			return r
		}},
		{"ErrLanguage", "language", func(r *breachdesk.SealedInquiryReply) *breachdesk.SealedInquiryReply {
			r.Language = "français"
			return r
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, s, q, other := setup(t)
			before := []*breachdesk.SealedInquiry{find(t, s, q.Reference), find(t, s, other.Reference)}
			logged := len(audit(t, s))
			_, err := s.InquiryReplies.AnswerInquiry(ctx, q.Reference, tt.edit(newReply("1", "dana@example.com")))
			if code, field := breachdesk.ErrorCode(err), breachdesk.ErrorField(err); code != breachdesk.EInvalid || field != tt.field {
				t.Fatalf("AnswerInquiry() = %q on %q (%v), want invalid on %q", code, field, err, tt.field)
			}
			rejected(t, s, before, logged)
		})
	}

	t.Run("ErrNoActor", func(t *testing.T) {
		_, s, q, other := setup(t)
		before := []*breachdesk.SealedInquiry{find(t, s, q.Reference), find(t, s, other.Reference)}
		logged := len(audit(t, s))
		if _, err := s.InquiryReplies.AnswerInquiry(context.Background(), q.Reference, newReply("1", "dana@example.com")); err == nil {
			t.Fatal("AnswerInquiry() without an actor succeeded: a change would go unattributed")
		}
		rejected(t, s, before, logged)
	})

	t.Run("OKOwnRepliesOnly", func(t *testing.T) {
		// Each inquiry lists its own replies, never another's.
		clock, s, q, other := setup(t)
		for _, a := range []struct {
			q     *breachdesk.SealedInquiry
			label string
		}{{q, "q1"}, {other, "other1"}, {q, "q2"}, {other, "other2"}} {
			clock.T = clock.T.Add(time.Minute)
			answer(t, s, a.q.Reference, newReply(a.label, "dana@example.com"))
		}
		for _, tt := range []struct {
			q    *breachdesk.SealedInquiry
			want []string
		}{{q, []string{"q1", "q2"}}, {other, []string{"other1", "other2"}}} {
			got := replies(t, s, tt.q.ID)
			if diff := cmp.Diff(tt.want, bodies(got)); diff != "" {
				t.Errorf("FindInquiryReplies(%d) bodies (-want +got):\n%s", tt.q.ID, diff)
			}
			for _, r := range got {
				if r.InquiryID != tt.q.ID || r.Reference != tt.q.Reference {
					t.Errorf("FindInquiryReplies(%d) holds reply %+v, of inquiry %d %s", tt.q.ID, r, r.InquiryID, r.Reference)
				}
			}
		}
		if got := replies(t, s, 999_999); len(got) != 0 {
			t.Fatalf("FindInquiryReplies(unknown inquiry) = %d replies, want none", len(got))
		}
	})

	t.Run("Outbox", func(t *testing.T) {
		// The mailer reads the pending replies oldest first, each with its
		// inquiry's reference, and marks those it sent; marking again
		// keeps the first time.
		clock, s, q, other := setup(t)
		var sent []*breachdesk.SealedInquiryReply
		for _, a := range []struct {
			q     *breachdesk.SealedInquiry
			label string
		}{{q, "1"}, {other, "2"}, {q, "3"}} {
			clock.T = clock.T.Add(time.Minute)
			r := newReply(a.label, "dana@example.com")
			answer(t, s, a.q.Reference, r)
			sent = append(sent, r)
		}

		t.Run("OKPendingOldestFirst", func(t *testing.T) {
			for _, limit := range []int{0, -1, 3, 10} {
				if diff := cmp.Diff(sent, pending(t, s, limit)); diff != "" {
					t.Errorf("FindPendingReplies(%d) mismatch (-want +got):\n%s", limit, diff)
				}
			}
		})

		t.Run("OKPendingLimit", func(t *testing.T) {
			if diff := cmp.Diff(sent[:2], pending(t, s, 2)); diff != "" {
				t.Fatalf("FindPendingReplies(2) mismatch (-want +got):\n%s", diff)
			}
		})

		t.Run("ErrNoActor", func(t *testing.T) {
			if err := s.InquiryReplies.MarkRepliesSent(context.Background(), []int64{sent[0].ID}, clock.T); err == nil {
				t.Fatal("MarkRepliesSent() without an actor succeeded")
			}
			if got := pending(t, s, 0); len(got) != len(sent) {
				t.Fatalf("FindPendingReplies() after a refused mark = %d replies, want %d", len(got), len(sent))
			}
		})

		mailed := clock.T.Add(30 * time.Second)
		t.Run("OKMarked", func(t *testing.T) {
			clock.T = clock.T.Add(time.Minute)
			if err := s.InquiryReplies.MarkRepliesSent(ctx, []int64{sent[0].ID, 999_999, sent[2].ID}, mailed); err != nil {
				t.Fatalf("MarkRepliesSent() = %v", err)
			}
			if diff := cmp.Diff(bodies(sent[1:2]), bodies(pending(t, s, 0))); diff != "" {
				t.Fatalf("FindPendingReplies() after marking (-want +got):\n%s", diff)
			}
			marked := func(r *breachdesk.SealedInquiryReply) *breachdesk.SealedInquiryReply {
				w := *r
				w.SentAt = &mailed
				return &w
			}
			if diff := cmp.Diff([]*breachdesk.SealedInquiryReply{marked(sent[0]), marked(sent[2])}, replies(t, s, q.ID)); diff != "" {
				t.Fatalf("FindInquiryReplies() after marking mismatch (-want +got):\n%s", diff)
			}
		})

		t.Run("OKMarkedAgainKeepsFirst", func(t *testing.T) {
			if err := s.InquiryReplies.MarkRepliesSent(ctx, []int64{sent[0].ID}, mailed.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			got := replies(t, s, q.ID)
			if got[0].SentAt == nil || !got[0].SentAt.Equal(mailed) {
				t.Fatalf("reply marked twice sent at %v, want the first time %v", got[0].SentAt, mailed)
			}
		})

		t.Run("OKNone", func(t *testing.T) {
			if err := s.InquiryReplies.MarkRepliesSent(ctx, nil, mailed); err != nil {
				t.Fatalf("MarkRepliesSent(none) = %v", err)
			}
			if got := pending(t, s, 0); len(got) != 1 {
				t.Fatalf("FindPendingReplies() after marking none = %d replies, want 1", len(got))
			}
		})

		t.Run("OKZeroTimeIsNow", func(t *testing.T) {
			clock.T = clock.T.Add(time.Minute)
			if err := s.InquiryReplies.MarkRepliesSent(ctx, []int64{sent[1].ID}, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if got := pending(t, s, 0); len(got) != 0 {
				t.Fatalf("FindPendingReplies() once all are marked = %v, want none", bodies(got))
			}
			got := replies(t, s, other.ID)
			if len(got) != 1 || got[0].SentAt == nil || !got[0].SentAt.Equal(clock.T) {
				t.Fatalf("FindInquiryReplies(other inquiry) = %+v, want one reply sent at %v", got, clock.T)
			}
		})
	})

	t.Run("Refused", func(t *testing.T) {
		// A reply the relay refused for good leaves the outbox with the
		// relay's answer, masked; a reply marked already stays as it is.
		clock, s, q, _ := setup(t)
		refused, mailed := newReply("refused", "dana@example.com"), newReply("mailed", "dana@example.com")
		answer(t, s, q.Reference, refused)
		answer(t, s, q.Reference, mailed)
		sentAt := clock.T.Add(time.Minute)
		if err := s.InquiryReplies.MarkRepliesSent(ctx, []int64{mailed.ID}, sentAt); err != nil {
			t.Fatal(err)
		}
		if err := s.InquiryReplies.MarkReplyRefused(context.Background(), refused.ID, sentAt, "550 no"); err == nil {
			t.Fatal("MarkReplyRefused() without an actor succeeded")
		}
		at := sentAt.Add(time.Minute)
		const answer = "550 5.1.1 <zoe.laurent@example.com>: Recipient address rejected"
		for _, id := range []int64{refused.ID, mailed.ID, 999_999} {
			if err := s.InquiryReplies.MarkReplyRefused(ctx, id, at, answer); err != nil {
				t.Fatalf("MarkReplyRefused(%d) = %v", id, err)
			}
		}
		if err := s.InquiryReplies.MarkReplyRefused(ctx, refused.ID, at.Add(time.Hour), "552 later"); err != nil {
			t.Fatal(err)
		}
		if got := pending(t, s, 0); len(got) != 0 {
			t.Fatalf("FindPendingReplies() = %v, want none", bodies(got))
		}
		got := replies(t, s, q.ID)
		wantRefused, wantMailed := *refused, *mailed
		wantRefused.SentAt, wantRefused.Refusal = &at, breachdesk.TrimReply(answer)
		wantMailed.SentAt = &sentAt
		if diff := cmp.Diff([]*breachdesk.SealedInquiryReply{&wantRefused, &wantMailed}, got); diff != "" {
			t.Fatalf("FindInquiryReplies() mismatch (-want +got):\n%s", diff)
		}
		if strings.Contains(got[0].Refusal, "zoe.laurent@") {
			t.Errorf("the refusal is stored with the address in full: %q", got[0].Refusal)
		}
	})

	t.Run("OKConcurrent", func(t *testing.T) {
		// Every answer is stored, and the inquiry is assigned to the author
		// of the first and changed once, however many answer at once.
		_, s, q, _ := setup(t)
		logged := len(audit(t, s))
		const n = 8
		var wg sync.WaitGroup
		errs := make(chan error, n)
		var labels []string
		for i := range n {
			labels = append(labels, fmt.Sprint(i))
			wg.Go(func() {
				_, err := s.InquiryReplies.AnswerInquiry(ctx, q.Reference, newReply(fmt.Sprint(i), fmt.Sprintf("staff%d@example.com", i)))
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
		got := replies(t, s, q.ID)
		if diff := cmp.Diff(labels, slices.Sorted(slices.Values(bodies(got)))); diff != "" {
			t.Fatalf("FindInquiryReplies() after concurrent answers (-want +got):\n%s", diff)
		}
		if found := find(t, s, q.Reference); found.Status != breachdesk.InquiryAnswered || found.AssignedTo != got[0].Author {
			t.Fatalf("inquiry after concurrent answers = %s, assigned to %q; want answered, assigned to the first reply's author %q",
				found.Status, found.AssignedTo, got[0].Author)
		}
		var answers, updates int
		for _, e := range audit(t, s)[logged:] {
			switch e.Action {
			case breachdesk.AuditInquiryAnswer:
				answers++
			case breachdesk.AuditInquiryUpdate:
				updates++
			}
		}
		if answers != n || updates != 1 {
			t.Fatalf("audit entries = %d %s and %d %s, want %d and 1", answers, breachdesk.AuditInquiryAnswer,
				updates, breachdesk.AuditInquiryUpdate, n)
		}
		if v, err := s.Audit.VerifyAuditLog(ctx); err != nil || !v.OK() {
			t.Fatalf("VerifyAuditLog() = %+v, %v; want the chain intact", v, err)
		}
	})
}
