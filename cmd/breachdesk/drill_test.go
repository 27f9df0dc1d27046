package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/drill"
	bdhttp "github.com/breachdesk/breachdesk/http"
)

// syncBuffer is an output the test reads while the drill writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runningDrill is breachdesk drill running in the background, with its
// standard input a pipe the test writes to and its clock the test moves.
type runningDrill struct {
	t      *testing.T
	stdin  *io.PipeWriter
	stdout syncBuffer
	stderr syncBuffer
	// ahead is how far the drill's clock is ahead of the real one.
	ahead atomic.Int64
	done  chan int
}

func (c *cli) startDrill(args ...string) *runningDrill {
	c.t.Helper()
	d := &runningDrill{t: c.t, done: make(chan int, 1)}
	stdin, w := io.Pipe()
	d.stdin = w
	m := NewMain()
	m.Stdin, m.Stdout, m.Stderr = stdin, &d.stdout, &d.stderr
	m.Getenv = func(string) string { return "" }
	m.Actor = breachdesk.Actor{Kind: breachdesk.ActorCLI, Name: "facilitator"}
	m.Now = func() time.Time { return time.Now().Add(time.Duration(d.ahead.Load())) }
	go func() {
		code := m.Run(context.Background(), append([]string{"--db", c.db, "drill"}, args...))
		m.Close()
		d.done <- code
	}()
	c.t.Cleanup(func() { w.Close() })
	return d
}

// waitFor waits until the drill has printed want on standard output, and
// returns the output.
func (d *runningDrill) waitFor(want string) string {
	d.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out := d.stdout.String()
		if strings.Contains(out, want) {
			return out
		}
		select {
		case code := <-d.done:
			d.t.Fatalf("the drill ended (exit %d) before printing %q:\n%s\nstderr: %s", code, want, d.stdout.String(), d.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("the drill did not print %q:\n%s\nstderr: %s", want, out, d.stderr.String())
		}
	}
}

// wait waits for the drill to end and returns its exit code.
func (d *runningDrill) wait() int {
	d.t.Helper()
	select {
	case code := <-d.done:
		return code
	case <-time.After(2 * time.Minute):
		d.t.Fatalf("the drill did not end:\n%s", d.stdout.String())
	}
	return 0
}

const drillFacts = `nature: [confidentiality]
cause: malicious_attack
data_categories: [name, email, phone, postal_address, payment_card_last4, password_hash_weak]
subject_categories: [customers]
approx_subjects: 500
approx_records: 500
likely_consequences: Phishing using the stolen contact data; accounts taken over where the password is reused.
measures_taken: Administrator account disabled; every customer password reset.
`

const drillPage = `slug: drill-intrusion
published: true
languages: [en]
content:
  en:
    title: Intrusion into our customer database
    summary: An attacker copied our customers' contact data and weakly hashed passwords.
`

