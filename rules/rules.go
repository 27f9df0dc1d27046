// Package rules reads the breach-notification rules: one file per
// jurisdiction, written as data with citations and dates so that a lawyer
// can check and correct them. The files under this directory are built
// into the binary; a directory of files can override or extend them.
package rules

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	// Rule files name IANA time zones; the binary carries their data so
	// that it does not depend on the machine's.
	_ "time/tzdata"

	"github.com/breachdesk/breachdesk"
	"go.yaml.in/yaml/v3"
)

//go:embed *.yaml
var embedded embed.FS

// Recipients of an obligation.
const (
	RecipientAuthority       = "authority"
	RecipientIndividuals     = "individuals"
	RecipientAttorneyGeneral = "attorney_general"
	RecipientCreditAgencies  = "credit_agencies"
	RecipientMedia           = "media"
	RecipientOther           = "other"
)

// Recipients returns the kinds of recipient a rule can name.
func Recipients() []string {
	return []string{RecipientAuthority, RecipientIndividuals, RecipientAttorneyGeneral, RecipientCreditAgencies, RecipientMedia, RecipientOther}
}

// Clocks a deadline can run from: a time of the incident, or the
// completion of another obligation ("obligation:RULE-ID").
const (
	ClockAwareAt      = "aware_at"
	ClockDetectedAt   = "detected_at"
	ClockDeterminedAt = "determined_at"
	ClockObligation   = "obligation:"
)

// Exemptions a rule can name.
const (
	// ExemptEncryptedKeySafe: the data was encrypted and the key was not
	// compromised.
	ExemptEncryptedKeySafe = "encrypted_key_safe"
	// ExemptNoRisk: the assessed risk is no_risk (a harm test; the
	// decision must usually be written down and kept).
	ExemptNoRisk = "no_risk"
	// ExemptArt34: the GDPR Art. 34(3) exceptions: (a) data unintelligible,
	// (b) later measures, (c) disproportionate effort, which turns the
	// duty into a public communication.
	ExemptArt34 = "art34_3"
)

// Exemptions returns the exemptions a rule can name.
func Exemptions() []string { return []string{ExemptEncryptedKeySafe, ExemptNoRisk, ExemptArt34} }

// Covers tells which people a jurisdiction's laws protect.
const (
	// CoversResidents: the people who live there.
	CoversResidents = "residents"
	// CoversResidentsOrEstablishment: everyone the controller's data
	// covers when it is established there, otherwise the residents.
	CoversResidentsOrEstablishment = "residents_or_establishment"
	// CoversOtherRegions: each region of the country that has no file of
	// its own (the general pattern of US state laws).
	CoversOtherRegions = "other_regions"
)

// File is the rules of one jurisdiction.
type File struct {
	// Jurisdiction is a code: EU (the EEA under the GDPR), a country (GB,
	// IN), a region (US-CA), or a country with Covers other_regions.
	Jurisdiction string `yaml:"jurisdiction"`
	Name         string `yaml:"name"`
	// Timezone is the IANA zone in which calendar and business days count.
	Timezone string `yaml:"timezone"`
	Covers   string `yaml:"covers"`
	// Authority is the regulator that rules with recipient authority
	// notify, unless a rule names another.
	Authority string `yaml:"authority"`
	// MemberStates (EU only) maps each EEA state to its supervisory
	// authority.
	MemberStates map[string]string `yaml:"member_states"`
	LastVerified Date              `yaml:"last_verified"`
	Rules        []*Rule           `yaml:"rules"`

	// Path is where the file was read from.
	Path string `yaml:"-"`
	// Location is the loaded time zone.
	Location *time.Location `yaml:"-"`
}

