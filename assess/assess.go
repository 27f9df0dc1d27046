package assess

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/rules"
)

// Disclaimer heads every result: the engine lists duties that appear to
// apply; counsel confirms them.
const Disclaimer = "These are the obligations that appear to apply, from the facts recorded and the rules in force, with the reason for each. They are not legal advice: have counsel confirm them."

// Input is what an assessment is computed from.
type Input struct {
	Incident     *breachdesk.Incident
	Organization *breachdesk.Organization // nil when not set up
	Profiles     []*breachdesk.PopulationProfile
	Overrides    []*breachdesk.AssessmentOverride
	Statuses     []*breachdesk.ObligationStatus
	Rules        *rules.Set
	Now          time.Time
}

// Result is an incident's assessment.
type Result struct {
	IncidentID int64  `json:"incident_id"`
	Disclaimer string `json:"disclaimer"`
	// People is how many affected people were counted; WithoutContact
	// of them have no e-mail, phone or postal address.
	People         int64                            `json:"people"`
	WithoutContact int64                            `json:"without_contact"`
	Severity       Severity                         `json:"severity"`
	Risk           RiskResult                       `json:"risk"`
	Exceptions     []Exception                      `json:"art34_exceptions"`
	Obligations    []*Obligation                    `json:"obligations"`
	NotApplicable  []*Obligation                    `json:"not_applicable,omitempty"`
	Gaps           []string                         `json:"gaps,omitempty"`
	Overrides      []*breachdesk.AssessmentOverride `json:"overrides,omitempty"`
	AssessedAt     time.Time                        `json:"assessed_at"`
}

// RiskResult is the risk level and how it was reached.
type RiskResult struct {
	Level    breachdesk.RiskLevel           `json:"level"`
	Reasons  []string                       `json:"reasons"`
	Override *breachdesk.AssessmentOverride `json:"override,omitempty"`
}

// Exception is one GDPR Art. 34(3) exception and whether it is met.
type Exception struct {
	ID       string                         `json:"id"`
	Title    string                         `json:"title"`
	Met      bool                           `json:"met"`
	Reason   string                         `json:"reason"`
	Override *breachdesk.AssessmentOverride `json:"override,omitempty"`
}

// Run assesses the incident.
func Run(in Input) *Result {
	inc := in.Incident
	overrides := map[string]*breachdesk.AssessmentOverride{}
	for _, o := range in.Overrides {
		overrides[o.Factor] = o
	}
	res := &Result{IncidentID: inc.ID, Disclaimer: Disclaimer, Overrides: in.Overrides, AssessedAt: in.Now}
	profiles := in.Profiles
	if len(profiles) == 0 {
		res.Gaps = append(res.Gaps, "no affected people are imported: obligations per jurisdiction cannot be determined; only the controller's own country is considered, with the incident's approximate count (import them with `breachdesk subjects import`)")
		if in.Organization != nil {
			n := int64(0)
			if inc.ApproxSubjects != nil {
				n = *inc.ApproxSubjects
			}
			profiles = []*breachdesk.PopulationProfile{{Country: in.Organization.Country, People: n}}
		}
	}
	if in.Organization == nil {
		res.Gaps = append(res.Gaps, "the organization is not set up: its country decides the lead authority (run `breachdesk org set`)")
	}
	categories := slices.Clone(inc.DataCategories)
	for _, p := range profiles {
		res.People += p.People
		res.WithoutContact += p.WithoutContact
		for _, c := range p.DataCategories {
			if !slices.Contains(categories, c) {
				categories = append(categories, c)
			}
		}
	}
	if len(categories) == 0 {
		res.Gaps = append(res.Gaps, "no data categories are recorded: triggers that depend on them cannot hold")
	}
	for _, t := range []struct {
		at   *time.Time
		name string
	}{{inc.AwareAt, "aware_at"}, {inc.DetectedAt, "detected_at"}, {inc.DeterminedAt, "determined_at"}} {
		if t.at == nil {
			res.Gaps = append(res.Gaps, t.name+" is not recorded: deadlines that run from it cannot be computed")
		}
	}
	res.Severity = scoreSeverity(inc, categories, overrides)
	res.Risk = assessRisk(inc, categories, res.Severity, res.People, overrides)
	res.Exceptions = art34Exceptions(inc, res.WithoutContact, overrides)
	e := &evaluation{in: in, res: res, profiles: profiles, statuses: map[string]*breachdesk.ObligationStatus{},
		rules: map[string]*rules.Rule{}, files: map[string]*rules.File{}}
	for _, f := range in.Rules.Files {
		for _, r := range f.Rules {
			e.rules[r.ID], e.files[r.ID] = r, f
		}
	}
	for _, s := range in.Statuses {
		e.statuses[s.ObligationID] = s
	}
	e.obligations()
	return res
}

