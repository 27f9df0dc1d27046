package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/breachdesk/breachdesk"
	bdhttp "github.com/breachdesk/breachdesk/http"
	"github.com/breachdesk/breachdesk/internal/storetest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// result is what one command printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// cli runs breachdesk commands against one database.
type cli struct {
	t   *testing.T
	db  string
	dir string
	// now, when set, is the clock the commands see.
	now time.Time
}

// backends returns a cli per backend: SQLite always, PostgreSQL when
// BREACHDESK_TEST_POSTGRES names a server (in a schema of its own).
func backends(t *testing.T) map[string]*cli {
	dir := t.TempDir()
	clis := map[string]*cli{"SQLite": {t: t, db: filepath.Join(dir, "breachdesk.db"), dir: dir}}
	base := os.Getenv("BREACHDESK_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("BREACHDESK_TEST_POSTGRES is not set under CI: the PostgreSQL backend would go untested")
		}
		t.Log("PostgreSQL not tested: BREACHDESK_TEST_POSTGRES is not set")
		return clis
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	schema := "cli_" + strings.ToLower(rand.Text()[:12])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err == nil {
			conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	clis["PostgreSQL"] = &cli{t: t, db: u.String(), dir: t.TempDir()}
	return clis
}

func (c *cli) run(stdin string, args ...string) result {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	m := NewMain()
	m.Stdin = strings.NewReader(stdin)
	m.Stdout, m.Stderr = &stdout, &stderr
	m.Getenv = func(string) string { return "" }
	m.Actor = breachdesk.Actor{Kind: breachdesk.ActorCLI, Name: "tester"}
	if !c.now.IsZero() {
		m.Now = func() time.Time { return c.now }
	}
	code := m.Run(context.Background(), append([]string{"--db", c.db}, args...))
	if err := m.Close(); err != nil {
		c.t.Error(err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// mustRun runs a command that must succeed.
func (c *cli) mustRun(stdin string, args ...string) string {
	c.t.Helper()
	r := c.run(stdin, args...)
	if r.code != ExitOK {
		c.t.Fatalf("breachdesk %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// file writes content to name in the cli's directory and returns its path.
func (c *cli) file(name, content string) string {
	c.t.Helper()
	path := filepath.Join(c.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return path
}

const incidentYAML = `title: Seller names exposed
summary: Buyers could see sellers' names and e-mail addresses.
nature: [confidentiality]
cause: technical_error
malicious: false
occurred_from: 2026-11-18T10:00:00Z
occurred_to: 2026-11-19T22:00:00Z
detected_at: 2026-11-20T08:30:00+01:00
aware_at: 2026-11-20T11:00:00+01:00
data_categories:
  - name
  - email
subject_categories: [customers, sellers]
approx_subjects: 120000
recipients: known_limited
encryption: none
cross_border: true
discovery: A seller reported seeing another seller's e-mail address.
delay_reasons: None expected.
individuals_communication: E-mail to every seller affected.
law_enforcement: false
`

func TestIncidentLifecycle(t *testing.T) {
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			c.mustRun("", "org", "set", "--name", "Marketplace SAS", "--country", "FR", "--dpo-email", "dpo@marketplace.example")
			if out := c.mustRun("", "org", "show", "--json"); !strings.Contains(out, `"country": "FR"`) {
				t.Fatalf("org show --json = %s", out)
			}

			out := c.mustRun("", "incident", "create", "-f", c.file("incident.yaml", incidentYAML))
			if out != "1\n" {
				t.Fatalf("incident create stdout = %q, want only the id", out)
			}
			// The same incident as JSON on standard input.
			var asJSON map[string]any
			if err := json.Unmarshal([]byte(c.mustRun("", "incident", "show", "1", "--json")), &asJSON); err != nil {
				t.Fatal(err)
			}
			delete(asJSON, "id")
			delete(asJSON, "created_at")
			delete(asJSON, "updated_at")
			delete(asJSON, "notification_clock")
			delete(asJSON, "warnings")
			data, _ := json.Marshal(asJSON)
			if out := c.mustRun(string(data), "incident", "create", "-f", "-"); out != "2\n" {
				t.Fatalf("incident create -f - stdout = %q, want 2", out)
			}

			var shown bdhttp.IncidentResponse
			if err := json.Unmarshal([]byte(c.mustRun("", "incident", "show", "2", "--json")), &shown); err != nil {
				t.Fatal(err)
			}
			if shown.Title != "Seller names exposed" || *shown.ApproxSubjects != 120000 ||
				!shown.AwareAt.Equal(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)) ||
				strings.Join(shown.SubjectCategories, ",") != "customers,sellers" || *shown.Malicious || !*shown.CrossBorder ||
				shown.Discovery != "A seller reported seeing another seller's e-mail address." || shown.DelayReasons != "None expected." ||
				shown.IndividualsCommunication != "E-mail to every seller affected." || shown.LawEnforcement == nil || *shown.LawEnforcement {
				t.Fatalf("incident 2 did not round-trip: %+v", shown)
			}

			var list bdhttp.IncidentListResponse
			if err := json.Unmarshal([]byte(c.mustRun("", "incident", "list", "--json")), &list); err != nil {
				t.Fatal(err)
			}
			if list.Total != 2 || len(list.Incidents) != 2 || list.Incidents[0].ID != 2 {
				t.Fatalf("incident list = %+v, want 2 incidents newest first", list)
			}
			if out := c.mustRun("", "incident", "list"); !strings.Contains(out, "2026-11-20 10:00 UTC") {
				t.Fatalf("incident list text = %s", out)
			}

			// A field given as null goes back to unknown.
			cleared := c.mustRun("cross_border: null\nrecipients: ~\n", "incident", "update", "1", "-f", "-", "--json")
			if strings.Contains(cleared, `"cross_border"`) || strings.Contains(cleared, `"recipients"`) || !strings.Contains(cleared, `"approx_subjects": 120000`) {
				t.Fatalf("update with nulls:\n%s", cleared)
			}
			if r := c.run("title: null\n", "incident", "update", "1", "-f", "-"); r.code != ExitInvalid || !strings.Contains(r.stderr, "title: cannot be cleared") {
				t.Fatalf("clearing the title: exit %d, %q", r.code, r.stderr)
			}
			upd := c.file("update.json", `{"status": "assessed", "contained_at": "2026-11-20T12:00:00Z"}`)
			out = c.mustRun("", "incident", "update", "1", "-f", upd)
			if !strings.Contains(out, "assessed") || !strings.Contains(out, "2026-11-20 12:00 UTC") || !strings.Contains(out, "Seller names exposed") {
				t.Fatalf("incident update output:\n%s", out)
			}
		})
	}
}

func TestIncidentCreateBadInput(t *testing.T) {
	for _, tt := range []struct {
		name, file, content string
		want                []string // in the error message
	}{
		{"MalformedJSON", "bad.json", "{\n  \"title\": \"x\",\n  \"nature\": [\"confidentiality\",]\n}", []string{"bad.json:3:", "malformed JSON"}},
		{"MalformedYAML", "bad.yaml", "title: x\nnature: [confidentiality\ncause: other\n", []string{"bad.yaml:", "malformed YAML"}},
		{"UnknownField", "unknown.yaml", "title: x\nawarre_at: 2026-11-20T10:00:00Z\n", []string{"unknown.yaml:2:", "awarre_at", `did you mean "aware_at"`}},
		{"WrongType", "type.json", "{\"title\": \"x\",\n\"approx_subjects\": \"lots\"}", []string{"type.json:2:", "approx_subjects", "whole number"}},
		{"DateWithoutTime", "date.yaml", "title: x\naware_at: 2026-11-20\n", []string{"date.yaml:2:", "aware_at", "RFC 3339"}},
		{"TimeWithoutZone", "zone.yaml", "title: x\ndetected_at: \"2026-11-20T10:00:00\"\n", []string{"zone.yaml:2:", "detected_at", "time zone"}},
		{"MissingTitle", "notitle.yaml", "summary: something happened\n", []string{"notitle.yaml:", "title", "required"}},
		{"UnknownCategory", "cat.yaml", "title: x\ndata_categories: [email, shoe_size]\n", []string{"cat.yaml:2:", "data_categories", `"shoe_size" is not one of`}},
		{"EndBeforeStart", "order.yaml", "title: x\noccurred_from: 2026-11-20T10:00:00Z\noccurred_to: 2026-11-19T10:00:00Z\n", []string{"order.yaml:3:", "occurred_to", "before occurred_from"}},
		{"Duplicate", "dup.json", "{\"title\": \"x\",\n\"title\": \"y\"}", []string{"dup.json:2:", "title", "twice"}},
		{"NotAnObject", "list.json", "[1, 2]", []string{"list.json", "JSON object"}},
		{"Empty", "empty.yaml", "", []string{"empty.yaml", "empty"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := backends(t)["SQLite"]
			r := c.run("", "incident", "create", "-f", c.file(tt.file, tt.content))
			if r.code != ExitInvalid {
				t.Fatalf("exit = %d, want %d (invalid); stderr: %s", r.code, ExitInvalid, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			for _, want := range tt.want {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr = %q, want it to contain %q", r.stderr, want)
				}
			}
			if out := c.mustRun("", "incident", "list", "--json"); !strings.Contains(out, `"total": 0`) {
				t.Errorf("an incident was stored after a rejected file: %s", out)
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	c := backends(t)["SQLite"]
	for _, tt := range []struct {
		name string
		args []string
		want int
	}{
		{"Help", nil, ExitOK},
		{"Version", []string{"version"}, ExitOK},
		{"UnknownCommand", []string{"incidnet"}, ExitUsage},
		{"UnknownFlag", []string{"incident", "list", "--colour"}, ExitUsage},
		{"MissingArg", []string{"incident", "show"}, ExitUsage},
		{"BadID", []string{"incident", "show", "first"}, ExitUsage},
		{"MissingFile", []string{"incident", "create"}, ExitUsage},
		{"FileNotThere", []string{"incident", "create", "-f", "/nonexistent/incident.yaml"}, ExitInvalid},
		{"NotFound", []string{"incident", "show", "42"}, ExitNotFound},
		{"OrgNotSet", []string{"org", "show"}, ExitNotFound},
		{"OrgInvalid", []string{"org", "set", "--name", "X", "--country", "ZZ"}, ExitInvalid},
		{"BadLogFormat", []string{"--log-format", "xml", "version"}, ExitInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if r := c.run("", tt.args...); r.code != tt.want {
				t.Fatalf("breachdesk %v: exit %d, want %d; stderr: %s", tt.args, r.code, tt.want, r.stderr)
			}
		})
	}
}

func TestOrgSetKeepsOtherFields(t *testing.T) {
	c := backends(t)["SQLite"]
	c.mustRun("", "org", "set", "--name", "Shop Ltd", "--country", "GB", "--language", "en-GB")
	c.mustRun("", "org", "set", "--dpo-phone", "+44 20 7946 0000")
	out := c.mustRun("", "org", "show")
	for _, want := range []string{"Shop Ltd", "GB", "en-GB", "+44 20 7946 0000"} {
		if !strings.Contains(out, want) {
			t.Errorf("org show = %s, want %q", out, want)
		}
	}
	r := c.run("", "org", "set", "--dpo-email", "not-an-address")
	if r.code != ExitInvalid || !strings.Contains(r.stderr, "--dpo-email") {
		t.Fatalf("org set --dpo-email not-an-address: exit %d, stderr %q; want invalid naming the flag", r.code, r.stderr)
	}
}

func TestConfigMasksSecrets(t *testing.T) {
	var stdout bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &stdout, io.Discard
	m.Getenv = func(k string) string {
		if k == "BREACHDESK_DB" {
			return "postgres://breachdesk:s3cret-pw@db.internal:5432/breachdesk"
		}
		return ""
	}
	if code := m.Run(context.Background(), []string{"config", "--json"}); code != ExitOK {
		t.Fatalf("config: exit %d", code)
	}
	if strings.Contains(stdout.String(), "s3cret-pw") || !strings.Contains(stdout.String(), "db.internal") {
		t.Fatalf("config --json = %s, want the password masked and the host shown", stdout.String())
	}
	for _, dsn := range []string{
		"postgres://breachdesk@db.internal/breachdesk?sslmode=require&password=s3cret-pw",
		"host=db.internal password=s3cret-pw dbname=breachdesk",
		"smtp://relay:s3cret-pw@mail.internal:587",
	} {
		if got := maskDSN(dsn); strings.Contains(got, "s3cret-pw") || !strings.Contains(got, "internal") {
			t.Errorf("maskDSN(%q) = %q, want the password masked and the host shown", dsn, got)
		}
	}
}

func TestServe(t *testing.T) {
	c := backends(t)["SQLite"]
	secret := strings.TrimSpace(c.mustRun("", "token", "create", "--name", "ticketing"))
	srv, stop := c.serve()

	for _, base := range []string{srv.URL(), srv.PublicURL()} {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s/healthz = %d", base, resp.StatusCode)
		}
	}

	post := func(path, body, token string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := post("/api/v1/incidents", `{"title": "API incident", "aware_at": "2026-11-20T10:00:00Z"}`, "")
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("POST without a token = %d, want 401", resp.StatusCode)
	}
	resp = post("/api/v1/incidents", `{"title": "API incident", "aware_at": "2026-11-20T10:00:00Z"}`, secret)
	var created bdhttp.IncidentResponse
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || created.ID == 0 {
		t.Fatalf("POST /api/v1/incidents = %d, %+v", resp.StatusCode, created)
	}
	// What the API stored, the CLI sees, with the token as the actor.
	if out := c.mustRun("", "incident", "show", "1"); !strings.Contains(out, "API incident") {
		t.Fatalf("incident show 1 after API create:\n%s", out)
	}
	if out := c.mustRun("", "incident", "timeline", "1"); !strings.Contains(out, "token:ticketing") {
		t.Fatalf("timeline does not name the token as actor:\n%s", out)
	}

	resp = post("/api/v1/incidents", `{"title": "x", "cause": "gremlins"}`, secret)
	var apiErr bdhttp.ErrorResponse
	json.NewDecoder(resp.Body).Decode(&apiErr)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || apiErr.Error.Field != "cause" {
		t.Fatalf("POST bad incident = %d %+v, want 400 naming cause", resp.StatusCode, apiErr)
	}

	c.mustRun("", "token", "revoke", "ticketing")
	resp = post("/api/v1/incidents", `{"title": "after revoke"}`, secret)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("POST with a revoked token = %d, want 401", resp.StatusCode)
	}

	code, logs := stop()
	if code != ExitOK {
		t.Fatalf("serve exit = %d after shutdown, want 0: %s", code, logs)
	}
	if !strings.Contains(logs, "msg=request") {
		t.Errorf("serve logged no requests: %s", logs)
	}
}

// serve starts breachdesk serve on free ports against the cli's database.
// stop ends it as SIGTERM would and returns its exit code and its log.
func (c *cli) serve(extra ...string) (srv *bdhttp.Server, stop func() (int, string)) {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan *bdhttp.Server, 1)
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		m := NewMain()
		m.Stdout, m.Stderr = io.Discard, &stderr
		m.Getenv = func(string) string { return "" }
		m.Started = func(s *bdhttp.Server) { started <- s }
		if !c.now.IsZero() {
			now := c.now
			m.Now = func() time.Time { return now }
		}
		code := m.Run(ctx, append(append([]string{"--db", c.db, "serve", "--addr", "127.0.0.1:0", "--public-addr", "127.0.0.1:0"}, c.keyArgs()...), extra...))
		m.Close()
		done <- code
	}()
	select {
	case srv = <-started:
	case code := <-done:
		cancel()
		c.t.Fatalf("serve exited with %d before listening: %s", code, stderr.String())
	case <-time.After(30 * time.Second):
		cancel()
		c.t.Fatal("serve did not start")
	}
	stopped := false
	var code int
	stop = func() (int, string) {
		if !stopped {
			stopped = true
			cancel()
			select {
			case code = <-done:
			case <-time.After(30 * time.Second):
				c.t.Fatal("serve did not stop after the context ended")
			}
		}
		return code, stderr.String()
	}
	c.t.Cleanup(func() { stop() })
	return srv, stop
}

// request sends a JSON request with the bearer token and decodes the
// answer into out, returning the status.
func request(t *testing.T, method, url, token, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decode answer: %v", method, url, err)
		}
	}
	return resp.StatusCode
}

func TestAPIRoundTrip(t *testing.T) {
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			secret := strings.TrimSpace(c.mustRun("", "token", "create", "--name", "roundtrip"))
			srv, _ := c.serve()
			full := storetest.FullIncident()
			var fields map[string]any
			data, _ := json.Marshal(full)
			json.Unmarshal(data, &fields)
			for _, f := range breachdesk.IncidentReadOnlyFields() {
				delete(fields, f)
			}
			body, _ := json.Marshal(fields)

			var created bdhttp.IncidentResponse
			if status := request(t, "POST", srv.URL()+"/api/v1/incidents", secret, string(body), &created); status != http.StatusCreated {
				t.Fatalf("POST full incident = %d", status)
			}
			var got bdhttp.IncidentResponse
			if status := request(t, "GET", fmt.Sprintf("%s/api/v1/incidents/%d", srv.URL(), created.ID), secret, "", &got); status != http.StatusOK {
				t.Fatalf("GET incident = %d", status)
			}
			want := storetest.FullIncident()
			want.Normalize()
			want.ID, want.CreatedAt, want.UpdatedAt = got.ID, got.CreatedAt, got.UpdatedAt
			if diff := cmp.Diff(want, got.Incident, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("API round trip (-sent +got):\n%s", diff)
			}
			// What the API stored, the CLI shows the same.
			var shown bdhttp.IncidentResponse
			json.Unmarshal([]byte(c.mustRun("", "incident", "show", strconv.FormatInt(got.ID, 10), "--json")), &shown)
			if diff := cmp.Diff(got.Incident, shown.Incident, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("CLI shows a different incident than the API (-api +cli):\n%s", diff)
			}

			var updated bdhttp.IncidentResponse
			patch := `{"malicious": false, "approx_records": 0, "data_categories": ["email"], "likely_consequences": "Spam."}`
			if status := request(t, "PATCH", fmt.Sprintf("%s/api/v1/incidents/%d", srv.URL(), got.ID), secret, patch, &updated); status != http.StatusOK {
				t.Fatalf("PATCH = %d", status)
			}
			if *updated.Malicious || *updated.ApproxRecords != 0 || len(updated.DataCategories) != 1 ||
				updated.LikelyConsequences != "Spam." || updated.Title != full.Title {
				t.Fatalf("PATCH result = %+v", updated.Incident)
			}
		})
	}
}
