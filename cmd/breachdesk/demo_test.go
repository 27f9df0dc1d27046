package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk/internal/browsertest"
)

// demoOutput is what a test reads in the demo's summary.
type demoOutput struct {
	passwords map[string]string // by login
	codes     []string          // the verification codes printed
	notice    string            // the file of the first notice printed
}

var (
	demoAccount = regexp.MustCompile(`(?m)^  (\w+) +(\S+@demo-market\.example) +([A-Z2-7]{26})$`)
	demoCode    = regexp.MustCompile(`/verify\?code=(BD-[0-9A-Z-]+)`)
	demoNotice  = regexp.MustCompile(`The notice with the first code is (\S+)\.`)
)

// runDemo runs the demo with people people on c's database and reads its
// summary.
func runDemo(t *testing.T, c *cli, people int) demoOutput {
	t.Helper()
	out := c.mustRun("", append(c.keyArgs(), "demo", "--people", strconv.Itoa(people), "--mail-dir", filepath.Join(c.dir, "mail"))...)
	d := demoOutput{passwords: make(map[string]string)}
	for _, m := range demoAccount.FindAllStringSubmatch(out, -1) {
		d.passwords[m[2]] = m[3]
	}
	for _, m := range demoCode.FindAllStringSubmatch(out, -1) {
		d.codes = append(d.codes, m[1])
	}
	if m := demoNotice.FindStringSubmatch(out); m != nil {
		d.notice = m[1]
	}
	if len(d.passwords) != 6 || len(d.codes) != 2 || d.notice == "" {
		t.Fatalf("the demo's summary lacks accounts, codes or the notice's file:\n%s", out)
	}
	return d
}

// TestDemo fills a new database on each backend and checks that every
// part of the response is there, that the accounts printed sign in, that
// the codes printed verify on the public pages, and that nothing of the
// people is stored in plaintext; then that a second run refuses the
// database and changes nothing.
func TestDemo(t *testing.T) {
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			d := runDemo(t, c, 300)

			var list struct {
				Incidents []struct {
					Status string `json:"status"`
				} `json:"incidents"`
			}
			if err := json.Unmarshal([]byte(c.mustRun("", "incident", "list", "--json")), &list); err != nil {
				t.Fatal(err)
			}
			if len(list.Incidents) != 2 || list.Incidents[0].Status != "notifying" || list.Incidents[1].Status != "assessed" {
				t.Fatalf("the incidents: %+v", list.Incidents)
			}
			count := c.mustRun("", append(c.keyArgs(), "subjects", "count", "1", "--by", "country")...)
			for _, country := range []string{"FR", "GB", "IT", "DE", "ES", "IN", "US"} {
				if !strings.Contains(count, country) {
					t.Errorf("no affected people in %s:\n%s", country, count)
				}
			}
			if status := c.mustRun("", "campaign", "status", "2"); !strings.Contains(status, "done") {
				t.Errorf("the intrusion's campaign is not done:\n%s", status)
			}
			if reports := c.mustRun("", "report", "list", "2"); !strings.Contains(reports, "followup") || !strings.Contains(reports, "ICO") {
				t.Errorf("the intrusion's reports:\n%s", reports)
			}
			if board := c.mustRun("", "obligations", "2"); !strings.Contains(board, "done") {
				t.Errorf("no obligation of the intrusion is done:\n%s", board)
			}
			c.mustRun("", "audit", "verify")

			// The notice kept is the one whose code was printed, addressed
			// to a made-up person whose address is nowhere in the database.
			raw, err := os.ReadFile(d.notice)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if got := msg.Header.Get("X-Breachdesk-Code"); got != d.codes[0] {
				t.Errorf("the notice's code is %q, the summary printed %q", got, d.codes[0])
			}
			to := msg.Header.Get("To")
			if name == "SQLite" {
				db, err := os.ReadFile(c.db)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(to, "@example.") || bytes.Contains(bytes.ToLower(db), []byte(strings.ToLower(to))) {
					t.Errorf("the recipient %q is stored in plaintext, or is not a made-up address", to)
				}
			}

			srv, _ := c.serve()
			client := signIn(t, srv.URL(), "dpo@demo-market.example", d.passwords["dpo@demo-market.example"])
			status, body, _ := fetch(t, client, "GET", srv.URL()+"/", nil)
			for _, want := range []string{"Seller names and e-mail addresses visible to buyers", "Customer records stolen", "left to notify the authority"} {
				if status != http.StatusOK || !strings.Contains(body, want) {
					t.Errorf("the dashboard lacks %q", want)
				}
			}
			status, body, _ = fetch(t, client, "GET", srv.URL()+"/inquiries", nil)
			if status != http.StatusOK || strings.Count(body, "Q-") < 12 {
				t.Errorf("the inquiries page: %d, %d references", status, strings.Count(body, "Q-"))
			}
			signIn(t, srv.URL(), "agent.fr@demo-market.example", d.passwords["agent.fr@demo-market.example"])
			public := newPublicClient(t, srv.PublicURL()).http
			for _, code := range d.codes {
				status, body, _ := fetch(t, public, "GET", srv.PublicURL()+"/verify?code="+url.QueryEscape(code), nil)
				if status != http.StatusOK || !strings.Contains(body, "This message is genuine") {
					t.Errorf("verifying %s: %d", code, status)
				}
			}
			if status, body, _ := fetch(t, public, "GET", srv.PublicURL()+"/incidents/2026-seller-details", nil); status != http.StatusOK || !strings.Contains(body, "Is the e-mail I received from you genuine?") {
				t.Errorf("the public page: %d", status)
			}

			r := c.run("", append(c.keyArgs(), "demo", "--mail-dir", t.TempDir())...)
			if r.code != ExitInvalid || !strings.Contains(r.stderr, "demo fills a new database only") {
				t.Errorf("a second demo: exit %d, %s", r.code, r.stderr)
			}
			if list := c.mustRun("", "incident", "list"); strings.Count(list, "\n") != 3 {
				t.Errorf("the second demo changed the incidents:\n%s", list)
			}
		})
	}
}

