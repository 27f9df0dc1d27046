package assess

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/rules"
)

// Obligation is one duty that appears to apply (or, in NotApplicable,
// one considered that does not, with the reason).
type Obligation struct {
	ID           string `json:"id"`
	RuleID       string `json:"rule"`
	Jurisdiction string `json:"jurisdiction"`
	Law          string `json:"law"`
	Recipient    string `json:"recipient"`
	Authority    string `json:"authority,omitempty"`
	// Deadline is nil when the law sets no fixed time (see DeadlineText)
	// or when the time its clock runs from is not known yet.
	Deadline     *time.Time `json:"deadline"`
	DeadlineText string     `json:"deadline_text"`
	// Provisional: the clock is another obligation not done yet, so the
	// deadline counts from that one's deadline.
	Provisional bool       `json:"provisional,omitempty"`
	Clock       string     `json:"clock"`
	ClockAt     *time.Time `json:"clock_at,omitempty"`
	Subjects    int64      `json:"subjects"`
	Status      string     `json:"status"`
	StatusAt    *time.Time `json:"status_at,omitempty"`
	StatusNote  string     `json:"status_note,omitempty"`
	// Overdue: pending and past its deadline. SecondsLeft is negative
	// once overdue.
	Overdue       bool       `json:"overdue"`
	SecondsLeft   *int64     `json:"seconds_left,omitempty"`
	Reason        string     `json:"reason"`
	Content       []string   `json:"content,omitempty"`
	Citation      string     `json:"citation"`
	EffectiveFrom rules.Date `json:"effective_from"`
	LastVerified  rules.Date `json:"last_verified"`
	Confidence    string     `json:"confidence"`
	Note          string     `json:"note,omitempty"`
}

type evaluation struct {
	in       Input
	res      *Result
	profiles []*breachdesk.PopulationProfile
	statuses map[string]*breachdesk.ObligationStatus
	rules    map[string]*rules.Rule // by id
	files    map[string]*rules.File // by rule id
}

// scope is the people one rule is evaluated for.
type scope struct {
	suffix    string // added to the obligation id when a rule fans out
	code      string // jurisdiction shown
	authority string
	profiles  []*breachdesk.PopulationProfile
	why       string
}

func (e *evaluation) obligations() {
	applies, not := []*Obligation{}, []*Obligation{}
	regional := e.regionalCountries()
	for _, p := range e.profiles {
		if p.Region == "" && regional[p.Country] {
			e.res.Gaps = append(e.res.Gaps, fmt.Sprintf("%d people in %s have no region: the %s laws that protect them depend on their region and cannot be determined", p.People, p.Country, p.Country))
		}
	}
	for _, f := range e.in.Rules.Files {
		for _, sc := range e.scopes(f) {
			for _, r := range f.Rules {
				o := e.evaluate(f, r, sc)
				if o.Status == "" {
					not = append(not, o)
				} else {
					applies = append(applies, o)
				}
			}
		}
	}
	// A rule that replaces another drops the one it replaces.
	replaced := map[string]*Obligation{}
	for _, o := range applies {
		if r := e.rules[o.RuleID]; r.Replaces != "" {
			replaced[r.Replaces+strings.TrimPrefix(o.ID, o.RuleID)] = o
		}
	}
	applies = slices.DeleteFunc(applies, func(x *Obligation) bool {
		by := replaced[x.ID]
		if by != nil {
			x.Reason, x.Status = "replaced by "+by.ID+" ("+by.Law+")", ""
			not = append(not, x)
		}
		return by != nil
	})
	// Deadlines that run from another obligation, once those are known.
	byID := map[string]*Obligation{}
	for _, o := range applies {
		byID[o.ID] = o
	}
	for _, o := range applies {
		e.deadline(o, byID)
	}
	// Art. 34(3)(c): a public communication for those who cannot be told.
	for _, o := range applies {
		if r := e.rules[o.RuleID]; slices.Contains(r.Exemptions, rules.ExemptArt34) && e.exception(breachdesk.FactorArt34Effort).Met {
			pc := *o
			pc.ID, pc.Recipient, pc.Authority = o.ID+"/public", rules.RecipientMedia, "a public communication (website, media)"
			pc.Subjects = min(e.res.WithoutContact, o.Subjects)
			if pc.Subjects == 0 {
				pc.Subjects = o.Subjects
			}
			pc.Reason = "Art. 34(3)(c): " + e.exception(breachdesk.FactorArt34Effort).Reason
			e.status(&pc)
			e.timeLeft(&pc)
			applies = append(applies, &pc)
		}
	}
	slices.SortStableFunc(applies, func(a, b *Obligation) int {
		switch {
		case a.Deadline != nil && b.Deadline != nil:
			if c := a.Deadline.Compare(*b.Deadline); c != 0 {
				return c
			}
		case a.Deadline != nil:
			return -1
		case b.Deadline != nil:
			return 1
		}
		return cmp.Compare(a.ID, b.ID)
	})
	slices.SortStableFunc(not, func(a, b *Obligation) int { return cmp.Compare(a.ID, b.ID) })
	e.res.Obligations, e.res.NotApplicable = applies, not
}

