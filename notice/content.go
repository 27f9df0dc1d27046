package notice

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
)

// view is one notice as its templates and the letter lay it out: what it
// says, in order, in its language. It is built once per notice by build,
// which is where the structure of a notice lives, for every language,
// law and channel.
type view struct {
	Lang    string
	Laws    []string
	Subject string
	Title   string
	// Facts are the date of the notice and its verification code, shown
	// in a box under the title.
	Facts    []block
	Greeting string
	Intro    []string
	Sections []section
	Closing  []string
	// SignOff is the closing formula and Signature the organization.
	SignOff, Signature string
}

// section is a heading and what comes under it.
type section struct {
	Heading string
	Blocks  []block
}

// block is a paragraph (Text, with an optional bold Lead such as "What we
// have done:"), a bulleted list (Items), or a contact card (Lead as its
// name, and Lines). Code marks a paragraph whose Text is the verification
// code, shown prominently.
type block struct {
	Lead  string
	Text  string
	Items []string
	Lines []string
	Code  bool
}

// channel is how the notice travels: the wording differs where it speaks
// of links.
type channel int

const (
	channelEmail channel = iota
	channelLetter
)

// builder gathers what build needs for one notice.
type builder struct {
	d       *Data
	c       *catalog
	laws    lawSet
	channel channel
	org     string
	// categories are the person's affected data categories.
	categories []string
}

// has reports whether any of the categories is among the person's.
func (b *builder) has(categories ...string) bool {
	return slices.ContainsFunc(categories, func(c string) bool { return slices.Contains(b.categories, c) })
}

// date writes t's day in the notice's language, in the United States'
// order for an English notice to a US resident.
func (b *builder) date(t time.Time) string {
	return b.c.Date(t, b.laws.us)
}

// utcDate writes the day of an incident time, which is stored in UTC.
func (b *builder) utcDate(t time.Time) string {
	return b.date(t.UTC())
}

// lead writes a label that introduces a text, as "Label:".
func (b *builder) lead(key string) string {
	return b.c.F("lead", "label", b.c.T(key))
}

// The tokens that stand for the verification code and a greeting with
// the person's name in a view, so that the views of people who differ by
// no more than these are equal, and their templates' output can be reused
// (see Renderer.execute). They are made of private-use characters, which
// no escaping changes; codeToken is as many characters long as a code, so
// that the text body wraps the same with either.
const (
	codeToken     = "\ue000\ue001\ue001\ue001\ue001\ue001\ue001\ue001\ue001\ue001\ue001\ue001\ue001\ue001\ue001\ue001\ue000"
	greetingToken = "\ue002"
)

// build writes the notice for d in the language of c under laws, with
// codeToken for the code and, if the person's name is known,
// greetingToken for the greeting: see personalize.
func build(d *Data, c *catalog, laws []string, ch channel) *view {
	b := &builder{d: d, c: c, laws: newLawSet(laws), channel: ch, org: oneLine(d.Organization.Name)}
	b.categories = d.Person.DataCategories
	if len(b.categories) == 0 {
		b.categories = d.Incident.DataCategories
	}
	kind := "notice"
	if d.Template == breachdesk.TemplateUpdate {
		kind = "update"
	}
	family := ""
	if b.laws.us {
		family = "us."
	}
	noticeDate := b.date(d.Date)
	v := &view{
		Lang:    c.tag,
		Laws:    laws,
		Subject: c.F("subject."+kind, "org", b.org),
		Title:   c.T("title." + family + kind),
		Facts: []block{
			{Lead: b.lead("fact.date"), Text: noticeDate},
			{Lead: b.lead("fact.code"), Text: codeToken, Code: true},
		},
		Greeting:  c.T("greeting.none"),
		Intro:     []string{c.F("intro."+family+kind, "org", b.org, "date", noticeDate)},
		Closing:   []string{c.T("closing")},
		SignOff:   c.T("signoff"),
		Signature: b.org,
	}
	if oneLine(d.Person.Name) != "" {
		v.Greeting = greetingToken
	}
	if b.laws.us {
		v.Sections = []section{
			{c.T("heading.us.happened"), b.happened()},
			{c.T("heading.us.information"), b.data()},
			{c.T("heading.us.doing"), b.doing()},
			{c.T("heading.us.you"), b.advice()},
			{c.T("heading.us.more"), append(b.contact(), b.verify()...)},
		}
		return v
	}
	v.Sections = []section{
		{c.T("heading.happened"), b.happened()},
		{c.T("heading.data"), b.data()},
		{c.T("heading.consequences"), b.consequences()},
		{c.T("heading.doing"), b.doing()},
		{c.T("heading.you"), b.advice()},
		{c.T("heading.contact"), b.contact()},
		{c.T("heading.verify"), b.verify()},
	}
	return v
}

