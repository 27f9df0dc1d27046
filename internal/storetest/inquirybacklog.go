package storetest

import (
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/google/go-cmp/cmp"
)

// testInquiryBacklog covers what the metrics read of the staff's queue at
// every scrape: counts that stop at the limit, and the oldest open
// inquiry.
func testInquiryBacklog(t *testing.T, open OpenFunc) {
	ctx := Context()
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := &Clock{T: t0}
	s := open(t, clock.Now)
	backlog := func(t *testing.T, limit int) breachdesk.InquiryBacklog {
		t.Helper()
		b, err := s.Inquiries.InquiryBacklog(ctx, limit)
		if err != nil {
			t.Fatalf("InquiryBacklog(%d) = %v", limit, err)
		}
		return *b
	}
	if diff := cmp.Diff(breachdesk.InquiryBacklog{}, backlog(t, 100)); diff != "" {
		t.Fatalf("InquiryBacklog of an empty queue (-want +got):\n%s", diff)
	}

	var qs []*breachdesk.SealedInquiry
	for i, label := range []string{"a", "b", "c", "d", "e"} {
		if i == 2 {
			clock.T = t0.Add(time.Hour)
		}
		q := sealedInquiry(label, breachdesk.InquiryQuestion, nil, label)
		if err := s.Inquiries.CreateInquiries(ctx, []*breachdesk.SealedInquiry{q}); err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
	}
	clock.T = t0.Add(2 * time.Hour)
	assigned, closed := breachdesk.InquiryAssigned, breachdesk.InquiryClosed
	if _, err := s.Inquiries.UpdateInquiry(ctx, qs[0].Reference, breachdesk.InquiryUpdate{Status: &assigned}); err != nil {
		t.Fatal(err)
	}
	if err := s.Inquiries.MarkInquiryReceipts(ctx, []int64{qs[0].ID, qs[2].ID}, clock.T); err != nil {
		t.Fatal(err)
	}

	oldest := t0
	want := breachdesk.InquiryBacklog{Open: 4, Assigned: 1, ReceiptsPending: 3, OldestOpen: &oldest}
	if diff := cmp.Diff(want, backlog(t, 100)); diff != "" {
		t.Errorf("InquiryBacklog(100) (-want +got):\n%s", diff)
	}
	want = breachdesk.InquiryBacklog{Open: 2, Assigned: 1, ReceiptsPending: 2, OldestOpen: &oldest}
	if diff := cmp.Diff(want, backlog(t, 2)); diff != "" {
		t.Errorf("InquiryBacklog(2): each count stops at 2 (-want +got):\n%s", diff)
	}

	// Closing the oldest open one makes the next hour's the oldest.
	if _, err := s.Inquiries.UpdateInquiry(ctx, qs[1].Reference, breachdesk.InquiryUpdate{Status: &closed}); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(time.Hour)
	want = breachdesk.InquiryBacklog{Open: 3, Assigned: 1, ReceiptsPending: 3, OldestOpen: &later}
	if diff := cmp.Diff(want, backlog(t, 100)); diff != "" {
		t.Errorf("InquiryBacklog(100) after closing the oldest (-want +got):\n%s", diff)
	}
}
