package notice_test

import (
	"flag"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/notice"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// verifyURL is the verification page of every test notice.
const verifyURL = "https://notice.marketly.example/verify"

func ptr[T any](v T) *T { return &v }

func day(y int, m time.Month, d, h, min int) *time.Time {
	t := time.Date(y, m, d, h, min, 0, 0, time.UTC)
	return &t
}

// organization is the controller of every test notice.
func organization() *breachdesk.Organization {
	return &breachdesk.Organization{
		Name: "Marketly SAS", Country: "FR", Language: "fr",
		DPOName: "Claire Martin", DPOEmail: "dpo@marketly.example", DPOPhone: "+33 1 84 88 00 00",
	}
}

// incident is the breach of every test notice. Its free texts are in
// English, as the DPO wrote them, and are shown as they are in every
// language.
func incident() *breachdesk.Incident {
	return &breachdesk.Incident{
		ID:      42,
		Title:   "Intrusion into the customer database",
		Summary: "An intruder used the stolen password of one of our employees to get into our customer database and copied part of it.",
		Status:  breachdesk.IncidentNotifying,
		Nature:  []string{breachdesk.NatureConfidentiality},
		Cause:   breachdesk.CauseMaliciousAttack,

		OccurredFrom: day(2026, time.March, 2, 8, 15),
		OccurredTo:   day(2026, time.March, 5, 17, 30),
		DetectedAt:   day(2026, time.March, 5, 11, 0),
		AwareAt:      day(2026, time.March, 5, 15, 0),
		ContainedAt:  day(2026, time.March, 5, 17, 30),

		DataCategories: []string{"name", "email", "phone", "postal_address", "payment_card_last4", "password_hash_weak"},
		ApproxSubjects: ptr[int64](48213),
		Recipients:     breachdesk.RecipientsUnknown,
		Encryption:     breachdesk.EncryptionNone,

		MeasuresTaken:      "We cut off the intruder's access, reset the passwords of all customer and staff accounts, and made two-step verification compulsory for every employee.",
		MeasuresPlanned:    "We will have an independent firm audit our security, and we are watching for our customers' data being offered for sale online.",
		LikelyConsequences: "You may receive phishing e-mails, calls or text messages that use your details to seem genuine.\nBecause passwords were stored in a form that can be cracked, someone could try to use yours on our site and on other sites where you use the same password.",
		LawEnforcement:     ptr(true),
	}
}

// noticeDate is the date of every test notice.
var noticeDate = time.Date(2026, time.March, 12, 9, 0, 0, 0, time.UTC)

// people are the recipients of the golden notices, by golden file name.
var people = []struct {
	name   string
	person breachdesk.AffectedPerson
	code   string
}{
	{"fr", breachdesk.AffectedPerson{ExternalID: "C-1001", Name: "Marie Dupont", Email: "marie.dupont@example.fr",
		PostalAddress: "12 rue de l'Église\n75011 Paris\nFrance", Country: "FR", Language: "fr"}, "BD-7KQ4-M2XP-9RTA"},
	{"de", breachdesk.AffectedPerson{ExternalID: "C-1002", Name: "Jonas Weber", Email: "jonas.weber@example.de",
		PostalAddress: "Hauptstraße 5\n10115 Berlin\nDeutschland", Country: "DE", Language: "de"}, "BD-3FHN-8WQ2-KD5M"},
	{"it", breachdesk.AffectedPerson{ExternalID: "C-1003", Name: "Giulia Rossi", Email: "giulia.rossi@example.it",
		PostalAddress: "Via Roma 10\n00184 Roma RM\nItalia", Country: "IT", Language: "it"}, "BD-9XTG-2B7R-Q4VN"},
	{"es", breachdesk.AffectedPerson{ExternalID: "C-1004", Name: "Lucía García", Email: "lucia.garcia@example.es",
		PostalAddress: "Calle Mayor 3, 2.º B\n28013 Madrid\nEspaña", Country: "ES", Language: "es-ES",
		DataCategories: []string{"name", "email", "password_hash_weak"}}, "BD-5MVA-6YJ3-PC8W"},
	{"gb", breachdesk.AffectedPerson{ExternalID: "C-1005", Name: "Oliver Smith", Email: "oliver.smith@example.co.uk",
		PostalAddress: "10 High Street\nLondon SW1A 1AA\nUnited Kingdom", Country: "GB", Language: "en-GB"}, "BD-2KD7-HX4Q-WM9B"},
	{"us-ca", breachdesk.AffectedPerson{ExternalID: "C-1006", Name: "Jane Doe", Email: "jane.doe@example.com",
		PostalAddress: "1 Market Street, Apt 5\nSan Francisco, CA 94105\nUSA", Country: "US", Region: "US-CA", Language: "en-US",
		DataCategories: []string{"name", "email", "postal_address", "ssn", "password_hash_weak"}}, "BD-6RWE-1QZ8-TN3H"},
	{"us-ny", breachdesk.AffectedPerson{ExternalID: "C-1007", Name: "John Smith", Email: "john.smith@example.com",
		PostalAddress: "350 Fifth Avenue\nNew York, NY 10118\nUSA", Country: "US", Region: "US-NY", Language: "en",
		DataCategories: []string{"name", "email", "driver_license"}}, "BD-8PJC-4VS6-YB2K"},
	{"us-ma", breachdesk.AffectedPerson{ExternalID: "C-1008", Name: "Emily Johnson", Email: "emily.johnson@example.com",
		PostalAddress: "1 Beacon Street\nBoston, MA 02108\nUSA", Country: "US", Region: "US-MA", Language: "en",
		DataCategories: []string{"name", "email", "ssn"}}, "BD-4TBN-7GM5-XR1D"},
}

// data returns the notice data of the test person named name.
func data(tb testing.TB, name string) *notice.Data {
	tb.Helper()
	for _, p := range people {
		if p.name == name {
			person := p.person
			return &notice.Data{
				Organization: organization(), Incident: incident(), Person: &person,
				Template: breachdesk.TemplateNotice, Code: p.code, VerifyURL: verifyURL, Date: noticeDate,
			}
		}
	}
	tb.Fatalf("no test person %q", name)
	return nil
}

// MustRenderer returns a renderer or fails the test.
func MustRenderer(tb testing.TB) *notice.Renderer {
	tb.Helper()
	r, err := notice.NewRenderer()
	if err != nil {
		tb.Fatalf("NewRenderer() = %v", err)
	}
	return r
}

// MustRender renders d or fails the test.
func MustRender(tb testing.TB, r *notice.Renderer, d *notice.Data) *notice.Message {
	tb.Helper()
	m, err := r.Render(d)
	if err != nil {
		tb.Fatalf("Render() = %v", err)
	}
	return m
}

// golden compares got with the golden file name in testdata, or rewrites
// the file under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./notice -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; go test ./notice -update rewrites it):\n%s", path, diff)
	}
}