// greeting returns the greeting of a notice to person.
func greeting(c *catalog, p *breachdesk.AffectedPerson) string {
	if name := oneLine(p.Name); name != "" {
		return c.F("greeting.name", "name", name)
	}
	return c.T("greeting.none")
}

// personalize puts the code and greeting in place of their tokens in v.
func (v *view) personalize(code, greeting string) {
	fix := func(s *string) { *s = fillTokens(*s, greeting, code) }
	fixBlocks := func(bs []block) {
		for i := range bs {
			fix(&bs[i].Lead)
			fix(&bs[i].Text)
			for j := range bs[i].Items {
				fix(&bs[i].Items[j])
			}
			for j := range bs[i].Lines {
				fix(&bs[i].Lines[j])
			}
		}
	}
	fix(&v.Greeting)
	fixBlocks(v.Facts)
	for i := range v.Intro {
		fix(&v.Intro[i])
	}
	for i := range v.Sections {
		fix(&v.Sections[i].Heading)
		fixBlocks(v.Sections[i].Blocks)
	}
	for i := range v.Closing {
		fix(&v.Closing[i])
	}
}

// key writes everything v says, so that two views with the same key are
// equal. Keep it in step with the fields of view, section and block: a
// test checks that every field changes the key.
func (v *view) key() string {
	var b strings.Builder
	n := len(v.Subject) + len(v.Title) + len(v.Greeting) + 64
	for _, s := range v.Sections {
		for _, bl := range s.Blocks {
			n += len(bl.Lead) + len(bl.Text) + 8
			for _, l := range bl.Items {
				n += len(l) + 1
			}
			for _, l := range bl.Lines {
				n += len(l) + 1
			}
		}
	}
	b.Grow(n)
	str := func(s string) {
		b.WriteString(s)
		b.WriteByte(0)
	}
	list := func(ls []string) {
		b.WriteString(strconv.Itoa(len(ls)))
		b.WriteByte(1)
		for _, l := range ls {
			str(l)
		}
	}
	blocks := func(bs []block) {
		b.WriteString(strconv.Itoa(len(bs)))
		b.WriteByte(2)
		for _, bl := range bs {
			str(bl.Lead)
			str(bl.Text)
			list(bl.Items)
			list(bl.Lines)
			if bl.Code {
				b.WriteByte(3)
			}
			b.WriteByte(4)
		}
	}
	str(v.Lang)
	list(v.Laws)
	str(v.Subject)
	str(v.Title)
	blocks(v.Facts)
	str(v.Greeting)
	list(v.Intro)
	b.WriteString(strconv.Itoa(len(v.Sections)))
	b.WriteByte(5)
	for _, s := range v.Sections {
		str(s.Heading)
		blocks(s.Blocks)
	}
	list(v.Closing)
	str(v.SignOff)
	str(v.Signature)
	return b.String()
}

// happened tells the nature of the breach: the organization's summary,
// when it happened, what it did to the data, why, who got the data, and
// how many people it concerns. For a Massachusetts resident, whose notice
// must not state the nature of the breach nor the number of residents
// affected, it says only when it happened.
func (b *builder) happened() []block {
	inc, c := b.d.Incident, b.c
	var blocks []block
	if b.laws.ma {
		blocks = append(blocks, block{Text: c.T("ma.happened")})
	} else {
		summary := paragraphs(inc.Summary)
		if len(summary) == 0 {
			summary = paragraphs(inc.Title)
		}
		blocks = append(blocks, summary...)
	}

	var when []string
	from, to := inc.OccurredFrom, inc.OccurredTo
	switch {
	case from != nil && to != nil && b.utcDate(*from) == b.utcDate(*to):
		when = append(when, c.F("when.day", "date", b.utcDate(*from)))
	case from != nil && to != nil:
		when = append(when, c.F("when.range", "from", b.utcDate(*from), "to", b.utcDate(*to)))
	case from != nil:
		when = append(when, c.F("when.from", "date", b.utcDate(*from)))
	case to != nil:
		when = append(when, c.F("when.to", "date", b.utcDate(*to)))
	}
	if inc.DetectedAt != nil {
		when = append(when, c.F("when.detected", "date", b.utcDate(*inc.DetectedAt)))
	}
	if inc.ContainedAt != nil && !b.laws.ma {
		when = append(when, c.F("when.contained", "date", b.utcDate(*inc.ContainedAt)))
	}
	blocks = appendSentences(blocks, when)

	if !b.laws.ma {
		var what []string
		for _, n := range inc.Nature {
			if key := "nature." + n; c.has(key) {
				what = append(what, c.T(key))
			}
		}
		if slices.Contains(inc.Nature, breachdesk.NatureAvailability) && inc.DataRecovered != nil && *inc.DataRecovered {
			what = append(what, c.T("nature.recovered"))
		}
		if key := "cause." + inc.Cause; inc.Cause != "" && c.has(key) {
			what = append(what, c.T(key))
		}
		if key := "recipients." + inc.Recipients; inc.Recipients != "" && c.has(key) {
			what = append(what, c.T(key))
		}
		blocks = appendSentences(blocks, what)
		if n := inc.ApproxSubjects; n != nil && *n > 1 {
			blocks = append(blocks, block{Text: c.F("count", "n", c.Count(*n))})
		}
	}

	if le := inc.LawEnforcement; le != nil {
		switch {
		case b.laws.us && *le:
			blocks = append(blocks, block{Text: c.T("police.us.informed")})
		case b.laws.us:
			// California asks whether law enforcement delayed the notice;
			// with no investigation, it cannot have.
			blocks = append(blocks, block{Text: c.T("police.us.not_delayed")})
		case *le:
			blocks = append(blocks, block{Text: c.T("police.informed")})
		}
	}
	return blocks
}

