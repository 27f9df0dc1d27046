package http

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk"
)

// TestPublicWording checks that every language has exactly the keys and
// placeholders of English, and that every key the pages use exists.
func TestPublicWording(t *testing.T) {
	site, err := newPublicSite()
	if err != nil {
		t.Fatal(err)
	}
	en := site.langs["en"].texts
	placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
	for _, lang := range publicLanguages() {
		texts := site.langs[lang].texts
		for key, text := range en {
			other, ok := texts[key]
			switch {
			case !ok:
				t.Errorf("%s.yaml lacks %s", lang, key)
			case strings.TrimSpace(other) == "":
				t.Errorf("%s.yaml: %s is empty", lang, key)
			case strings.ContainsAny(other, "[]") || strings.Contains(other, "{{") || strings.Contains(other, "}}"):
				// The text is written into the templates' source.
				t.Errorf("%s.yaml: %s holds template delimiters", lang, key)
			default:
				want, got := placeholder.FindAllString(text, -1), placeholder.FindAllString(other, -1)
				slices.Sort(want)
				slices.Sort(got)
				if !slices.Equal(want, got) {
					t.Errorf("%s.yaml: %s has placeholders %v, en.yaml %v", lang, key, got, want)
				}
			}
		}
		for key := range texts {
			if _, ok := en[key]; !ok {
				t.Errorf("%s.yaml has %s, which en.yaml lacks", lang, key)
			}
		}
	}

	used := map[string]string{}
	// Keys written out in the templates: [[T "key"]], [[F "key" ...]].
	inTemplates := regexp.MustCompile(`\[\[(?:T|F) "([a-z0-9_.]+)"`)
	fs.WalkDir(publicFiles, "html/public", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(path, ".html") {
			return err
		}
		data, _ := fs.ReadFile(publicFiles, path)
		for _, m := range inTemplates.FindAllStringSubmatch(string(data), -1) {
			used[m[1]] = path
		}
		return nil
	})
	// Keys written out in the handlers: T("key").
	inCode := regexp.MustCompile(`\bT\("([a-z0-9_.]+)"\)`)
	files, _ := filepath.Glob("*.go")
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range inCode.FindAllStringSubmatch(string(data), -1) {
			used[m[1]] = file
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys in use: the patterns above no longer match the code", len(used))
	}
	// Keys the code builds.
	for _, c := range site.categories {
		used[c.Key] = "categories"
	}
	for _, k := range site.requestKinds {
		used[k.Key] = "request kinds"
	}
	for _, kind := range errorKinds() {
		used["error."+string(kind)+".title"] = "errorKinds"
		used["error."+string(kind)+".text"] = "errorKinds"
	}
	for _, field := range append(contactFields(), "form") {
		used["contact.error."+field] = "contactFields"
	}
	used["channel."+breachdesk.ChannelEmail], used["channel."+breachdesk.ChannelLetter] = "channels", "channels"
	for key, where := range used {
		if _, ok := en[key]; !ok {
			t.Errorf("%s uses %s, which en.yaml lacks", where, key)
		}
	}
	for key := range en {
		// The dates' and the switcher's keys are read by newPublicSite.
		if _, ok := used[key]; !ok && !strings.HasPrefix(key, "month.") && !strings.HasPrefix(key, "date.") && key != "language.name" {
			t.Errorf("en.yaml has %s, which nothing uses", key)
		}
	}
}

