package storetest

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/google/go-cmp/cmp"
)

// WorkerContext returns a context carrying the actor a sending process
// has.
func WorkerContext(name string) context.Context {
	return breachdesk.NewContextWithActor(context.Background(), breachdesk.Actor{Kind: "worker", Name: name})
}

// campaignBundle is a store with an incident and its people: seven whose
// e-mail and postal addresses cover every case of channel selection.
type campaignBundle struct {
	s      Store
	clock  *Clock
	inc    *breachdesk.Incident
	people map[string]*breachdesk.SealedPerson // by external id
}

// reachablePerson returns a sealed person with an e-mail address, a postal
// address, both or neither.
func reachablePerson(id, country, region, lang string, email, address bool) *breachdesk.SealedPerson {
	p := &breachdesk.SealedPerson{ExternalID: id, Name: []byte("sealed-name-" + id), Country: country, Region: region, Language: lang}
	if email {
		p.Email, p.EmailIndex = []byte("sealed-email-"+id), []byte("index-"+id)
	}
	if address {
		p.PostalAddress = []byte("sealed-address-" + id)
	}
	return p
}

func setupCampaigns(t *testing.T, open OpenFunc) *campaignBundle {
	t.Helper()
	b := &campaignBundle{clock: &Clock{T: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}, people: map[string]*breachdesk.SealedPerson{}}
	b.s = open(t, b.clock.Now)
	b.inc = &breachdesk.Incident{Title: "Customer database stolen", DataCategories: []string{"name", "email"}}
	if err := b.s.Incidents.CreateIncident(Context(), b.inc); err != nil {
		t.Fatal(err)
	}
	people := []*breachdesk.SealedPerson{
		reachablePerson("E-FR-1", "FR", "", "fr", true, true),
		reachablePerson("E-FR-2", "FR", "", "fr", true, false),
		reachablePerson("E-US-1", "US", "US-CA", "en-US", true, true),
		reachablePerson("E-US-2", "US", "US-NY", "es-US", true, false),
		reachablePerson("L-FR-1", "FR", "", "fr", false, true),
		reachablePerson("L-US-1", "US", "US-CA", "en-US", false, true),
		reachablePerson("N-GB-1", "GB", "", "en", false, false),
	}
	people[0].DataCategories = []string{"name", "email", "phone"}
	b.addPeople(t, people)
	return b
}