// data lists the person's own affected data.
func (b *builder) data() []block {
	c, family := b.c, ""
	if b.laws.us {
		family = "us."
	}
	if len(b.categories) == 0 {
		return []block{{Text: c.T("data." + family + "unknown")}}
	}
	items := make([]string, 0, len(b.categories))
	for _, cat := range b.categories {
		items = append(items, b.category(cat))
	}
	blocks := []block{{Text: c.T("data." + family + "intro")}, {Items: items}}
	if key := "encryption." + b.d.Incident.Encryption; b.d.Incident.Encryption != "" && c.has(key) {
		blocks = append(blocks, block{Text: c.T(key)})
	}
	return blocks
}

// category names a data category in words; one outside the vocabulary is
// shown as it is, so that nothing is hidden.
func (b *builder) category(name string) string {
	if key := "category." + name; b.c.has(key) {
		return b.c.T(key)
	}
	return strings.ReplaceAll(name, "_", " ")
}

// consequences gives the likely consequences as the organization wrote
// them.
func (b *builder) consequences() []block {
	if blocks := paragraphs(b.d.Incident.LikelyConsequences); len(blocks) > 0 {
		return blocks
	}
	return []block{{Text: b.c.T("consequences.unknown")}}
}

// doing gives the measures taken and planned, as the organization wrote
// them. A Massachusetts resident's notice only says whether there are
// any, since the organization's words tend to describe the breach.
func (b *builder) doing() []block {
	inc, c := b.d.Incident, b.c
	taken, planned := paragraphs(inc.MeasuresTaken), paragraphs(inc.MeasuresPlanned)
	if b.laws.ma {
		switch {
		case len(taken) > 0:
			return []block{{Text: c.T("ma.doing.taken")}}
		case len(planned) > 0:
			return []block{{Text: c.T("ma.doing.planned")}}
		}
		return []block{{Text: c.T("ma.doing.none")}}
	}
	var blocks []block
	if len(taken) > 0 {
		taken[0].Lead = b.lead("doing.taken")
		blocks = append(blocks, taken...)
	}
	if len(planned) > 0 {
		planned[0].Lead = b.lead("doing.planned")
		blocks = append(blocks, planned...)
	}
	if len(blocks) == 0 {
		blocks = []block{{Text: c.T("doing.unknown")}}
	}
	return blocks
}

// adviceRules give the advice for each kind of data, in order; each
// applies once however many of its categories the person has.
var adviceRules = []struct {
	key        string
	categories []string
}{
	{"advice.passwords", []string{"password_plain", "password_hash_weak", "password_hash_strong"}},
	{"advice.security_qa", []string{"security_qa"}},
	{"advice.auth_token", []string{"auth_token"}},
	{"advice.two_factor", []string{"password_plain", "password_hash_weak", "password_hash_strong", "security_qa", "auth_token"}},
	{"advice.email", []string{"email"}},
	{"advice.phone", []string{"phone"}},
	{"advice.postal", []string{"postal_address"}},
	{"advice.card_full", []string{"payment_card_full"}},
	{"advice.bank", []string{"bank_account", "financial_transactions"}},
	{"advice.health", []string{"health", "health_insurance"}},
	{"advice.sensitive", []string{"health", "genetic", "biometric", "racial_ethnic", "political", "religious",
		"trade_union", "sex_life", "sexual_orientation", "criminal", "communications_content"}},
}

