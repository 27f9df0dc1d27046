package assess_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/assess"
	"github.com/breachdesk/breachdesk/rules"
	"go.yaml.in/yaml/v3"
)

// testCase is one case of a testdata file: the facts, and the obligations
// expected (id: deadline in RFC 3339, or "none" for no fixed time) and
// the rules expected not to apply (id: part of the reason).
type testCase struct {
	Name         string                          `yaml:"name"`
	Organization breachdesk.Organization         `yaml:"organization"`
	Incident     incidentFacts                   `yaml:"incident"`
	Profiles     []*breachdesk.PopulationProfile `yaml:"profiles"`
	Done         map[string]time.Time            `yaml:"done"`
	Overrides    map[string]string               `yaml:"overrides"`
	Now          time.Time                       `yaml:"now"`
	Risk         breachdesk.RiskLevel            `yaml:"risk"`
	Expect       map[string]string               `yaml:"expect"`
	NotApplying  map[string]string               `yaml:"not_applying"`
	Gaps         []string                        `yaml:"gaps"`
}

type incidentFacts struct {
	Nature            []string   `yaml:"nature"`
	Cause             string     `yaml:"cause"`
	Malicious         *bool      `yaml:"malicious"`
	DetectedAt        *time.Time `yaml:"detected_at"`
	AwareAt           *time.Time `yaml:"aware_at"`
	DeterminedAt      *time.Time `yaml:"determined_at"`
	DataCategories    []string   `yaml:"data_categories"`
	SubjectCategories []string   `yaml:"subject_categories"`
	Recipients        string     `yaml:"recipients"`
	Encryption        string     `yaml:"encryption"`
}

func TestRuleFamilies(t *testing.T) {
	set, err := rules.Load("")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/*.yaml")
	if len(files) < 5 {
		t.Fatalf("found %d testdata files", len(files))
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var cases []testCase
		if err := yaml.Unmarshal(data, &cases); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, tc := range cases {
			t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml")+"/"+tc.Name, func(t *testing.T) {
				f := tc.Incident
				inc := &breachdesk.Incident{ID: 1, Nature: f.Nature, Cause: f.Cause, Malicious: f.Malicious,
					DetectedAt: f.DetectedAt, AwareAt: f.AwareAt, DeterminedAt: f.DeterminedAt, DataCategories: f.DataCategories,
					SubjectCategories: f.SubjectCategories, Recipients: f.Recipients, Encryption: f.Encryption}
				var statuses []*breachdesk.ObligationStatus
				for id, at := range tc.Done {
					statuses = append(statuses, &breachdesk.ObligationStatus{ObligationID: id, Status: breachdesk.ObligationDone, At: &at})
				}
				var overrides []*breachdesk.AssessmentOverride
				for factor, value := range tc.Overrides {
					overrides = append(overrides, &breachdesk.AssessmentOverride{Factor: factor, Value: value, Reason: "test", Actor: "tester"})
				}
				org := tc.Organization
				res := assess.Run(assess.Input{Incident: inc, Organization: &org, Profiles: tc.Profiles, Overrides: overrides, Statuses: statuses, Rules: set, Now: tc.Now})
				if tc.Risk != "" && res.Risk.Level != tc.Risk {
					t.Errorf("risk = %s, want %s (%v)", res.Risk.Level, tc.Risk, res.Risk.Reasons)
				}
				got := map[string]string{}
				for _, o := range res.Obligations {
					got[o.ID] = "none"
					if o.Deadline != nil {
						got[o.ID] = o.Deadline.Format(time.RFC3339)
					}
				}
				for id, want := range tc.Expect {
					if got[id] != want {
						t.Errorf("obligation %s: deadline %q, want %q", id, got[id], want)
					}
				}
				for id := range got {
					if _, ok := tc.Expect[id]; !ok && tc.Expect != nil {
						t.Errorf("unexpected obligation %s", id)
					}
				}
				for id, reason := range tc.NotApplying {
					i := slices.IndexFunc(res.NotApplicable, func(o *assess.Obligation) bool { return o.ID == id })
					if i < 0 {
						t.Errorf("%s: not among the rules that do not apply", id)
					} else if !strings.Contains(res.NotApplicable[i].Reason, reason) {
						t.Errorf("%s: reason %q, want it to contain %q", id, res.NotApplicable[i].Reason, reason)
					}
				}
				for _, gap := range tc.Gaps {
					if !slices.ContainsFunc(res.Gaps, func(g string) bool { return strings.Contains(g, gap) }) {
						t.Errorf("no gap mentions %q: %v", gap, res.Gaps)
					}
				}
			})
		}
	}
}

// TestClockRulesAreArt33 checks that the rules whose obligation done stops
// the 72-hour clock are, in the built-in rules, notifications to an
// authority under an Art. 33, and that they are all there.
func TestClockRulesAreArt33(t *testing.T) {
	set, err := rules.Load("")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, f := range set.Files {
		for _, r := range f.Rules {
			if !slices.Contains(breachdesk.ClockRules(), r.ID) {
				continue
			}
			found[r.ID] = true
			if r.Recipient != "authority" || !strings.Contains(r.Law, "33") {
				t.Errorf("rule %s (%s, to %s) is not a notification to the authority under Art. 33", r.ID, r.Law, r.Recipient)
			}
		}
	}
	for _, id := range breachdesk.ClockRules() {
		if !found[id] {
			t.Errorf("no built-in rule %s", id)
		}
	}
}