func (e *evaluation) exception(id string) Exception {
	for _, x := range e.res.Exceptions {
		if x.ID == id {
			return x
		}
	}
	return Exception{}
}

// regionalCountries returns the countries with laws per region.
func (e *evaluation) regionalCountries() map[string]bool {
	m := map[string]bool{}
	for _, f := range e.in.Rules.Files {
		if country, _, ok := strings.Cut(f.Jurisdiction, "-"); ok {
			m[country] = true
		}
		if f.Covers == rules.CoversOtherRegions {
			m[f.Jurisdiction] = true
		}
	}
	return m
}

func (e *evaluation) establishedIn(codes ...string) bool {
	return e.in.Organization != nil && slices.Contains(codes, e.in.Organization.Country)
}

// scopes returns the populations a file's rules are evaluated for.
func (e *evaluation) scopes(f *rules.File) []scope {
	residents := func(match func(p *breachdesk.PopulationProfile) bool) []*breachdesk.PopulationProfile {
		var list []*breachdesk.PopulationProfile
		for _, p := range e.profiles {
			if match(p) {
				list = append(list, p)
			}
		}
		return list
	}
	switch {
	case len(f.MemberStates) > 0: // the GDPR across the EEA
		states := slices.Sorted(func(yield func(string) bool) {
			for code := range f.MemberStates {
				if !yield(code) {
					return
				}
			}
		})
		if e.in.Organization != nil {
			if sa, ok := f.MemberStates[e.in.Organization.Country]; ok {
				return []scope{{suffix: "/" + e.in.Organization.Country, code: f.Jurisdiction, authority: sa, profiles: e.profiles,
					why: fmt.Sprintf("main establishment in %s: the GDPR covers every affected person, and %s leads (one-stop-shop)", e.in.Organization.Country, sa)}}
			}
		}
		var list []scope
		for _, code := range states {
			people := residents(func(p *breachdesk.PopulationProfile) bool { return p.Country == code })
			if len(people) > 0 {
				list = append(list, scope{suffix: "/" + code, code: code, authority: f.MemberStates[code], profiles: people,
					why: fmt.Sprintf("no main establishment in the EEA: each authority where affected people live, here %s", code)})
			}
		}
		if len(list) == 0 {
			list = append(list, scope{code: f.Jurisdiction, why: "no affected person lives in the EEA and the controller is not established there"})
		}
		return list
	case f.Covers == rules.CoversOtherRegions:
		own := map[string]bool{}
		for _, g := range e.in.Rules.Files {
			if strings.HasPrefix(g.Jurisdiction, f.Jurisdiction+"-") {
				own[g.Jurisdiction] = true
			}
		}
		regions := map[string][]*breachdesk.PopulationProfile{}
		for _, p := range e.profiles {
			if p.Country == f.Jurisdiction && p.Region != "" && !own[p.Region] {
				regions[p.Region] = append(regions[p.Region], p)
			}
		}
		var list []scope
		for _, region := range slices.Sorted(maps.Keys(regions)) {
			list = append(list, scope{suffix: "/" + region, code: region, authority: f.Authority, profiles: regions[region],
				why: fmt.Sprintf("residents of %s, a state without a rule file of its own: the general pattern", region)})
		}
		if len(list) == 0 {
			list = append(list, scope{code: f.Jurisdiction + "-*", why: "no affected person lives in a state without a rule file of its own"})
		}
		return list
	}
	country, _, regional := strings.Cut(f.Jurisdiction, "-")
	match := func(p *breachdesk.PopulationProfile) bool { return p.Country == f.Jurisdiction }
	if regional {
		match = func(p *breachdesk.PopulationProfile) bool { return p.Country == country && p.Region == f.Jurisdiction }
	}
	if f.Covers == rules.CoversResidentsOrEstablishment && e.establishedIn(f.Jurisdiction) {
		return []scope{{code: f.Jurisdiction, authority: f.Authority, profiles: e.profiles,
			why: fmt.Sprintf("the controller is established in %s: its law covers every affected person", f.Jurisdiction)}}
	}
	return []scope{{code: f.Jurisdiction, authority: f.Authority, profiles: residents(match),
		why: "residents of " + f.Jurisdiction}}
}