// TestDemoRefusesBadInput checks the demo's flags and that it leaves a
// database with data alone.
func TestDemoRefusesBadInput(t *testing.T) {
	c := backends(t)["SQLite"]
	if r := c.run("", "demo", "--people", "3"); r.code != ExitUsage || !strings.Contains(r.stderr, "--people") {
		t.Errorf("--people 3: exit %d, %s", r.code, r.stderr)
	}
	mailDir := filepath.Join(c.dir, "full")
	os.MkdirAll(mailDir, 0o700)
	os.WriteFile(filepath.Join(mailDir, "x.eml"), []byte("x"), 0o600)
	if r := c.run("", "demo", "--mail-dir", mailDir); r.code != ExitInvalid || !strings.Contains(r.stderr, "already holds files") {
		t.Errorf("a mail directory with files: exit %d, %s", r.code, r.stderr)
	}
	c.mustRun("", "org", "set", "--name", "Real Company", "--country", "FR")
	if r := c.run("", "demo", "--mail-dir", t.TempDir()); r.code != ExitInvalid || !strings.Contains(r.stderr, "already holds an organisation") {
		t.Errorf("a database with an organisation: exit %d, %s", r.code, r.stderr)
	}
	if org := c.mustRun("", "org", "show"); !strings.Contains(org, "Real Company") {
		t.Errorf("the demo changed the organisation:\n%s", org)
	}
}

// TestDemoInBrowser is the README's tour: the demo, serve, the DPO's
// console and a notice verified, in headless Chromium, each page checked
// with axe-core and its screenshot taken.
func TestDemoInBrowser(t *testing.T) {
	browsertest.Require(t)
	c := backends(t)["SQLite"]
	d := runDemo(t, c, 400)
	srv, _ := c.serve()
	b := browsertest.New(t)
	check, expect := pageChecks(t, b, screenshots(t))
	b.Open(t, srv.URL()+"/")
	b.Fill(t, "#login", "dpo@demo-market.example")
	b.Fill(t, "#password", d.passwords["dpo@demo-market.example"])
	if status := b.Submit(t, "main form button[type=submit]"); status != http.StatusOK {
		t.Fatalf("sign in: %d", status)
	}
	expect("table.incidents", "Customer records stolen")
	check("demo-dashboard")
	b.Open(t, srv.URL()+"/incidents/2")
	expect("table.obligations", "done")
	check("demo-incident")
	b.Open(t, srv.URL()+"/campaigns/2")
	expect(".campaign", "By country")
	check("demo-campaign")
	b.Open(t, srv.URL()+"/inquiries")
	check("demo-inquiries")
	b.Open(t, srv.PublicURL()+"/verify?code="+url.QueryEscape(d.codes[0]))
	expect("main", "This message is genuine")
	check("demo-verify")
}