// Rule is one duty: who must be told, when, by when and with what.
type Rule struct {
	ID  string `yaml:"id"`
	Law string `yaml:"law"`
	// Recipient is one of Recipients().
	Recipient string `yaml:"recipient"`
	// Authority names the recipient when it is not the file's authority.
	// For the EU, "lead_or_each" picks the lead authority, or each
	// concerned one when the controller has no EEA establishment.
	Authority string `yaml:"authority"`
	// Sector, when set, limits the rule to organizations in that sector.
	Sector string `yaml:"sector"`
	// When lists the conditions; the rule applies when any one holds.
	// No conditions: it applies whenever the jurisdiction's people are
	// affected.
	When []Condition `yaml:"when"`
	// Clock is what the deadline runs from.
	Clock    string   `yaml:"clock"`
	Deadline Deadline `yaml:"deadline"`
	// Exemptions lift the duty when they hold.
	Exemptions []string `yaml:"exemptions"`
	// Content lists what the notice must contain (headings, items).
	Content       []string `yaml:"content"`
	Citation      string   `yaml:"citation"`
	EffectiveFrom Date     `yaml:"effective_from"`
	LastVerified  Date     `yaml:"last_verified"`
	// Confidence is H, M or L, as in the research the rule comes from.
	Confidence string `yaml:"confidence"`
	Note       string `yaml:"note"`
	// Replaces names a rule whose obligation this one takes the place of
	// when both apply (a longer deadline for a special case).
	Replaces string `yaml:"replaces"`

	// Line is where the rule starts in its file.
	Line int `yaml:"-"`
}

// Condition is a set of facts that must all hold.
type Condition struct {
	// MinRisk is the lowest assessed risk level (risk or high_risk).
	MinRisk breachdesk.RiskLevel `yaml:"min_risk"`
	// Categories lists combinations of data categories; a person meets
	// the condition when all the categories of one combination were
	// exposed. An element "a|b" is met by either.
	Categories [][]string `yaml:"categories"`
	// MinSubjects is the fewest people of the jurisdiction (meeting
	// Categories, if given) for the condition to hold.
	MinSubjects int64 `yaml:"min_subjects"`
	// MaxSubjects, when not zero, is the most people for the condition
	// to hold (HIPAA's small breaches).
	MaxSubjects int64 `yaml:"max_subjects"`
	// Malicious requires a malicious breach (theft, hacking).
	Malicious bool `yaml:"malicious"`
	// SubjectCategories: any one of these among the incident's subject
	// categories (children, patients...).
	SubjectCategories []string `yaml:"subject_categories"`
}

// Deadline is how long the duty gives. One of Hours, Days (calendar days,
// the last one ending at midnight in the file's time zone) or
// BusinessDays (Monday to Friday; public holidays are not known to the
// engine); none means no fixed time, only Text.
type Deadline struct {
	Hours        int `yaml:"hours"`
	Days         int `yaml:"days"`
	BusinessDays int `yaml:"business_days"`
	// AfterYearEnd counts the days from the end of the clock's calendar
	// year (HIPAA's annual log of small breaches).
	AfterYearEnd bool `yaml:"after_year_end"`
	// Text is the deadline in the law's words.
	Text string `yaml:"text"`
}

// Fixed reports whether the deadline is a computable time.
func (d Deadline) Fixed() bool { return d.Hours > 0 || d.Days > 0 || d.BusinessDays > 0 }

// Date is a calendar date written as YYYY-MM-DD.
type Date struct{ time.Time }

// UnmarshalYAML reads YYYY-MM-DD.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse(time.DateOnly, n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a date (YYYY-MM-DD)", n.Line, n.Value)
	}
	d.Time = t
	return nil
}

// MarshalJSON writes YYYY-MM-DD, or null for no date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.Format(time.DateOnly) + `"`), nil
}

// UnmarshalJSON reads YYYY-MM-DD or null.
func (d *Date) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*d = Date{}
		return nil
	}
	t, err := time.Parse(`"`+time.DateOnly+`"`, string(data))
	d.Time = t
	return err
}

// String returns YYYY-MM-DD.
func (d Date) String() string { return d.Format(time.DateOnly) }

// Set is all the rule files in force, in jurisdiction order.
type Set struct {
	Files []*File
}

