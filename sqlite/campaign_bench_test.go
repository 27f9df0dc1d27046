package sqlite_test

import (
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/internal/storetest"
	"github.com/breachdesk/breachdesk/sqlite"
)

// campaignBenchPeople is how many people the campaign benchmarks address.
const campaignBenchPeople = 100_000

// mustBenchIncident stores an incident and n sealed people of realistic
// sizes, nine in ten with an e-mail address, spread over five languages.
func mustBenchIncident(b *testing.B, db *sqlite.DB, n int) *breachdesk.Incident {
	b.Helper()
	ctx := storetest.Context()
	incident := &breachdesk.Incident{Title: "Benchmark"}
	if err := sqlite.NewIncidentService(db).CreateIncident(ctx, incident); err != nil {
		b.Fatal(err)
	}
	random := func(n int) []byte {
		p := make([]byte, n)
		rand.Read(p)
		return p
	}
	languages := []struct{ country, language string }{{"FR", "fr"}, {"BE", "nl"}, {"DE", "de"}, {"ES", "es"}, {"GB", "en"}}
	people := make([]*breachdesk.SealedPerson, 0, 50_000)
	svc := sqlite.NewAffectedPersonService(db)
	for i := range n {
		l := languages[i%len(languages)]
		p := &breachdesk.SealedPerson{ExternalID: fmt.Sprintf("C-%09d", i), Name: random(17 + 15),
			PostalAddress: random(17 + 40), Country: l.country, Language: l.language}
		if i%10 != 0 {
			p.Email, p.EmailIndex = random(17+25), random(16)
		}
		if people = append(people, p); len(people) == cap(people) || i == n-1 {
			if _, err := svc.InsertSealedPeople(ctx, incident.ID, people); err != nil {
				b.Fatal(err)
			}
			people = people[:0]
		}
	}
	return incident
}

// BenchmarkCreateCampaign measures queuing an e-mail campaign's notices for
// 100,000 people, 90,000 of them reachable, in one INSERT ... SELECT.
func BenchmarkCreateCampaign(b *testing.B) {
	db := MustOpenDB(b, time.Now)
	incident := mustBenchIncident(b, db, campaignBenchPeople)
	svc := sqlite.NewCampaignService(db)
	ctx := storetest.Context()
	var people int64
	for b.Loop() {
		c := &breachdesk.Campaign{IncidentID: incident.ID}
		if err := svc.CreateCampaign(ctx, c); err != nil {
			b.Fatal(err)
		}
		people += c.Recipients + c.Skipped
	}
	b.ReportMetric(float64(people)/b.Elapsed().Seconds(), "people/s")
}

// BenchmarkSendNotices measures the outbox alone, as a sender drives it:
// claim 500 notices, record them in flight, record them sent. The figure
// is notices through the three steps per second; a sender that hands
// messages to an SMTP relay must stay below it for the outbox not to be
// what slows a campaign.
func BenchmarkSendNotices(b *testing.B) {
	const batch = 500
	db := MustOpenDB(b, time.Now)
	incident := mustBenchIncident(b, db, campaignBenchPeople)
	svc := sqlite.NewCampaignService(db)
	ctx := storetest.WorkerContext("bench")
	start := func() {
		c := &breachdesk.Campaign{IncidentID: incident.ID}
		if err := svc.CreateCampaign(ctx, c); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.SetCampaignStatus(ctx, c.ID, breachdesk.CampaignActive); err != nil {
			b.Fatal(err)
		}
	}
	start()
	sent := 0
	inFlight := make([]breachdesk.NoticeOutcome, 0, batch)
	done := make([]breachdesk.NoticeOutcome, 0, batch)
	for b.Loop() {
		claimed, err := svc.ClaimNotices(ctx, breachdesk.ClaimRequest{WorkerID: "bench", Channel: breachdesk.ChannelEmail, Limit: batch})
		if err != nil {
			b.Fatal(err)
		}
		if len(claimed) == 0 {
			b.StopTimer()
			start()
			b.StartTimer()
			continue
		}
		inFlight, done = inFlight[:0], done[:0]
		for _, c := range claimed {
			id := c.Notice.ID
			inFlight = append(inFlight, breachdesk.NoticeOutcome{NoticeID: id, State: breachdesk.NoticeInFlight,
				Code: fmt.Sprintf("BD-%012d", id), MessageID: fmt.Sprintf("<%d.bench@breachdesk.example>", id)})
			done = append(done, breachdesk.NoticeOutcome{NoticeID: id, State: breachdesk.NoticeSent})
		}
		for _, outcomes := range [][]breachdesk.NoticeOutcome{inFlight, done} {
			if ignored, err := svc.RecordNoticeOutcomes(ctx, "bench", outcomes); err != nil || ignored != 0 {
				b.Fatalf("RecordNoticeOutcomes() = %d ignored, %v", ignored, err)
			}
		}
		sent += len(claimed)
	}
	b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "notices/s")
}

// BenchmarkCampaignProgress measures counting a campaign of 90,000 notices
// by state, language and country.
func BenchmarkCampaignProgress(b *testing.B) {
	db := MustOpenDB(b, time.Now)
	incident := mustBenchIncident(b, db, campaignBenchPeople)
	svc := sqlite.NewCampaignService(db)
	ctx := storetest.Context()
	c := &breachdesk.Campaign{IncidentID: incident.ID}
	if err := svc.CreateCampaign(ctx, c); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p, err := svc.CampaignProgress(ctx, c.ID)
		if err != nil || p.Total != c.Recipients {
			b.Fatalf("CampaignProgress() = %+v, %v; want %d notices", p, err, c.Recipients)
		}
	}
}
