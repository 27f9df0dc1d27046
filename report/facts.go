package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/assess"
	"github.com/breachdesk/breachdesk/rules"
)

// facts turns the incident, the controller and the assessment into the
// items of a report, in one language and time zone.
type facts struct {
	in  Input
	a   *Authority
	l   *lang
	loc *time.Location
}

// specialCategories are the GDPR Art. 9 and Art. 10 categories.
var specialCategories = []string{"health", "genetic", "biometric", "racial_ethnic", "political", "religious", "trade_union", "sex_life", "sexual_orientation", "criminal"}

// item returns the fact named key. An item whose fact is not known is
// Pending: the report lists it as to be provided in a follow-up.
func (f *facts) item(key string) Item {
	it := f.value(key)
	it.Key = key
	it.Label = f.label(key)
	if it.Pending {
		it.Value, it.Lines = nil, nil
		it.Text = f.l.T("pending.value")
	}
	return it
}

// label is the authority's own wording of the question, else the
// language's.
func (f *facts) label(key string) string {
	if own := "label." + f.a.Code + "." + key; f.l.Has(own) {
		return f.l.T(own)
	}
	return f.l.T("label." + key)
}

func pending() Item { return Item{Pending: true} }

// text is free text as the person wrote it, pending when empty.
func text(s string) Item {
	if strings.TrimSpace(s) == "" {
		return pending()
	}
	return Item{Value: s, Text: s}
}

func (f *facts) yesNo(b *bool) Item {
	if b == nil {
		return pending()
	}
	return Item{Value: *b, Text: f.l.T(fmt.Sprintf("bool.%t", *b))}
}

func (f *facts) at(t *time.Time) Item {
	if t == nil {
		return pending()
	}
	return Item{Value: t.UTC().Format(time.RFC3339), Text: f.l.Time(*t, f.loc)}
}

// vocabulary is a value from one of breachdesk's lists, translated.
func (f *facts) vocabulary(prefix, code string) Item {
	if code == "" {
		return pending()
	}
	return Item{Value: code, Text: f.l.T(prefix + "." + code)}
}

// lines is a list of translated values.
func (f *facts) lines(values []string, lines []string) Item {
	if len(lines) == 0 {
		return pending()
	}
	return Item{Value: values, Text: f.l.List(lines), Lines: lines}
}

func (f *facts) count(n int64, approximate bool) Item {
	t := f.l.Count(n)
	if approximate {
		t = f.l.F("count.approximate", "n", t)
	}
	return Item{Value: n, Text: t}
}