// Load reads the built-in rule files and then, when dir is not empty, the
// .yaml files in dir: a file for a jurisdiction already known replaces
// it, a new one is added.
func Load(dir string) (*Set, error) {
	byJurisdiction := map[string]*File{}
	if err := loadFS(embedded, "rules", byJurisdiction); err != nil {
		return nil, err
	}
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, breachdesk.Errorf(breachdesk.EInvalid, "rules directory: %v", err)
		}
		if err := loadFS(os.DirFS(dir), dir, byJurisdiction); err != nil {
			return nil, err
		}
	}
	set := &Set{}
	for _, f := range byJurisdiction {
		set.Files = append(set.Files, f)
	}
	slices.SortFunc(set.Files, func(a, b *File) int { return strings.Compare(a.Jurisdiction+a.Path, b.Jurisdiction+b.Path) })
	return set, set.check()
}

func loadFS(fsys fs.FS, dir string, byJurisdiction map[string]*File) error {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return err
	}
	seen := map[string]string{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, name)
		f, err := Parse(path, data)
		if err != nil {
			return err
		}
		key := f.Jurisdiction + "/" + ruleFamily(f)
		if other, ok := seen[key]; ok {
			return breachdesk.Errorf(breachdesk.EInvalid, "%s: jurisdiction %s is also in %s; one file per jurisdiction and family", path, f.Jurisdiction, other)
		}
		seen[key] = path
		byJurisdiction[key] = f
	}
	return nil
}

// ruleFamily separates files that share a jurisdiction code but cover
// different laws (US federal rules and the US general state pattern): it is
// the file name's stem after the jurisdiction.
func ruleFamily(f *File) string {
	base := strings.TrimSuffix(filepath.Base(f.Path), ".yaml")
	return strings.TrimPrefix(strings.ToLower(base), strings.ToLower(f.Jurisdiction))
}