// evaluate returns the obligation of rule r for scope sc; its Status is
// empty when the rule does not apply, and Reason says why.
func (e *evaluation) evaluate(f *rules.File, r *rules.Rule, sc scope) *Obligation {
	inc := e.in.Incident
	o := &Obligation{ID: r.ID + sc.suffix, RuleID: r.ID, Jurisdiction: sc.code, Law: r.Law, Recipient: r.Recipient,
		Authority: authorityOf(r, sc), DeadlineText: r.Deadline.Text, Clock: r.Clock,
		Content: r.Content, Citation: r.Citation, EffectiveFrom: r.EffectiveFrom, LastVerified: r.LastVerified,
		Confidence: r.Confidence, Note: r.Note}
	total := people(sc.profiles)
	if total == 0 {
		o.Reason = sc.why
		if len(sc.profiles) == 0 && !strings.HasPrefix(sc.why, "no ") {
			o.Reason = "no affected person among the " + sc.why
		}
		return o
	}
	reference := e.in.Now
	if inc.AwareAt != nil {
		reference = *inc.AwareAt
	}
	if r.EffectiveFrom.After(reference) {
		o.Reason = fmt.Sprintf("not in force at the time of the breach: takes effect on %s", r.EffectiveFrom)
		return o
	}
	if r.Sector != "" && (e.in.Organization == nil || !slices.Contains(e.in.Organization.Sectors, r.Sector)) {
		o.Reason = fmt.Sprintf("applies only to organizations in the sector %s (declare it with `breachdesk org set`)", r.Sector)
		return o
	}
	subjects, why, ok := e.conditions(r, sc.profiles, total)
	o.Subjects = subjects
	if !ok {
		o.Reason = why
		return o
	}
	for _, x := range r.Exemptions {
		switch {
		case x == rules.ExemptEncryptedKeySafe && inc.Encryption == breachdesk.EncryptionEncryptedKeySafe:
			o.Reason = "exempt: the data was encrypted and the key is safe"
			return o
		case x == rules.ExemptNoRisk && e.res.Risk.Level == breachdesk.NoRisk:
			o.Reason = "exempt: the assessed risk is no_risk (this law's harm test; the determination must usually be written down and kept)"
			return o
		case x == rules.ExemptArt34:
			for _, id := range []string{breachdesk.FactorArt34Encrypted, breachdesk.FactorArt34Measures} {
				if ex := e.exception(id); ex.Met {
					o.Reason = "exempt: " + ex.Title + " - " + ex.Reason
					return o
				}
			}
		}
	}
	o.Reason = sc.why + "; " + why
	o.Status = breachdesk.ObligationPending
	e.status(o)
	return o
}