func (f *facts) value(key string) Item {
	inc, org, res := f.in.Incident, f.in.Organization, f.in.Assessment
	switch key {
	case "controller.name":
		if org == nil {
			return pending()
		}
		return text(org.Name)
	case "controller.country":
		if org == nil {
			return pending()
		}
		return Item{Value: org.Country, Text: f.l.Country(org.Country)}
	case "contact":
		if org == nil || org.DPOName == "" && org.DPOEmail == "" && org.DPOPhone == "" {
			return pending()
		}
		var lines []string
		for _, s := range []string{org.DPOName, org.DPOEmail, org.DPOPhone} {
			if s != "" {
				lines = append(lines, s)
			}
		}
		return Item{Value: map[string]string{"name": org.DPOName, "email": org.DPOEmail, "phone": org.DPOPhone}, Text: strings.Join(lines, ", ")}

	case "breach.title":
		return text(inc.Title)
	case "breach.summary":
		return text(inc.Summary)
	case "breach.discovery":
		return text(inc.Discovery)
	case "breach.nature":
		var names []string
		for _, n := range inc.Nature {
			names = append(names, f.l.T("nature."+n))
		}
		return f.lines(inc.Nature, names)
	case "breach.cause":
		return f.vocabulary("cause", inc.Cause)
	case "breach.malicious":
		return f.yesNo(inc.Malicious)
	case "breach.recipients":
		return f.vocabulary("recipients", inc.Recipients)
	case "breach.encryption":
		return f.vocabulary("encryption", inc.Encryption)

	case "time.occurred":
		switch {
		case inc.OccurredFrom == nil:
			return pending()
		case inc.OccurredTo == nil:
			return Item{Value: map[string]string{"from": inc.OccurredFrom.UTC().Format(time.RFC3339)},
				Text: f.l.F("time.from_ongoing", "from", f.l.Time(*inc.OccurredFrom, f.loc))}
		case inc.OccurredTo.Equal(*inc.OccurredFrom):
			return f.at(inc.OccurredFrom)
		}
		return Item{Value: map[string]string{"from": inc.OccurredFrom.UTC().Format(time.RFC3339), "to": inc.OccurredTo.UTC().Format(time.RFC3339)},
			Text: f.l.F("time.from_to", "from", f.l.Time(*inc.OccurredFrom, f.loc), "to", f.l.Time(*inc.OccurredTo, f.loc))}
	case "time.detected":
		return f.at(inc.DetectedAt)
	case "time.aware":
		return f.at(inc.AwareAt)
	case "time.determined":
		return f.at(inc.DeterminedAt)
	case "time.contained":
		return f.at(inc.ContainedAt)
	case "time.deadline":
		if inc.AwareAt == nil {
			return pending()
		}
		d := inc.AwareAt.Add(breachdesk.NotificationWindow)
		return f.at(&d)
	case "time.late":
		if inc.AwareAt == nil {
			return pending()
		}
		late := f.late()
		it := f.yesNo(&late)
		if late {
			it.Text = f.l.T("time.late.yes")
		} else {
			it.Text = f.l.T("time.late.no")
		}
		return it
	case "time.delay_reasons":
		if inc.AwareAt != nil && !f.late() {
			return Item{Value: "", Text: f.l.T("time.delay_reasons.none")}
		}
		return text(inc.DelayReasons)

	case "data.categories":
		categories := f.categories()
		var names []string
		for _, c := range categories {
			names = append(names, f.l.T("category."+c))
		}
		return f.lines(categories, names)
	case "data.sensitive":
		categories := f.categories()
		if len(categories) == 0 {
			return pending()
		}
		var special []string
		for _, c := range categories {
			if slices.Contains(specialCategories, c) {
				special = append(special, f.l.T("category."+c))
			}
		}
		if len(special) == 0 {
			return Item{Value: false, Text: f.l.T("bool.false")}
		}
		return Item{Value: true, Text: f.l.T("bool.true") + ": " + f.l.List(special)}
	case "data.records":
		if inc.ApproxRecords == nil {
			return pending()
		}
		return f.count(*inc.ApproxRecords, true)
	case "people.categories":
		var names []string
		for _, c := range inc.SubjectCategories {
			if f.l.Has("subject." + c) {
				names = append(names, f.l.T("subject."+c))
			} else {
				words := strings.ReplaceAll(c, "_", " ")
				names = append(names, strings.ToUpper(words[:1])+words[1:])
			}
		}
		return f.lines(inc.SubjectCategories, names)
	case "people.count":
		imported := f.people(func(*breachdesk.PopulationProfile) bool { return true })
		switch {
		case inc.ApproxSubjects != nil && imported > 0:
			it := f.count(*inc.ApproxSubjects, true)
			it.Text += " " + f.l.F("count.identified", "n", f.l.Count(imported))
			return it
		case inc.ApproxSubjects != nil:
			return f.count(*inc.ApproxSubjects, true)
		case imported > 0:
			return f.count(imported, false)
		}
		return pending()
	case "people.countries":
		return f.byPlace(func(p *breachdesk.PopulationProfile) (string, string, bool) {
			return p.Country, f.l.Country(p.Country), true
		})

	case "consequences.likely":
		return text(inc.LikelyConsequences)
	case "risk.level":
		it := Item{Value: string(res.Risk.Level), Text: f.l.T("risk." + string(res.Risk.Level))}
		if o := res.Risk.Override; o != nil {
			it.Text += " " + f.l.F("risk.overridden", "actor", o.Actor, "reason", o.Reason)
		}
		return it
	case "risk.severity":
		return Item{Value: res.Severity.Score,
			Text: f.l.F("risk.severity.text", "score", f.l.printer.Sprintf("%.2f", res.Severity.Score), "band", f.l.T("band."+res.Severity.Band))}
	case "risk.reasons":
		// The engine explains itself in English; English forms show it.
		return f.lines(res.Risk.Reasons, res.Risk.Reasons)

	case "measures.taken":
		return text(inc.MeasuresTaken)
	case "measures.planned":
		return text(inc.MeasuresPlanned)

	case "individuals.status":
		return f.individuals()
	case "individuals.date", "us.notice_date":
		if inc.IndividualsNotifiedAt == nil {
			notYet := "individuals.not_yet"
			if key == "us.notice_date" {
				notYet = "us.notice_not_yet"
			}
			return Item{Value: nil, Text: f.l.T(notYet)}
		}
		return f.at(inc.IndividualsNotifiedAt)
	case "individuals.communication":
		if s := f.individualsStatus(); s == "not_required" || s == "exception" {
			if strings.TrimSpace(inc.IndividualsCommunication) == "" {
				return Item{Value: "", Text: f.l.T("individuals.communication.none")}
			}
		}
		return text(inc.IndividualsCommunication)

	case "crossborder.flag":
		return f.yesNo(inc.CrossBorder)
	case "authorities.others":
		return f.otherAuthorities()
	case "law_enforcement":
		return f.yesNo(inc.LawEnforcement)

	case "us.residents":
		return f.byPlace(func(p *breachdesk.PopulationProfile) (string, string, bool) {
			if p.Country != "US" {
				return "", "", false
			}
			if p.Region == "" {
				return "US", f.l.T("us.region_unknown"), true
			}
			return p.Region, stateName(p.Region), true
		})
	case "us.residents_tx":
		n := f.people(func(p *breachdesk.PopulationProfile) bool { return p.Region == "US-TX" })
		if n == 0 && len(f.in.Profiles) == 0 {
			return pending()
		}
		return f.count(n, false)
	case "us.notified_tx":
		if inc.IndividualsNotifiedAt == nil {
			return Item{Value: int64(0), Text: f.l.T("us.notified_none")}
		}
		return pending() // how many were reached comes from the campaigns
	}
	panic("report: no fact " + key)
}