// addPeople stores people and records their ids.
func (b *campaignBundle) addPeople(t *testing.T, people []*breachdesk.SealedPerson) {
	t.Helper()
	if n, err := b.s.People.InsertSealedPeople(Context(), b.inc.ID, people); err != nil || n != len(people) {
		t.Fatalf("InsertSealedPeople() = %d, %v; want %d", n, err, len(people))
	}
	stored, err := b.s.People.FindSealedPeople(Context(), breachdesk.SealedPersonFilter{IncidentID: &b.inc.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range stored {
		b.people[p.ExternalID] = p
	}
}

// create stores a campaign of the bundle's incident.
func (b *campaignBundle) create(t *testing.T, c *breachdesk.Campaign) *breachdesk.Campaign {
	t.Helper()
	c.IncidentID = b.inc.ID
	if err := b.s.Campaigns.CreateCampaign(Context(), c); err != nil {
		t.Fatalf("CreateCampaign(%+v) = %v", c, err)
	}
	return c
}

// start creates a campaign and makes it active.
func (b *campaignBundle) start(t *testing.T, c *breachdesk.Campaign) *breachdesk.Campaign {
	t.Helper()
	b.create(t, c)
	started, err := b.s.Campaigns.SetCampaignStatus(Context(), c.ID, breachdesk.CampaignActive)
	if err != nil {
		t.Fatal(err)
	}
	return started
}

// claim claims for worker, failing the test on an error.
func (b *campaignBundle) claim(t *testing.T, req breachdesk.ClaimRequest) []*breachdesk.ClaimedNotice {
	t.Helper()
	claimed, err := b.s.Campaigns.ClaimNotices(WorkerContext(req.WorkerID), req)
	if err != nil {
		t.Fatalf("ClaimNotices(%+v) = %v", req, err)
	}
	return claimed
}

// record records outcomes for worker and returns how many were ignored.
func (b *campaignBundle) record(t *testing.T, worker string, outcomes ...breachdesk.NoticeOutcome) int {
	t.Helper()
	actor := worker
	if actor == "" {
		actor = "bounces" // the bounce processor holds no notice
	}
	ignored, err := b.s.Campaigns.RecordNoticeOutcomes(WorkerContext(actor), worker, outcomes)
	if err != nil {
		t.Fatalf("RecordNoticeOutcomes(%s, %+v) = %v", worker, outcomes, err)
	}
	return ignored
}

// notices returns the campaign's notices by external id.
func (b *campaignBundle) notices(t *testing.T, campaignID int64) map[string]*breachdesk.Notice {
	t.Helper()
	notices, _, err := b.s.Campaigns.FindNotices(Context(), breachdesk.NoticeFilter{CampaignID: &campaignID})
	if err != nil {
		t.Fatal(err)
	}
	byPerson := map[string]*breachdesk.Notice{}
	for _, n := range notices {
		byPerson[n.ExternalID] = n
	}
	return byPerson
}

// externalIDs returns the sorted external ids of the claimed notices.
func externalIDs(claimed []*breachdesk.ClaimedNotice) []string {
	var ids []string
	for _, c := range claimed {
		ids = append(ids, c.Notice.ExternalID)
	}
	slices.Sort(ids)
	return ids
}

// sendAll claims every due notice of the campaign for worker and records
// outcome(external id) for each, after in_flight.
func (b *campaignBundle) sendAll(t *testing.T, campaignID int64, worker string, outcome func(id string) breachdesk.NoticeState) {
	t.Helper()
	claimed := b.claim(t, breachdesk.ClaimRequest{WorkerID: worker, CampaignID: &campaignID, Limit: 1000})
	var outcomes []breachdesk.NoticeOutcome
	for _, c := range claimed {
		outcomes = append(outcomes, breachdesk.NoticeOutcome{NoticeID: c.Notice.ID, State: breachdesk.NoticeInFlight,
			Code: fmt.Sprintf("BD-%d", c.Notice.ID), MessageID: fmt.Sprintf("<%d@breachdesk.test>", c.Notice.ID)})
	}
	for _, c := range claimed {
		state := outcome(c.Notice.ExternalID)
		o := breachdesk.NoticeOutcome{NoticeID: c.Notice.ID, State: state, At: b.clock.T}
		if state == breachdesk.NoticeBounced {
			outcomes = append(outcomes, breachdesk.NoticeOutcome{NoticeID: c.Notice.ID, State: breachdesk.NoticeSent, At: b.clock.T})
			o.Error = "550 5.1.1 mailbox unknown"
		}
		if state == breachdesk.NoticeFailed {
			o.Error = "550 5.7.1 refused"
		}
		outcomes = append(outcomes, o)
	}
	if ignored := b.record(t, worker, outcomes...); ignored != 0 {
		t.Fatalf("sendAll: %d outcomes ignored, want 0", ignored)
	}
}

func testCampaigns(t *testing.T, open OpenFunc) {
	t.Run("Create", func(t *testing.T) { t.Parallel(); testCreateCampaign(t, open) })
	t.Run("FollowUp", func(t *testing.T) { t.Parallel(); testFollowUpCampaign(t, open) })
	t.Run("Status", func(t *testing.T) { t.Parallel(); testCampaignStatus(t, open) })
	t.Run("Claim", func(t *testing.T) { t.Parallel(); testClaimNotices(t, open) })
	t.Run("ConcurrentClaims", func(t *testing.T) { t.Parallel(); testConcurrentClaims(t, open) })
	t.Run("Outcomes", func(t *testing.T) { t.Parallel(); testNoticeOutcomes(t, open) })
	t.Run("Workers", func(t *testing.T) { t.Parallel(); testWorkers(t, open) })
	t.Run("Progress", func(t *testing.T) { t.Parallel(); testCampaignProgress(t, open) })
	t.Run("FindNotices", func(t *testing.T) { t.Parallel(); testFindNotices(t, open) })
}

func testCreateCampaign(t *testing.T, open OpenFunc) {
	ctx := Context()
	b := setupCampaigns(t, open)
	for _, tt := range []struct {
		name                string
		campaign            breachdesk.Campaign
		recipients, skipped int64
		want                []string
	}{
		{"OKEveryEmail", breachdesk.Campaign{}, 4, 3, []string{"E-FR-1", "E-FR-2", "E-US-1", "E-US-2"}},
		{"OKLetterOnlyWithoutEmail", breachdesk.Campaign{Channel: breachdesk.ChannelLetter}, 2, 5, []string{"L-FR-1", "L-US-1"}},
		{"OKByCountry", breachdesk.Campaign{Filter: breachdesk.CampaignAudience{Countries: []string{" fr"}}}, 2, 1, []string{"E-FR-1", "E-FR-2"}},
		{"OKByRegion", breachdesk.Campaign{Filter: breachdesk.CampaignAudience{Regions: []string{"us-ca"}}}, 1, 1, []string{"E-US-1"}},
		{"OKByLanguageByLetter", breachdesk.Campaign{Channel: breachdesk.ChannelLetter, Filter: breachdesk.CampaignAudience{Languages: []string{"FR"}}}, 1, 2, []string{"L-FR-1"}},
		{"OKByExternalID", breachdesk.Campaign{Filter: breachdesk.CampaignAudience{ExternalIDs: []string{"E-FR-1", "L-US-1", "X-9"}}}, 1, 1, []string{"E-FR-1"}},
		{"OKEveryListFilters", breachdesk.Campaign{Filter: breachdesk.CampaignAudience{Countries: []string{"US", "FR"}, Languages: []string{"es-US", "fr"}, Regions: []string{"US-NY"}}}, 1, 0, []string{"E-US-2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b.clock.T = b.clock.T.Add(time.Minute)
			c := tt.campaign
			b.create(t, &c)
			if c.ID == 0 || c.Status != breachdesk.CampaignDraft || c.Recipients != tt.recipients || c.Skipped != tt.skipped ||
				c.Actor != Actor.String() || !c.CreatedAt.Equal(b.clock.T) || c.StartedAt != nil {
				t.Fatalf("CreateCampaign() = %+v, want a draft by %s with %d recipients and %d skipped", c, Actor, tt.recipients, tt.skipped)
			}
			got, err := b.s.Campaigns.FindCampaignByID(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&c, got, equate); diff != "" {
				t.Fatalf("FindCampaignByID() mismatch (-created +found):\n%s", diff)
			}
			notices := b.notices(t, c.ID)
			if diff := cmp.Diff(tt.want, slices.Sorted(maps.Keys(notices))); diff != "" {
				t.Fatalf("notices of the campaign (-want +got):\n%s", diff)
			}
			for id, n := range notices {
				if n.State != breachdesk.NoticeQueued || !n.NextAttemptAt.Equal(b.clock.T) || n.Attempts != 0 ||
					n.PersonID != b.people[id].ID || n.CampaignID != c.ID || n.Code != "" || n.WorkerID != "" {
					t.Errorf("notice of %s = %+v, want queued now for person %d", id, n, b.people[id].ID)
				}
			}
		})
	}

	t.Run("OKFindNewestFirst", func(t *testing.T) {
		all, n, err := b.s.Campaigns.FindCampaigns(ctx, breachdesk.CampaignFilter{IncidentID: &b.inc.ID})
		if err != nil || n != 7 || len(all) != 7 || all[0].ID < all[6].ID {
			t.Fatalf("FindCampaigns() = %d campaigns, total %d, %v; want 7, newest first", len(all), n, err)
		}
		draft := breachdesk.CampaignDraft
		if _, n, _ := b.s.Campaigns.FindCampaigns(ctx, breachdesk.CampaignFilter{Status: &draft}); n != 7 {
			t.Errorf("FindCampaigns(draft) total = %d, want 7", n)
		}
		active, other := breachdesk.CampaignActive, int64(404)
		if got, n, _ := b.s.Campaigns.FindCampaigns(ctx, breachdesk.CampaignFilter{Status: &active}); n != 0 || len(got) != 0 {
			t.Errorf("FindCampaigns(active) total = %d, want 0", n)
		}
		if _, n, _ := b.s.Campaigns.FindCampaigns(ctx, breachdesk.CampaignFilter{IncidentID: &other}); n != 0 {
			t.Errorf("FindCampaigns(incident 404) total = %d, want 0", n)
		}
	})

	t.Run("OKAudit", func(t *testing.T) {
		entity := "campaign"
		entries, n, err := b.s.Audit.FindAuditEntries(ctx, breachdesk.AuditFilter{Entity: &entity})
		if err != nil || n != 7 || entries[0].Action != breachdesk.AuditCampaignCreate {
			t.Fatalf("campaign audit entries = %d, %v; want 7 %s", n, err, breachdesk.AuditCampaignCreate)
		}
	})

	for _, tt := range []struct {
		name, code, field string
		campaign          breachdesk.Campaign
	}{
		{"ErrNoOneReachable", breachdesk.EInvalid, "", breachdesk.Campaign{Filter: breachdesk.CampaignAudience{Countries: []string{"GB"}}}},
		{"ErrNoOneSelected", breachdesk.EInvalid, "", breachdesk.Campaign{Filter: breachdesk.CampaignAudience{Countries: []string{"DE"}}}},
		{"ErrChannel", breachdesk.EInvalid, "channel", breachdesk.Campaign{Channel: "fax"}},
		{"ErrCountry", breachdesk.EInvalid, "filter.countries", breachdesk.Campaign{Filter: breachdesk.CampaignAudience{Countries: []string{"XX"}}}},
		{"ErrUnreachedWithoutFollowUp", breachdesk.EInvalid, "unreached", breachdesk.Campaign{Unreached: true}},
		{"ErrFollowUpNotFound", breachdesk.ENotFound, "", breachdesk.Campaign{FollowUpOf: new(int64(404))}},
		{"ErrIncidentNotFound", breachdesk.ENotFound, "", breachdesk.Campaign{IncidentID: 404}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.campaign
			if c.IncidentID == 0 {
				c.IncidentID = b.inc.ID
			}
			err := b.s.Campaigns.CreateCampaign(ctx, &c)
			if code, field := breachdesk.ErrorCode(err), breachdesk.ErrorField(err); code != tt.code || field != tt.field {
				t.Fatalf("CreateCampaign() = %q on %q (%v), want %q on %q", code, field, err, tt.code, tt.field)
			}
			if _, n, _ := b.s.Campaigns.FindCampaigns(ctx, breachdesk.CampaignFilter{}); n != 7 {
				t.Fatalf("%d campaigns after a rejected one, want 7: nothing stored", n)
			}
		})
	}
	t.Run("ErrNoOneReachableSaysSkipped", func(t *testing.T) {
		c := breachdesk.Campaign{IncidentID: b.inc.ID, Channel: breachdesk.ChannelLetter, Filter: breachdesk.CampaignAudience{ExternalIDs: []string{"E-FR-1", "E-FR-2", "N-GB-1"}}}
		err := b.s.Campaigns.CreateCampaign(ctx, &c)
		if msg := breachdesk.ErrorMessage(err); !strings.Contains(msg, "no one who can be reached by letter") || !strings.Contains(msg, "3 people") {
			t.Fatalf("CreateCampaign(no one reachable) message = %q, want the channel and the 3 people skipped", msg)
		}
		var n int
		all, _, _ := b.s.Campaigns.FindCampaigns(ctx, breachdesk.CampaignFilter{})
		for _, c := range all {
			_, total, _ := b.s.Campaigns.FindNotices(ctx, breachdesk.NoticeFilter{CampaignID: &c.ID})
			n += total
		}
		if n != 4+2+2+1+1+1+1 {
			t.Fatalf("%d notices stored in all, want 12: a rejected campaign queues none", n)
		}
	})
	t.Run("ErrFollowUpOfOtherIncident", func(t *testing.T) {
		other := &breachdesk.Incident{Title: "Other"}
		if err := b.s.Incidents.CreateIncident(ctx, other); err != nil {
			t.Fatal(err)
		}
		all, _, _ := b.s.Campaigns.FindCampaigns(ctx, breachdesk.CampaignFilter{})
		c := breachdesk.Campaign{IncidentID: other.ID, FollowUpOf: &all[0].ID}
		err := b.s.Campaigns.CreateCampaign(ctx, &c)
		if code, field := breachdesk.ErrorCode(err), breachdesk.ErrorField(err); code != breachdesk.EInvalid || field != "follow_up_of" {
			t.Fatalf("CreateCampaign(follow-up of another incident's campaign) = %q on %q (%v), want invalid on follow_up_of", code, field, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if _, err := b.s.Campaigns.FindCampaignByID(ctx, 404); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
			t.Fatalf("FindCampaignByID(404) = %v, want not_found", err)
		}
	})
	t.Run("ErrNoActor", func(t *testing.T) {
		c := breachdesk.Campaign{IncidentID: b.inc.ID}
		if err := b.s.Campaigns.CreateCampaign(context.Background(), &c); err == nil {
			t.Fatal("CreateCampaign() without an actor succeeded")
		}
	})
	t.Run("ErrStateChecked", func(t *testing.T) {
		if err := b.s.Exec(t, `UPDATE notices SET state = 'lost'`); err == nil {
			t.Fatal("a notice state outside the six was stored")
		}
	})
}

func testFollowUpCampaign(t *testing.T, open OpenFunc) {
	b := setupCampaigns(t, open)
	first := b.start(t, &breachdesk.Campaign{})
	// E-FR-2 (no postal address) fails, E-US-1 (with one) bounces.
	b.sendAll(t, first.ID, "w1", func(id string) breachdesk.NoticeState {
		switch id {
		case "E-FR-2":
			return breachdesk.NoticeFailed
		case "E-US-1":
			return breachdesk.NoticeBounced
		}
		return breachdesk.NoticeSent
	})
	for _, tt := range []struct {
		name                string
		campaign            breachdesk.Campaign
		template            string
		recipients, skipped int64
		want                []string
	}{
		{"OKUnreachedByLetter", breachdesk.Campaign{Channel: breachdesk.ChannelLetter, FollowUpOf: &first.ID, Unreached: true},
			breachdesk.TemplateNotice, 1, 1, []string{"E-US-1"}},
		// E-US-1's only e-mail bounced: a letter is the way left.
		{"OKLetterAfterBounce", breachdesk.Campaign{Channel: breachdesk.ChannelLetter},
			breachdesk.TemplateNotice, 3, 4, []string{"E-US-1", "L-FR-1", "L-US-1"}},
		{"OKUnreachedByEmail", breachdesk.Campaign{FollowUpOf: &first.ID, Unreached: true},
			breachdesk.TemplateNotice, 2, 0, []string{"E-FR-2", "E-US-1"}},
		{"OKUpdateToEveryone", breachdesk.Campaign{FollowUpOf: &first.ID},
			breachdesk.TemplateUpdate, 4, 3, []string{"E-FR-1", "E-FR-2", "E-US-1", "E-US-2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.campaign
			b.create(t, &c)
			if c.Template != tt.template || c.Recipients != tt.recipients || c.Skipped != tt.skipped {
				t.Fatalf("CreateCampaign() = %+v, want template %s, %d recipients, %d skipped", c, tt.template, tt.recipients, tt.skipped)
			}
			if diff := cmp.Diff(tt.want, slices.Sorted(maps.Keys(b.notices(t, c.ID)))); diff != "" {
				t.Fatalf("notices of the follow-up (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("ErrNoOneUnreached", func(t *testing.T) {
		b := setupCampaigns(t, open)
		first := b.start(t, &breachdesk.Campaign{})
		b.sendAll(t, first.ID, "w1", func(string) breachdesk.NoticeState { return breachdesk.NoticeSent })
		c := breachdesk.Campaign{IncidentID: b.inc.ID, FollowUpOf: &first.ID, Unreached: true, Channel: breachdesk.ChannelLetter}
		if err := b.s.Campaigns.CreateCampaign(Context(), &c); breachdesk.ErrorCode(err) != breachdesk.EInvalid {
			t.Fatalf("CreateCampaign(unreached when everyone was reached) = %v, want invalid", err)
		}
	})
}

func testCampaignStatus(t *testing.T, open OpenFunc) {
	ctx := Context()
	b := setupCampaigns(t, open)
	c := b.create(t, &breachdesk.Campaign{})
	set := func(status breachdesk.CampaignStatus) (*breachdesk.Campaign, error) {
		return b.s.Campaigns.SetCampaignStatus(ctx, c.ID, status)
	}
	events := func() []*breachdesk.IncidentEvent {
		t.Helper()
		kind := breachdesk.EventIndividualsNotified
		events, _, err := b.s.Events.FindIncidentEvents(ctx, breachdesk.IncidentEventFilter{IncidentID: b.inc.ID, Kind: &kind})
		if err != nil {
			t.Fatal(err)
		}
		return events
	}
	statusEntries := func() int {
		t.Helper()
		entity, id := "campaign", fmt.Sprint(c.ID)
		entries, _, err := b.s.Audit.FindAuditEntries(ctx, breachdesk.AuditFilter{Entity: &entity, EntityID: &id})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Action == breachdesk.AuditCampaignStatus {
				n++
			}
		}
		return n
	}

	t.Run("ErrPauseDraft", func(t *testing.T) {
		if _, err := set(breachdesk.CampaignPaused); breachdesk.ErrorCode(err) != breachdesk.EConflict {
			t.Fatalf("pausing a draft = %v, want conflict", err)
		}
	})
	for _, status := range []breachdesk.CampaignStatus{breachdesk.CampaignDone, breachdesk.CampaignDraft, "sending"} {
		t.Run("ErrSet"+string(status), func(t *testing.T) {
			if _, err := set(status); breachdesk.ErrorCode(err) != breachdesk.EInvalid || breachdesk.ErrorField(err) != "status" {
				t.Fatalf("SetCampaignStatus(%s) = %v, want invalid on status", status, err)
			}
		})
	}
	t.Run("ErrNotFound", func(t *testing.T) {
		if _, err := b.s.Campaigns.SetCampaignStatus(ctx, 404, breachdesk.CampaignActive); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
			t.Fatalf("SetCampaignStatus(404) = %v, want not_found", err)
		}
	})

	b.clock.T = b.clock.T.Add(time.Hour)
	started := b.clock.T
	got, err := set(breachdesk.CampaignActive)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != breachdesk.CampaignActive || got.StartedAt == nil || !got.StartedAt.Equal(started) || !got.UpdatedAt.Equal(started) {
		t.Fatalf("started campaign = %+v, want active, started at %v", got, started)
	}
	if found, _ := b.s.Campaigns.FindCampaignByID(ctx, c.ID); !cmp.Equal(got, found, equate) {
		t.Fatalf("SetCampaignStatus() returned %+v, stored %+v", got, found)
	}
	t.Run("OKStartIsOnTheTimeline", func(t *testing.T) {
		events := events()
		want := fmt.Sprintf("Campaign %d started: 4 notices by e-mail.", c.ID)
		if len(events) != 1 || events[0].Note != want || !events[0].At.Equal(started) || events[0].Actor != Actor.String() {
			t.Fatalf("individuals_notified events = %+v, want one at %v: %q", events, started, want)
		}
		inc, err := b.s.Incidents.FindIncidentByID(ctx, b.inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if inc.IndividualsNotifiedAt == nil || !inc.IndividualsNotifiedAt.Equal(started) {
			t.Fatalf("IndividualsNotifiedAt = %v, want %v", inc.IndividualsNotifiedAt, started)
		}
	})
	t.Run("OKActiveAgainChangesNothing", func(t *testing.T) {
		b.clock.T = b.clock.T.Add(time.Minute)
		again, err := set(breachdesk.CampaignActive)
		if err != nil || !cmp.Equal(got, again, equate) || statusEntries() != 1 {
			t.Fatalf("SetCampaignStatus(active) again = %+v, %v (%d audit entries); want it unchanged, 1 entry", again, err, statusEntries())
		}
	})

	b.clock.T = b.clock.T.Add(time.Hour)
	paused, err := set(breachdesk.CampaignPaused)
	if err != nil || paused.Status != breachdesk.CampaignPaused || !paused.UpdatedAt.Equal(b.clock.T) {
		t.Fatalf("pausing = %+v, %v; want paused now", paused, err)
	}
	if again, err := set(breachdesk.CampaignPaused); err != nil || again.Status != breachdesk.CampaignPaused {
		t.Fatalf("pausing a paused campaign = %+v, %v; want it paused, no error", again, err)
	}
	b.clock.T = b.clock.T.Add(time.Hour)
	resumed, err := set(breachdesk.CampaignActive)
	if err != nil || resumed.Status != breachdesk.CampaignActive || !resumed.StartedAt.Equal(started) {
		t.Fatalf("resuming = %+v, %v; want active, still started at %v", resumed, err, started)
	}
	t.Run("OKResumeIsNotANewStart", func(t *testing.T) {
		if n := len(events()); n != 1 {
			t.Fatalf("%d individuals_notified events after a pause and resume, want 1", n)
		}
		if n := statusEntries(); n != 3 {
			t.Fatalf("%d %s audit entries, want 3: start, pause, resume", n, breachdesk.AuditCampaignStatus)
		}
	})

	b.sendAll(t, c.ID, "w1", func(string) breachdesk.NoticeState { return breachdesk.NoticeSent })
	if p, err := b.s.Campaigns.CampaignProgress(ctx, c.ID); err != nil || p.Status != breachdesk.CampaignDone {
		t.Fatalf("CampaignProgress() when all are sent = %+v, %v; want done", p, err)
	}
	for _, tt := range []struct {
		status breachdesk.CampaignStatus
		want   string
	}{
		{breachdesk.CampaignPaused, fmt.Sprintf("Campaign %d is done; it cannot be paused.", c.ID)},
		{breachdesk.CampaignActive, fmt.Sprintf("Campaign %d is done; it cannot be started again.", c.ID)},
	} {
		t.Run("ErrDone"+string(tt.status), func(t *testing.T) {
			_, err := set(tt.status)
			if breachdesk.ErrorCode(err) != breachdesk.EConflict || breachdesk.ErrorMessage(err) != tt.want {
				t.Fatalf("SetCampaignStatus(%s) of a done campaign = %v, want conflict %q", tt.status, err, tt.want)
			}
		})
	}
	t.Run("OKAuditIntact", func(t *testing.T) {
		if n := statusEntries(); n != 4 {
			t.Fatalf("%d %s audit entries, want 4 with done", n, breachdesk.AuditCampaignStatus)
		}
		if v, err := b.s.Audit.VerifyAuditLog(ctx); err != nil || !v.OK() {
			t.Fatalf("VerifyAuditLog() = %+v, %v", v, err)
		}
	})
}

func testClaimNotices(t *testing.T, open OpenFunc) {
	b := setupCampaigns(t, open)
	email := b.create(t, &breachdesk.Campaign{})
	letter := b.create(t, &breachdesk.Campaign{Channel: breachdesk.ChannelLetter})

	t.Run("OKNothingFromDrafts", func(t *testing.T) {
		if got := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", Limit: 10}); len(got) != 0 {
			t.Fatalf("ClaimNotices() with only drafts = %d notices, want none", len(got))
		}
	})
	if _, err := b.s.Campaigns.SetCampaignStatus(Context(), email.ID, breachdesk.CampaignActive); err != nil {
		t.Fatal(err)
	}
	// The letter campaign is started too, then paused.
	for _, status := range []breachdesk.CampaignStatus{breachdesk.CampaignActive, breachdesk.CampaignPaused} {
		if _, err := b.s.Campaigns.SetCampaignStatus(Context(), letter.ID, status); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("OKNothingFromPaused", func(t *testing.T) {
		if got := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", Channel: breachdesk.ChannelLetter, Limit: 10}); len(got) != 0 {
			t.Fatalf("ClaimNotices(letter) with the letter campaign paused = %d notices, want none", len(got))
		}
		if got := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", CampaignID: &letter.ID, Limit: 10}); len(got) != 0 {
			t.Fatalf("ClaimNotices(campaign %d) paused = %d notices, want none", letter.ID, len(got))
		}
	})

	b.clock.T = b.clock.T.Add(time.Minute)
	first := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", Limit: 3})
	t.Run("OKLimitOldestFirst", func(t *testing.T) {
		if diff := cmp.Diff([]string{"E-FR-1", "E-FR-2", "E-US-1"}, externalIDs(first)); diff != "" {
			t.Fatalf("ClaimNotices(limit 3) (-want +got):\n%s", diff)
		}
		if !slices.IsSortedFunc(first, func(a, b *breachdesk.ClaimedNotice) int { return int(a.Notice.ID - b.Notice.ID) }) {
			t.Errorf("claimed notices are not in ID order")
		}
		for _, c := range first {
			n, p, want := c.Notice, c.Person, b.people[c.Notice.ExternalID]
			if n.State != breachdesk.NoticeClaimed || n.WorkerID != "w1" || !n.UpdatedAt.Equal(b.clock.T) || n.CampaignID != email.ID {
				t.Errorf("claimed notice = %+v, want claimed by w1 at %v", n, b.clock.T)
			}
			if diff := cmp.Diff(want, p, equate); diff != "" {
				t.Errorf("claimed person %s (-stored +claimed):\n%s", n.ExternalID, diff)
			}
			if c.Campaign == nil || c.Campaign.ID != email.ID || c.Campaign.Status != breachdesk.CampaignActive {
				t.Errorf("claimed notice's campaign = %+v, want active campaign %d", c.Campaign, email.ID)
			}
		}
		if p := first[0].Person; !bytes.Equal(p.Email, []byte("sealed-email-E-FR-1")) || !slices.Equal(p.DataCategories, []string{"name", "email", "phone"}) {
			t.Errorf("E-FR-1 claimed = %+v, want the sealed e-mail and the person's categories", p)
		}
		stored := b.notices(t, email.ID)["E-FR-1"]
		if stored.State != breachdesk.NoticeClaimed || stored.WorkerID != "w1" {
			t.Errorf("stored notice after the claim = %+v, want claimed by w1", stored)
		}
	})
	t.Run("OKNeverTwice", func(t *testing.T) {
		rest := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w2", Limit: 10})
		if diff := cmp.Diff([]string{"E-US-2"}, externalIDs(rest)); diff != "" {
			t.Fatalf("second ClaimNotices() (-want +got):\n%s", diff)
		}
		if got := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w3", Limit: 10}); len(got) != 0 {
			t.Fatalf("third ClaimNotices() = %v, want none left", externalIDs(got))
		}
	})
	t.Run("OKByChannel", func(t *testing.T) {
		if _, err := b.s.Campaigns.SetCampaignStatus(Context(), letter.ID, breachdesk.CampaignActive); err != nil {
			t.Fatal(err)
		}
		if got := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", Channel: breachdesk.ChannelEmail, Limit: 10}); len(got) != 0 {
			t.Fatalf("ClaimNotices(email) = %v, want none: only letters are left", externalIDs(got))
		}
		got := b.claim(t, breachdesk.ClaimRequest{WorkerID: "printer", Channel: breachdesk.ChannelLetter, Limit: 1})
		if diff := cmp.Diff([]string{"L-FR-1"}, externalIDs(got)); diff != "" || got[0].Campaign.Channel != breachdesk.ChannelLetter {
			t.Fatalf("ClaimNotices(letter, limit 1) (-want +got):\n%s", diff)
		}
	})
	t.Run("OKByCampaign", func(t *testing.T) {
		other := b.start(t, &breachdesk.Campaign{Filter: breachdesk.CampaignAudience{Countries: []string{"US"}}})
		got := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", CampaignID: &other.ID, Limit: 10})
		if diff := cmp.Diff([]string{"E-US-1", "E-US-2"}, externalIDs(got)); diff != "" {
			t.Fatalf("ClaimNotices(campaign %d) (-want +got):\n%s", other.ID, diff)
		}
		for _, c := range got {
			if c.Notice.CampaignID != other.ID {
				t.Errorf("claimed notice %d of campaign %d, want %d", c.Notice.ID, c.Notice.CampaignID, other.ID)
			}
		}
	})
	t.Run("OKOldestFirstAcrossCampaigns", func(t *testing.T) {
		b.clock.T = b.clock.T.Add(time.Minute)
		newer := b.start(t, &breachdesk.Campaign{Filter: breachdesk.CampaignAudience{Countries: []string{"FR"}}})
		got := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", Limit: 2})
		// The letter campaign's last notice has waited longest.
		if len(got) != 2 || got[0].Notice.ExternalID != "L-US-1" || got[1].Notice.CampaignID != newer.ID {
			t.Fatalf("ClaimNotices(limit 2) = %v, want L-US-1 of the letter campaign, then the newer campaign's first", externalIDs(got))
		}
	})
	for _, tt := range []struct {
		name, field string
		req         breachdesk.ClaimRequest
	}{
		{"ErrNoWorker", "worker_id", breachdesk.ClaimRequest{Limit: 1}},
		{"ErrNoLimit", "limit", breachdesk.ClaimRequest{WorkerID: "w1"}},
		{"ErrChannel", "channel", breachdesk.ClaimRequest{WorkerID: "w1", Limit: 1, Channel: "fax"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.s.Campaigns.ClaimNotices(WorkerContext("w1"), tt.req)
			if breachdesk.ErrorCode(err) != breachdesk.EInvalid || breachdesk.ErrorField(err) != tt.field {
				t.Fatalf("ClaimNotices(%+v) = %v, want invalid on %s", tt.req, err, tt.field)
			}
		})
	}
	t.Run("ErrNoActor", func(t *testing.T) {
		if _, err := b.s.Campaigns.ClaimNotices(context.Background(), breachdesk.ClaimRequest{WorkerID: "w1", Limit: 1}); err == nil {
			t.Fatal("ClaimNotices() without an actor succeeded")
		}
	})
}