// TestDrill plays a drill on SQLite with the real commands, each step as
// a team would do it, and checks that the drill sees each, records it on
// the timeline and reports it against the legal clocks: the authority
// notified within 72 hours, the people told 40 days late.
func TestDrill(t *testing.T) {
	c := backends(t)["SQLite"]
	report := filepath.Join(c.dir, "report.md")
	d := c.startDrill("--people", "500", "--poll", "20ms", "--time-limit", "2000h", "-o", report)
	d.waitFor("THE STEPS")
	people := filepath.Join(c.dir, "drill-1-people.csv")
	out := d.waitFor("No organisation was set up in this database")
	for _, want := range []string{"Incident 1: \"DRILL: intrusion into the customer database (exercise)\"",
		"breachdesk --db " + c.db + " subjects import 1 " + people, "http://127.0.0.1:8080/incidents/1/facts"} {
		if !strings.Contains(out, want) {
			t.Errorf("the drill's brief lacks %q", want)
		}
	}

	c.mustRun(drillFacts, "incident", "update", "1", "-f", "-")
	d.waitFor("step 1 done: the facts Art. 33(3) asks for are recorded\n")
	if out := c.mustRun("", "subjects", "import", "1", people); !strings.HasPrefix(out, "read 500, imported 500,") {
		t.Fatalf("subjects import: %s", out)
	}
	d.waitFor("step 2 done: 500 people imported\n")
	c.mustRun("", "assess", "1", "--override", "risk=high_risk", "--reason", "weakly hashed passwords and contact data")
	d.waitFor("step 3 done: risk overridden by cli:tester, with the reason\n")
	c.mustRun("contained_at: "+time.Now().UTC().Format(time.RFC3339)+"\n", "incident", "update", "1", "-f", "-")
	d.waitFor("step 4 done: contained at ")

	c.mustRun("", "report", "1", "--authority", "CNIL", "-o", filepath.Join(c.dir, "notification.md"))
	d.waitFor("step 5 under way: the notification is ready (CNIL report version 1 stored)\n")
	if _, err := io.WriteString(d.stdin, "status\n"); err != nil {
		t.Fatal(err)
	}
	d.waitFor("waiting: CNIL report version 1 stored; the authority is not marked notified yet\n")
	c.mustRun("", "obligations", "done", "1", "eu-gdpr-33/FR")
	d.waitFor("step 5 done: authority notified; CNIL report version 1 stored\n")

	c.mustRun("", "incident", "page", "set", "1", "-f", c.file("page.yaml", drillPage))
	d.waitFor("step 7 done: public page /incidents/drill-intrusion published\n")

	// The people are told 40 days after awareness: late for every state
	// law that gives 30 days.
	d.ahead.Store(int64(40 * 24 * time.Hour))
	if id := c.mustRun("", "campaign", "create", "1"); id != "1\n" {
		t.Fatalf("campaign create printed %q", id)
	}
	c.mustRun("", "campaign", "resume", "1")
	d.waitFor("step 6 done: campaign 1 started: 500 notices by email\n")
	out = d.waitFor("a person wrote in through the public form")
	m := regexp.MustCompile(`data-subject request (Q-[0-9A-Z]{4}-[0-9A-Z]{4}) \(access, [a-z]\*\*\*@example\.(com|net|org)\)\. Step 8: answer it at http://127\.0\.0\.1:8080/inquiries/Q-`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the drill's inquiry is not announced with its reference and masked sender:\n%s", out)
	}
	ref := m[1]
	answerInquiry(t, c, ref)
	d.waitFor("step 8 done: inquiry " + ref + " answered by agent@example.com\n")

	if code := d.wait(); code != ExitOK {
		t.Fatalf("drill exit %d; stderr: %s", code, d.stderr.String())
	}
	out = d.stdout.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`drill ended: every step done\.`),
		regexp.MustCompile(`Verdict: not ready: 8 of 8 steps done, 1 late\.`),
		regexp.MustCompile(`  - step 6 \(tell the people\) late: done at T\+96\d:\d\d:\d\d, \d+h\d\dm after its deadline \(us-`),
		regexp.MustCompile(`(?m)^  5 notify the authority +T\+0:\d\d:\d\d +done on time +eu-gdpr-33/FR +\S+ \S+ UTC +7[01]h\d\dm left$`),
		regexp.MustCompile(`(?m)^  6 tell the people +T\+96\d:\d\d:\d\d +late +us-`),
		regexp.MustCompile(`(?m)^  8 answer the first inquiry +T\+96\d:\d\d:\d\d +done on time +GDPR Art\. 12\(3\)`),
	} {
		if !want.MatchString(out) {
			t.Errorf("the report does not match %s:\n%s", want, out)
		}
	}
	left := regexp.MustCompile(`The authority was notified at T\+0:\d\d:\d\d, with (\d+)h(\d\d)m left on the 72-hour clock of GDPR Art\. 33 \(eu-gdpr-33/FR\)\.`).FindStringSubmatch(out)
	if left == nil {
		t.Fatalf("the report does not say when the authority was notified:\n%s", out)
	}
	if h, _ := strconv.Atoi(left[1]); h < 70 || h > 71 {
		t.Fatalf("%sh%sm left on the 72-hour clock, want a margin under 72 hours for a drill of minutes", left[1], left[2])
	}
	for step := 1; step <= drill.Steps; step++ {
		if regexp.MustCompile(`(?m)^  ` + strconv.Itoa(step) + ` .*(not done|marked by hand)`).MatchString(out) {
			t.Errorf("step %d is not reported as seen done:\n%s", step, out)
		}
	}
	md, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "**Verdict: not ready: 8 of 8 steps done, 1 late.**") || !strings.Contains(string(md), "| 5 | notify the authority | T+0:") {
		t.Errorf("report.md:\n%s", md)
	}

	var timeline bdhttp.EventListResponse
	if err := json.Unmarshal([]byte(c.mustRun("", "incident", "timeline", "1", "--json")), &timeline); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	var notes []string
	for _, e := range timeline.Events {
		kinds[e.Kind]++
		if e.Kind == breachdesk.EventNote {
			notes = append(notes, e.Note)
		}
	}
	for step := 1; step <= drill.Steps; step++ {
		prefix := "Drill: step " + strconv.Itoa(step) + " ("
		n := 0
		for _, note := range notes {
			if strings.HasPrefix(note, prefix) && strings.Contains(note, "done at T+") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d timeline notes start with %q, want 1: %q", n, prefix, notes)
		}
	}
	if !strings.HasPrefix(notes[0], drill.Marker) || !strings.HasPrefix(notes[len(notes)-1], "Drill ended (every step done): not ready: 8 of 8 steps done, 1 late.") {
		t.Errorf("timeline notes = %q, want the marker first and the end last", notes)
	}
	if kinds[breachdesk.EventAuthorityNotified] != 1 || kinds[breachdesk.EventIndividualsNotified] != 1 || kinds[breachdesk.EventReportGenerated] != 1 {
		t.Errorf("timeline kinds = %v, want the team's own events", kinds)
	}

	// A second drill on the drill's database: nobody plays, and it says so.
	var rep drill.Report
	stdout := c.mustRun("", "drill", "--time-limit", "1ms", "--json")
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("drill --json: %v\n%s", err, stdout)
	}
	if rep.IncidentID != 2 || rep.Ready || rep.Summary != "not ready: 0 of 8 steps done" || rep.Ended != drill.EndTimeLimit {
		t.Fatalf("second drill = incident %d, %q, ended %q", rep.IncidentID, rep.Summary, rep.Ended)
	}
}