// late reports whether the authority is notified after the 72 hours: at
// the time recorded on the timeline, else now.
func (f *facts) late() bool {
	inc := f.in.Incident
	at := f.in.Now
	if inc.AuthorityNotifiedAt != nil {
		at = *inc.AuthorityNotifiedAt
	}
	return at.After(inc.AwareAt.Add(breachdesk.NotificationWindow))
}

// categories are the incident's data categories and those of its people,
// in the vocabulary's order.
func (f *facts) categories() []string {
	set := slices.Clone(f.in.Incident.DataCategories)
	for _, p := range f.in.Profiles {
		set = append(set, p.DataCategories...)
	}
	var list []string
	for _, c := range breachdesk.DataCategories() {
		if slices.Contains(set, c) {
			list = append(list, c)
		}
	}
	return list
}

func (f *facts) people(match func(*breachdesk.PopulationProfile) bool) int64 {
	var n int64
	for _, p := range f.in.Profiles {
		if match(p) {
			n += p.People
		}
	}
	return n
}

// byPlace counts the imported people per place (most first), as lines
// "Place: count". place returns the code, the name and whether the
// profile counts at all.
func (f *facts) byPlace(place func(*breachdesk.PopulationProfile) (code, name string, ok bool)) Item {
	counts, names := map[string]int64{}, map[string]string{}
	for _, p := range f.in.Profiles {
		if code, name, ok := place(p); ok {
			counts[code] += p.People
			names[code] = name
		}
	}
	codes := make([]string, 0, len(counts))
	for c := range counts {
		codes = append(codes, c)
	}
	slices.SortFunc(codes, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	value := map[string]int64{}
	var lines []string
	for _, c := range codes {
		value[c] = counts[c]
		lines = append(lines, names[c]+": "+f.l.Count(counts[c]))
	}
	if len(lines) == 0 {
		return pending()
	}
	return Item{Value: value, Text: f.l.List(lines), Lines: lines}
}

// individualsStatus sums up what the law asks about telling the people:
// notified, required (some law requires it and it is not done),
// exception (high risk, but an Art. 34(3) exception is met), or
// not_required.
func (f *facts) individualsStatus() string {
	if f.in.Incident.IndividualsNotifiedAt != nil {
		return "notified"
	}
	if len(f.individualLaws()) > 0 {
		return "required"
	}
	res := f.in.Assessment
	if res.Risk.Level == breachdesk.HighRisk {
		for _, e := range res.Exceptions {
			if e.Met {
				return "exception"
			}
		}
	}
	return "not_required"
}

// individualLaws returns the laws under which individuals must be told,
// by obligations still pending.
func (f *facts) individualLaws() []string {
	var laws []string
	for _, o := range f.in.Assessment.Obligations {
		if o.Recipient == rules.RecipientIndividuals && o.Status == breachdesk.ObligationPending && strings.HasPrefix(o.RuleID, f.a.rules) && !slices.Contains(laws, o.Law) {
			laws = append(laws, o.Law)
		}
	}
	return laws
}

func (f *facts) individuals() Item {
	status := f.individualsStatus()
	it := Item{Value: status, Text: f.l.T("individuals." + status)}
	switch status {
	case "notified":
		it.Text = f.l.F("individuals.notified", "at", f.l.Time(*f.in.Incident.IndividualsNotifiedAt, f.loc))
	case "required":
		it.Text += " " + strings.Join(f.individualLaws(), ", ")
	case "exception":
		var met []string
		for _, e := range f.in.Assessment.Exceptions {
			if e.Met {
				met = append(met, f.l.T("exception."+e.ID))
			}
		}
		it.Text += " " + f.l.List(met)
	}
	return it
}

// otherAuthorities lists each authority or attorney general that the
// assessment says must be told, with its deadline or when it was done.
func (f *facts) otherAuthorities() Item {
	var ids, lines []string
	for _, o := range f.in.Assessment.Obligations {
		if o.Recipient != rules.RecipientAuthority && o.Recipient != rules.RecipientAttorneyGeneral {
			continue
		}
		var state string
		switch {
		case o.Status == breachdesk.ObligationDone && o.StatusAt != nil:
			state = f.l.F("obligation.done", "at", f.l.Time(*o.StatusAt, f.loc))
		case o.Status == breachdesk.ObligationWaived:
			state = f.l.T("obligation.waived")
		case o.Deadline != nil:
			state = f.l.F("obligation.due", "at", f.l.Time(*o.Deadline, f.loc))
		default:
			state = f.l.T("obligation.no_deadline")
		}
		ids = append(ids, o.ID)
		lines = append(lines, fmt.Sprintf("%s (%s, %s): %s", o.Authority, o.Jurisdiction, o.Law, state))
	}
	if len(lines) == 0 {
		return Item{Value: []string{}, Text: f.l.T("obligation.none")}
	}
	return Item{Value: ids, Text: f.l.List(lines), Lines: lines}
}

// addressees are the attorneys general the assessment says must be told.
func addressees(res *assess.Result) []string {
	var list []string
	for _, o := range res.Obligations {
		if o.Recipient == rules.RecipientAttorneyGeneral && strings.HasPrefix(o.Jurisdiction, "US") && !slices.Contains(list, o.Authority) {
			list = append(list, o.Authority)
		}
	}
	return list
}