// advice tells the person what they can do, for their own data, and for a
// US resident about credit bureaus, fraud alerts and freezes, with the
// contacts their state asks for.
func (b *builder) advice() []block {
	c := b.c
	var blocks []block
	if b.laws.us && !b.laws.ma {
		blocks = append(blocks, paragraphs(b.d.Incident.LikelyConsequences)...)
	}
	var items []string
	for _, rule := range adviceRules {
		if b.has(rule.categories...) {
			items = append(items, c.F(rule.key, "org", b.org))
		}
	}
	if b.has("payment_card_last4") && !b.has("payment_card_full") {
		items = append(items, c.T("advice.card_last4"))
	}
	ids := b.has(identityNumbers...)
	if !b.laws.us && (ids || b.has("date_of_birth")) {
		items = append(items, c.T("advice.identity"))
		if b.has("passport", "national_id", "driver_license") {
			items = append(items, c.T("advice.identity_document"))
		}
	}
	if len(items) == 0 {
		items = append(items, c.T("advice.none"))
	}
	blocks = append(blocks, block{Items: items})

	switch {
	case b.laws.gdpr:
		blocks = append(blocks, block{Text: c.T("complaint.gdpr")})
	case b.laws.ukgdpr:
		blocks = append(blocks, block{Text: c.T("complaint.uk_gdpr")})
	}
	if !b.laws.us {
		return blocks
	}

	if ids {
		blocks = append(blocks, block{Text: c.T("us.fraud_alert")})
		// A Massachusetts notice says more about freezes below.
		if !b.laws.ma {
			blocks = append(blocks, block{Text: c.T("us.freeze")})
		}
		blocks = append(blocks, block{Text: c.T("us.credit_report")})
	}
	if b.laws.ma {
		blocks = append(blocks,
			block{Lead: b.lead("ma.police.label"), Text: c.T("ma.police")},
			block{Lead: b.lead("ma.freeze.label"), Text: c.T("ma.freeze")},
			block{Items: []string{
				c.T("ma.freeze.name"), c.T("ma.freeze.ssn"), c.T("ma.freeze.birth"), c.T("ma.freeze.addresses"),
				c.T("ma.freeze.proof_address"), c.T("ma.freeze.id"), c.T("ma.freeze.police"),
			}},
			block{Text: c.T("ma.freeze.free")},
		)
	}
	if ids || b.laws.ma {
		blocks = append(blocks, block{Text: c.T("us.bureaus")})
		for _, cb := range creditBureaus {
			blocks = append(blocks, block{Lead: cb.Name, Lines: cb.Lines})
		}
	}
	// A New York notice lists the FTC with the state's agencies, under
	// For More Information.
	if !b.laws.ny {
		blocks = append(blocks, block{Text: c.T("us.ftc")}, block{Lead: ftc.Name, Lines: ftc.Lines})
	}
	return blocks
}

// contact gives the data protection officer or other contact point, and
// for a New York resident the agencies that help with identity theft.
func (b *builder) contact() []block {
	org, c := b.d.Organization, b.c
	var lines []string
	name := oneLine(org.DPOName)
	if name != "" {
		lines = append(lines, b.org)
	} else {
		name = b.org
	}
	if org.DPOEmail != "" {
		lines = append(lines, c.F("contact.email", "email", oneLine(org.DPOEmail)))
	}
	if org.DPOPhone != "" {
		lines = append(lines, c.F("contact.phone", "phone", oneLine(org.DPOPhone)))
	}
	var blocks []block
	if org.DPOEmail == "" && org.DPOPhone == "" {
		blocks = []block{{Text: c.F("contact.none", "org", b.org)}}
	} else {
		blocks = []block{{Text: c.T("contact.intro")}, {Lead: name, Lines: lines}}
	}
	if b.laws.ny {
		blocks = append(blocks, block{Text: c.T("ny.agencies")})
		for _, a := range newYorkAgencies {
			blocks = append(blocks, block{Lead: a.Name, Lines: a.Lines})
		}
		blocks = append(blocks, block{Lead: ftc.Name, Lines: ftc.Lines})
	}
	return blocks
}

// verify tells how to check that the notice is genuine.
func (b *builder) verify() []block {
	c := b.c
	blocks := []block{
		{Lead: b.lead("fact.code"), Text: codeToken, Code: true},
		{Text: c.F("verify.how", "org", b.org, "url", b.d.VerifyURL, "code", codeToken)},
	}
	if b.channel == channelEmail {
		blocks = append(blocks, block{Text: c.T("verify.no_links")})
	}
	return append(blocks, block{Text: c.T("verify.never")})
}

// has reports whether the language has key.
func (c *catalog) has(key string) bool {
	_, ok := c.texts[key]
	return ok
}

// paragraphs splits a text the organization wrote into paragraphs at its
// line breaks.
func paragraphs(s string) []block {
	var blocks []block
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			blocks = append(blocks, block{Text: line})
		}
	}
	return blocks
}

// appendSentences adds sentences to blocks as one paragraph.
func appendSentences(blocks []block, sentences []string) []block {
	if len(sentences) == 0 {
		return blocks
	}
	return append(blocks, block{Text: strings.Join(sentences, " ")})
}

// oneLine joins the words of s with single spaces, so that a name cannot
// break a line of the notice, or a header.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
