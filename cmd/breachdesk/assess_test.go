package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk/assess"
)

// The founding cases of the product, end to end on both backends: people
// in FR, GB, IT, US-CA, US-NY, US-TX, US-MA and IN, a controller in France.
func TestFoundingCases(t *testing.T) {
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			c.now = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
			key := c.keyArgs()
			c.mustRun("", "org", "set", "--name", "Marketplace SAS", "--country", "FR")
			out := c.mustRun("", "gen", "subjects", "6000", "--seed", "7", "--countries", "FR,GB,IT,US-CA,US-NY,US-TX,US-MA,IN")
			people := c.file("people.csv", out)

			exposure := strings.TrimSpace(c.mustRun(`title: Names and e-mails visible to other users
nature: [confidentiality]
cause: technical_error
malicious: false
detected_at: 2026-11-20T09:00:00Z
aware_at: 2026-11-20T15:00:00Z
determined_at: 2026-11-20T15:00:00Z
data_categories: [name, email]
recipients: unknown
`, "incident", "create", "-f", "-"))
			c.mustRun("", append(key, "subjects", "import", exposure, people)...)
			res := assessJSON(t, c, exposure)
			if res.Risk.Level != "risk" || res.Severity.Band != assess.BandLow {
				t.Errorf("exposure: risk %s, severity %s %.2f; want risk, low", res.Risk.Level, res.Severity.Band, res.Severity.Score)
			}
			want := map[string]string{
				"in-cert-in":      "2026-11-20T15:00:00Z",
				"eu-gdpr-33/FR":   "2026-11-23T15:00:00Z",
				"gb-ukgdpr-33":    "2026-11-23T15:00:00Z",
				"eu-gdpr-33-5/FR": "",
			}
			checkBoard(t, "exposure", res, want)
			checkNot(t, res, map[string]string{"eu-gdpr-34/FR": "below high_risk", "us-ca-individuals": "no person had",
				"us-tx-individuals": "no person had", "in-dpdp-board": "takes effect on 2027-05-13"})

			theft := strings.TrimSpace(c.mustRun(`title: Customer records stolen
nature: [confidentiality]
cause: malicious_attack
malicious: true
detected_at: 2026-11-20T09:00:00Z
aware_at: 2026-11-20T15:00:00Z
determined_at: 2026-11-20T18:00:00Z
data_categories: [name, email, phone, postal_address, payment_card_last4, password_hash_weak]
recipients: unknown
`, "incident", "create", "-f", "-"))
			c.mustRun("", append(key, "subjects", "import", theft, people)...)
			res = assessJSON(t, c, theft)
			if res.Risk.Level != "high_risk" || res.Severity.Score != 4 || res.Severity.Band != assess.BandVeryHigh {
				t.Errorf("theft: risk %s, severity %s %.2f; want high_risk, very high 4.0", res.Risk.Level, res.Severity.Band, res.Severity.Score)
			}
			want = map[string]string{
				"in-cert-in":        "2026-11-20T15:00:00Z",
				"eu-gdpr-33/FR":     "2026-11-23T15:00:00Z",
				"gb-ukgdpr-33":      "2026-11-23T15:00:00Z",
				"eu-gdpr-34/FR":     "",
				"gb-ukgdpr-34":      "",
				"eu-gdpr-33-5/FR":   "",
				"us-ca-individuals": "2026-12-21T07:59:59Z",
				"us-ca-ag":          "2027-01-05T07:59:59Z",
				"us-ny-individuals": "2026-12-21T04:59:59Z",
				"us-ny-regulators":  "2026-12-21T04:59:59Z",
			}
			checkBoard(t, "theft", res, want)
			checkNot(t, res, map[string]string{"us-tx-individuals": "no person had", "us-ma-individuals": "no person had",
				"us-ny-credit-agencies": "fewer than the 5001"})

			// Marking the California notices done moves the AG's deadline.
			c.mustRun("", "obligations", "done", theft, "us-ca-individuals", "--at", "2026-11-25T18:00:00Z", "--note", "campaign 1 sent")
			var board struct {
				Obligations []*assess.Obligation `json:"obligations"`
			}
			if err := json.Unmarshal([]byte(c.mustRun("", "obligations", theft, "--json")), &board); err != nil {
				t.Fatal(err)
			}
			for _, o := range board.Obligations {
				if o.Jurisdiction == "" || o.Recipient == "" || o.Citation == "" || o.Reason == "" || o.Status == "" || o.Clock == "" {
					t.Errorf("obligation %s lacks a field: %+v", o.ID, o)
				}
				switch o.ID {
				case "us-ca-individuals":
					if o.Status != "done" || o.StatusNote != "campaign 1 sent" {
						t.Errorf("us-ca-individuals: status %s %q", o.Status, o.StatusNote)
					}
				case "us-ca-ag":
					if o.Deadline == nil || !o.Deadline.Equal(time.Date(2026, 12, 11, 7, 59, 59, 0, time.UTC)) || o.Provisional {
						t.Errorf("us-ca-ag after the notices: deadline %v provisional %v", o.Deadline, o.Provisional)
					}
				case "in-cert-in":
					if !o.Overdue || o.SecondsLeft == nil || *o.SecondsLeft >= 0 {
						t.Errorf("in-cert-in should be overdue: %+v", o)
					}
				}
			}
			if !slices.IsSortedFunc(board.Obligations, func(a, b *assess.Obligation) int {
				if a.Deadline == nil || b.Deadline == nil {
					return 0
				}
				return a.Deadline.Compare(*b.Deadline)
			}) {
				t.Error("the board is not sorted by deadline")
			}
			if r := c.run("", "obligations", "done", theft, "no-such-rule"); r.code == ExitOK {
				t.Error("marking an unknown obligation done succeeded")
			}
			if r := c.run("", "obligations", "waive", theft, "us-ny-regulators"); r.code == ExitOK {
				t.Error("waiving without a reason succeeded")
			}

			// An override changes the score, needs a reason, and is audited.
			if r := c.run("", "assess", theft, "--override", "dpc=2"); r.code == ExitOK {
				t.Error("an override without a reason succeeded")
			}
			c.mustRun("", "assess", theft, "--override", "dpc=2", "--reason", "the accounts hold no payment data")
			res = assessJSON(t, c, theft)
			if res.Severity.Score != 3 || res.Severity.Factors[0].Override == nil {
				t.Errorf("after dpc=2: severity %.2f, factor %+v", res.Severity.Score, res.Severity.Factors[0])
			}
			if audit := c.mustRun("", "audit", "list"); !strings.Contains(audit, "assessment.override") || !strings.Contains(audit, "obligation.status") {
				t.Errorf("audit log lacks the override or the status:\n%s", audit)
			}
		})
	}
}