func assessRisk(inc *breachdesk.Incident, categories []string, sev Severity, people int64, overrides map[string]*breachdesk.AssessmentOverride) RiskResult {
	var r RiskResult
	add := func(level breachdesk.RiskLevel, format string, args ...any) {
		r.Reasons = append(r.Reasons, fmt.Sprintf(format, args...))
		if level.AtLeast(r.Level) || r.Level == "" {
			r.Level = level
		}
	}
	availabilityLost := slices.Contains(inc.Nature, breachdesk.NatureAvailability) && !isTrue(inc.BackupAvailable)
	if inc.Encryption == breachdesk.EncryptionEncryptedKeySafe && !availabilityLost {
		r.Level = breachdesk.NoRisk
		r.Reasons = append(r.Reasons, "the data was encrypted with a state-of-the-art algorithm and the key is safe: unlikely to result in a risk (EDPB 9/2022)")
	} else {
		switch sev.Band {
		case BandLow:
			if inc.Recipients == breachdesk.RecipientsNoneEvidenced || inc.Recipients == breachdesk.RecipientsKnownTrusted {
				add(breachdesk.NoRisk, "severity low (%.2f) and no evidence the data reached anyone untrusted: unlikely to result in a risk - keep the evidence (logs) in the register", sev.Score)
			} else {
				add(breachdesk.Risk, "severity low (%.2f), but the data reached people outside: a risk cannot be ruled out", sev.Score)
			}
		case BandMedium:
			add(breachdesk.Risk, "severity medium (%.2f)", sev.Score)
		default:
			add(breachdesk.HighRisk, "severity %s (%.2f)", strings.ReplaceAll(sev.Band, "_", " "), sev.Score)
		}
		if c := firstOf(categories, specialCategories); c != "" {
			add(breachdesk.HighRisk, "special-category or criminal data (%s): damage is presumed likely (EDPB 9/2022)", c)
		}
		if c := firstOf(categories, []string{"password_plain", "password_hash_weak"}); c != "" {
			add(breachdesk.HighRisk, "%s: accounts can be taken over, here and wherever the password is reused", c)
		}
		if c := firstOf(categories, []string{"payment_card_full", "bank_account", "ssn", "national_id", "passport"}); c != "" {
			add(breachdesk.HighRisk, "%s: identity theft or financial fraud is likely", c)
		}
		if s := firstOf(inc.SubjectCategories, vulnerableSubjects); s != "" {
			add(breachdesk.HighRisk, "vulnerable people affected (%s)", s)
		}
		if people >= 100_000 && (malicious(inc) || inc.Recipients == breachdesk.RecipientsPublic) && sev.Score >= 2 {
			add(breachdesk.HighRisk, "%d people, in the hands of unknown parties: targeted phishing and fraud at scale", people)
		}
		if people > 0 {
			r.Reasons = append(r.Reasons, fmt.Sprintf("%d people affected", people))
		}
	}
	if o := overrides[breachdesk.FactorRisk]; o != nil {
		r.Level, r.Override = breachdesk.RiskLevel(o.Value), o
		r.Reasons = append(r.Reasons, fmt.Sprintf("overridden to %s by %s: %s", o.Value, o.Actor, o.Reason))
	}
	return r
}

func art34Exceptions(inc *breachdesk.Incident, withoutContact int64, overrides map[string]*breachdesk.AssessmentOverride) []Exception {
	a := Exception{ID: breachdesk.FactorArt34Encrypted, Title: "Art. 34(3)(a): the data is unintelligible (e.g. encrypted, key safe)"}
	if inc.Encryption == breachdesk.EncryptionEncryptedKeySafe {
		a.Met, a.Reason = true, "encryption: encrypted_key_safe"
	} else {
		a.Reason = "encryption: " + orValue(inc.Encryption, "not recorded")
	}
	b := Exception{ID: breachdesk.FactorArt34Measures, Title: "Art. 34(3)(b): later measures make the high risk no longer likely"}
	if isTrue(inc.DataRecovered) && (inc.Recipients == breachdesk.RecipientsKnownTrusted || inc.Recipients == breachdesk.RecipientsKnownLimited) {
		b.Met, b.Reason = true, "the data was recovered from known recipients"
	} else {
		b.Reason = "no recovery from known recipients recorded (data_recovered, recipients)"
	}
	c := Exception{ID: breachdesk.FactorArt34Effort, Title: "Art. 34(3)(c): telling each person would need disproportionate effort: a public communication instead"}
	if withoutContact > 0 {
		c.Met, c.Reason = true, fmt.Sprintf("%d people have no e-mail, phone or postal address: a public communication reaches them", withoutContact)
	} else {
		c.Reason = "no imported person lacks a contact"
	}
	list := []Exception{a, b, c}
	for i, e := range list {
		if o := overrides[e.ID]; o != nil {
			list[i].Met, list[i].Override = o.Value == breachdesk.ExceptionMet, o
			list[i].Reason = fmt.Sprintf("overridden to %s by %s: %s", o.Value, o.Actor, o.Reason)
		}
	}
	return list
}

func orValue(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}