func TestRender_Golden(t *testing.T) {
	r := MustRenderer(t)
	for _, p := range people {
		t.Run(p.name, func(t *testing.T) {
			m := MustRender(t, r, data(t, p.name))
			golden(t, p.name+".txt", "Subject: "+m.Subject+"\n\n"+m.Text)
			golden(t, p.name+".html", m.HTML)
		})
	}
	t.Run("us-ca-update", func(t *testing.T) {
		d := data(t, "us-ca")
		d.Template = breachdesk.TemplateUpdate
		m := MustRender(t, r, d)
		golden(t, "us-ca-update.txt", "Subject: "+m.Subject+"\n\n"+m.Text)
	})
	t.Run("fr-update", func(t *testing.T) {
		d := data(t, "fr")
		d.Template = breachdesk.TemplateUpdate
		m := MustRender(t, r, d)
		golden(t, "fr-update.txt", "Subject: "+m.Subject+"\n\n"+m.Text)
	})
}

func TestRender_Language(t *testing.T) {
	r := MustRenderer(t)
	for _, tc := range []struct {
		name, person, org, want string
	}{
		{"Person", "de-AT", "fr", "de"},
		{"UnsupportedPersonOrganization", "pt-BR", "fr", "fr"},
		{"Unknown", "pt-BR", "ja", "en"},
		{"None", "", "", "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := data(t, "fr")
			d.Person.Language, d.Organization.Language = tc.person, tc.org
			if got := MustRender(t, r, d).Language; got != tc.want {
				t.Errorf("Render().Language = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPickLanguage(t *testing.T) {
	for _, tc := range []struct {
		tags []string
		want string
	}{
		{[]string{"pt-BR", "fr"}, "fr"},
		{[]string{"it", "fr"}, "it"},
		{[]string{"ES"}, "es"},
		{[]string{"de_CH"}, "de"},
		{[]string{"en-GB", "fr"}, "en"},
		{[]string{"xx", "yy"}, "en"},
		{nil, "en"},
	} {
		if got := notice.PickLanguage(tc.tags...); got != tc.want {
			t.Errorf("PickLanguage(%q) = %q, want %q", tc.tags, got, tc.want)
		}
	}
}

func TestLaws(t *testing.T) {
	for _, tc := range []struct {
		country, region string
		want            []string
	}{
		{"FR", "", []string{"gdpr"}},
		{"de", "", []string{"gdpr"}},
		{"NO", "", []string{"gdpr"}},
		{"RE", "", []string{"gdpr"}},
		{"GB", "GB-SCT", []string{"uk-gdpr"}},
		{"US", "US-CA", []string{"us", "us-ca"}},
		{"US", "ny", []string{"us", "us-ny"}},
		{"US", "US-MA", []string{"us", "us-ma"}},
		{"US", "US-TX", []string{"us"}},
		{"US", "", []string{"us"}},
		{"CH", "", []string{"default"}},
		{"IN", "", []string{"default"}},
		{"", "", []string{"default"}},
		{"T", "", []string{"default"}},
	} {
		if got := notice.Laws(tc.country, tc.region); !slices.Equal(got, tc.want) {
			t.Errorf("Laws(%q, %q) = %q, want %q", tc.country, tc.region, got, tc.want)
		}
	}
}

// contains fails the test for each of wants that s lacks.
func contains(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(s), " ")
	for _, w := range wants {
		if !strings.Contains(flat, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// lacks fails the test for each of unwanted that s holds.
func lacks(t *testing.T, what, s string, unwanted ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(s), " ")
	for _, w := range unwanted {
		if strings.Contains(flat, w) {
			t.Errorf("%s holds %q", what, w)
		}
	}
}

// inOrder fails the test unless s holds wants in order.
func inOrder(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	s = strings.Join(strings.Fields(s), " ")
	at := 0
	for _, w := range wants {
		i := strings.Index(s[at:], w)
		if i < 0 {
			t.Errorf("%s lacks %q after offset %d", what, w, at)
			return
		}
		at += i + len(w)
	}
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// htmlText returns the text a reader sees in an HTML document: its tags
// become spaces and its character references characters.
func htmlText(s string) string {
	return html.UnescapeString(tagRE.ReplaceAllString(s, " "))
}

// bodies returns the text of m's text and HTML bodies, each with its
// name.
func bodies(m *notice.Message) map[string]string {
	return map[string]string{"text": m.Text, "HTML": htmlText(m.HTML)}
}

func TestRender_GDPR(t *testing.T) {
	r := MustRenderer(t)
	inc := incident()
	// Art. 34(2): the nature of the breach, the contact point, the likely
	// consequences and the measures, whatever the language; the free texts
	// are shown as the DPO wrote them.
	for _, name := range []string{"fr", "de", "it", "es", "gb"} {
		t.Run(name, func(t *testing.T) {
			m := MustRender(t, r, data(t, name))
			want := []string{"gdpr"}
			if name == "gb" {
				want = []string{"uk-gdpr"}
			}
			if !slices.Equal(m.Laws, want) {
				t.Errorf("Render().Laws = %q, want %q", m.Laws, want)
			}
			for what, body := range bodies(m) {
				contains(t, name+" "+what, body, inc.Summary, "Claire Martin", "dpo@marketly.example", "+33 1 84 88 00 00",
					"You may receive phishing e-mails", "someone could try to use yours",
					inc.MeasuresTaken, inc.MeasuresPlanned)
			}
		})
	}
	t.Run("Advice", func(t *testing.T) {
		d := data(t, "gb")
		d.Person.DataCategories = []string{"name", "email", "phone", "password_plain", "payment_card_full", "bank_account", "passport", "health"}
		m := MustRender(t, r, d)
		contains(t, "text", m.Text,
			"Which of your data is concerned", "Your name", "Your e-mail address", "Your passport number",
			"Change the password of your account with us", "two-step verification",
			"Expect phishing", "unexpected calls and text messages",
			"block your card", "direct debits", "whether it should be replaced",
			"health insurer", "threatens to make it public",
			"Information Commissioner's Office", "0303 123 1113")
		lacks(t, "text", m.Text, "last four digits of a card", "credit bureaus", "You do not need to do anything")
	})
	t.Run("NameOnly", func(t *testing.T) {
		d := data(t, "gb")
		d.Person.DataCategories = []string{"name"}
		contains(t, "text", MustRender(t, r, d).Text, "You do not need to do anything")
	})
	t.Run("Unknown", func(t *testing.T) {
		d := data(t, "gb")
		d.Incident = &breachdesk.Incident{Title: "Lost laptop"}
		d.Organization.DPOName, d.Organization.DPOEmail, d.Organization.DPOPhone = "", "", ""
		m := MustRender(t, r, d)
		contains(t, "text", m.Text, "Lost laptop", "We are still establishing which of your data",
			"We are still assessing", "We are investigating the breach", "contact Marketly SAS through its usual customer service")
	})
	t.Run("EEAComplaint", func(t *testing.T) {
		d := data(t, "fr")
		d.Person.Language = "en"
		contains(t, "text", MustRender(t, r, d).Text, "lodge a complaint with a data protection authority")
	})
	t.Run("Default", func(t *testing.T) {
		d := data(t, "gb")
		d.Person.Country = "IN"
		m := MustRender(t, r, d)
		if !slices.Equal(m.Laws, []string{"default"}) {
			t.Errorf("Render().Laws = %q, want [default]", m.Laws)
		}
		inOrder(t, "text", m.Text, "What happened", inc.Summary, "Which of your data", "What this may mean for you",
			"What we are doing", "What you can do", "Who to contact", "How to check")
		lacks(t, "text", m.Text, "complain", "What Happened")
	})
}

// usHeadings are the title and headings California requires, in order.
var usHeadings = []string{"Notice of Data Breach", "What Happened", "What Information Was Involved",
	"What We Are Doing", "What You Can Do", "For More Information"}

// creditBureaus are the contacts of the three credit bureaus and the FTC.
var creditBureaus = []string{
	"Equifax", "1-800-685-1111", "P.O. Box 740241, Atlanta, GA 30374",
	"Experian", "1-888-397-3742", "P.O. Box 9554, Allen, TX 75013",
	"TransUnion", "1-888-909-8872", "P.O. Box 2000, Chester, PA 19016",
}

func TestRender_California(t *testing.T) {
	r := MustRenderer(t)
	inc := incident()
	m := MustRender(t, r, data(t, "us-ca"))
	if !slices.Equal(m.Laws, []string{"us", "us-ca"}) {
		t.Errorf("Render().Laws = %q, want [us us-ca]", m.Laws)
	}
	for what, body := range bodies(m) {
		inOrder(t, what, body, usHeadings...)
		contains(t, what, body,
			"March 12, 2026", // the date of the notice
			"between March 2, 2026 and March 5, 2026", // the date range of the breach
			inc.Summary, "48,213",
			"reported the incident to law enforcement",
			"Your Social Security number", "fraud alert", "security freeze", "AnnualCreditReport.com",
			"Federal Trade Commission", "1-877-438-4338", "IdentityTheft.gov",
			"Claire Martin", "dpo@marketly.example")
		contains(t, what, body, creditBureaus...)
	}
	if !strings.Contains(m.HTML, `<h1 style="margin:0 0 16px; font-size:28px;`) || !strings.Contains(m.HTML, `<h2 style="margin:32px 0 12px; padding:0 0 4px; border-bottom:2px solid #1a1a1a; font-size:22px;`) {
		t.Errorf("HTML title and headings are not conspicuous (large, bold)")
	}

	t.Run("NoIdentityNumbers", func(t *testing.T) {
		d := data(t, "us-ca")
		d.Person.DataCategories = []string{"name", "email"}
		m := MustRender(t, r, d)
		inOrder(t, "text", m.Text, usHeadings...)
		lacks(t, "text", m.Text, "Equifax", "place a fraud alert")
		contains(t, "text", m.Text, "IdentityTheft.gov")
	})
	t.Run("NotDelayed", func(t *testing.T) {
		d := data(t, "us-ca")
		d.Incident.LawEnforcement = ptr(false)
		contains(t, "text", MustRender(t, r, d).Text, "This notice was not delayed by a law enforcement investigation.")
		d.Incident.LawEnforcement = nil
		lacks(t, "text", MustRender(t, r, d).Text, "law enforcement investigation", "reported the incident to law enforcement")
	})
	t.Run("Spanish", func(t *testing.T) {
		d := data(t, "us-ca")
		d.Person.Language = "es-US"
		m := MustRender(t, r, d)
		if m.Language != "es" {
			t.Errorf("Render().Language = %q, want es", m.Language)
		}
		contains(t, "text", m.Text, creditBureaus...)
	})
}

func TestRender_NewYork(t *testing.T) {
	m := MustRender(t, MustRenderer(t), data(t, "us-ny"))
	if !slices.Equal(m.Laws, []string{"us", "us-ny"}) {
		t.Errorf("Render().Laws = %q, want [us us-ny]", m.Laws)
	}
	for what, body := range bodies(m) {
		inOrder(t, what, body, usHeadings...)
		contains(t, what, body,
			"New York State Office of the Attorney General", "1-800-771-7755", "ag.ny.gov",
			"New York Department of State, Division of Consumer Protection", "1-800-697-1220", "dos.ny.gov",
			"Federal Trade Commission", "1-877-438-4338", "IdentityTheft.gov",
			"Your driver's license number")
		contains(t, what, body, creditBureaus...)
	}
}

func TestRender_Massachusetts(t *testing.T) {
	r := MustRenderer(t)
	inc := incident()
	m := MustRender(t, r, data(t, "us-ma"))
	if !slices.Equal(m.Laws, []string{"us", "us-ma"}) {
		t.Errorf("Render().Laws = %q, want [us us-ma]", m.Laws)
	}
	// The nature of the breach and the number of people affected, which
	// a California notice gives, are left out of a Massachusetts one.
	nature := []string{inc.Title, inc.Summary, "intruder", "48,213", "48213", "48.213",
		"deliberate attack", "seen or copied", "We do not know who may have obtained",
		inc.MeasuresTaken, inc.MeasuresPlanned, "phishing e-mails, calls"}
	ca := MustRender(t, r, data(t, "us-ca"))
	contains(t, "California text", ca.Text, inc.Summary, "48,213", "deliberate attack", inc.MeasuresTaken)
	for what, body := range bodies(m) {
		lacks(t, "Massachusetts "+what, body, nature...)
		lacks(t, "Massachusetts "+what, body, "About", "people are affected")
		inOrder(t, what, body, usHeadings...)
		contains(t, what, body,
			"right to obtain any police report", "file a police report",
			"security freeze", "free of charge",
			"Your full name", "Your Social Security number", "Your date of birth",
			"past five years", "Proof of your current address", "government-issued identity card",
			"We have taken steps to protect your information")
		contains(t, what, body, creditBureaus...)
	}
	t.Run("NoIdentityNumbers", func(t *testing.T) {
		d := data(t, "us-ma")
		d.Person.DataCategories = []string{"name", "payment_card_full"}
		m := MustRender(t, r, d)
		contains(t, "text", m.Text, "police report", "free of charge")
		contains(t, "text", m.Text, creditBureaus...)
	})
}

var (
	linkRE = regexp.MustCompile(`(?i)<a\b|href\s*=|src\s*=|<script|<img|<link|<iframe|<form|url\(|@import`)
	urlRE  = regexp.MustCompile(`(?i)https?://[^\s<>"']*`)
)

func TestRender_VerifyNoLinks(t *testing.T) {
	r := MustRenderer(t)
	for _, p := range people {
		t.Run(p.name, func(t *testing.T) {
			m := MustRender(t, r, data(t, p.name))
			for what, body := range map[string]string{"text": m.Text, "HTML": m.HTML} {
				contains(t, what, body, p.code, verifyURL, "Marketly SAS")
				for _, u := range urlRE.FindAllString(body, -1) {
					if u != verifyURL {
						t.Errorf("%s holds the address %q; only the verification address may appear", what, u)
					}
				}
			}
			if loc := linkRE.FindStringIndex(m.HTML); loc != nil {
				t.Errorf("HTML holds %q: a link, a resource or a script", m.HTML[loc[0]:loc[1]])
			}
			if !strings.HasPrefix(m.HTML, "<!DOCTYPE html>\n<html lang=\""+m.Language+"\">") || !strings.HasSuffix(m.HTML, "</html>\n") {
				t.Errorf("HTML is not a whole document with its language")
			}
			if strings.Contains(m.HTML, "<style") {
				t.Errorf("HTML has a style sheet; only inline styles are allowed")
			}
			// Every font size is 14 px (10.5 pt) or larger.
			for _, size := range regexp.MustCompile(`font-size:(\d+)px`).FindAllStringSubmatch(m.HTML, -1) {
				if len(size[1]) < 2 || size[1] < "14" {
					t.Errorf("HTML has text of %spx, smaller than 10 points", size[1])
				}
			}
			if strings.Contains(m.Subject, "\n") || strings.Contains(m.Subject, "Marketly SAS") == false {
				t.Errorf("Subject = %q, want one line naming the organization", m.Subject)
			}
		})
	}
}

func TestRender_Escaping(t *testing.T) {
	r := MustRenderer(t)
	d := data(t, "gb")
	d.Incident.Summary = `<script>alert("x")</script> & "quotes"`
	d.Person.Name = "<b>Oliver</b>"
	d.Organization.Name = "Fish & Chips <Ltd>"
	m := MustRender(t, r, d)
	if strings.Contains(m.HTML, "<script") || strings.Contains(m.HTML, "<b>") || strings.Contains(m.HTML, "<Ltd>") {
		t.Errorf("HTML holds unescaped markup from the incident, person or organization")
	}
	contains(t, "HTML", m.HTML, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;", "&lt;b&gt;Oliver&lt;/b&gt;", "Fish &amp; Chips &lt;Ltd&gt;")
	// The text body is plain text: it shows the characters as they are.
	contains(t, "text", m.Text, `<script>alert("x")</script> & "quotes"`, "Dear <b>Oliver</b>,")
}

func TestRender_Greeting(t *testing.T) {
	r := MustRenderer(t)
	for _, tc := range []struct{ person, name, want string }{
		{"gb", "Oliver Smith", "Dear Oliver Smith,"},
		{"gb", "", "Hello,"},
		{"gb", "  Oliver\n Smith ", "Dear Oliver Smith,"},
	} {
		d := data(t, tc.person)
		d.Person.Name = tc.name
		if m := MustRender(t, r, d); !strings.Contains(m.Text, "\n"+tc.want+"\n") {
			t.Errorf("Render() with name %q has no greeting %q", tc.name, tc.want)
		}
	}
}

func TestRender_Update(t *testing.T) {
	r := MustRenderer(t)
	d := data(t, "gb")
	d.Template = breachdesk.TemplateUpdate
	m := MustRender(t, r, d)
	if !strings.HasPrefix(m.Subject, "Update:") {
		t.Errorf("Subject = %q, want it to start with Update:", m.Subject)
	}
	contains(t, "text", m.Text, "We wrote to you earlier", "This is an update", "12 March 2026", "replace those in our earlier notice")
	inOrder(t, "text", m.Text, "What happened", incident().Summary, "What we are doing", "How to check")
}

func TestRender_Errors(t *testing.T) {
	r := MustRenderer(t)
	for _, tc := range []struct {
		name  string
		edit  func(d *notice.Data)
		field string
	}{
		{"NoOrganization", func(d *notice.Data) { d.Organization = nil }, "organization"},
		{"NoIncident", func(d *notice.Data) { d.Incident = nil }, "incident"},
		{"NoPerson", func(d *notice.Data) { d.Person = nil }, "person"},
		{"Template", func(d *notice.Data) { d.Template = "reminder" }, "template"},
		{"Code", func(d *notice.Data) { d.Code = "not a code" }, "code"},
		{"VerifyURL", func(d *notice.Data) { d.VerifyURL = "javascript:alert(1)" }, "verify_url"},
		{"VerifyURLQuote", func(d *notice.Data) { d.VerifyURL = `https://x.example/"><a href=x>` }, "verify_url"},
		{"Date", func(d *notice.Data) { d.Date = time.Time{} }, "date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := data(t, "fr")
			tc.edit(d)
			_, err := r.Render(d)
			if code := breachdesk.ErrorCode(err); code != breachdesk.EInvalid {
				t.Fatalf("Render() = %v, want an invalid error", err)
			}
			if got := breachdesk.ErrorField(err); got != tc.field {
				t.Errorf("ErrorField() = %q, want %q", got, tc.field)
			}
			if strings.Contains(breachdesk.ErrorMessage(err), "Marie") {
				t.Errorf("error %q holds the person's name", breachdesk.ErrorMessage(err))
			}
		})
	}
	t.Run("Nil", func(t *testing.T) {
		if _, err := r.Render(nil); breachdesk.ErrorCode(err) != breachdesk.EInvalid {
			t.Errorf("Render(nil) = %v, want an invalid error", err)
		}
	})
	t.Run("CodeCanonical", func(t *testing.T) {
		d := data(t, "fr")
		d.Code = "bd 7kq4 m2xp 9rta"
		contains(t, "text", MustRender(t, r, d).Text, "BD-7KQ4-M2XP-9RTA")
	})
}

func TestRender_Concurrent(t *testing.T) {
	r := MustRenderer(t)
	want := MustRender(t, r, data(t, "us-ca"))
	done := make(chan *notice.Message)
	for range 8 {
		go func() {
			m, _ := r.Render(data(t, "us-ca"))
			done <- m
		}()
	}
	for range 8 {
		if got := <-done; got == nil || got.HTML != want.HTML || got.Text != want.Text {
			t.Errorf("concurrent Render() differs")
		}
	}
}

// BenchmarkRender renders one e-mail: for one person after another in a
// campaign, where the renderer reuses what the templates wrote for the
// people before; and for an incident that changes at every render, where
// it cannot.
func BenchmarkRender(b *testing.B) {
	r := MustRenderer(b)
	for _, name := range []string{"fr", "us-ca"} {
		b.Run(name, func(b *testing.B) {
			d := data(b, name)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Render(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("us-ca-uncached", func(b *testing.B) {
		d := data(b, "us-ca")
		summary := d.Incident.Summary
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			d.Incident.Summary = summary + strconv.Itoa(i)
			if _, err := r.Render(d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
