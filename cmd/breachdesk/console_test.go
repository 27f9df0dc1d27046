package main

import (
	"bytes"
	"html"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk/internal/browsertest"
	"github.com/breachdesk/breachdesk/internal/smtpsink"
)

// consoleIncident is an incident the console's tests show, aware 20
// hours before the test's clock.
const consoleIncident = `title: Customer database copied
summary: An intruder copied the customer database.
data_categories: [name, email]
aware_at: 2026-11-21T16:00:00Z
`

// setupConsole makes an incident and two accounts, a DPO in English and an
// agent in French, with known passwords, imports the incident's people
// with the CLI unless the test imports them itself, and serves the
// console with serveArgs. It returns the console's address and the
// public pages'.
func setupConsole(t *testing.T, c *cli, importPeople bool, serveArgs ...string) (string, string) {
	t.Helper()
	c.now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	id := strings.TrimSpace(c.mustRun(consoleIncident, "incident", "create", "-f", "-"))
	if importPeople {
		c.mustRun("", append(c.keyArgs(), "subjects", "import", id, c.file("people.csv", knownPeople))...)
	}
	c.mustRun("correct horse battery staple\n", "user", "add", "--login", "dana@example.com", "--name", "Dana Prot",
		"--role", "dpo", "--password-stdin")
	c.mustRun("agent password 2026\n", "user", "add", "--login", "ali@example.com", "--name", "Ali Agent",
		"--role", "agent", "--language", "fr", "--password-stdin")
	srv, _ := c.serve(serveArgs...)
	return srv.URL(), srv.PublicURL()
}

// TestConsoleSignIn signs in to the console served on each backend with an
// HTTP client: a wrong password is refused, a right one opens the
// dashboard, the session lasts until sign-out.
func TestConsoleSignIn(t *testing.T) {
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			base, _ := setupConsole(t, c, true)
			client := newPublicClient(t, base).http
			status, body, final := fetch(t, client, "GET", base+"/", nil)
			if status != http.StatusOK || !strings.HasPrefix(final, base+"/sign-in") {
				t.Fatalf("GET / without a session ended at %s with %d", final, status)
			}
			token := formToken(t, body)
			signIn := func(pw string) (int, string, string) {
				return fetch(t, client, "POST", base+"/sign-in", url.Values{"csrf": {token}, "login": {"dana@example.com"}, "password": {pw}, "next": {"/"}})
			}
			if status, body, _ := signIn("wrong horse battery staple"); status != http.StatusUnauthorized || !strings.Contains(body, "is wrong") {
				t.Fatalf("a wrong password: %d", status)
			}
			status, body, final = signIn("correct horse battery staple")
			if status != http.StatusOK || final != base+"/" || !strings.Contains(body, "Customer database copied") ||
				!strings.Contains(body, "52 h 0 min left to notify the authority") {
				t.Fatalf("signed in: %d at %s:\n%s", status, final, body)
			}
			if status, body, _ := fetch(t, client, "GET", base+"/audit", nil); status != http.StatusOK || !strings.Contains(body, "staff_user.sign_in") || !strings.Contains(body, "user:dana@example.com") {
				t.Fatalf("the audit log: %d\n%s", status, body)
			}
			resp, err := client.Get(base + "/incidents/1/reports/CNIL")
			if err != nil {
				t.Fatal(err)
			}
			pdf, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(pdf, []byte("%PDF-")) ||
				!strings.Contains(resp.Header.Get("Content-Disposition"), "-draft.pdf") {
				t.Fatalf("the CNIL draft: %d, %q", resp.StatusCode, pdf[:min(len(pdf), 40)])
			}
			status, body, _ = fetch(t, client, "GET", base+"/lookup?q="+url.QueryEscape("Zebulon.Quixotic@example.org"), nil)
			for _, want := range []string{"Customer database copied", "Z*** Q***", "Z***@example.org", "No notice has been sent"} {
				if status != http.StatusOK || !strings.Contains(body, want) {
					t.Fatalf("look-up: %d, the page lacks %q:\n%s", status, want, body)
				}
			}
			if results := body[strings.LastIndex(body, "</form>"):]; strings.Contains(results, "Impasse Xylophone") || strings.Contains(results, "Quixotic") {
				t.Fatal("the look-up shows plaintext personal data")
			}
			if _, body, _ := fetch(t, client, "GET", base+"/audit", nil); !strings.Contains(body, "affected_people.lookup") {
				t.Fatal("the look-up is not in the audit log")
			}
			if status, body, final = fetch(t, client, "POST", base+"/sign-out", url.Values{"csrf": {formToken(t, body)}}); status != http.StatusOK || !strings.Contains(final, "/sign-in") || !strings.Contains(body, "signed out") {
				t.Fatalf("sign out: %d at %s", status, final)
			}
			if _, _, final := fetch(t, client, "GET", base+"/", nil); !strings.Contains(final, "/sign-in") {
				t.Fatalf("after signing out, GET / ended at %s", final)
			}
		})
	}
}

