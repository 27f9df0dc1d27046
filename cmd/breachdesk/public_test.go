package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/internal/browsertest"
	"github.com/breachdesk/breachdesk/internal/smtpsink"
	"golang.org/x/time/rate"

	bdhttp "github.com/breachdesk/breachdesk/http"
)

// pageFile is the public page of the intrusion, in the five languages of
// the pages.
const pageFile = `slug: 2026-customer-data
published: true
languages: [en, fr, de, it, es]
content:
  en:
    title: Customer database copied
    summary: |
      On 20 November 2026 an intruder copied part of our customer database.

      Passwords were not exposed.
    faq:
      - question: Must I change my password?
        answer: No, but watch for messages that ask for it.
  fr:
    title: Copie de la base clients
    summary: Le 20 novembre 2026, un intrus a copié une partie de notre base clients.
  de:
    title: Kundendatenbank kopiert
    summary: Am 20. November 2026 kopierte ein Eindringling einen Teil unserer Kundendatenbank.
  it:
    title: Database clienti copiato
    summary: Il 20 novembre 2026 un intruso ha copiato parte del nostro database clienti.
  es:
    title: Base de datos de clientes copiada
    summary: El 20 de noviembre de 2026 un intruso copió parte de nuestra base de datos de clientes.
`

// publicCase is an install that has notified the people of the intrusion
// by e-mail and published the incident's page.
type publicCase struct {
	c        *cli
	incident string
	sink     *smtpsink.Sink
	mailArgs []string
	// people are the notified people with an e-mail address, and notices
	// their notices, by external id.
	people  []map[string]string
	notices map[string]*breachdesk.Notice
}

// setupPublic notifies a few people through a real SMTP server and
// publishes the incident's page with the CLI.
func setupPublic(t *testing.T, c *cli) *publicCase {
	t.Helper()
	c.mustRun("", "org", "set", "--name", "Marketplace SAS", "--country", "FR",
		"--dpo-name", "Dana Prot", "--dpo-email", "dpo@marketplace.example", "--language", "fr")
	generated := c.mustRun("", "gen", "subjects", "6", "--seed", "8", "--countries", "FR,DE,IT,ES,US-CA")
	p := &publicCase{c: c, notices: map[string]*breachdesk.Notice{}}
	for _, row := range people(t, generated) {
		if row["email"] != "" {
			p.people = append(p.people, row)
		}
	}
	p.incident = strings.TrimSpace(c.mustRun(intrusionFile, "incident", "create", "-f", "-"))
	c.mustRun("", append(c.keyArgs(), "subjects", "import", p.incident, c.file("people.csv", generated))...)
	campaignID := strings.TrimSpace(c.mustRun("", "campaign", "create", p.incident))
	p.sink = smtpsink.Start(t)
	p.mailArgs = append(c.keyArgs(), "--mail-from", mailFrom, "--public-url", "https://notice.marketplace.example", "--smtp", p.sink.URL())
	c.mustRun("", append([]string{"campaign", "send", campaignID}, p.mailArgs...)...)
	for _, n := range c.notices(campaignID) {
		p.notices[n.ExternalID] = n
	}
	c.mustRun("", "incident", "page", "set", p.incident, "-f", c.file("page.yaml", pageFile))
	return p
}

// publicClient is a person's browser without script: it keeps cookies and
// sends forms with the token of the page that holds them.
type publicClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func newPublicClient(t *testing.T, base string) *publicClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &publicClient{t: t, base: base, http: &http.Client{Jar: jar}}
}

