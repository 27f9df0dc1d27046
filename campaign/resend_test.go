package campaign_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/campaign"
	"github.com/breachdesk/breachdesk/notice"
	"github.com/breachdesk/breachdesk/sqlite"
)

// mailbox records whole messages by recipient.
type mailbox struct {
	mu   sync.Mutex
	byTo map[string][]string
}

func (m *mailbox) Send(_ context.Context, from, to string, msg []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.byTo[to] = append(m.byTo[to], string(msg))
	return nil
}

func (m *mailbox) count(to string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byTo[to])
}

func TestResendOnlyToTheAffected(t *testing.T) {
	db, k := openWithKeyring(t)
	incidents := sqlite.NewIncidentService(db)
	inc := &breachdesk.Incident{Title: "Theft", Summary: "An intruder copied customer records.", DataCategories: []string{"name", "email"}}
	if err := incidents.CreateIncident(actor, inc); err != nil {
		t.Fatal(err)
	}
	people := sqlite.NewAffectedPersonService(db)
	var sealed []*breachdesk.SealedPerson
	for i := range 3 {
		sealed = append(sealed, k.SealPerson(&breachdesk.AffectedPerson{IncidentID: inc.ID, ExternalID: fmt.Sprint("c", i),
			Name: fmt.Sprint("Person ", i), Email: fmt.Sprintf("person%d@example.com", i), Country: "FR", Language: "fr"}))
	}
	if _, err := people.InsertSealedPeople(actor, inc.ID, sealed); err != nil {
		t.Fatal(err)
	}
	campaigns := sqlite.NewCampaignService(db)
	c := &breachdesk.Campaign{IncidentID: inc.ID}
	if err := campaigns.CreateCampaign(actor, c); err != nil {
		t.Fatal(err)
	}
	if _, err := campaigns.SetCampaignStatus(actor, c.ID, breachdesk.CampaignActive); err != nil {
		t.Fatal(err)
	}
	renderer, err := notice.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	composer, err := campaign.NewMailComposer(&campaign.MailComposer{Keyring: k, Renderer: renderer, From: "Marketplace <privacy@marketplace.example>",
		VERPKey: k.Derive("verp"), VerifyURL: "https://notice.marketplace.example/verify",
		Organization: &breachdesk.Organization{Name: "Marketplace SAS", Country: "FR", Language: "fr"}, Incidents: incidents})
	if err != nil {
		t.Fatal(err)
	}
	first := &mailbox{byTo: map[string][]string{}}
	s := &campaign.Sender{Config: campaign.Config{CampaignID: &c.ID, Poll: 5 * time.Millisecond}, Campaigns: campaigns, Composer: composer, Messenger: first}
	if err := s.Run(actor); err != nil {
		t.Fatalf("Run() = %v", err)
	}

	again := &mailbox{byTo: map[string][]string{}}
	obs := newObserver()
	r := &campaign.Resender{People: people, Campaigns: campaigns, Keyring: k, Composer: composer, Messenger: again, Observer: obs}
	r.Init()
	ctx, cancel := context.WithCancel(actor)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	r.RequestResend("Person1@Example.com", "en")  // affected, in another case
	r.RequestResend("stranger@example.com", "en") // not affected
	r.RequestResend("person1@example.com", "en")  // again within the hour: nothing more
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && again.count("person1@example.com") == 0; time.Sleep(5 * time.Millisecond) {
	}
	time.Sleep(50 * time.Millisecond) // let the other two requests be handled
	cancel()
	<-done

	if got := again.count("person1@example.com"); got != 1 {
		t.Fatalf("the affected address got %d messages, want its notice once", got)
	}
	if len(again.byTo) != 1 {
		t.Errorf("messages went to %d addresses, want only the affected one", len(again.byTo))
	}
	if got := obs.count("resent"); got != 1 {
		t.Errorf("the observer counted %d notices resent, want 1", got)
	}
	msg, orig := again.byTo["person1@example.com"][0], first.byTo["person1@example.com"][0]
	code := header(orig, "X-Breachdesk-Code")
	if code == "" || header(msg, "X-Breachdesk-Code") != code {
		t.Errorf("code %q in the message sent again, want the notice's %q", header(msg, "X-Breachdesk-Code"), code)
	}
	if id := header(msg, "Message-Id"); id == "" || id == header(orig, "Message-Id") {
		t.Errorf("Message-ID %q, want one of its own, not the notice's %q", id, header(orig, "Message-Id"))
	}
}

// header returns the value of a header field of a raw message.
func header(msg, name string) string {
	head, _, _ := strings.Cut(msg, "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