func testConcurrentClaims(t *testing.T, open OpenFunc) {
	// Workers that claim at the same time, as several processes would,
	// never get the same notice, and between them claim every one.
	b := setupCampaigns(t, open)
	var people []*breachdesk.SealedPerson
	for i := range 400 {
		people = append(people, reachablePerson(fmt.Sprintf("C-%03d", i), "FR", "", "fr", true, false))
	}
	b.addPeople(t, people)
	c := b.start(t, &breachdesk.Campaign{Filter: breachdesk.CampaignAudience{Countries: []string{"FR"}}})
	const workers = 8
	var wg sync.WaitGroup
	claimed := make([][]int64, workers)
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			worker := fmt.Sprintf("w%d", w)
			for {
				got, err := b.s.Campaigns.ClaimNotices(WorkerContext(worker), breachdesk.ClaimRequest{WorkerID: worker, Limit: 7})
				if err != nil {
					errs[w] = err
					return
				}
				if len(got) == 0 {
					return
				}
				var outcomes []breachdesk.NoticeOutcome
				for _, n := range got {
					if n.Notice.WorkerID != worker {
						errs[w] = fmt.Errorf("notice %d claimed for %s", n.Notice.ID, n.Notice.WorkerID)
						return
					}
					claimed[w] = append(claimed[w], n.Notice.ID)
					outcomes = append(outcomes, breachdesk.NoticeOutcome{NoticeID: n.Notice.ID, State: breachdesk.NoticeFailed, Error: "test"})
				}
				// Failing them takes them out of the queue for good, so that
				// a notice claimed twice is seen twice.
				if ignored, err := b.s.Campaigns.RecordNoticeOutcomes(WorkerContext(worker), worker, outcomes); err != nil || ignored != 0 {
					errs[w] = fmt.Errorf("RecordNoticeOutcomes() = %d ignored, %v", ignored, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("worker %d: %v", w, err)
		}
	}
	seen := map[int64]int{}
	for w, ids := range claimed {
		for _, id := range ids {
			if prev, ok := seen[id]; ok {
				t.Errorf("notice %d claimed by worker %d and worker %d", id, prev, w)
			}
			seen[id] = w
		}
	}
	if len(seen) != int(c.Recipients) || c.Recipients != 402 {
		t.Fatalf("%d notices claimed in all, want every one of the campaign's %d (402)", len(seen), c.Recipients)
	}
}

func testNoticeOutcomes(t *testing.T, open OpenFunc) {
	b := setupCampaigns(t, open)
	c := b.start(t, &breachdesk.Campaign{})
	claimed := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", Limit: 10})
	if len(claimed) != 4 {
		t.Fatalf("claimed %d notices, want 4", len(claimed))
	}
	ids := map[string]int64{}
	for _, n := range claimed {
		ids[n.Notice.ExternalID] = n.Notice.ID
	}
	notice := func(id string) *breachdesk.Notice {
		t.Helper()
		return b.notices(t, c.ID)[id]
	}
	inFlight := func(id, code string) breachdesk.NoticeOutcome {
		return breachdesk.NoticeOutcome{NoticeID: ids[id], State: breachdesk.NoticeInFlight, Code: code, MessageID: "<" + code + "@breachdesk.test>"}
	}

	t.Run("OKIgnoredFromAnotherWorker", func(t *testing.T) {
		if ignored := b.record(t, "w2", inFlight("E-FR-1", "BD-X"), breachdesk.NoticeOutcome{NoticeID: ids["E-FR-2"], State: breachdesk.NoticeFailed}); ignored != 2 {
			t.Fatalf("w2's outcomes for w1's notices: %d ignored, want 2", ignored)
		}
		if n := notice("E-FR-1"); n.State != breachdesk.NoticeClaimed || n.WorkerID != "w1" || n.Code != "" {
			t.Fatalf("E-FR-1 after w2's outcome = %+v, want still claimed by w1", n)
		}
	})
	t.Run("OKSentNeedsInFlight", func(t *testing.T) {
		if ignored := b.record(t, "w1", breachdesk.NoticeOutcome{NoticeID: ids["E-FR-1"], State: breachdesk.NoticeSent}); ignored != 1 {
			t.Fatalf("sent without in_flight: %d ignored, want 1", ignored)
		}
	})

	b.clock.T = b.clock.T.Add(time.Minute)
	sentAt := b.clock.T.Add(-time.Second)
	ignored := b.record(t, "w1",
		inFlight("E-FR-1", "BD-1"),
		breachdesk.NoticeOutcome{NoticeID: ids["E-FR-1"], State: breachdesk.NoticeSent, At: sentAt},
		inFlight("E-FR-2", "BD-2"),
		breachdesk.NoticeOutcome{NoticeID: ids["E-FR-2"], State: breachdesk.NoticeQueued, NextAttemptAt: b.clock.T.Add(time.Hour),
			Error: "451 4.2.1 <marie@example.com>: mailbox busy, try again later"},
		breachdesk.NoticeOutcome{NoticeID: ids["E-US-1"], State: breachdesk.NoticeFailed, Error: "no MX for the domain"},
		inFlight("E-US-2", "BD-4"),
	)
	if ignored != 0 {
		t.Fatalf("w1's own outcomes: %d ignored, want 0", ignored)
	}
	t.Run("OKSent", func(t *testing.T) {
		n := notice("E-FR-1")
		if n.State != breachdesk.NoticeSent || n.SentAt == nil || !n.SentAt.Equal(sentAt) || n.WorkerID != "" || n.Attempts != 1 ||
			n.Code != "BD-1" || n.MessageID != "<BD-1@breachdesk.test>" || !n.UpdatedAt.Equal(b.clock.T) {
			t.Fatalf("sent notice = %+v, want sent at %v with its code, no worker, 1 attempt", n, sentAt)
		}
	})
	t.Run("OKRetryWaits", func(t *testing.T) {
		n := notice("E-FR-2")
		if n.State != breachdesk.NoticeQueued || n.WorkerID != "" || !n.NextAttemptAt.Equal(b.clock.T.Add(time.Hour)) || n.Attempts != 1 ||
			n.LastError != "451 4.2.1 <m***@example.com>: mailbox busy, try again later" {
			t.Fatalf("retried notice = %+v, want queued for an hour later with the reply masked", n)
		}
		if got := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", Limit: 10}); len(got) != 0 {
			t.Fatalf("ClaimNotices() before the retry is due = %v, want none", externalIDs(got))
		}
		b.clock.T = b.clock.T.Add(time.Hour)
		got := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", Limit: 10})
		if diff := cmp.Diff([]string{"E-FR-2"}, externalIDs(got)); diff != "" {
			t.Fatalf("ClaimNotices() when the retry is due (-want +got):\n%s", diff)
		}
		if ignored := b.record(t, "w1", inFlight("E-FR-2", "BD-2-again")); ignored != 0 {
			t.Fatalf("in_flight of the retry ignored")
		}
		if n := notice("E-FR-2"); n.Code != "BD-2" || n.MessageID != "<BD-2@breachdesk.test>" || n.Attempts != 2 {
			t.Fatalf("retried notice in flight = %+v, want its first code and Message-ID kept, 2 attempts", n)
		}
	})
	t.Run("OKFailed", func(t *testing.T) {
		n := notice("E-US-1")
		if n.State != breachdesk.NoticeFailed || n.LastError != "no MX for the domain" || n.WorkerID != "" || n.Attempts != 0 {
			t.Fatalf("failed notice = %+v", n)
		}
		if ignored := b.record(t, "w1", breachdesk.NoticeOutcome{NoticeID: ids["E-US-1"], State: breachdesk.NoticeQueued}); ignored != 1 {
			t.Fatalf("queueing a failed notice again: %d ignored, want 1", ignored)
		}
	})
	t.Run("OKBounceOfSent", func(t *testing.T) {
		bouncedAt := b.clock.T.Add(-time.Minute)
		if ignored := b.record(t, "", breachdesk.NoticeOutcome{NoticeID: ids["E-FR-1"], State: breachdesk.NoticeBounced, At: bouncedAt,
			Error: "550 5.1.1 <marie@example.com>: user unknown"}); ignored != 0 {
			t.Fatalf("bounce of a sent notice ignored")
		}
		n := notice("E-FR-1")
		if n.State != breachdesk.NoticeBounced || n.BouncedAt == nil || !n.BouncedAt.Equal(bouncedAt) || !n.SentAt.Equal(sentAt) ||
			n.LastError != "550 5.1.1 <m***@example.com>: user unknown" {
			t.Fatalf("bounced notice = %+v, want bounced at %v, still sent at %v, the reply masked", n, bouncedAt, sentAt)
		}
	})
	t.Run("OKBounceBeatsSent", func(t *testing.T) {
		// The bounce of E-US-2 arrives before w1 records the 250.
		if ignored := b.record(t, "", breachdesk.NoticeOutcome{NoticeID: ids["E-US-2"], State: breachdesk.NoticeBounced, Error: "550"}); ignored != 0 {
			t.Fatalf("bounce of an in-flight notice ignored")
		}
		if ignored := b.record(t, "w1", breachdesk.NoticeOutcome{NoticeID: ids["E-US-2"], State: breachdesk.NoticeSent}); ignored != 1 {
			t.Fatalf("sent after the bounce: %d ignored, want 1", ignored)
		}
		if n := notice("E-US-2"); n.State != breachdesk.NoticeBounced || n.WorkerID != "" || !n.BouncedAt.Equal(b.clock.T) {
			t.Fatalf("notice bounced in flight = %+v, want bounced now, held by no one", n)
		}
	})
	t.Run("OKBounceOfUnsentIgnored", func(t *testing.T) {
		if ignored := b.record(t, "", breachdesk.NoticeOutcome{NoticeID: ids["E-US-1"], State: breachdesk.NoticeBounced},
			breachdesk.NoticeOutcome{NoticeID: 404_404, State: breachdesk.NoticeBounced}); ignored != 2 {
			t.Fatalf("bounces of a failed notice and of no notice: %d ignored, want 2", ignored)
		}
	})
	t.Run("OKUncertainStays", func(t *testing.T) {
		// The connection broke after the message was sent: the retry may
		// deliver it twice, and the notice says so even once it is sent.
		c := b.start(t, &breachdesk.Campaign{Filter: breachdesk.CampaignAudience{ExternalIDs: []string{"E-US-2"}}})
		for _, uncertain := range []bool{true, false} {
			got := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", CampaignID: &c.ID, Limit: 1})
			if len(got) != 1 {
				t.Fatalf("claimed %d notices, want 1", len(got))
			}
			id := got[0].Notice.ID
			next := breachdesk.NoticeOutcome{NoticeID: id, State: breachdesk.NoticeSent}
			if uncertain {
				next = breachdesk.NoticeOutcome{NoticeID: id, State: breachdesk.NoticeQueued, NextAttemptAt: b.clock.T,
					Error: "connection reset after the message", Uncertain: true}
			}
			if ignored := b.record(t, "w1", breachdesk.NoticeOutcome{NoticeID: id, State: breachdesk.NoticeInFlight, Code: "BD-U"}, next); ignored != 0 {
				t.Fatalf("%d outcomes ignored", ignored)
			}
		}
		if n := b.notices(t, c.ID)["E-US-2"]; n.State != breachdesk.NoticeSent || !n.Uncertain || n.Attempts != 2 {
			t.Fatalf("notice sent after a broken attempt = %+v, want sent, uncertain, 2 attempts", n)
		}
	})
	t.Run("ErrUnknownStateRecordsNothing", func(t *testing.T) {
		_, err := b.s.Campaigns.RecordNoticeOutcomes(WorkerContext("w1"), "w1", []breachdesk.NoticeOutcome{
			{NoticeID: ids["E-FR-2"], State: breachdesk.NoticeSent},
			{NoticeID: ids["E-FR-2"], State: breachdesk.NoticeClaimed},
		})
		if breachdesk.ErrorCode(err) != breachdesk.EInvalid {
			t.Fatalf("RecordNoticeOutcomes(claimed) = %v, want invalid", err)
		}
		if n := notice("E-FR-2"); n.State != breachdesk.NoticeInFlight {
			t.Fatalf("E-FR-2 after a rejected batch = %s, want in_flight", n.State)
		}
	})
	t.Run("ErrDuplicateCode", func(t *testing.T) {
		got := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", Limit: 10})
		if len(got) != 0 {
			t.Fatalf("unexpected claim %v", externalIDs(got))
		}
		other := b.start(t, &breachdesk.Campaign{Filter: breachdesk.CampaignAudience{ExternalIDs: []string{"E-FR-1"}}})
		got = b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", CampaignID: &other.ID, Limit: 1})
		_, err := b.s.Campaigns.RecordNoticeOutcomes(WorkerContext("w1"), "w1", []breachdesk.NoticeOutcome{
			{NoticeID: got[0].Notice.ID, State: breachdesk.NoticeInFlight, Code: "BD-1"}})
		if breachdesk.ErrorCode(err) != breachdesk.EConflict {
			t.Fatalf("in_flight with another notice's code = %v, want conflict", err)
		}
	})
}

