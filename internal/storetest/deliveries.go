package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/google/go-cmp/cmp"
)

func testCampaignDeliveries(t *testing.T, open OpenFunc) {
	ctx := Context()
	b := setupCampaigns(t, open)
	var people []*breachdesk.SealedPerson
	for i := range 8 {
		people = append(people, reachablePerson(fmt.Sprintf("D-%d", i+1), "FR", "", "fr", true, false))
	}
	b.addPeople(t, people)
	at := func(hour, min, sec, nsec int) time.Time {
		return time.Date(2026, 11, 24, hour, min, sec, nsec, time.UTC)
	}
	point := func(at time.Time, sent int64) breachdesk.DeliveryPoint {
		return breachdesk.DeliveryPoint{At: at, Sent: sent}
	}
	// handOver starts a campaign to the people named, claims its notices
	// and records those in sent as sent at their time. It returns the
	// notices' ids by external id.
	handOver := func(t *testing.T, sent map[string]time.Time, names ...string) (*breachdesk.Campaign, map[string]int64) {
		t.Helper()
		c := b.start(t, &breachdesk.Campaign{Filter: breachdesk.CampaignAudience{ExternalIDs: names}})
		ids := map[string]int64{}
		for _, n := range b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", CampaignID: &c.ID, Limit: 100}) {
			ids[n.Notice.ExternalID] = n.Notice.ID
		}
		var outcomes []breachdesk.NoticeOutcome
		for name, at := range sent {
			outcomes = append(outcomes,
				breachdesk.NoticeOutcome{NoticeID: ids[name], State: breachdesk.NoticeInFlight, Code: fmt.Sprintf("BD-%d-%s", c.ID, name)},
				breachdesk.NoticeOutcome{NoticeID: ids[name], State: breachdesk.NoticeSent, At: at})
		}
		if ignored := b.record(t, "w1", outcomes...); ignored != 0 {
			t.Fatalf("handOver: %d outcomes ignored, want 0", ignored)
		}
		return c, ids
	}
	deliveries := func(t *testing.T, id int64, step time.Duration) []breachdesk.DeliveryPoint {
		t.Helper()
		got, err := b.s.Campaigns.CampaignDeliveries(ctx, id, step)
		if err != nil {
			t.Fatalf("CampaignDeliveries(%d, %s) = %v", id, step, err)
		}
		return got
	}

	c, _ := handOver(t, map[string]time.Time{
		"D-1": at(9, 0, 0, 0),
		"D-2": at(9, 0, 59, 999_999_000), // the last microsecond of 09:00
		"D-3": at(9, 1, 0, 0),
		"D-4": at(9, 1, 30, 500_000_000),
		"D-5": at(9, 4, 10, 0),
		"D-6": at(9, 4, 20, 0),
		"D-7": at(9, 59, 59, 999_900_000),
		"D-8": at(10, 15, 0, 0),
	}, "D-1", "D-2", "D-3", "D-4", "D-5", "D-6", "D-7", "D-8")
	for _, tt := range []struct {
		name string
		step time.Duration
		want []breachdesk.DeliveryPoint
	}{
		{"OKBySecond", time.Second, []breachdesk.DeliveryPoint{
			point(at(9, 0, 0, 0), 1), point(at(9, 0, 59, 0), 1), point(at(9, 1, 0, 0), 1), point(at(9, 1, 30, 0), 1),
			point(at(9, 4, 10, 0), 1), point(at(9, 4, 20, 0), 1), point(at(9, 59, 59, 0), 1), point(at(10, 15, 0, 0), 1),
		}},
		{"OKByMinute", time.Minute, []breachdesk.DeliveryPoint{
			point(at(9, 0, 0, 0), 2), point(at(9, 1, 0, 0), 2), point(at(9, 4, 0, 0), 2), point(at(9, 59, 0, 0), 1), point(at(10, 15, 0, 0), 1),
		}},
		{"OKByHour", time.Hour, []breachdesk.DeliveryPoint{
			point(at(9, 0, 0, 0), 7), point(at(10, 0, 0, 0), 1),
		}},
		// 09:00 UTC that day is 300 seconds past a multiple of 7 minutes
		// since the epoch: the intervals start at 08:55, 09:02, … 09:58,
		// 10:05, 10:12.
		{"OKAlignedToEpoch", 7 * time.Minute, []breachdesk.DeliveryPoint{
			point(at(8, 55, 0, 0), 4), point(at(9, 2, 0, 0), 2), point(at(9, 58, 0, 0), 1), point(at(10, 12, 0, 0), 1),
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := deliveries(t, c.ID, tt.step)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("CampaignDeliveries(%s) (-want +got):\n%s", tt.step, diff)
			}
			for _, p := range got {
				if p.At.Location() != time.UTC {
					t.Fatalf("CampaignDeliveries(%s) point at %v, want in UTC", tt.step, p.At)
				}
			}
		})
	}

	t.Run("OKNeverHandedOverNotCounted", func(t *testing.T) {
		c, ids := handOver(t, nil, "D-1", "D-2", "D-3", "D-4", "D-5")
		// D-1 waits for a retry, D-2 failed after an attempt, D-3 failed
		// before one, D-4 is in flight and D-5 claimed still.
		b.record(t, "w1",
			breachdesk.NoticeOutcome{NoticeID: ids["D-1"], State: breachdesk.NoticeInFlight},
			breachdesk.NoticeOutcome{NoticeID: ids["D-1"], State: breachdesk.NoticeQueued, NextAttemptAt: at(12, 0, 0, 0), Error: "451 try later"},
			breachdesk.NoticeOutcome{NoticeID: ids["D-2"], State: breachdesk.NoticeInFlight},
			breachdesk.NoticeOutcome{NoticeID: ids["D-2"], State: breachdesk.NoticeFailed, Error: "550 refused"},
			breachdesk.NoticeOutcome{NoticeID: ids["D-3"], State: breachdesk.NoticeFailed, Error: "no MX"},
			breachdesk.NoticeOutcome{NoticeID: ids["D-4"], State: breachdesk.NoticeInFlight},
		)
		if got := deliveries(t, c.ID, time.Minute); len(got) != 0 {
			t.Fatalf("CampaignDeliveries() of notices never handed over = %v, want none", got)
		}
	})
	t.Run("OKBounceCountedWhenSent", func(t *testing.T) {
		c, ids := handOver(t, map[string]time.Time{"D-6": at(9, 4, 20, 0)}, "D-6")
		if ignored := b.record(t, "", breachdesk.NoticeOutcome{NoticeID: ids["D-6"], State: breachdesk.NoticeBounced,
			At: at(11, 30, 0, 0), Error: "550 5.1.1 user unknown"}); ignored != 0 {
			t.Fatalf("bounce of a sent notice ignored")
		}
		want := []breachdesk.DeliveryPoint{point(at(9, 4, 0, 0), 1)}
		if diff := cmp.Diff(want, deliveries(t, c.ID, time.Minute)); diff != "" {
			t.Fatalf("CampaignDeliveries() of a bounced notice (-want +got):\n%s", diff)
		}
	})
	t.Run("OKEmptyCampaign", func(t *testing.T) {
		draft := b.create(t, &breachdesk.Campaign{})
		if got := deliveries(t, draft.ID, time.Minute); len(got) != 0 {
			t.Fatalf("CampaignDeliveries(draft) = %v, want none", got)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if _, err := b.s.Campaigns.CampaignDeliveries(ctx, 404, time.Minute); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
			t.Fatalf("CampaignDeliveries(404) = %v, want not_found", err)
		}
	})
	t.Run("ErrStepTooSmall", func(t *testing.T) {
		for _, step := range []time.Duration{500 * time.Millisecond, 0, -time.Minute} {
			_, err := b.s.Campaigns.CampaignDeliveries(ctx, c.ID, step)
			if code, field := breachdesk.ErrorCode(err), breachdesk.ErrorField(err); code != breachdesk.EInvalid || field != "step" {
				t.Fatalf("CampaignDeliveries(%s) = %q on %q (%v), want invalid on step", step, code, field, err)
			}
		}
	})
}