// TestConsoleInBrowser signs in to the console in headless Chromium, as a
// DPO then as a French-speaking agent, checks each page with axe-core and
// takes its screenshot.
func TestConsoleInBrowser(t *testing.T) {
	browsertest.Require(t)
	c := backends(t)["SQLite"]
	smtpsink.Require(t)
	// The people are notified, and the inquiries answered, through
	// smtp-sink, while the console runs.
	sink := smtpsink.Start(t)
	c.mustRun("", "org", "set", "--name", "Marketplace SAS", "--country", "FR", "--dpo-email", "dpo@marketplace.example")
	base, public := setupConsole(t, c, false, "--smtp", sink.URL(), "--mail-from", mailFrom)
	b := browsertest.New(t)
	check, expect := pageChecks(t, b, screenshots(t))
	signIn := func(login, pw string) int {
		t.Helper()
		b.Fill(t, "#login", login)
		b.Fill(t, "#password", pw)
		return b.Submit(t, "main form button[type=submit]")
	}

	b.Open(t, base+"/")
	if loc := b.Location(t); !strings.Contains(loc, "/sign-in?next=") {
		t.Fatalf("the console opened at %s, want the sign-in page", loc)
	}
	check("console-sign-in")
	if status := signIn("dana@example.com", "not the password"); status != http.StatusUnauthorized {
		t.Fatalf("a wrong password: %d", status)
	}
	expect(".problem", "is wrong")
	check("console-sign-in-refused")
	if status := signIn("dana@example.com", "correct horse battery staple"); status != http.StatusOK {
		t.Fatalf("sign in: %d", status)
	}
	expect("h1", "Dashboard")
	expect("table.incidents", "Customer database copied")
	check("console-dashboard")

	// The DPO imports the affected people, from the file the engineers
	// extracted: the good rows go in, the bad one is listed with its line.
	b.Open(t, base+"/incidents/1")
	if status := b.Submit(t, `a[href="/incidents/1/people"]`); status != http.StatusOK {
		t.Fatalf("the import page: %d", status)
	}
	b.Upload(t, "#file", c.file("people.csv", knownPeople))
	if status := b.Submit(t, "main form button[type=submit]"); status != http.StatusOK {
		t.Fatalf("import: %d", status)
	}
	expect(".notice", "Read 3 rows: 2 people imported, 0 already imported, 1 rejected.")
	expect("table", "K3")
	check("console-import")
	if strings.Contains(b.Text(t, "main"), "not an address") {
		t.Error("the import's result shows a rejected row's value")
	}

	// The DPO notifies the people: a campaign made and started in the
	// console, sent by a sender process, followed live on its page.
	b.Open(t, base+"/incidents/1")
	if status := b.Submit(t, `form[action$="/campaigns"] button`); status != http.StatusOK {
		t.Fatalf("create a campaign: %d", status)
	}
	campaign := path.Base(strings.SplitN(b.Location(t), "?", 2)[0])
	expect(".notice", "2 notices are ready")
	if status := b.Submit(t, `button[value="start"]`); status != http.StatusOK {
		t.Fatalf("start the campaign: %d", status)
	}
	expect("p.problem", "No sender is running")
	c.mustRun("", append([]string{"campaign", "send", campaign, "--smtp", sink.URL(), "--mail-from", "Marketplace <privacy@marketplace.example>"}, c.keyArgs()...)...)
	// The page's stream brings the end of the send without a reload.
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(b.Text(t, `[data-field="status"]`), "done"); {
		if time.Now().After(deadline) {
			t.Fatalf("the campaign page still reads %q", b.Text(t, `[data-field="status"]`))
		}
		time.Sleep(200 * time.Millisecond)
	}
	expect(`[data-field="sent"]`, "2")
	b.Open(t, base+"/campaigns/"+campaign)
	expect("h1", "Customer database copied")
	expect(".campaign", "By country")
	check("console-campaign")
	b.Open(t, base+"/incidents/1/talking-points")
	b.Fill(t, "#text", "Une base de clients a été copiée le 21 novembre.\nNotre message porte un code : vérifiez-le avec la recherche.\nNous ne demandons jamais de mot de passe.")
	if status := b.Submit(t, "main form button[type=submit]"); status != http.StatusOK {
		t.Fatalf("save the talking points: %d", status)
	}
	expect(".notice", "Saved.")
	check("console-talking-points")
	b.Open(t, base+"/incidents/1")
	expect("h1", "Customer database copied")
	expect(".script", "Une base de clients")
	expect("table.obligations", "GDPR")
	b.SetAttribute(t, `#factor option[value="ei"]`, "selected", "")
	b.Fill(t, "#override-value", "0.5")
	b.Fill(t, "#override-reason", "The e-mail addresses are work addresses, published on the site.")
	if status := b.Submit(t, `form[action$="/overrides"] button`); status != http.StatusOK {
		t.Fatalf("override a factor: %d", status)
	}
	expect("table.factors", "overridden by user:dana@example.com")
	if status := b.Submit(t, `table.obligations button[value="done"]`); status != http.StatusOK {
		t.Fatalf("mark an obligation done: %d", status)
	}
	expect("table.obligations", "done")
	expect("ol.timeline", "individuals_notified")
	b.SetAttribute(t, `#kind option[value="authority_notified"]`, "selected", "")
	b.Fill(t, "#event-note", "CNIL notification 2026-000123")
	if status := b.Submit(t, "form.event-form:not(.override-form) button"); status != http.StatusOK {
		t.Fatalf("record the authority notified: %d", status)
	}
	expect("p.clock", "authority notified within 72 hours")
	expect("ol.timeline", "CNIL notification 2026-000123")
	b.Open(t, base+"/incidents/1/facts")
	b.Fill(t, "#measures_taken", "Access revoked; passwords reset.")
	check("console-facts")
	if status := b.Submit(t, "form.facts-form button[type=submit]"); status != http.StatusOK {
		t.Fatalf("save the facts: %d", status)
	}
	expect("dl.facts", "Access revoked; passwords reset.")
	expect("ol.timeline", "measures_taken")
	check("console-incident")
	b.Open(t, base+"/audit")
	expect("h1", "Audit log")
	expect("table", "talking_points.set")
	check("console-audit")
	// A new breach: the DPO records it from the console.
	b.Open(t, base+"/incidents/new")
	b.Fill(t, "#title", "Laptop with HR files stolen")
	b.SetAttribute(t, `input[name="data_categories"][value="health"]`, "checked", "")
	check("console-incident-new")
	if status := b.Submit(t, "form.facts-form button[type=submit]"); status != http.StatusOK {
		t.Fatalf("record a new incident: %d", status)
	}
	expect("h1", "Laptop with HR files stolen")
	expect("dl.facts", "Health data")

	// A person asks for their data to be erased, on the public pages; the
	// DPO finds the request in the queue, with its deadline, and takes it.
	b.Open(t, public+"/en/contact")
	b.Fill(t, "#name", "Zebulon Quixotic")
	b.Fill(t, "#email", "zebulon.quixotic@example.org")
	b.SetAttribute(t, "#category-data_request", "checked", "")
	b.SetAttribute(t, `#request_kind option[value="erasure"]`, "selected", "")
	b.Fill(t, "#message", "Please erase everything you hold about me.")
	if status := b.Submit(t, "main form button[type=submit]"); status != http.StatusOK {
		t.Fatalf("contact: %d", status)
	}
	ref := b.Text(t, ".reference")
	b.Open(t, base+"/inquiries?category=data_request")
	expect("table", ref)
	expect("table", "(in 30 days)")
	check("console-inquiries")
	b.Open(t, base+"/inquiries/"+ref)
	expect("h1", ref)
	expect(".script", "Please erase everything")
	if status := b.Submit(t, `button[value="assign"]`); status != http.StatusOK {
		t.Fatalf("assign: %d", status)
	}
	expect("dl.facts", "dana@example.com")
	// The DPO checks the sender, then answers from a template, in the
	// language the person wrote in; the answer is mailed.
	if status := b.Submit(t, `a[href="/lookup?inquiry=`+ref+`"]`); status != http.StatusOK {
		t.Fatalf("look the sender up: %d", status)
	}
	expect("article.match", "Customer database copied")
	b.Open(t, base+"/inquiries/"+ref)
	b.SetAttribute(t, `#template option[value="data_request_done"]`, "selected", "")
	if status := b.Submit(t, `form.filters button`); status != http.StatusOK {
		t.Fatalf("use the template: %d", status)
	}
	b.Fill(t, "#body", "We have erased your account and every personal data we held about you, except the record of this request.\n\n"+
		"If you are not satisfied with our answer, please tell us. You also have the right to lodge a complaint with a data protection authority.")
	check("console-inquiry")
	if status := b.Submit(t, `button[value="answer"]`); status != http.StatusOK {
		t.Fatalf("answer: %d", status)
	}
	expect("article.reply", "We have erased your account")
	reply := awaitMessage(t, sink, "zebulon.quixotic@example.org", "Message-ID: <reply.")
	if !bytes.Contains(reply.Data, []byte(ref)) || !bytes.Contains(reply.Data, []byte("We have erased your account")) {
		t.Errorf("the reply mailed lacks the reference or the answer:\n%s", reply.Data)
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(b.Text(t, "article.reply .meta"), "mailed"); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the reply still reads %q", b.Text(t, "article.reply .meta"))
		}
		b.Open(t, base+"/inquiries/"+ref)
	}
	expect("dl.facts", "answered")
	check("console-inquiry-answered")

	if status := b.Submit(t, "form.account button"); status != http.StatusOK {
		t.Fatalf("sign out: %d", status)
	}
	expect(".notice", "signed out")

	if status := signIn("ali@example.com", "agent password 2026"); status != http.StatusOK {
		t.Fatalf("the agent's sign in: %d", status)
	}
	expect("h1", "Tableau de bord")
	check("console-dashboard-agent-fr")
	b.Open(t, base+"/lookup")
	b.Fill(t, "#q", "+33 6 12 34 56 78")
	if status := b.Submit(t, "form.lookup button"); status != http.StatusOK {
		t.Fatalf("look-up: %d", status)
	}
	expect("article.match", "Customer database copied")
	expect("article.match", "Z*** Q***")
	expect("article.match .script", "Nous ne demandons jamais de mot de passe.")
	check("console-lookup-fr")
	// The agent takes up the conversation: the person wrote in English,
	// the template says in French what it says in English.
	b.Open(t, base+"/inquiries/"+ref+"?template=genuine")
	expect("dl.facts", "Z*** Q***")
	expect("#answer", "Répondre")
	expect("details summary", "Ce que dit le modèle, en français")
	if text := b.Text(t, "main"); strings.Contains(text, "Zebulon") || strings.Contains(text, "zebulon.quixotic@") {
		t.Error("the agent sees the sender's name or address in full")
	}
	check("console-inquiry-agent-fr")
	if status := b.Open(t, base+"/audit"); status != http.StatusForbidden {
		t.Fatalf("the agent opened the audit log: %d", status)
	}
	expect("h1", "Action non autorisée")
}