func testWorkers(t *testing.T, open OpenFunc) {
	b := setupCampaigns(t, open)
	ctx := WorkerContext("w1")
	started := b.clock.T
	w1 := &breachdesk.Worker{ID: "w1", Host: "mail-1", PID: 100}
	if err := b.s.Campaigns.RegisterWorker(ctx, w1); err != nil {
		t.Fatal(err)
	}
	if !w1.StartedAt.Equal(started) || !w1.HeartbeatAt.Equal(started) {
		t.Fatalf("RegisterWorker() = %+v, want started and beating at %v", w1, started)
	}
	if err := b.s.Campaigns.RegisterWorker(ctx, &breachdesk.Worker{ID: "w2", Host: "mail-2", PID: 200}); err != nil {
		t.Fatal(err)
	}
	b.clock.T = b.clock.T.Add(time.Minute)
	if err := b.s.Campaigns.RegisterWorker(ctx, &breachdesk.Worker{ID: "w1", Host: "mail-1", PID: 101}); err != nil {
		t.Fatal(err)
	}
	t.Run("OKHeartbeatKeepsStart", func(t *testing.T) {
		workers, err := b.s.Campaigns.FindWorkers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []*breachdesk.Worker{
			{ID: "w1", Host: "mail-1", PID: 101, StartedAt: started, HeartbeatAt: b.clock.T},
			{ID: "w2", Host: "mail-2", PID: 200, StartedAt: started, HeartbeatAt: started},
		}
		if diff := cmp.Diff(want, workers); diff != "" {
			t.Fatalf("FindWorkers() (-want +got):\n%s", diff)
		}
	})
	t.Run("ErrNoID", func(t *testing.T) {
		if err := b.s.Campaigns.RegisterWorker(ctx, &breachdesk.Worker{Host: "x"}); breachdesk.ErrorCode(err) != breachdesk.EInvalid {
			t.Fatalf("RegisterWorker(no id) = %v, want invalid", err)
		}
	})

	c := b.start(t, &breachdesk.Campaign{})
	claimed := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", Limit: 3})
	b.claim(t, breachdesk.ClaimRequest{WorkerID: "w2", Limit: 1})
	b.record(t, "w1", breachdesk.NoticeOutcome{NoticeID: claimed[0].Notice.ID, State: breachdesk.NoticeInFlight, Code: "BD-1"})
	b.clock.T = b.clock.T.Add(time.Minute)
	n, err := b.s.Campaigns.ReleaseWorker(ctx, "w1")
	if err != nil || n != 1 {
		t.Fatalf("ReleaseWorker(w1) = %d, %v; want 1 in flight", n, err)
	}
	t.Run("OKReleaseQueuesAgain", func(t *testing.T) {
		notices := b.notices(t, c.ID)
		for _, tt := range []struct {
			id        string
			state     breachdesk.NoticeState
			worker    string
			uncertain bool
			attempts  int
		}{
			{"E-FR-1", breachdesk.NoticeQueued, "", true, 1},
			{"E-FR-2", breachdesk.NoticeQueued, "", false, 0},
			{"E-US-1", breachdesk.NoticeQueued, "", false, 0},
			{"E-US-2", breachdesk.NoticeClaimed, "w2", false, 0},
		} {
			n := notices[tt.id]
			if n.State != tt.state || n.WorkerID != tt.worker || n.Uncertain != tt.uncertain || n.Attempts != tt.attempts {
				t.Errorf("%s after releasing w1 = %+v, want %s by %q, uncertain %t, %d attempts", tt.id, n, tt.state, tt.worker, tt.uncertain, tt.attempts)
			}
		}
		if n := notices["E-FR-1"]; n.Code != "BD-1" {
			t.Errorf("uncertain notice's code = %q, want BD-1 kept for the next attempt", n.Code)
		}
		workers, _ := b.s.Campaigns.FindWorkers(ctx)
		if len(workers) != 1 || workers[0].ID != "w2" {
			t.Errorf("FindWorkers() after releasing w1 = %+v, want w2 alone", workers)
		}
		got := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w3", Limit: 10})
		if diff := cmp.Diff([]string{"E-FR-1", "E-FR-2", "E-US-1"}, externalIDs(got)); diff != "" {
			t.Errorf("ClaimNotices() after the release (-want +got):\n%s", diff)
		}
		if p, _ := b.s.Campaigns.CampaignProgress(ctx, c.ID); p.Uncertain != 1 {
			t.Errorf("progress Uncertain = %d, want 1", p.Uncertain)
		}
	})
	t.Run("OKReleaseUnknown", func(t *testing.T) {
		if n, err := b.s.Campaigns.ReleaseWorker(ctx, "w9"); err != nil || n != 0 {
			t.Fatalf("ReleaseWorker(w9) = %d, %v; want 0", n, err)
		}
	})
}

