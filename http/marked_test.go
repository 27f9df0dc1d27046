package http

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
)

// awkward are values that every escaper must treat as html/template does.
var awkward = []string{
	"", "plain", `<script>alert("x")</script>`, `O'Brien & Sons + "Co"`, "nul\x00byte",
	"é ü 日本", "cut \xe9", "a b\tc\nd", "100% (sure)", "{code}", "zqslot",
}

func TestEscapeTextMatchesHTMLTemplate(t *testing.T) {
	tmpl := template.Must(template.New("").Parse(`<p title="{{.}}">{{.}}</p>`))
	for _, s := range awkward {
		var want bytes.Buffer
		if err := tmpl.Execute(&want, s); err != nil {
			t.Fatal(err)
		}
		if got := `<p title="` + escapeText(s) + `">` + escapeText(s) + `</p>`; got != want.String() {
			t.Errorf("escapeText(%q):\n got %s\nwant %s", s, got, want.String())
		}
	}
}

func TestEscapeURLMatchesHTMLTemplate(t *testing.T) {
	tmpl := template.Must(template.New("").Parse(`<a href="{{.}}">`))
	urls := []string{
		"/contact?incident=2026-breach&code=BD-7KQ4-M2XP-9RTA", "/fr/contact?code=x y", `/a"b'c(d)<e>`,
		"/é%20?q=+&r=[1]", "/end%20", "/%zz%2", "%", "javascript:alert(1)", "data:text/html,x", "/path:with/colon", "rel:ative/x", "\x00\x7f",
	}
	for _, u := range append(urls, awkward...) {
		var want bytes.Buffer
		if err := tmpl.Execute(&want, u); err != nil {
			t.Fatal(err)
		}
		if got := `<a href="` + escapeURL(u) + `">`; got != want.String() {
			t.Errorf("escapeURL(%q):\n got %s\nwant %s", u, got, want.String())
		}
	}
}

// TestMarkedVerifyPages checks that the marked verification answers give
// the very bytes their templates give, in every language, address style
// and variant, with values that need escaping in each place.
func TestMarkedVerifyPages(t *testing.T) {
	site, err := newPublicSite()
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Date(2026, 11, 3, 9, 30, 0, 0, time.UTC)
	type answer struct {
		name string
		view func(p *publicPage) *verifyView
	}
	answers := []answer{
		{"Genuine", func(p *publicPage) *verifyView {
			v := &verifyView{Page: p, Code: "BD-7KQ4-M2XP-9RTA", SentOn: p.cat.Date(sent),
				ContactHref: p.Base + "/contact?incident=2026-customer-data&code=BD-7KQ4-M2XP-9RTA",
				Notice: &breachdesk.Verification{Organization: `Shop "A&B" <SpA> +1`, IncidentTitle: "Names <exposed> & more",
					IncidentSlug: "2026-customer-data", Channel: breachdesk.ChannelEmail, Recipient: "m***@example.com", SentAt: &sent}}
			v.Facts = site.verifyFacts(p, v)
			return v
		}},
		{"GenuineLetterNoSlug", func(p *publicPage) *verifyView {
			v := &verifyView{Page: p, Code: "BD-7KQ4-M2XP-9RTA", Letter: true,
				ContactHref: p.Base + `/contact?code=a b"(c)'é`,
				Notice:      &breachdesk.Verification{Organization: "O'Brien", IncidentTitle: "Letters", Channel: breachdesk.ChannelLetter, Recipient: "M. R***"}}
			v.Facts = site.verifyFacts(p, v)
			return v
		}},
		{"Unknown", func(p *publicPage) *verifyView {
			return &verifyView{Page: p, Code: "BD-AAAA-BBBB-CCCC"}
		}},
		{"Malformed", func(p *publicPage) *verifyView {
			return &verifyView{Page: p, Code: `"><b>+'&` + "\x00é\xe9", Malformed: true}
		}},
	}
	for _, lang := range publicLanguages() {
		for _, base := range []string{"", "/" + lang} {
			for _, org := range []string{"", "Bench Marketplace", `Shop <&> "O'Brien" + {org}`} {
				for _, a := range answers {
					p := site.newPage(lang, base, cachedOrganization{name: org})
					p.Here = "/verify?code=" + strings.ReplaceAll(a.name, " ", "+")
					v := a.view(p)
					name := "verify_fake"
					if v.Notice != nil {
						name = "verify_genuine"
					}
					p.Switcher = site.switcher(p.Lang, p.Here)
					var want, got bytes.Buffer
					if err := site.pages[pageKey{name, lang, base != ""}].Execute(&want, v); err != nil {
						t.Fatal(err)
					}
					site.writeVerify(&got, p, v)
					if got.String() != want.String() {
						t.Errorf("%s in %s, base %q, org %q: the marked page differs from its template:\n got %s\nwant %s",
							a.name, lang, base, org, got.String(), want.String())
					}
				}
			}
		}
	}
}

func TestMarkPageRefusesCutMarkers(t *testing.T) {
	for _, src := range []string{`{{.}}`, `x{{.}}y`} {
		tmpl := template.Must(template.New("cut").Parse(src))
		for _, value := range []string{markerStart + "7", markerStart + "9" + markerEnd, markerStart + "-1" + markerEnd} {
			if _, err := markPage(tmpl, value, 3); err == nil {
				t.Errorf("markPage(%q on %q) accepted it", src, value)
			}
		}
	}
	m, err := markPage(template.Must(template.New("ok").Parse(`<p>{{index . 1}}</p><i>{{index . 0}}</i>`)), []string{marker(0), marker(1)}, 2)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	m.writeTo(&b, []string{"zero", "one"})
	if b.String() != "<p>one</p><i>zero</i>" {
		t.Errorf("writeTo wrote %q", b.String())
	}
}