// authorityOf names who receives r's notice in scope sc: the rule's own
// recipient, or the scope's authority (the EU lead or concerned one, the
// file's regulator or attorney general).
func authorityOf(r *rules.Rule, sc scope) string {
	switch {
	case r.Authority == "lead_or_each":
		return sc.authority
	case r.Authority != "":
		return r.Authority
	case r.Recipient == rules.RecipientAuthority || r.Recipient == rules.RecipientAttorneyGeneral:
		return sc.authority
	}
	return ""
}

func people(list []*breachdesk.PopulationProfile) int64 {
	var n int64
	for _, p := range list {
		n += p.People
	}
	return n
}

// conditions checks a rule's conditions against the scope's people: how
// many people the rule concerns, and why it holds or not.
func (e *evaluation) conditions(r *rules.Rule, profiles []*breachdesk.PopulationProfile, total int64) (int64, string, bool) {
	if len(r.When) == 0 {
		return total, fmt.Sprintf("applies to every breach affecting them (%d people)", total), true
	}
	inc := e.in.Incident
	var held []string
	var failed []string
	var subjects int64
	for _, c := range r.When {
		n, combo := total, ""
		if len(c.Categories) > 0 {
			n = 0
			for _, p := range profiles {
				cats := p.DataCategories
				if len(cats) == 0 {
					cats = inc.DataCategories
				}
				if m := matchCombination(c.Categories, cats); m != "" {
					n += p.People
					if combo == "" {
						combo = m
					}
				}
			}
		}
		var why string
		switch {
		case c.MinRisk != "" && !e.res.Risk.Level.AtLeast(c.MinRisk):
			why = fmt.Sprintf("the risk is %s, below %s", e.res.Risk.Level, c.MinRisk)
		case len(c.Categories) > 0 && n == 0:
			why = "no person had " + describeCombinations(c.Categories) + " exposed"
		case c.Malicious && !malicious(inc):
			why = "the breach is not recorded as malicious"
		case len(c.SubjectCategories) > 0 && firstOf(inc.SubjectCategories, c.SubjectCategories) == "":
			why = "none of these subject categories is affected: " + strings.Join(c.SubjectCategories, ", ")
		case c.MinSubjects > 0 && n < c.MinSubjects:
			why = fmt.Sprintf("%d people, fewer than the %d that trigger it", n, c.MinSubjects)
		case c.MaxSubjects > 0 && n > c.MaxSubjects:
			why = fmt.Sprintf("%d people, more than %d", n, c.MaxSubjects)
		}
		if why != "" {
			failed = append(failed, why)
			continue
		}
		var parts []string
		if c.MinRisk != "" {
			parts = append(parts, "risk "+string(e.res.Risk.Level))
		}
		if combo != "" {
			parts = append(parts, fmt.Sprintf("%d people with %s exposed", n, combo))
		}
		if c.Malicious {
			parts = append(parts, "malicious breach")
		}
		if len(c.SubjectCategories) > 0 {
			parts = append(parts, "subjects include "+firstOf(inc.SubjectCategories, c.SubjectCategories))
		}
		if c.MinSubjects > 0 {
			parts = append(parts, fmt.Sprintf("%d people, at least %d", n, c.MinSubjects))
		}
		if c.MaxSubjects > 0 {
			parts = append(parts, fmt.Sprintf("%d people, at most %d", n, c.MaxSubjects))
		}
		if len(parts) == 0 {
			parts = append(parts, fmt.Sprintf("%d people", n))
		}
		held = append(held, strings.Join(parts, ", "))
		subjects = max(subjects, n)
	}
	if len(held) == 0 {
		return 0, "no condition holds: " + strings.Join(failed, "; "), false
	}
	return subjects, strings.Join(held, "; "), true
}

