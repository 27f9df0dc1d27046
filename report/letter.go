package report

import (
	"slices"
	"strings"

	"github.com/breachdesk/breachdesk/rules"
)

// letter writes the cover letter to attorneys general: who writes, about
// what, under which laws, what the report holds, and whom to call.
func (f *facts) letter(b *Body) []string {
	inc, l := f.in.Incident, f.l
	controller := l.T("letter.we")
	if f.in.Organization != nil {
		controller = f.in.Organization.Name
	}
	var laws []string
	for _, o := range f.in.Assessment.Obligations {
		if strings.HasPrefix(o.RuleID, f.a.rules) && (o.Recipient == rules.RecipientAttorneyGeneral || o.Recipient == rules.RecipientIndividuals) && !slices.Contains(laws, o.Law) {
			laws = append(laws, o.Law)
		}
	}
	paragraphs := []string{l.T("letter.salutation")}
	if to := addressees(f.in.Assessment); len(to) > 0 {
		paragraphs[0] = l.F("letter.to", "offices", strings.Join(to, "; ")) + "\n" + paragraphs[0]
	}
	p := l.F("letter.opening", "controller", controller, "title", inc.Title)
	if len(laws) > 0 {
		p += " " + l.F("letter.laws", "laws", strings.Join(laws, "; "))
	}
	paragraphs = append(paragraphs, p)
	if inc.DetectedAt != nil {
		p := l.F("letter.discovered", "at", l.Time(*inc.DetectedAt, f.loc))
		if inc.DeterminedAt != nil {
			p += " " + l.F("letter.determined", "at", l.Time(*inc.DeterminedAt, f.loc))
		}
		paragraphs = append(paragraphs, p)
	}
	paragraphs = append(paragraphs, l.T("letter.contents"))
	if len(b.Pending) > 0 {
		paragraphs = append(paragraphs, l.T("letter.pending"))
	}
	contact := l.T("letter.contact_unknown")
	if it := f.item("contact"); !it.Pending {
		contact = it.Text
	}
	paragraphs = append(paragraphs, l.F("letter.closing", "contact", contact), l.T("letter.signoff")+"\n"+controller)
	return paragraphs
}

// noticeAdvice is the advice a sample notice gives for each kind of data,
// in order; each applies once however many of its categories are involved.
var noticeAdvice = []struct {
	key        string
	categories []string
}{
	{"passwords", []string{"password_plain", "password_hash_weak", "password_hash_strong", "security_qa", "auth_token"}},
	{"email", []string{"email"}},
	{"phone", []string{"phone"}},
	{"cards", []string{"payment_card_full", "payment_card_last4", "bank_account", "financial_transactions"}},
	{"identity", []string{"ssn", "national_id", "passport", "driver_license", "tax_id", "date_of_birth"}},
	{"health", []string{"health", "health_insurance"}},
	{"postal", []string{"postal_address"}},
}

// sampleNotice writes a sample of the notice to individuals under the
// headings California requires of a "Notice of Data Breach".
func (f *facts) sampleNotice() Attachment {
	inc, l := f.in.Incident, f.l
	happened := []string{inc.Title}
	if inc.Summary != "" {
		happened = []string{inc.Summary}
	}
	if it := f.item("time.occurred"); !it.Pending {
		happened = append(happened, l.F("notice.occurred", "when", it.Text))
	}
	if inc.DetectedAt != nil {
		happened = append(happened, l.F("notice.discovered", "at", l.Time(*inc.DetectedAt, f.loc)))
	}
	involved := []string{l.T("notice.involved_unknown")}
	if it := f.item("data.categories"); !it.Pending {
		involved = []string{l.F("notice.involved", "categories", it.Text)}
	}
	var doing []string
	for _, s := range []string{inc.MeasuresTaken, inc.MeasuresPlanned} {
		if strings.TrimSpace(s) != "" {
			doing = append(doing, s)
		}
	}
	if len(doing) == 0 {
		doing = []string{l.T("notice.doing_unknown")}
	}
	categories := f.categories()
	var advice []string
	for _, a := range noticeAdvice {
		if slices.ContainsFunc(a.categories, func(c string) bool { return slices.Contains(categories, c) }) {
			advice = append(advice, l.T("notice.advice."+a.key))
		}
	}
	advice = append(advice, l.T("notice.advice.ftc"))
	more := []string{l.T("notice.verify")}
	if it := f.item("contact"); !it.Pending {
		more = append([]string{l.F("notice.contact", "contact", it.Text)}, more...)
	}
	return Attachment{Title: l.T("notice.title"), Passages: []Passage{
		{l.T("notice.happened"), happened},
		{l.T("notice.information"), involved},
		{l.T("notice.doing"), doing},
		{l.T("notice.you"), advice},
		{l.T("notice.more"), more},
	}}
}
