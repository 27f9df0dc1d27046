package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/csv"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/mail"
	netsmtp "net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/internal/pdftest"
	"github.com/breachdesk/breachdesk/internal/smtpsink"
	"github.com/breachdesk/breachdesk/smtp"
)

// intrusionFile is the second founding case: an intruder copies the
// customer database.
const intrusionFile = `title: Customer database copied by an intruder
summary: An intruder used a stolen administrator password to copy the customer database.
nature: [confidentiality]
cause: malicious_attack
malicious: true
occurred_from: 2026-11-14T02:00:00Z
occurred_to: 2026-11-16T05:00:00Z
detected_at: 2026-11-19T09:00:00Z
aware_at: 2026-11-19T15:00:00Z
contained_at: 2026-11-19T18:00:00Z
data_categories: [name, email, phone, postal_address, payment_card_last4, password_hash_weak]
subject_categories: [customers]
approx_subjects: 24000000
recipients: unknown
encryption: none
cross_border: true
measures_taken: We closed the intruder's access, reset every administrator password and required a new password from every customer.
likely_consequences: Phishing e-mails and calls that quote your order history; attempts to log in to other sites with your password.
law_enforcement: true
`

// people reads an import CSV into rows by column name.
func people(t *testing.T, data string) []map[string]string {
	t.Helper()
	records, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, r := range records[1:] {
		row := map[string]string{}
		for i, name := range records[0] {
			row[name] = r[i]
		}
		rows = append(rows, row)
	}
	return rows
}

// dkimKey writes a new RSA-2048 key and returns its path and DNS record.
func dkimKey(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "dkim.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	record, err := smtp.DNSRecord(key)
	if err != nil {
		t.Fatal(err)
	}
	return path, record
}

// openStore opens the cli's database as the commands do, for checks the
// commands do not print.
func (c *cli) openStore() *store {
	c.t.Helper()
	m := NewMain()
	m.Config.DB = c.db
	s, err := m.openStore(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { m.Close() })
	return s
}

// notices returns a campaign's notices.
func (c *cli) notices(campaignID string) []*breachdesk.Notice {
	c.t.Helper()
	id, _ := parseCampaignID(campaignID)
	notices, _, err := c.openStore().Campaigns.FindNotices(context.Background(), breachdesk.NoticeFilter{CampaignID: &id})
	if err != nil {
		c.t.Fatal(err)
	}
	return notices
}

func (c *cli) progress(campaignID string) *breachdesk.CampaignProgress {
	c.t.Helper()
	var p breachdesk.CampaignProgress
	if err := json.Unmarshal([]byte(c.mustRun("", "campaign", "status", campaignID, "--json")), &p); err != nil {
		c.t.Fatal(err)
	}
	return &p
}

var noticeID = regexp.MustCompile(`(?m)^Message-Id: <notice\.\d+\.(\d+)\.`)

// receivedBy counts, per recipient, the messages the sink received, and
// per notice id.
func receivedBy(t *testing.T, sink *smtpsink.Sink) (byRecipient map[string]int, byNotice map[string]int) {
	byRecipient, byNotice = map[string]int{}, map[string]int{}
	for _, m := range sink.Received(t) {
		for _, to := range m.To {
			byRecipient[strings.ToLower(to)]++
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatalf("a received message does not parse: %v", err)
		}
		id := strings.Split(strings.Trim(msg.Header.Get("Message-Id"), "<>"), ".")
		if len(id) < 3 {
			t.Fatalf("Message-ID %q is not a notice's", msg.Header.Get("Message-Id"))
		}
		byNotice[id[2]]++
	}
	return byRecipient, byNotice
}

const mailFrom = "Marketplace Privacy <privacy@marketplace.example>"