// matchCombination returns the first combination met by categories, as
// text ("name + ssn"), or "".
func matchCombination(combinations [][]string, categories []string) string {
	for _, combo := range combinations {
		var met []string
		for _, element := range combo {
			found := ""
			for _, alt := range strings.Split(element, "|") {
				if slices.Contains(categories, alt) {
					found = alt
					break
				}
			}
			if found == "" {
				met = nil
				break
			}
			met = append(met, found)
		}
		if met != nil {
			return strings.Join(met, " + ")
		}
	}
	return ""
}

func describeCombinations(combinations [][]string) string {
	var list []string
	for _, combo := range combinations {
		var parts []string
		for _, element := range combo {
			parts = append(parts, strings.ReplaceAll(element, "|", " or "))
		}
		list = append(list, strings.Join(parts, " + "))
	}
	return strings.Join(list, ", or ")
}

func (e *evaluation) status(o *Obligation) {
	o.Status = breachdesk.ObligationPending
	if s := e.statuses[o.ID]; s != nil {
		o.Status, o.StatusAt, o.StatusNote = s.Status, s.At, s.Note
	}
}

// deadline computes o's deadline from its clock.
func (e *evaluation) deadline(o *Obligation, byID map[string]*Obligation) {
	r := e.rules[o.RuleID]
	f := e.files[o.RuleID]
	inc := e.in.Incident
	var anchor *time.Time
	switch r.Clock {
	case rules.ClockAwareAt:
		anchor = inc.AwareAt
	case rules.ClockDetectedAt:
		anchor = inc.DetectedAt
	case rules.ClockDeterminedAt:
		anchor = inc.DeterminedAt
	default:
		id := strings.TrimPrefix(r.Clock, rules.ClockObligation) + strings.TrimPrefix(o.ID, o.RuleID)
		before := byID[id]
		switch {
		case before == nil:
			o.DeadlineText += " (runs from " + id + ", which does not apply)"
		case before.Status == breachdesk.ObligationDone && before.StatusAt != nil:
			anchor = before.StatusAt
		case before.Status == breachdesk.ObligationWaived:
			o.DeadlineText += " (runs from " + id + ", which was waived)"
		default:
			if before.Deadline == nil {
				e.deadline(before, byID)
			}
			anchor, o.Provisional = before.Deadline, before.Deadline != nil
		}
	}
	if anchor != nil {
		a := *anchor
		o.ClockAt = &a
	}
	if anchor != nil && !r.Deadline.Fixed() && strings.HasPrefix(r.Clock, rules.ClockObligation) {
		d := *anchor
		o.Deadline = &d // at the same time as the obligation it follows
	}
	if anchor != nil && r.Deadline.Fixed() {
		d := due(*anchor, r.Deadline, f.Location)
		o.Deadline = &d
	}
	e.timeLeft(o)
}

func (e *evaluation) timeLeft(o *Obligation) {
	if o.Deadline == nil || o.Status != breachdesk.ObligationPending {
		o.SecondsLeft, o.Overdue = nil, false
		return
	}
	left := int64(o.Deadline.Sub(e.in.Now).Seconds())
	o.SecondsLeft, o.Overdue = &left, left < 0
}

// due returns the deadline d gives from anchor: hours are added; calendar
// and business days count in loc, the last day ending at midnight there.
func due(anchor time.Time, d rules.Deadline, loc *time.Location) time.Time {
	if d.Hours > 0 {
		return anchor.Add(time.Duration(d.Hours) * time.Hour).UTC()
	}
	local := anchor.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	if d.AfterYearEnd {
		day = time.Date(local.Year(), 12, 31, 0, 0, 0, 0, loc)
	}
	switch {
	case d.Days > 0:
		day = day.AddDate(0, 0, d.Days)
	case d.BusinessDays > 0:
		for n := 0; n < d.BusinessDays; {
			day = day.AddDate(0, 0, 1)
			if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
				n++
			}
		}
	}
	end := time.Date(day.Year(), day.Month(), day.Day(), 23, 59, 59, 0, loc)
	return end.UTC()
}
