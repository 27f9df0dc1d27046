package main

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	bdhttp "github.com/breachdesk/breachdesk/http"
)

func TestClockAndTimeline(t *testing.T) {
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			c.now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
			id := strings.TrimSpace(c.mustRun("title: Exposure\ndetected_at: 2026-11-20T08:00:00Z\n", "incident", "create", "-f", "-"))
			if out := c.mustRun("", "incident", "show", id); !strings.Contains(out, "72-hour clock:") || !strings.Contains(out, "not started") {
				t.Fatalf("show without aware_at:\n%s", out)
			}
			c.mustRun("aware_at: 2026-11-20T10:00:00Z\n", "incident", "update", id, "-f", "-")
			out := c.mustRun("", "incident", "show", id)
			if !strings.Contains(out, "deadline 2026-11-23 10:00 UTC: 46h00m left") {
				t.Fatalf("show with aware_at:\n%s", out)
			}
			var shown bdhttp.IncidentResponse
			json.Unmarshal([]byte(c.mustRun("", "incident", "show", id, "--json")), &shown)
			if shown.NotificationClock == nil || shown.NotificationClock.SecondsLeft != 46*3600 {
				t.Fatalf("show --json clock = %+v", shown.NotificationClock)
			}

			c.now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
			if out := c.mustRun("", "incident", "show", id); !strings.Contains(out, "overdue by 26h00m") {
				t.Fatalf("show after the deadline:\n%s", out)
			}
			c.mustRun("", "incident", "event", id, "--kind", "authority_notified", "--at", "2026-11-22T16:00:00Z", "--note", "CNIL notification 2026-42")
			if out := c.mustRun("", "incident", "show", id); !strings.Contains(out, "authority notified 54h00m after awareness, within 72 hours") {
				t.Fatalf("show after notifying:\n%s", out)
			}
			c.mustRun("", "incident", "event", id, "--kind", "decision", "--note", "No notice to individuals: names only, low risk")

			r := c.run("", "incident", "event", id, "--kind", "decision")
			if r.code != ExitInvalid || !strings.Contains(r.stderr, "--note") {
				t.Fatalf("decision without a note: exit %d, %q", r.code, r.stderr)
			}
			if r := c.run("", "incident", "event", id, "--kind", "authority_notified", "--at", "yesterday"); r.code != ExitInvalid || !strings.Contains(r.stderr, "--at") {
				t.Fatalf("event --at yesterday: exit %d, %q", r.code, r.stderr)
			}
			if r := c.run("", "incident", "event", "999", "--kind", "contained"); r.code != ExitNotFound {
				t.Fatalf("event on a missing incident: exit %d, want %d", r.code, ExitNotFound)
			}

			out = c.mustRun("", "incident", "timeline", id)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			want := []string{"WHEN", "created", "field_changed", "authority_notified", "decision"}
			if len(lines) != len(want) {
				t.Fatalf("timeline has %d lines, want %d:\n%s", len(lines), len(want), out)
			}
			for i, w := range want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("timeline line %d = %q, want %q", i, lines[i], w)
				}
			}
			if !strings.Contains(out, "cli:tester") || !strings.Contains(out, `aware_at: (none) → "2026-11-20T10:00:00Z"`) {
				t.Errorf("timeline lacks the actor or the field change:\n%s", out)
			}
		})
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	c := backends(t)["SQLite"]
	c.mustRun("", "org", "set", "--name", "Shop", "--country", "FR")
	id := strings.TrimSpace(c.mustRun("title: Lost laptop\n", "incident", "create", "-f", "-"))
	c.mustRun("status: assessed\n", "incident", "update", id, "-f", "-")
	c.mustRun("", "incident", "event", id, "--kind", "note", "--note", "Laptop was encrypted")

	out := c.mustRun("", "audit", "verify")
	if !strings.HasPrefix(out, "Audit log intact: 4 entries") {
		t.Fatalf("audit verify = %q", out)
	}
	var listed bdhttp.AuditListResponse
	json.Unmarshal([]byte(c.mustRun("", "audit", "list", "--json")), &listed)
	if listed.Total != 4 || listed.Entries[1].Action != breachdesk.AuditIncidentCreate || listed.Entries[1].Actor != "cli:tester" {
		t.Fatalf("audit list = %+v", listed)
	}

	// Someone with access to the file rewrites history.
	raw, err := sql.Open("sqlite3", c.db)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET actor = 'cli:someone-else' WHERE id = 2`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()

	r := c.run("", "audit", "verify")
	if r.code != ExitCheckFailed || !strings.Contains(r.stderr, "broken at entry 2") {
		t.Fatalf("audit verify after tampering: exit %d, stderr %q; want %d naming entry 2", r.code, r.stderr, ExitCheckFailed)
	}
	r = c.run("", "audit", "verify", "--json")
	var v breachdesk.AuditVerification
	json.Unmarshal([]byte(r.stdout), &v)
	if r.code != ExitCheckFailed || v.FirstBroken == nil || *v.FirstBroken != 2 {
		t.Fatalf("audit verify --json after tampering: exit %d, %+v", r.code, v)
	}
}

func TestRegisterExport(t *testing.T) {
	c := backends(t)["SQLite"]
	notified := strings.TrimSpace(c.mustRun(`title: '=HYPERLINK("http://evil")'