// TestCampaign: the DPO of the intrusion case notifies every affected
// person by e-mail, signed with DKIM, through a real SMTP server, after
// previewing the notice in five languages; then writes letters for those
// with no e-mail address, and follows up on a bounce.
func TestCampaign(t *testing.T) {
	smtpsink.Require(t)
	smtpsink.DKIMPython(t)
	pdftest.Require(t)
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			c.mustRun("", "org", "set", "--name", "Marketplace SAS", "--country", "FR",
				"--dpo-name", "Dana Prot", "--dpo-email", "dpo@marketplace.example", "--language", "fr")
			generated := c.mustRun("", "gen", "subjects", "40", "--seed", "5", "--countries", "FR,DE,IT,ES,GB,US-CA,US-NY,US-MA")
			// Two customers known only by post.
			generated += "P1,Odile Papier,,,\"3 rue des Lettres, 75001 Paris\",FR,,fr,\n" +
				"P2,Hans Brief,,,\"Postweg 9, 10115 Berlin\",DE,,de,\n"
			rows := people(t, generated)
			file := c.file("people.csv", generated)
			id := strings.TrimSpace(c.mustRun(intrusionFile, "incident", "create", "-f", "-"))
			c.mustRun("", append(c.keyArgs(), "subjects", "import", id, file)...)

			created := c.run("", "campaign", "create", id)
			campaignID := strings.TrimSpace(created.stdout)
			if created.code != ExitOK || !regexp.MustCompile(`^\d+\n$`).MatchString(created.stdout) {
				t.Fatalf("campaign create: exit %d, stdout %q (want only the id)\n%s", created.code, created.stdout, created.stderr)
			}
			if !strings.Contains(created.stderr, "40 notices by email queued as a draft") || !strings.Contains(created.stderr, "2 selected people were left out: no e-mail address") {
				t.Errorf("campaign create summary:\n%s", created.stderr)
			}

			// The preview, in five languages, as it will be sent.
			mailArgs := append(c.keyArgs(), "--mail-from", mailFrom, "--public-url", "https://notice.marketplace.example")
			subjects := map[string]string{}
			for _, lang := range []string{"fr", "de", "it", "es", "en"} {
				var person map[string]string
				for _, r := range rows {
					if r["language"] == lang || strings.HasPrefix(r["language"], lang+"-") {
						person = r
						break
					}
				}
				if person == nil {
					t.Fatalf("no generated person speaks %s", lang)
				}
				out := c.mustRun("", append([]string{"campaign", "preview", campaignID, "--subject", person["external_id"]}, mailArgs...)...)
				for _, want := range []string{"Language: " + lang, "To: " + person["email"], "https://notice.marketplace.example/verify"} {
					if !strings.Contains(out, want) {
						t.Errorf("preview in %s lacks %q:\n%s", lang, want, out)
					}
				}
				code := regexp.MustCompile(`Code: (BD-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})`).FindStringSubmatch(out)
				if code == nil || strings.Count(out, code[1]) < 2 {
					t.Errorf("preview in %s: want the code in the header and in the body:\n%s", lang, out)
				}
				subjects[regexp.MustCompile(`(?m)^Subject: (.*)$`).FindStringSubmatch(out)[1]] = lang
			}
			if len(subjects) != 5 {
				t.Errorf("subjects of the five previews: %v, want five different ones", subjects)
			}

			// Send, signed, to a real SMTP server.
			keyPath, record := dkimKey(t, c.dir)
			sink := smtpsink.Start(t)
			sent := c.run("", append([]string{"campaign", "send", campaignID, "--smtp", sink.URL(), "--concurrency", "4",
				"--dkim-key", keyPath, "--dkim-selector", "bd", "--dkim-domain", "marketplace.example"}, mailArgs...)...)
			if sent.code != ExitOK {
				t.Fatalf("campaign send: exit %d\n%s", sent.code, sent.stderr)
			}
			byRecipient, _ := receivedBy(t, sink)
			for _, r := range rows {
				if want := map[bool]int{true: 1, false: 0}[r["email"] != ""]; byRecipient[strings.ToLower(r["email"])] != want && r["email"] != "" {
					t.Errorf("%s received %d notices, want %d", r["external_id"], byRecipient[strings.ToLower(r["email"])], want)
				}
			}
			if len(byRecipient) != 40 {
				t.Errorf("the sink received mail for %d recipients, want 40", len(byRecipient))
			}
			for _, msg := range sink.Messages(t) {
				if report, ok := smtpsink.VerifyDKIM(t, msg, 1, map[string]string{"bd._domainkey.marketplace.example": record}); !ok {
					t.Errorf("python3-dkim rejects a notice's signature: %s", report)
					break
				}
			}
			p := c.progress(campaignID)
			if p.Status != breachdesk.CampaignDone || p.States[breachdesk.NoticeSent] != 40 || p.Uncertain != 0 ||
				p.ByLanguage["fr"][breachdesk.NoticeSent] == 0 || p.ByCountry["US"][breachdesk.NoticeSent] != 15 {
				t.Errorf("status after sending: %+v", p)
			}
			timeline := c.mustRun("", "incident", "timeline", id)
			if !strings.Contains(timeline, "individuals_notified") {
				t.Errorf("the timeline lacks individuals_notified:\n%s", timeline)
			}

			// Letters for the two people with no e-mail address.
			letters := strings.TrimSpace(c.mustRun("", "campaign", "create", id, "--channel", "letter"))
			dir := filepath.Join(c.dir, "letters")
			c.mustRun("", append([]string{"campaign", "send", letters, "--out", dir}, mailArgs...)...)
			files, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
			if len(files) != 2 {
				t.Fatalf("%d letters written, want 2", len(files))
			}
			for _, n := range c.notices(letters) {
				text := strings.Join(pdftest.Pages(t, filepath.Join(dir, fmt.Sprintf("campaign-%s-notice-%d.pdf", letters, n.ID)), false), "\n")
				if !strings.Contains(text, n.Code) || n.State != breachdesk.NoticeSent {
					t.Errorf("letter of notice %d (%s): want its code %s in the PDF", n.ID, n.State, n.Code)
				}
			}

			// A bounce comes back to the VERP return path of one notice.
			bounceAddr := freeLoopback(t)
			c.serve(append([]string{"--smtp-addr", bounceAddr}, mailArgs...)...)
			first := c.notices(campaignID)[0]
			msgs := sink.Received(t)
			var returnPath string
			for _, m := range msgs {
				if strings.Contains(string(m.Data), first.MessageID) {
					returnPath = m.From
				}
			}
			if !strings.HasPrefix(returnPath, "bounce+") || !strings.HasSuffix(returnPath, "@marketplace.example") {
				t.Fatalf("return path %q, want a VERP address of marketplace.example", returnPath)
			}
			if err := netsmtp.SendMail(bounceAddr, nil, "", []string{returnPath}, dsn(returnPath)); err != nil {
				t.Fatalf("delivering the bounce: %v", err)
			}
			if p := c.progress(campaignID); p.States[breachdesk.NoticeBounced] != 1 {
				t.Errorf("after the bounce: %v, want one bounced", p.States)
			}
			followUp := c.run("", "campaign", "create", id, "--follow-up", campaignID, "--unreached")
			if followUp.code != ExitOK || !strings.Contains(followUp.stderr, "1 notices by email") {
				t.Errorf("follow-up of the unreached: exit %d\n%s", followUp.code, followUp.stderr)
			}
		})
	}
}