// Parse reads one rule file and checks it; errors name the file, the line
// and the field.
func Parse(path string, data []byte) (*File, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	f := &File{Path: path}
	if err := dec.Decode(f); err != nil {
		var typeErr *yaml.TypeError
		if errors.As(err, &typeErr) {
			return nil, breachdesk.Errorf(breachdesk.EInvalid, "%s: %s", path, strings.Join(typeErr.Errors, "; "))
		}
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	rulesNode := child(root.Content[0], "rules")
	for i, r := range f.Rules {
		if rulesNode != nil && i < len(rulesNode.Content) {
			r.Line = rulesNode.Content[i].Line
		}
	}
	if err := f.check(root.Content[0], rulesNode); err != nil {
		return nil, err
	}
	return f, nil
}

// child returns the value node of key in a mapping node, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// lineOf returns the line of key in mapping n, or n's own line.
func lineOf(n *yaml.Node, key string) int {
	if c := child(n, key); c != nil {
		return c.Line
	}
	if n != nil {
		return n.Line
	}
	return 0
}

func (f *File) check(root, rulesNode *yaml.Node) error {
	fail := func(n *yaml.Node, key, format string, args ...any) error {
		return breachdesk.Errorf(breachdesk.EInvalid, "%s:%d: %s: %s", f.Path, lineOf(n, key), key, fmt.Sprintf(format, args...))
	}
	if f.Jurisdiction == "" {
		return fail(root, "jurisdiction", "a jurisdiction code is required (EU, GB, US-CA...)")
	}
	if f.Name == "" {
		return fail(root, "name", "a name is required")
	}
	loc, err := time.LoadLocation(f.Timezone)
	if f.Timezone == "" || err != nil {
		return fail(root, "timezone", "%q is not an IANA time zone such as Europe/Paris", f.Timezone)
	}
	f.Location = loc
	if !slices.Contains([]string{CoversResidents, CoversResidentsOrEstablishment, CoversOtherRegions}, f.Covers) {
		return fail(root, "covers", "%q is not residents, residents_or_establishment or other_regions", f.Covers)
	}
	if f.LastVerified.IsZero() {
		return fail(root, "last_verified", "the date the file was last checked against its sources is required")
	}
	if len(f.Rules) == 0 {
		return fail(root, "rules", "a file needs at least one rule")
	}
	ids := map[string]bool{}
	for i, r := range f.Rules {
		var n *yaml.Node
		if rulesNode != nil && i < len(rulesNode.Content) {
			n = rulesNode.Content[i]
		}
		failRule := func(key, format string, args ...any) error {
			return breachdesk.Errorf(breachdesk.EInvalid, "%s:%d: rules[%d] (%s): %s: %s", f.Path, lineOf(n, key), i, r.ID, key, fmt.Sprintf(format, args...))
		}
		switch {
		case r.ID == "" || strings.ContainsAny(r.ID, " \t/"):
			return failRule("id", "an id without spaces or slashes is required")
		case ids[r.ID]:
			return failRule("id", "the id is used twice")
		case r.Law == "":
			return failRule("law", "the law's name is required")
		case !slices.Contains(Recipients(), r.Recipient):
			return failRule("recipient", "%q is not one of %s", r.Recipient, strings.Join(Recipients(), ", "))
		case r.Recipient == RecipientAuthority && r.Authority == "" && f.Authority == "":
			return failRule("authority", "an authority is required (here or for the whole file)")
		case r.Authority == "lead_or_each" && len(f.MemberStates) == 0:
			return failRule("authority", "lead_or_each needs the file's member_states")
		case r.Sector != "" && !slices.Contains(breachdesk.Sectors(), r.Sector):
			return failRule("sector", "%q is not one of %s", r.Sector, strings.Join(breachdesk.Sectors(), ", "))
		case !validClock(r.Clock):
			return failRule("clock", "%q is not aware_at, detected_at, determined_at or obligation:RULE-ID", r.Clock)
		case !r.Deadline.Fixed() && r.Deadline.Text == "":
			return failRule("deadline", "give hours, days or business_days, or the law's words in text")
		case r.Citation == "":
			return failRule("citation", "every rule needs its source")
		case r.EffectiveFrom.IsZero():
			return failRule("effective_from", "the date the rule took effect is required")
		case r.Confidence != "H" && r.Confidence != "M" && r.Confidence != "L":
			return failRule("confidence", "%q is not H, M or L", r.Confidence)
		}
		for _, e := range r.Exemptions {
			if !slices.Contains(Exemptions(), e) {
				return failRule("exemptions", "%q is not one of %s", e, strings.Join(Exemptions(), ", "))
			}
		}
		for _, c := range r.When {
			if c.MinRisk != "" && !slices.Contains(breachdesk.RiskLevels(), c.MinRisk) {
				return failRule("when", "min_risk %q is not risk or high_risk", c.MinRisk)
			}
			for _, combo := range c.Categories {
				for _, element := range combo {
					for _, category := range strings.Split(element, "|") {
						if !slices.Contains(breachdesk.DataCategories(), category) {
							return failRule("when", "%q is not a data category (see docs/incident-file.md)", category)
						}
					}
				}
			}
		}
		if r.LastVerified.IsZero() {
			r.LastVerified = f.LastVerified
		}
		ids[r.ID] = true
	}
	return nil
}

func validClock(clock string) bool {
	switch clock {
	case ClockAwareAt, ClockDetectedAt, ClockDeterminedAt:
		return true
	}
	return strings.HasPrefix(clock, ClockObligation) && len(clock) > len(ClockObligation)
}

// check looks across files: chained clocks must name a rule that exists.
func (s *Set) check() error {
	ids := map[string]bool{}
	for _, f := range s.Files {
		for _, r := range f.Rules {
			if ids[r.ID] {
				return breachdesk.Errorf(breachdesk.EInvalid, "%s:%d: rule id %s is used in another file too", f.Path, r.Line, r.ID)
			}
			ids[r.ID] = true
		}
	}
	for _, f := range s.Files {
		for _, r := range f.Rules {
			if after, ok := strings.CutPrefix(r.Clock, ClockObligation); ok && !ids[after] {
				return breachdesk.Errorf(breachdesk.EInvalid, "%s:%d: clock: no rule has the id %s", f.Path, r.Line, after)
			}
			if r.Replaces != "" && !ids[r.Replaces] {
				return breachdesk.Errorf(breachdesk.EInvalid, "%s:%d: replaces: no rule has the id %s", f.Path, r.Line, r.Replaces)
			}
		}
	}
	return nil
}