// get returns the status and body of a public page.
func (pc *publicClient) get(path string) (int, string) {
	pc.t.Helper()
	resp, err := pc.http.Get(pc.base + path)
	if err != nil {
		pc.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// submit loads the form page at path and posts fields to it with its
// token, as the form's button would.
func (pc *publicClient) submit(path string, fields url.Values) (int, string) {
	pc.t.Helper()
	_, form := pc.get(path)
	token := csrfField.FindStringSubmatch(form)
	if token == nil {
		pc.t.Fatalf("GET %s holds no form token", path)
	}
	fields.Set("csrf", token[1])
	resp, err := pc.http.PostForm(pc.base+strings.SplitN(path, "?", 2)[0], fields)
	if err != nil {
		pc.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// awaitMessage waits until the sink holds a message to address whose text
// contains want, and returns it.
func awaitMessage(t *testing.T, sink *smtpsink.Sink, address, want string) *smtpsink.Message {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, m := range sink.Received(t) {
			if len(m.To) == 1 && strings.EqualFold(m.To[0], address) && bytes.Contains(m.Data, []byte(want)) {
				return &m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message to %s containing %q arrived", address, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPublicPages: a person checks that their notice is genuine, reads
// the incident's page, asks for their notice again and writes in with
// their code, on a real server mailing through a real SMTP server.
func TestPublicPages(t *testing.T) {
	smtpsink.Require(t)
	smtpsink.DKIMPython(t)
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			p := setupPublic(t, c)
			person := p.people[0]
			n := p.notices[person["external_id"]]
			if n == nil || n.Code == "" || n.State != breachdesk.NoticeSent {
				t.Fatalf("notice of %s: %+v, want sent with a code", person["external_id"], n)
			}

			// The page, as staff set it, and a bad file that changes nothing.
			var shown breachdesk.IncidentPage
			if err := json.Unmarshal([]byte(c.mustRun("", "incident", "page", "show", p.incident, "--json")), &shown); err != nil {
				t.Fatal(err)
			}
			if shown.Slug != "2026-customer-data" || !shown.Published || len(shown.Languages) != 5 || len(shown.In("en").FAQ) != 1 {
				t.Fatalf("incident page show --json = %+v", shown)
			}
			bad := c.run("", "incident", "page", "set", p.incident, "-f",
				c.file("bad.yaml", strings.Replace(pageFile, "slug: 2026-customer-data", "slug: Customer Data!", 1)))
			if bad.code != ExitInvalid || !strings.Contains(bad.stderr, "bad.yaml:1") || !strings.Contains(bad.stderr, "slug") {
				t.Fatalf("incident page set with a bad slug: exit %d, %q; want invalid naming bad.yaml:1 and slug", bad.code, bad.stderr)
			}
			if out := c.mustRun("", "incident", "page", "show", p.incident); !strings.Contains(out, "2026-customer-data") {
				t.Fatalf("after a rejected file the page changed:\n%s", out)
			}

			// The relay takes a second to accept each message: a page that
			// waited for it would show.
			relay := smtpsink.Start(t, "-w", "1")
			keyPath, record := dkimKey(t, c.dir)
			srv, stop := c.serve(append(p.mailArgs, "--dkim-key", keyPath, "--dkim-selector", "bd", "--dkim-domain", "marketplace.example",
				"--public-client-rate", "inf", "--smtp", relay.URL())...)
			pc := newPublicClient(t, srv.PublicURL())

			// Verify: genuine, in the person's language or another; fake.
			status, body := pc.get("/en/verify?code=" + url.QueryEscape(strings.ToLower(n.Code)))
			for _, want := range []string{"This message is genuine", "Marketplace SAS", "Customer database copied", n.Recipient, n.Code} {
				if status != http.StatusOK || !strings.Contains(body, want) {
					t.Fatalf("GET /en/verify?code=%s = %d, want 200 with %q:\n%s", n.Code, status, want, body)
				}
			}
			if strings.Contains(body, person["email"]) {
				t.Errorf("the verification page shows the whole address %s", person["email"])
			}
			if _, body := pc.get("/fr/verify?code=" + n.Code); !strings.Contains(body, "Ce message est authentique") || !strings.Contains(body, "Copie de la base clients") {
				t.Errorf("GET /fr/verify: want the French answer and title:\n%s", body)
			}
			if _, body := pc.get("/en/verify?code=BD-0000-0000-0000"); !strings.Contains(body, "We have not sent any notice with the code") {
				t.Errorf("GET /en/verify with an unknown code: want it called not ours:\n%s", body)
			}

			// The incident's page.
			if status, body := pc.get("/en/incidents/2026-customer-data"); status != http.StatusOK ||
				!strings.Contains(body, "Passwords were not exposed.") || !strings.Contains(body, "Must I change my password?") {
				t.Errorf("GET /en/incidents/2026-customer-data = %d:\n%s", status, body)
			}

			// Am I affected: the same page, in about the same time, either
			// way; only the affected addresses are mailed their notice
			// again, with its code.
			var affectedTimes, otherTimes []time.Duration
			for i, row := range p.people {
				for _, email := range []string{strings.ToUpper(row["email"]), fmt.Sprintf("nobody.%d@example.org", i)} {
					start := time.Now()
					status, page := pc.submit("/en/affected", url.Values{"email": {email}})
					took := time.Since(start)
					if status != http.StatusOK || !strings.Contains(page, "Request received") {
						t.Fatalf("POST /affected for %s = %d:\n%s", email, status, page)
					}
					if strings.HasPrefix(email, "nobody.") {
						otherTimes = append(otherTimes, took)
					} else {
						affectedTimes = append(affectedTimes, took)
					}
				}
			}
			if a, o := slices.Max(affectedTimes), slices.Max(otherTimes); a > 500*time.Millisecond || o > 500*time.Millisecond {
				t.Errorf("POST /affected took up to %v for affected addresses and %v for others: the page must not wait for the relay", a, o)
			}
			again := awaitMessage(t, relay, person["email"], "Message-ID: <resent.")
			if !bytes.Contains(again.Data, []byte(n.Code)) {
				t.Errorf("the notice sent again lacks its code %s", n.Code)
			}
			for deadline := time.Now().Add(20 * time.Second); relay.Count(t) < len(p.people) && time.Now().Before(deadline); {
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(1500 * time.Millisecond) // a message to another address would have arrived by now
			for _, m := range relay.Received(t) {
				if len(m.To) != 1 || strings.HasPrefix(m.To[0], "nobody.") {
					t.Errorf("the relay received a message to %v: only affected addresses may be mailed", m.To)
				}
			}
			if got := relay.Count(t); got != len(p.people) {
				t.Errorf("the relay received %d messages, want %d: one per affected address", got, len(p.people))
			}

			// An inquiry with the code: a reference at once, a signed receipt.
			status, done := pc.submit("/en/contact?code="+n.Code, url.Values{
				"category": {"claim"}, "name": {person["name"]}, "email": {person["email"]}, "code": {n.Code},
				"message": {"My address was in the stolen table; I want compensation."}})
			ref := regexp.MustCompile(`Q-[0-9A-Z]{4}-[0-9A-Z]{4}`).FindString(done)
			if status != http.StatusOK || ref == "" || !strings.Contains(done, "Message received") {
				t.Fatalf("POST /en/contact = %d, reference %q:\n%s", status, ref, done)
			}
			receipt := awaitMessage(t, relay, person["email"], ref)
			if report, ok := smtpsink.VerifyDKIM(t, receipt.Data, 1, map[string]string{"bd._domainkey.marketplace.example": record}); !ok {
				t.Errorf("python3-dkim rejects the receipt's signature: %s", report)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(receipt.Data))
			if err != nil {
				t.Fatal(err)
			}
			if text, _ := io.ReadAll(msg.Body); bytes.Contains(text, []byte("compensation")) {
				t.Errorf("the receipt repeats the message, which anyone could have sent to this address")
			}

			// An agent answers it from the console, from a template; the
			// answer is mailed, signed, in the same conversation.
			c.mustRun("agent password 2026\n", "user", "add", "--login", "ali@example.com", "--name", "Ali Agent", "--role", "agent", "--password-stdin")
			console := signIn(t, srv.URL(), "ali@example.com", "agent password 2026")
			_, page, _ := fetch(t, console, "GET", srv.URL()+"/inquiries/"+ref+"?template=affected", nil)
			draft := regexp.MustCompile(`(?s)<textarea id="body"[^>]*>(.*?)</textarea>`).FindStringSubmatch(page)
			if draft == nil || !strings.Contains(draft[1], "among the data affected") {
				t.Fatalf("the answer form holds no templated reply:\n%s", page)
			}
			answer := html.UnescapeString(draft[1]) + "\n\nYour card ending 4242 was not among them."
			status, page, final := fetch(t, console, "POST", srv.URL()+"/inquiries/"+ref, url.Values{"csrf": {formToken(t, page)}, "action": {"answer"},
				"template": {"affected"}, "body": {answer}})
			if status != http.StatusOK || !strings.HasSuffix(final, "/inquiries/"+ref+"#replies") || !strings.Contains(page, "Your card ending 4242") {
				t.Fatalf("answering: %d at %s:\n%s", status, final, page)
			}
			reply := awaitMessage(t, relay, person["email"], "Message-ID: <reply.")
			if report, ok := smtpsink.VerifyDKIM(t, reply.Data, 1, map[string]string{"bd._domainkey.marketplace.example": record}); !ok {
				t.Errorf("python3-dkim rejects the reply's signature: %s", report)
			}
			msg, err = mail.ReadMessage(bytes.NewReader(reply.Data))
			if err != nil {
				t.Fatal(err)
			}
			text, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
			words := strings.Join(strings.Fields(string(text)), " ")
			for _, want := range []string{"Dear " + person["name"] + ",", "among the data affected", "Your card ending 4242 was not among them.", ref, "Marketplace SAS"} {
				if !strings.Contains(words, want) {
					t.Errorf("the reply lacks %q:\n%s", want, text)
				}
			}
			if irt := msg.Header.Get("In-Reply-To"); irt == "" || irt != msg.Header.Get("References") || !bytes.Contains(receipt.Data, []byte("Message-ID: "+irt)) {
				t.Errorf("the reply's In-Reply-To %q is not the receipt's Message-ID", irt)
			}
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				if _, page, _ := fetch(t, console, "GET", srv.URL()+"/inquiries/"+ref, nil); strings.Contains(page, "mailed 20") && strings.Contains(page, "answered") {
					break
				} else if time.Now().After(deadline) {
					t.Fatalf("the inquiry's page does not show the reply mailed and the inquiry answered:\n%s", page)
				}
			}

			if code, logs := stop(); code != ExitOK {
				t.Fatalf("serve exit %d: %s", code, logs)
			} else if strings.Contains(logs, person["email"]) || strings.Contains(logs, "nobody.here@example.org") || strings.Contains(logs, "4242") {
				t.Errorf("serve logged an address in plaintext:\n%s", logs)
			}
			stored, err := c.openStore().Inquiries.FindInquiryByReference(context.Background(), ref)
			if err != nil {
				t.Fatal(err)
			}
			if stored.NoticeID == nil || *stored.NoticeID != n.ID || stored.IncidentID == nil || stored.ReceiptSentAt == nil ||
				bytes.Contains(stored.Message, []byte("compensation")) {
				t.Errorf("stored inquiry: notice %v, incident %v, receipt %v; want linked to notice %d, receipted, sealed",
					stored.NoticeID, stored.IncidentID, stored.ReceiptSentAt, n.ID)
			}
			replies, err := c.openStore().InquiryReplies.FindInquiryReplies(context.Background(), stored.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(replies) != 1 || replies[0].SentAt == nil || replies[0].Author != "ali@example.com" || replies[0].Template != "affected" ||
				bytes.Contains(replies[0].Body, []byte("4242")) || stored.Status != breachdesk.InquiryAnswered || stored.AssignedTo != "ali@example.com" {
				t.Errorf("stored: inquiry %s assigned to %q, replies %+v; want answered by ali@example.com, one reply mailed, sealed", stored.Status, stored.AssignedTo, replies)
			}
		})
	}
}

// screenshots is where TestPublicPagesInBrowser saves its screenshots:
// $BREACHDESK_SCREENSHOTS (docs/screenshots to refresh the documentation's)
// or a temporary directory.
func screenshots(t *testing.T) string {
	if dir := os.Getenv("BREACHDESK_SCREENSHOTS"); dir != "" {
		return dir
	}
	return t.TempDir()
}

// pageChecks returns check, which runs axe-core on the page in the tab and
// saves its screenshot in dir as NAME.png, and expect, which fails the
// test when the text of the element selector lacks want.
func pageChecks(t *testing.T, b *browsertest.Browser, dir string) (check func(name string), expect func(selector, want string)) {
	check = func(name string) {
		t.Helper()
		b.RequireAccessible(t)
		b.Screenshot(t, filepath.Join(dir, name+".png"))
	}
	expect = func(selector, want string) {
		t.Helper()
		if got := b.Text(t, selector); !strings.Contains(got, want) {
			t.Errorf("%s: %s reads %q, want %q", b.Location(t), selector, got, want)
		}
	}
	return check, expect
}

// TestPublicPagesInBrowser walks the public pages in headless Chromium as
// a person would, in English then French and on a phone, checks each page
// with axe-core and takes a screenshot of it.
func TestPublicPagesInBrowser(t *testing.T) {
	smtpsink.Require(t)
	browsertest.Require(t)
	c := backends(t)["SQLite"]
	p := setupPublic(t, c)
	person := p.people[0]
	n := p.notices[person["external_id"]]
	srv, _ := c.serve(append(p.mailArgs, "--public-client-rate", "inf")...)
	base := srv.PublicURL()
	b := browsertest.New(t)
	check, expect := pageChecks(t, b, screenshots(t))

	if status := b.Open(t, base+"/en/"); status != http.StatusOK {
		t.Fatalf("home page: %d", status)
	}
	check("home")

	// The person types the code of their notice, as printed.
	b.Open(t, base+"/en/verify")
	check("verify")
	b.Fill(t, "#code", strings.ToLower(strings.ReplaceAll(n.Code, "-", " ")))
	if status := b.Submit(t, "main form button[type=submit]"); status != http.StatusOK {
		t.Fatalf("verify: %d", status)
	}
	expect("h1", "This message is genuine")
	expect("dl.facts", n.Recipient)
	expect("dl.facts", "Customer database copied")
	check("verify-genuine")

	// The same page in French, through the language switcher.
	if status := b.Submit(t, `nav.languages a[hreflang="fr"]`); status != http.StatusOK {
		t.Fatalf("switch to French: %d", status)
	}
	if loc := b.Location(t); !strings.Contains(loc, "/fr/verify?code=") {
		t.Errorf("after switching to French the tab is at %s, want /fr/verify with the code", loc)
	}
	expect("h1", "Ce message est authentique")
	expect("dl.facts", "Copie de la base clients")
	check("verify-genuine-fr")

	b.Open(t, base+"/en/verify?code=BD-0000-0000-0000")
	expect("h1", "did not come from us")
	check("verify-fake")

	b.Open(t, base+"/en/incidents/2026-customer-data")
	expect("h1", "Customer database copied")
	check("incident")

	b.Open(t, base+"/en/affected")
	check("affected")
	b.Fill(t, "#email", person["email"])
	if status := b.Submit(t, "main form button[type=submit]"); status != http.StatusOK {
		t.Fatalf("am I affected: %d", status)
	}
	expect("h2#answer", "Request received")
	check("affected-sent")
	awaitMessage(t, p.sink, person["email"], "Message-ID: <resent.")

	// A data-subject request, on a phone, in French.
	b.Viewport(t, 390, 844)
	b.Open(t, base+"/fr/contact")
	check("contact-phone-fr")
	b.Open(t, base+"/en/contact")
	b.Fill(t, "#name", person["name"])
	b.Fill(t, "#email", "not an address")
	b.Fill(t, "#message", "Please erase my data.")
	b.Viewport(t, 1280, 900)
	if status := submitIgnoringValidation(t, b); status != http.StatusUnprocessableEntity {
		t.Fatalf("contact with a bad address: %d, want 422", status)
	}
	expect(".problem", "e-mail address")
	check("contact-error")
	b.Fill(t, "#email", person["email"])
	b.Fill(t, "#code", n.Code)
	if status := b.Submit(t, "main form button[type=submit]"); status != http.StatusOK {
		t.Fatalf("contact: %d", status)
	}
	ref := b.Text(t, ".reference")
	if !regexp.MustCompile(`^Q-[0-9A-Z]{4}-[0-9A-Z]{4}$`).MatchString(ref) {
		t.Fatalf("the confirmation shows the reference %q", ref)
	}
	check("contact-done")
	awaitMessage(t, p.sink, person["email"], ref)
}

// submitIgnoringValidation submits the contact form as a browser that
// does not check fields would, so that the server's own checks are seen.
func submitIgnoringValidation(t *testing.T, b *browsertest.Browser) int {
	t.Helper()
	b.SetAttribute(t, "main form", "novalidate", "")
	return b.Submit(t, "main form button[type=submit]")
}

// TestInquiriesSurviveAKill: people send inquiries from many browsers at
// once while the server is killed (SIGKILL, no shutdown). Every inquiry
// whose reference a person was shown is stored; then a new server mails
// each its receipt.
func TestInquiriesSurviveAKill(t *testing.T) {
	smtpsink.Require(t)
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			c.mustRun("", "org", "set", "--name", "Marketplace SAS", "--country", "FR", "--dpo-email", "dpo@marketplace.example")
			sink := smtpsink.Start(t)
			addr := freeLoopback(t)
			args := append([]string{"--db", c.db, "serve", "--addr", freeLoopback(t), "--public-addr", addr,
				"--public-client-rate", "inf", "--public-rate", "inf", "--smtp", sink.URL()}, c.keyArgs()...)
			cmd, out := startBreachdesk(t, args...)
			base := "http://" + addr
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				if resp, err := http.Get(base + "/healthz"); err == nil {
					resp.Body.Close()
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("serve did not answer:\n%s", out)
				}
			}

			// 16 people each send inquiries until the server dies; the kill
			// comes once 300 are confirmed.
			reference := regexp.MustCompile(`Q-[0-9A-Z]{4}-[0-9A-Z]{4}`)
			var mu sync.Mutex
			var confirmed []string
			killed := make(chan struct{})
			var wg sync.WaitGroup
			for person := range 16 {
				wg.Go(func() {
					pc := newPublicClient(t, base)
					_, form := pc.get("/en/contact")
					token := csrfField.FindStringSubmatch(form)
					if token == nil {
						t.Errorf("no form token:\n%s", form)
						return
					}
					for i := 0; ; i++ {
						resp, err := pc.http.PostForm(base+"/en/contact", url.Values{"csrf": {token[1]}, "category": {"question"},
							"name": {fmt.Sprintf("Person %d-%d", person, i)}, "email": {fmt.Sprintf("p%d.%d@example.org", person, i)},
							"message": {"Was my card number in the stolen records?"}})
						if err != nil {
							return // the server is gone
						}
						body, err := io.ReadAll(resp.Body)
						resp.Body.Close()
						if err != nil {
							return
						}
						if ref := reference.Find(body); resp.StatusCode == http.StatusOK && ref != nil {
							mu.Lock()
							confirmed = append(confirmed, string(ref))
							if len(confirmed) == 300 {
								close(killed)
							}
							mu.Unlock()
						} else if resp.StatusCode != http.StatusServiceUnavailable {
							t.Errorf("POST /en/contact = %d without a reference", resp.StatusCode)
							return
						}
					}
				})
			}
			select {
			case <-killed:
			case <-time.After(60 * time.Second):
				t.Fatalf("300 inquiries were not confirmed in 60 s:\n%s", out)
			}
			cmd.Process.Kill()
			cmd.Wait()
			wg.Wait()

			s := c.openStore()
			for _, ref := range confirmed {
				if _, err := s.Inquiries.FindInquiryByReference(context.Background(), ref); err != nil {
					t.Errorf("inquiry %s was confirmed to its sender but is not stored: %v", ref, err)
				}
			}
			_, stored, err := s.Inquiries.FindInquiries(context.Background(), breachdesk.InquiryFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if stored < len(confirmed) || stored > len(confirmed)+16 {
				t.Errorf("%d inquiries stored, %d confirmed: want the confirmed ones and at most one in flight per sender", stored, len(confirmed))
			}

			// A new server mails the receipts the killed one had not.
			c.serve("--smtp", sink.URL())
			for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				_, pending, err := s.Inquiries.FindInquiries(context.Background(), breachdesk.InquiryFilter{ReceiptPending: true, Limit: 1})
				if err != nil {
					t.Fatal(err)
				}
				if pending == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d receipts still pending a minute after the restart", pending)
				}
			}
			if got := sink.Count(t); got < stored {
				t.Errorf("the sink received %d receipts for %d inquiries", got, stored)
			}
		})
	}
}