// answerInquiry answers the inquiry with reference ref as an agent does
// in the console.
func answerInquiry(t *testing.T, c *cli, ref string) {
	t.Helper()
	m := NewMain()
	m.Stderr = io.Discard
	m.Config.DB, m.Config.KeyFile = c.db, filepath.Join(c.dir, "breachdesk.key")
	defer m.Close()
	ctx := breachdesk.NewContextWithActor(context.Background(), breachdesk.Actor{Kind: breachdesk.ActorUser, Name: "agent@example.com"})
	s, err := m.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := m.openKeyring(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	reply := &breachdesk.InquiryReply{Reference: ref, Language: "en", Author: "agent@example.com",
		Body: "Your name, e-mail address and phone number were taken; a copy of your data follows by post."}
	if _, err := s.InquiryReplies.AnswerInquiry(ctx, ref, keys.SealInquiryReply(reply)); err != nil {
		t.Fatalf("answer %s: %v", ref, err)
	}
}

// TestDrillRefusesLiveDatabase runs the drill on a database that holds a
// real incident: it refuses, and writes nothing.
func TestDrillRefusesLiveDatabase(t *testing.T) {
	c := backends(t)["SQLite"]
	c.mustRun("", "incident", "create", "-f", c.file("incident.yaml", incidentYAML))
	r := c.run("", "drill", "--time-limit", "1s")
	if r.code != ExitInvalid || !strings.Contains(r.stderr, "holds incident 1, which breachdesk drill did not create") ||
		!strings.Contains(r.stderr, "--db drill.db") {
		t.Fatalf("drill on a live database: exit %d, stderr %q", r.code, r.stderr)
	}
	if out := c.mustRun("", "incident", "list", "--json"); !strings.Contains(out, `"total": 1`) {
		t.Fatalf("incidents after the refusal: %s", out)
	}
	if r := c.run("", "org", "show"); r.code != ExitNotFound {
		t.Fatalf("org show after the refusal: exit %d, want no organization set", r.code)
	}
	for _, name := range []string{"breachdesk.key", "drill-2-people.csv"} {
		if _, err := os.Stat(filepath.Join(c.dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s exists after the refusal", name)
		}
	}
}

func TestDrillFlags(t *testing.T) {
	c := backends(t)["SQLite"]
	for _, args := range [][]string{{"--people", "0"}, {"--time-limit", "0s"}, {"--poll", "-1s"}} {
		if r := c.run("", append([]string{"drill"}, args...)...); r.code != ExitUsage {
			t.Errorf("drill %v: exit %d, want usage", args, r.code)
		}
	}
}

func TestDrillCommandLine(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080"},
		{":8080", "http://127.0.0.1:8080"},
		{"0.0.0.0:9000", "http://127.0.0.1:9000"},
		{"[::]:9000", "http://127.0.0.1:9000"},
		{"console.internal:443", "http://console.internal:443"},
	} {
		if got := consoleURL(tt.addr); got != tt.want {
			t.Errorf("consoleURL(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
	for _, tt := range []struct {
		db, keyFile, want string
	}{
		{"breachdesk.db", "breachdesk.key", "breachdesk"},
		{"drill.db", "breachdesk.key", "breachdesk --db drill.db"},
		{"/srv/drills/it's.db", "/srv/drills/breachdesk.key", `breachdesk --db '/srv/drills/it'\''s.db'`},
		{"drill.db", "/keys/drill.key", "breachdesk --db drill.db --key-file /keys/drill.key"},
		{"postgres://bd:secret@db/drill", "/keys/drill.key", "breachdesk --key-file /keys/drill.key"},
	} {
		m := NewMain()
		m.Config.DB, m.Config.KeyFile = tt.db, tt.keyFile
		if got := m.drillCLI(); got != tt.want {
			t.Errorf("drillCLI() with --db %s --key-file %s = %q, want %q", tt.db, tt.keyFile, got, tt.want)
		}
	}
}