aware_at: 2026-11-20T10:00:00Z
data_categories: [name, email]
approx_subjects: 1200
likely_consequences: Phishing
measures_taken: Page fixed
`, "incident", "create", "-f", "-"))
	c.mustRun("", "incident", "event", notified, "--kind", "authority_notified", "--at", "2026-11-23T12:00:00Z")
	c.mustRun("", "incident", "event", notified, "--kind", "decision", "--note", "Notified late: scope took 3 days")
	quiet := strings.TrimSpace(c.mustRun("title: Misdirected e-mail\ncause: misdelivery\n", "incident", "create", "-f", "-"))
	c.mustRun("", "incident", "event", quiet, "--kind", "decision", "--note", "Not notified: one recipient, deleted, no risk")

	rows, err := csv.NewReader(strings.NewReader(c.mustRun("", "register", "export", "--format", "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || strings.Join(rows[0], ",") != strings.Join(breachdesk.RegisterCSVHeader(), ",") {
		t.Fatalf("register csv has %d rows, header %v", len(rows), rows[0])
	}
	col := func(row []string, name string) string {
		for i, h := range rows[0] {
			if h == name {
				return row[i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	first, second := rows[1], rows[2]
	for name, want := range map[string]string{
		"incident_id": notified, "data_categories": "name;email", "approx_subjects": "1200",
		"authority_notified_at": "2026-11-23T12:00:00Z", "notified_within_72h": "false",
		"likely_consequences": "Phishing", "measures_taken": "Page fixed",
	} {
		if got := col(first, name); got != want {
			t.Errorf("first row %s = %q, want %q", name, got, want)
		}
	}
	if got := col(first, "title"); !strings.HasPrefix(got, "'=") {
		t.Errorf("title %q: a formula must be defused with a leading apostrophe", got)
	}
	if got := col(first, "decisions"); !strings.Contains(got, "(cli:tester): Notified late: scope took 3 days") {
		t.Errorf("decisions = %q", got)
	}
	if col(second, "incident_id") != quiet || col(second, "authority_notified_at") != "" || !strings.Contains(col(second, "decisions"), "no risk") {
		t.Errorf("the unnotified incident's row = %v", second)
	}

	path := c.dir + "/register.json"
	c.mustRun("", "register", "export", "--format", "json", "-o", path)
	var reg bdhttp.RegisterResponse
	data := c.mustRun("", "register", "export", "--format", "json")
	if err := json.Unmarshal([]byte(data), &reg); err != nil {
		t.Fatal(err)
	}
	if len(reg.Incidents) != 2 || len(reg.Incidents[1].Decisions) != 1 || reg.Incidents[0].NotifiedWithin72h == nil {
		t.Fatalf("register json = %+v", reg)
	}
	if r := c.run("", "register", "export", "--format", "xlsx"); r.code != ExitUsage {
		t.Fatalf("--format xlsx: exit %d, want usage", r.code)
	}
}

func TestTokenCommands(t *testing.T) {
	c := backends(t)["SQLite"]
	r := c.run("", "token", "create", "--name", "ticketing")
	if r.code != ExitOK || !strings.HasPrefix(r.stdout, "bdk_") || !strings.Contains(r.stderr, "will not be shown again") {
		t.Fatalf("token create: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	secret := strings.TrimSpace(r.stdout)
	out := c.mustRun("", "token", "list")
	if !strings.Contains(out, "ticketing") || strings.Contains(out, secret) {
		t.Fatalf("token list shows no token or the whole secret:\n%s", out)
	}
	if r := c.run("", "token", "create", "--name", "ticketing"); r.code != ExitInvalid {
		t.Fatalf("second token with the same name: exit %d, want %d", r.code, ExitInvalid)
	}
	c.mustRun("", "token", "revoke", "ticketing")
	if r := c.run("", "token", "revoke", "ticketing"); r.code != ExitNotFound {
		t.Fatalf("revoking twice: exit %d, want %d", r.code, ExitNotFound)
	}
}