// signIn signs in to the console at base and returns the client that
// holds the session.
func signIn(t *testing.T, base, login, password string) *http.Client {
	t.Helper()
	client := newPublicClient(t, base).http
	_, page, _ := fetch(t, client, "GET", base+"/sign-in", nil)
	status, _, final := fetch(t, client, "POST", base+"/sign-in", url.Values{"csrf": {formToken(t, page)}, "login": {login}, "password": {password}, "next": {"/"}})
	if status != http.StatusOK || final != base+"/" {
		t.Fatalf("signing in as %s: %d at %s", login, status, final)
	}
	return client
}

// fetch sends a request, a form when form is not nil, following
// redirections, and returns the final status, body and address.
func fetch(t *testing.T, client *http.Client, method, addr string, form url.Values) (int, string, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if form != nil {
		resp, err = client.PostForm(addr, form)
	} else {
		resp, err = client.Get(addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body), resp.Request.URL.String()
}

// formToken returns the CSRF token of the first form of a page.
func formToken(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	return html.UnescapeString(m[1])
}

// TestSecureCookies: behind a proxy that terminates TLS, --secure-cookies
// makes the console's cookies Secure and __Host- though breachdesk is
// reached in plain HTTP.
func TestSecureCookies(t *testing.T) {
	c := backends(t)["SQLite"]
	srv, _ := c.serve("--secure-cookies", "true")
	resp, err := http.Get(srv.URL() + "/sign-in")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookie := resp.Header.Get("Set-Cookie")
	if !strings.HasPrefix(cookie, "__Host-bd_csrf=") || !strings.Contains(cookie, "; Secure") {
		t.Fatalf("Set-Cookie: %s", cookie)
	}
	if r := c.run("", "serve", "--secure-cookies", "maybe", "--addr", "127.0.0.1:0", "--public-addr", "127.0.0.1:0"); r.code != ExitUsage || !strings.Contains(r.stderr, "--secure-cookies") {
		t.Fatalf("--secure-cookies maybe: exit %d, %s", r.code, r.stderr)
	}
}