// TestPublicPagesRender renders every page with every branch in every
// language and address style, and looks for keys left untranslated.
func TestPublicPagesRender(t *testing.T) {
	site, err := newPublicSite()
	if err != nil {
		t.Fatal(err)
	}
	if len(site.pages) != len(publicPageNames())*len(publicLanguages())*2 {
		t.Fatalf("%d page templates, want one per page, language and address style", len(site.pages))
	}
	rawKey := regexp.MustCompile(`>[a-z_]+\.[a-z_.]+<|"[a-z_]+\.[a-z_]+\.[a-z_.]+"`)
	for _, lang := range publicLanguages() {
		for _, base := range []string{"", "/" + lang} {
			page := func() *publicPage {
				p := site.newPage(lang, base, cachedOrganization{name: "Shop"})
				p.Title, p.Here = "Title", "/"
				return p
			}
			n := &breachdesk.Verification{Organization: "Shop", IncidentTitle: "Leak", IncidentSlug: "leak", Channel: "email", Recipient: "a***@example.com"}
			contactError := &contactView{Page: page()}
			contactError.setError(breachdesk.FieldErrorf("name", "give your name"))
			for _, tt := range []struct {
				name string
				view any
			}{
				{"home", &homeView{page()}},
				{"verify", &verifyView{Page: page()}},
				{"verify_genuine", &verifyView{Page: page(), Notice: n, ContactHref: "/y", SentOn: "d"}},
				{"verify_genuine", &verifyView{Page: page(), Notice: n, Letter: true}},
				{"verify_fake", &verifyView{Page: page(), Malformed: true, Code: "x"}},
				{"verify_fake", &verifyView{Page: page(), Code: "BD-0000-0000-0000"}},
				{"affected", &affectedView{Page: page()}},
				{"affected", &affectedView{Page: page(), Invalid: true}},
				{"affected", &affectedView{Page: page(), Sent: true}},
				{"incident", &incidentView{Page: page(), ContentLang: "xx", OtherLanguage: true, Summary: []string{"s"}, FAQ: []faqView{{"q", []string{"a"}}}, UpdatedOn: "d"}},
				{"contact", contactError},
				{"contact", &contactView{Page: page(), Unavailable: true}},
				{"contact_done", &contactDoneView{Page: page(), Reference: "Q-1", Email: "a***@example.com", DueOn: "d"}},
				{"error", newErrorView(page(), errorForbidden)},
			} {
				var b strings.Builder
				if err := site.pages[pageKey{tt.name, lang, base != ""}].Execute(&b, tt.view); err != nil {
					t.Fatalf("%s in %s: %v", tt.name, lang, err)
				}
				out := b.String()
				if m := rawKey.FindString(out); m != "" {
					t.Errorf("%s in %s shows the key %s", tt.name, lang, m)
				}
				if strings.Contains(out, "[[") || strings.Contains(out, "{{") {
					t.Errorf("%s in %s shows template source:\n%s", tt.name, lang, out)
				}
				if !strings.Contains(out, `<html lang="`+lang+`">`) || !strings.Contains(out, `href="`+base+`/verify"`) {
					t.Errorf("%s in %s%s: no lang attribute or links with the prefix", tt.name, lang, base)
				}
			}
		}
	}
}

func TestSwitcherEscapes(t *testing.T) {
	site, err := newPublicSite()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ here, want string }{
		{"/verify", `<a href="/de/verify" hreflang="de" lang="de">Deutsch</a>`},
		{"/verify?code=BD-7KQ4-M2XP-9RTA", `<a href="/de/verify?code=BD-7KQ4-M2XP-9RTA" hreflang="de"`},
		{"/contact?code=x&incident=y", `<a href="/de/contact?code=x&amp;incident=y" hreflang="de"`},
		{`/"><script>alert(1)</script>`, `<a href="/de/%22%3E%3Cscript%3Ealert%281%29%3C/script%3E" hreflang="de"`},
		{"//evil.example/x", `<a href="/de//evil.example/x"`},
	} {
		got := string(site.switcher("fr", tt.here))
		if !strings.Contains(got, tt.want) {
			t.Errorf("switcher(%q) = %s, want it to contain %s", tt.here, got, tt.want)
		}
		if !strings.Contains(got, `lang="fr" aria-current="true">Français</a>`) {
			t.Errorf("switcher(%q) does not mark the current language", tt.here)
		}
		if strings.Contains(got, "<script") {
			t.Errorf("switcher(%q) = %s", tt.here, got)
		}
	}
}
