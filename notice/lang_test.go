package notice

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/breachdesk/breachdesk"
)

var placeholderRE = regexp.MustCompile(`\{[a-z]+\}`)

// TestCatalogs checks that every language has the same keys as English,
// with the same placeholders, and words for every value of the incident
// vocabulary.
func TestCatalogs(t *testing.T) {
	langs, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	en := langs["en"]
	var want []string
	for _, c := range breachdesk.DataCategories() {
		want = append(want, "category."+c)
	}
	for _, n := range breachdesk.Natures() {
		want = append(want, "nature."+n)
	}
	for _, c := range breachdesk.Causes() {
		if c != breachdesk.CauseOther {
			want = append(want, "cause."+c)
		}
	}
	for _, r := range breachdesk.RecipientKinds() {
		want = append(want, "recipients."+r)
	}
	for _, e := range breachdesk.EncryptionStates() {
		if e != breachdesk.EncryptionNone {
			want = append(want, "encryption."+e)
		}
	}
	for _, key := range want {
		if !en.has(key) {
			t.Errorf("en lacks %s", key)
		}
	}
	for _, tag := range Languages() {
		c := langs[tag]
		for key, text := range en.texts {
			got, ok := c.texts[key]
			switch {
			case !ok:
				t.Errorf("%s lacks %s", tag, key)
			case strings.TrimSpace(got) == "" && key != "number.group_separator":
				t.Errorf("%s: %s is empty", tag, key)
			case !slices.Equal(placeholders(got), placeholders(text)):
				t.Errorf("%s: %s has placeholders %q, want %q as in English", tag, key, placeholders(got), placeholders(text))
			}
		}
		for key := range c.texts {
			if !en.has(key) {
				t.Errorf("%s has %s, which English lacks", tag, key)
			}
		}
	}
}

func placeholders(s string) []string {
	p := placeholderRE.FindAllString(s, -1)
	slices.Sort(p)
	return p
}

func TestCatalogFormats(t *testing.T) {
	langs, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	date := func(d int) time.Time { return time.Date(2026, time.March, d, 23, 30, 0, 0, time.UTC) }
	for _, tc := range []struct {
		lang string
		us   bool
		day  int
		want string
	}{
		{"en", false, 3, "3 March 2026"},
		{"en", true, 3, "March 3, 2026"},
		{"fr", false, 1, "1er mars 2026"},
		{"fr", true, 12, "12 mars 2026"},
		{"de", false, 3, "3. März 2026"},
		{"it", false, 1, "1º marzo 2026"},
		{"es", false, 3, "3 de marzo de 2026"},
	} {
		if got := langs[tc.lang].Date(date(tc.day), tc.us); got != tc.want {
			t.Errorf("%s Date(%d, us=%v) = %q, want %q", tc.lang, tc.day, tc.us, got, tc.want)
		}
	}
	for _, tc := range []struct {
		lang string
		n    int64
		want string
	}{
		{"en", 999, "999"},
		{"en", 1234, "1,234"},
		{"en", 24000000, "24,000,000"},
		{"fr", 48213, "48\u00a0213"},
		{"de", 1234, "1.234"},
		{"it", 1234567, "1.234.567"},
		{"es", 1234, "1234"},
		{"es", 12345, "12.345"},
		{"en", -1234, "-1,234"},
	} {
		if got := langs[tc.lang].Count(tc.n); got != tc.want {
			t.Errorf("%s Count(%d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

// TestCodeToken checks that the code's stand-in is as long as a code, so
// that the text body wraps the same with either.
func TestCodeToken(t *testing.T) {
	if got, want := utf8.RuneCountInString(codeToken), utf8.RuneCountInString(breachdesk.FormatNoticeCode(0)); got != want {
		t.Errorf("codeToken has %d characters, a code %d", got, want)
	}
}

func TestFill(t *testing.T) {
	for _, tc := range []struct{ s, want string }{
		{"Dear {name},", "Dear Ann,"},
		{"{name} and {name}", "Ann and Ann"},
		{"{unknown} stays", "{unknown} stays"},
		{"no placeholder", "no placeholder"},
		{"{unclosed", "{unclosed"},
	} {
		if got := Fill(tc.s, "name", "Ann"); got != tc.want {
			t.Errorf("Fill(%q) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestWrapText(t *testing.T) {
	long := strings.Repeat("word ", 30)
	got := wrapText("  - ", "    ", long)
	for i, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if n := len([]rune(line)); n > textWidth {
			t.Errorf("line %d has %d characters, more than %d", i+1, n, textWidth)
		}
		prefix := "    "
		if i == 0 {
			prefix = "  - "
		}
		if !strings.HasPrefix(line, prefix+"word") {
			t.Errorf("line %d = %q, want it to start with %q", i+1, line, prefix)
		}
	}
	if got := wrapText("", "", "Date\u00a0: 12\u202f345"); got != "Date\u00a0: 12\u202f345\n" {
		t.Errorf("wrapText() = %q, want no-break spaces kept", got)
	}
}

// TestViewKey checks that every field of a view, and of its sections and
// blocks, changes its key: the rendered bodies are cached by the key.
func TestViewKey(t *testing.T) {
	full := func() *view {
		b := block{Lead: "l", Text: "t", Items: []string{"i"}, Lines: []string{"n"}, Code: true}
		return &view{
			Lang: "en", Laws: []string{"gdpr"}, Subject: "s", Title: "t", Facts: []block{b},
			Greeting: "g", Intro: []string{"i"}, Sections: []section{{Heading: "h", Blocks: []block{b}}},
			Closing: []string{"c"}, SignOff: "o", Signature: "n",
		}
	}
	base := full().key()
	// Each path leads to a string, bool or slice to change.
	var paths [][]int
	var walk func(typ reflect.Type, path []int)
	walk = func(typ reflect.Type, path []int) {
		for i := range typ.NumField() {
			p := append(slices.Clone(path), i)
			f := typ.Field(i)
			if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct {
				walk(f.Type.Elem(), append(p, -1))
			}
			paths = append(paths, p)
		}
	}
	walk(reflect.TypeFor[view](), nil)
	for _, path := range paths {
		v := full()
		val := reflect.ValueOf(v).Elem()
		name := ""
		for _, i := range path {
			if i < 0 {
				val = val.Index(0)
				continue
			}
			name += "." + val.Type().Field(i).Name
			val = val.Field(i)
		}
		switch val.Kind() {
		case reflect.String:
			val.SetString(val.String() + "x")
		case reflect.Bool:
			val.SetBool(!val.Bool())
		case reflect.Slice:
			val.Set(reflect.Append(val, reflect.Zero(val.Type().Elem())))
		default:
			t.Fatalf("view%s is a %s: teach this test and view.key about it", name, val.Kind())
		}
		if v.key() == base {
			t.Errorf("changing view%s leaves the key unchanged: add it to view.key", name)
		}
	}
}