func TestPublicLimits(t *testing.T) {
	for _, tt := range []struct {
		name, clientRate, rate, proxies string
		want                            bdhttp.PublicLimits
		errFlag                         string
	}{
		{name: "OKDefaults"},
		{name: "OKLifted", clientRate: "inf", rate: "Inf", want: bdhttp.PublicLimits{PerClient: rate.Inf, Global: rate.Inf}},
		{name: "OKRates", clientRate: "2.5", rate: "800", want: bdhttp.PublicLimits{PerClient: 2.5, Global: 800}},
		{name: "OKProxies", proxies: "10.0.0.1, 192.168.0.0/16,2001:db8::/32",
			want: bdhttp.PublicLimits{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32"),
				netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("2001:db8::/32")}}},
		{name: "ErrZero", clientRate: "0", errFlag: "--public-client-rate"},
		{name: "ErrNegative", rate: "-5", errFlag: "--public-rate"},
		{name: "ErrWord", rate: "fast", errFlag: "--public-rate"},
		{name: "ErrNaN", clientRate: "NaN", errFlag: "--public-client-rate"},
		{name: "ErrProxy", proxies: "10.0.0.0/8,proxy.internal", errFlag: "--trusted-proxies"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMain()
			m.Config.PublicClientRate, m.Config.PublicRate, m.Config.TrustedProxies = tt.clientRate, tt.rate, tt.proxies
			got, err := m.publicLimits()
			if tt.errFlag != "" {
				if breachdesk.ErrorCode(err) != breachdesk.EInvalid || !strings.HasPrefix(breachdesk.ErrorMessage(err), tt.errFlag+":") {
					t.Fatalf("publicLimits() = %v, want invalid naming %s", err, tt.errFlag)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("publicLimits() = %+v, want %+v", got, tt.want)
			}
		})
	}
}