func assessJSON(t *testing.T, c *cli, id string) *assess.Result {
	t.Helper()
	var res assess.Result
	if err := json.Unmarshal([]byte(c.mustRun("", "assess", id, "--json", "--all")), &res); err != nil {
		t.Fatal(err)
	}
	return &res
}

// checkBoard checks the obligations are exactly want (id: deadline, ""
// for none).
func checkBoard(t *testing.T, name string, res *assess.Result, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, o := range res.Obligations {
		got[o.ID] = ""
		if o.Deadline != nil {
			got[o.ID] = o.Deadline.Format(time.RFC3339)
		}
		if o.Subjects <= 0 {
			t.Errorf("%s: %s concerns %d people", name, o.ID, o.Subjects)
		}
	}
	for id, deadline := range want {
		if d, ok := got[id]; !ok || d != deadline {
			t.Errorf("%s: %s deadline %q (present %v), want %q", name, id, d, ok, deadline)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s: unexpected obligation %s", name, id)
		}
	}
}

func checkNot(t *testing.T, res *assess.Result, want map[string]string) {
	t.Helper()
	for id, reason := range want {
		i := slices.IndexFunc(res.NotApplicable, func(o *assess.Obligation) bool { return o.ID == id })
		if i < 0 || !strings.Contains(res.NotApplicable[i].Reason, reason) {
			t.Errorf("%s should not apply because %q", id, reason)
		}
	}
}
