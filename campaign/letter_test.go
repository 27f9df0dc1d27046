package campaign_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/campaign"
	"github.com/breachdesk/breachdesk/keyring"
	"github.com/breachdesk/breachdesk/notice"
	"github.com/breachdesk/breachdesk/sqlite"
)

// TestLettersTakeBackADeadRun: a letter run died with some letters only
// claimed and some in flight (their files perhaps written); the next run
// takes them back, writes every letter, and marks those in flight
// uncertain.
func TestLettersTakeBackADeadRun(t *testing.T) {
	db, k := openWithKeyring(t)
	incidents := sqlite.NewIncidentService(db)
	inc := &breachdesk.Incident{Title: "Theft", Summary: "An intruder copied customer records.", DataCategories: []string{"name", "postal_address"}}
	if err := incidents.CreateIncident(actor, inc); err != nil {
		t.Fatal(err)
	}
	const n = 12
	people := make([]*breachdesk.SealedPerson, n)
	for i := range people {
		people[i] = k.SealPerson(&breachdesk.AffectedPerson{IncidentID: inc.ID, ExternalID: fmt.Sprint("c", i),
			Name: fmt.Sprint("Person ", i), PostalAddress: fmt.Sprintf("%d rue de la Paix\n75002 Paris", i+1), Country: "FR", Language: "fr"})
	}
	if _, err := sqlite.NewAffectedPersonService(db).InsertSealedPeople(actor, inc.ID, people); err != nil {
		t.Fatal(err)
	}
	campaigns := sqlite.NewCampaignService(db)
	c := &breachdesk.Campaign{IncidentID: inc.ID, Channel: breachdesk.ChannelLetter}
	if err := campaigns.CreateCampaign(actor, c); err != nil {
		t.Fatal(err)
	}
	if _, err := campaigns.SetCampaignStatus(actor, c.ID, breachdesk.CampaignActive); err != nil {
		t.Fatal(err)
	}

	// The run that died: a process of this host that is gone, holding 5
	// letters, 2 of them in flight.
	ghost := &breachdesk.Worker{ID: "ghost-letters", Host: hostname(t), PID: 1 << 22}
	if err := campaigns.RegisterWorker(actor, ghost); err != nil {
		t.Fatal(err)
	}
	claimed, err := campaigns.ClaimNotices(actor, breachdesk.ClaimRequest{WorkerID: ghost.ID, CampaignID: &c.ID, Channel: breachdesk.ChannelLetter, Limit: 5})
	if err != nil || len(claimed) != 5 {
		t.Fatalf("ClaimNotices() = %d, %v; want 5", len(claimed), err)
	}
	var inFlight []breachdesk.NoticeOutcome
	for _, cn := range claimed[:2] {
		inFlight = append(inFlight, breachdesk.NoticeOutcome{NoticeID: cn.Notice.ID, State: breachdesk.NoticeInFlight,
			Code: k.NoticeCode(cn.Notice.ID), MessageID: fmt.Sprint("letter-", cn.Notice.ID)})
	}
	if _, err := campaigns.RecordNoticeOutcomes(actor, ghost.ID, inFlight); err != nil {
		t.Fatal(err)
	}

	renderer, err := notice.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w := &campaign.LetterWriter{CampaignID: c.ID, Dir: dir, Campaigns: campaigns, Incidents: incidents, Keyring: k,
		Renderer: renderer, Organization: &breachdesk.Organization{Name: "Marketplace SAS", Country: "FR", Language: "fr"},
		VerifyURL: "https://verify.marketplace.example"}
	written, err := w.Run(actor)
	if err != nil || written != n {
		t.Fatalf("Run() = %d, %v; want all %d letters written", written, err, n)
	}
	p, err := campaigns.CampaignProgress(actor, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.States[breachdesk.NoticeSent] != n || p.Uncertain != 2 || p.Status != breachdesk.CampaignDone {
		t.Errorf("progress %s %v, uncertain %d; want all %d sent and the 2 in flight uncertain", p.Status, p.States, p.Uncertain, n)
	}
	files, err := filepath.Glob(filepath.Join(dir, fmt.Sprintf("campaign-%d-notice-*.pdf", c.ID)))
	if err != nil || len(files) != n {
		t.Errorf("%d letter files, want %d (%v)", len(files), n, err)
	}
	for _, f := range files {
		if data, err := os.ReadFile(f); err != nil || len(data) < 1000 || string(data[:5]) != "%PDF-" {
			t.Errorf("%s is not a PDF letter (%d bytes, %v)", f, len(data), err)
		}
	}
	workers, err := campaigns.FindWorkers(actor)
	if err != nil {
		t.Fatal(err)
	}
	for _, wk := range workers {
		if wk.ID == ghost.ID {
			t.Error("the dead letter run is still registered")
		}
	}
}

// openWithKeyring opens a SQLite database in a temporary directory and a
// keyring with a new master key, for tests that seal real people.
func openWithKeyring(t *testing.T) (*sqlite.DB, *keyring.Keyring) {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "test.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mk, err := keyring.NewMasterKey(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	k, err := keyring.Open(actor, mk, sqlite.NewDataKeyService(db), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return db, k
}