// dsn is a delivery status notification saying the message could not be
// delivered.
func dsn(returnPath string) []byte {
	return []byte("From: MAILER-DAEMON@mx.example.org\r\nTo: " + returnPath + "\r\nSubject: Undelivered Mail\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n" +
		"--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n" +
		"Final-Recipient: rfc822; gone@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: user unknown\r\n\r\n--b1--\r\n")
}

func freeLoopback(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestCampaignFaults: the relay answers 4xx, 5xx, or drops the connection
// after the message; the notices are retried, failed with the relay's
// reply, or marked uncertain, and a follow-up reaches those not reached.
func TestCampaignFaults(t *testing.T) {
	smtpsink.Require(t)
	c := backends(t)["SQLite"]
	c.t = t
	c.mustRun("", "org", "set", "--name", "Marketplace SAS", "--country", "FR", "--dpo-email", "dpo@marketplace.example")
	file := c.file("people.csv", c.mustRun("", "gen", "subjects", "12", "--seed", "9", "--countries", "FR,GB"))
	id := strings.TrimSpace(c.mustRun(intrusionFile, "incident", "create", "-f", "-"))
	c.mustRun("", append(c.keyArgs(), "subjects", "import", id, file)...)
	send := func(campaignID string, sink *smtpsink.Sink, extra ...string) {
		t.Helper()
		c.mustRun("", append(append(c.keyArgs(), "campaign", "send", campaignID, "--smtp", sink.URL(), "--mail-from", mailFrom,
			"--max-attempts", "3", "--retry-base", "10ms"), extra...)...)
	}

	t.Run("TemporaryThenFollowUp", func(t *testing.T) {
		sink := smtpsink.Start(t, "-r", "RCPT")
		first := strings.TrimSpace(c.mustRun("", "campaign", "create", id))
		send(first, sink)
		for _, n := range c.notices(first) {
			if n.State != breachdesk.NoticeFailed || n.Attempts != 3 || !strings.Contains(n.LastError, "gave up after 3 attempts") || !strings.Contains(n.LastError, "450") {
				t.Errorf("notice %d: %s after %d attempts (%q); want failed after 3 tries of 450", n.ID, n.State, n.Attempts, n.LastError)
			}
		}
		sink.Restart(t)
		again := strings.TrimSpace(c.mustRun("", "campaign", "create", id, "--follow-up", first, "--unreached"))
		send(again, sink)
		if p := c.progress(again); p.States[breachdesk.NoticeSent] != 12 || sink.Count(t) != 12 {
			t.Errorf("follow-up: %v, %d received; want all 12 sent", p.States, sink.Count(t))
		}
	})
	t.Run("Permanent", func(t *testing.T) {
		sink := smtpsink.Start(t, "-f", "RCPT")
		campaignID := strings.TrimSpace(c.mustRun("", "campaign", "create", id, "--filter", "country=GB"))
		send(campaignID, sink)
		for _, n := range c.notices(campaignID) {
			if n.State != breachdesk.NoticeFailed || n.Attempts != 1 || !strings.Contains(n.LastError, "500 5.3.0") || strings.Contains(n.LastError, "@example") {
				t.Errorf("notice %d: %s after %d attempts (%q); want failed at once with the reply, no address", n.ID, n.State, n.Attempts, n.LastError)
			}
		}
	})
	t.Run("DroppedAfterMessage", func(t *testing.T) {
		sink := smtpsink.Start(t, "-q", ".")
		campaignID := strings.TrimSpace(c.mustRun("", "campaign", "create", id, "--filter", "country=FR"))
		send(campaignID, sink, "--max-attempts", "2")
		p := c.progress(campaignID)
		if p.States[breachdesk.NoticeFailed] != 6 || p.Uncertain != 6 {
			t.Errorf("%v, uncertain %d; want the 6 failed and uncertain: the relay may have kept them", p.States, p.Uncertain)
		}
	})
}

// startBreachdesk runs breachdesk with args in a process of its own, to be
// killed.
func startBreachdesk(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "BREACHDESK_TEST_MAIN_ARGS="+strings.Join(args, "\x1f"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

// waitReceived waits until the sink has received at least n messages.
func waitReceived(t *testing.T, sink *smtpsink.Sink, n int, out *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for sink.Count(t) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the sink received %d messages in 90 s, want %d\n%s", sink.Count(t), n, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkNoneLost checks that every notice of the campaign ended sent and
// reached its person, and that the only people who got two are those whose
// notice is marked uncertain, at most one per connection of the sender
// that was killed.
func checkNoneLost(t *testing.T, c *cli, campaignID string, sink *smtpsink.Sink, n, connections int) {
	t.Helper()
	p := c.progress(campaignID)
	if p.States[breachdesk.NoticeSent] != int64(n) || p.Status != breachdesk.CampaignDone {
		t.Fatalf("after the kill and the resume: %s %v; want all %d sent", p.Status, p.States, n)
	}
	_, byNotice := receivedBy(t, sink)
	uncertain := map[string]bool{}
	for _, no := range c.notices(campaignID) {
		if byNotice[fmt.Sprint(no.ID)] == 0 {
			t.Errorf("notice %d is recorded sent but the server never received it", no.ID)
		}
		if no.Uncertain {
			uncertain[fmt.Sprint(no.ID)] = true
		}
	}
	twice := 0
	for id, count := range byNotice {
		if count > 1 {
			twice++
			if !uncertain[id] {
				t.Errorf("notice %s arrived %d times but is not marked uncertain", id, count)
			}
		}
	}
	// Each connection holds at most two notices in flight: the one it
	// hands over and the next, marked while it does.
	if int64(len(uncertain)) != p.Uncertain || p.Uncertain > int64(2*connections) {
		t.Errorf("%d uncertain notices (status says %d); want at most the %d that %d connections can have in flight", len(uncertain), p.Uncertain, 2*connections, connections)
	}
	if twice > connections {
		t.Errorf("%d notices arrived twice; want at most one per connection (%d)", twice, connections)
	}
	t.Logf("%d notices: %d uncertain after the kill, %d of them delivered twice", n, len(uncertain), twice)
}

// TestCampaignSurvivesKill: campaign send is killed (kill -9) in the
// middle of a campaign; run again, it loses no one and duplicates only
// what was in flight, marked uncertain.
func TestCampaignSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test skipped in -short mode")
	}
	smtpsink.Require(t)
	const n = 1500
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			c.mustRun("", "org", "set", "--name", "Marketplace SAS", "--country", "FR", "--dpo-email", "dpo@marketplace.example")
			file := c.file("people.csv", c.mustRun("", "gen", "subjects", fmt.Sprint(n), "--seed", "11", "--countries", "FR,DE,US-CA"))
			id := strings.TrimSpace(c.mustRun(intrusionFile, "incident", "create", "-f", "-"))
			c.mustRun("", append(c.keyArgs(), "subjects", "import", id, file)...)
			campaignID := strings.TrimSpace(c.mustRun("", "campaign", "create", id))
			sink := smtpsink.Start(t)
			args := append([]string{"--db", c.db}, append(c.keyArgs(), "campaign", "send", campaignID, "--smtp", sink.URL(),
				"--mail-from", mailFrom, "--concurrency", "8", "--rate", "400")...)
			cmd, out := startBreachdesk(t, args...)
			waitReceived(t, sink, 300, out)
			cmd.Process.Kill()
			cmd.Wait()
			if got := sink.Count(t); got >= n {
				t.Fatalf("the sender was killed after all %d messages; the test needs it killed mid-way", got)
			}
			c.mustRun("", append(c.keyArgs(), "campaign", "send", campaignID, "--smtp", sink.URL(), "--mail-from", mailFrom)...)
			checkNoneLost(t, c, campaignID, sink, n, 8)
		})
	}
}