func testCampaignProgress(t *testing.T, open OpenFunc) {
	ctx := Context()
	b := setupCampaigns(t, open)
	c := b.start(t, &breachdesk.Campaign{})
	byID := map[string]int64{}
	claimed := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", Limit: 10})
	for _, n := range claimed {
		byID[n.Notice.ExternalID] = n.Notice.ID
	}
	first, last := b.clock.T.Add(time.Second), b.clock.T.Add(time.Minute)
	b.record(t, "w1",
		breachdesk.NoticeOutcome{NoticeID: byID["E-FR-1"], State: breachdesk.NoticeInFlight},
		breachdesk.NoticeOutcome{NoticeID: byID["E-FR-1"], State: breachdesk.NoticeSent, At: last},
		breachdesk.NoticeOutcome{NoticeID: byID["E-FR-2"], State: breachdesk.NoticeInFlight},
		breachdesk.NoticeOutcome{NoticeID: byID["E-FR-2"], State: breachdesk.NoticeSent, At: first},
		breachdesk.NoticeOutcome{NoticeID: byID["E-US-1"], State: breachdesk.NoticeQueued, NextAttemptAt: b.clock.T.Add(time.Hour)},
	)
	states := func(queued, claimed, sent int64) map[breachdesk.NoticeState]int64 {
		m := map[breachdesk.NoticeState]int64{}
		for _, s := range breachdesk.NoticeStates() {
			m[s] = 0
		}
		m[breachdesk.NoticeQueued], m[breachdesk.NoticeClaimed], m[breachdesk.NoticeSent] = queued, claimed, sent
		return m
	}
	got, err := b.s.Campaigns.CampaignProgress(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := &breachdesk.CampaignProgress{
		CampaignID: c.ID, Status: breachdesk.CampaignActive, Total: 4, States: states(1, 1, 2), Waiting: 1,
		ByLanguage: map[string]map[breachdesk.NoticeState]int64{
			"fr":    {breachdesk.NoticeSent: 2},
			"en-US": {breachdesk.NoticeQueued: 1},
			"es-US": {breachdesk.NoticeClaimed: 1},
		},
		ByCountry: map[string]map[breachdesk.NoticeState]int64{
			"FR": {breachdesk.NoticeSent: 2},
			"US": {breachdesk.NoticeQueued: 1, breachdesk.NoticeClaimed: 1},
		},
		FirstSentAt: &first, LastSentAt: &last,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("CampaignProgress() (-want +got):\n%s", diff)
	}
	if got.Remaining() != 2 {
		t.Errorf("Remaining() = %d, want 2", got.Remaining())
	}

	t.Run("OKDoneWhenNothingRemains", func(t *testing.T) {
		b.clock.T = b.clock.T.Add(2 * time.Hour)
		b.record(t, "w1", breachdesk.NoticeOutcome{NoticeID: byID["E-US-2"], State: breachdesk.NoticeFailed})
		b.sendAll(t, c.ID, "w1", func(string) breachdesk.NoticeState { return breachdesk.NoticeBounced })
		got, err := b.s.Campaigns.CampaignProgress(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != breachdesk.CampaignDone || got.Remaining() != 0 || got.States[breachdesk.NoticeBounced] != 1 || got.States[breachdesk.NoticeFailed] != 1 {
			t.Fatalf("CampaignProgress() with nothing left = %+v, want done", got)
		}
		found, err := b.s.Campaigns.FindCampaignByID(ctx, c.ID)
		if err != nil || found.Status != breachdesk.CampaignDone || found.CompletedAt == nil || !found.CompletedAt.Equal(b.clock.T) {
			t.Fatalf("campaign after its last notice = %+v, %v; want done at %v", found, err, b.clock.T)
		}
		b.clock.T = b.clock.T.Add(time.Hour)
		if again, err := b.s.Campaigns.CampaignProgress(ctx, c.ID); err != nil || again.Status != breachdesk.CampaignDone {
			t.Fatalf("CampaignProgress() again = %+v, %v", again, err)
		}
		if found, _ := b.s.Campaigns.FindCampaignByID(ctx, c.ID); !found.CompletedAt.Equal(b.clock.T.Add(-time.Hour)) {
			t.Fatalf("CompletedAt moved to %v on a second look", found.CompletedAt)
		}
	})
	t.Run("OKDraftStaysDraft", func(t *testing.T) {
		draft := b.create(t, &breachdesk.Campaign{Channel: breachdesk.ChannelLetter})
		got, err := b.s.Campaigns.CampaignProgress(ctx, draft.ID)
		if err != nil || got.Status != breachdesk.CampaignDraft || got.Total != 3 || got.States[breachdesk.NoticeQueued] != 3 {
			t.Fatalf("CampaignProgress(draft) = %+v, %v", got, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if _, err := b.s.Campaigns.CampaignProgress(ctx, 404); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
			t.Fatalf("CampaignProgress(404) = %v, want not_found", err)
		}
	})
}

func testFindNotices(t *testing.T, open OpenFunc) {
	ctx := Context()
	b := setupCampaigns(t, open)
	c := b.start(t, &breachdesk.Campaign{})
	letters := b.create(t, &breachdesk.Campaign{Channel: breachdesk.ChannelLetter})
	b.sendAll(t, c.ID, "w1", func(id string) breachdesk.NoticeState {
		if id == "E-US-2" {
			return breachdesk.NoticeFailed
		}
		return breachdesk.NoticeSent
	})
	all, n, err := b.s.Campaigns.FindNotices(ctx, breachdesk.NoticeFilter{})
	if err != nil || n != 6 || len(all) != 6 {
		t.Fatalf("FindNotices() = %d notices, total %d, %v; want 6", len(all), n, err)
	}
	if !slices.IsSortedFunc(all, func(a, b *breachdesk.Notice) int { return int(a.ID - b.ID) }) {
		t.Errorf("FindNotices() is not in ID order")
	}
	us1 := b.notices(t, c.ID)["E-US-1"]
	if us1.Country != "US" || us1.Region != "US-CA" || us1.Language != "en-US" || us1.Code == "" {
		t.Fatalf("E-US-1's notice = %+v, want the person's country, region and language, and a code", us1)
	}
	ids := func(notices []*breachdesk.Notice) []string {
		var out []string
		for _, n := range notices {
			out = append(out, fmt.Sprintf("%d:%s", n.CampaignID, n.ExternalID))
		}
		return out
	}
	failed := breachdesk.NoticeFailed
	for _, tt := range []struct {
		name   string
		filter breachdesk.NoticeFilter
		want   []string
		total  int
	}{
		{"ByCode", breachdesk.NoticeFilter{Code: &us1.Code}, []string{fmt.Sprintf("%d:E-US-1", c.ID)}, 1},
		{"ByUnknownCode", breachdesk.NoticeFilter{Code: new("BD-0000-0000-0000")}, nil, 0},
		{"ByExternalID", breachdesk.NoticeFilter{ExternalID: new("L-FR-1")}, []string{fmt.Sprintf("%d:L-FR-1", letters.ID)}, 1},
		{"ByPerson", breachdesk.NoticeFilter{PersonID: &b.people["E-FR-1"].ID}, []string{fmt.Sprintf("%d:E-FR-1", c.ID)}, 1},
		{"ByState", breachdesk.NoticeFilter{State: &failed}, []string{fmt.Sprintf("%d:E-US-2", c.ID)}, 1},
		{"ByCampaignAndState", breachdesk.NoticeFilter{CampaignID: &letters.ID, State: &failed}, nil, 0},
		{"Page", breachdesk.NoticeFilter{CampaignID: &c.ID, Limit: 2, Offset: 1}, []string{fmt.Sprintf("%d:E-FR-2", c.ID), fmt.Sprintf("%d:E-US-1", c.ID)}, 4},
		{"PagePastEnd", breachdesk.NoticeFilter{CampaignID: &c.ID, Limit: 2, Offset: 10}, nil, 4},
	} {
		t.Run("OK"+tt.name, func(t *testing.T) {
			got, n, err := b.s.Campaigns.FindNotices(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" || n != tt.total {
				t.Fatalf("FindNotices() total = %d, want %d; notices (-want +got):\n%s", n, tt.total, diff)
			}
		})
	}
}