// TestWorkers: two workers share the database; one is killed, the other
// takes over its notices and finishes the campaign.
func TestWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test skipped in -short mode")
	}
	smtpsink.Require(t)
	const n = 1200
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			c.mustRun("", "org", "set", "--name", "Marketplace SAS", "--country", "FR", "--dpo-email", "dpo@marketplace.example")
			file := c.file("people.csv", c.mustRun("", "gen", "subjects", fmt.Sprint(n), "--seed", "13", "--countries", "IT,ES,GB"))
			id := strings.TrimSpace(c.mustRun(intrusionFile, "incident", "create", "-f", "-"))
			c.mustRun("", append(c.keyArgs(), "subjects", "import", id, file)...)
			campaignID := strings.TrimSpace(c.mustRun("", "campaign", "create", id))
			// Starting a draft makes it active: the workers send it.
			c.mustRun("", "campaign", "resume", campaignID)
			sink := smtpsink.Start(t)
			args := append([]string{"--db", c.db}, append(c.keyArgs(), "worker", "--smtp", sink.URL(),
				"--mail-from", mailFrom, "--concurrency", "4", "--rate", "200")...)
			doomed, out := startBreachdesk(t, args...)
			survivor, survivorOut := startBreachdesk(t, args...)
			waitReceived(t, sink, 300, out)
			doomed.Process.Kill()
			doomed.Wait()
			deadline := time.Now().Add(90 * time.Second)
			for c.progress(campaignID).Status != breachdesk.CampaignDone {
				if time.Now().After(deadline) {
					t.Fatalf("the surviving worker did not finish the campaign: %+v\n%s", c.progress(campaignID), survivorOut)
				}
				time.Sleep(200 * time.Millisecond)
			}
			survivor.Process.Signal(syscall.SIGTERM)
			if err := survivor.Wait(); err != nil {
				t.Errorf("the surviving worker stopped with %v\n%s", err, survivorOut)
			}
			checkNoneLost(t, c, campaignID, sink, n, 4)
		})
	}
}
