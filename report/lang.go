package report

import (
	"embed"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/message"
)

// The labels of every report, one file per language. Free text that a
// person wrote is never translated; only the labels and the vocabulary
// (data categories, causes, phases...) are.
//
//go:embed lang/*.yaml
var langFiles embed.FS

// Languages returns the languages reports can be written in.
func Languages() []string { return []string{"en", "fr", "it"} }

// catalogs holds the parsed language files. They are compiled in and
// checked by the tests, so a failure to parse is a programming error.
var catalogs = sync.OnceValue(func() map[string]map[string]string {
	all := map[string]map[string]string{}
	for _, tag := range Languages() {
		data, err := langFiles.ReadFile("lang/" + tag + ".yaml")
		if err != nil {
			panic(err)
		}
		texts := map[string]string{}
		if err := yaml.Unmarshal(data, &texts); err != nil {
			panic(fmt.Sprintf("report/lang/%s.yaml: %v", tag, err))
		}
		all[tag] = texts
	}
	return all
})

// lang writes the labels, numbers, times and country names of one language.
type lang struct {
	tag     string
	texts   map[string]string
	english map[string]string
	printer *message.Printer
	regions display.Namer
	// missed records the keys this language lacked, for the tests.
	missed map[string]bool
}

func newLang(tag string) *lang {
	t := language.Make(tag)
	return &lang{tag: tag, texts: catalogs()[tag], english: catalogs()["en"],
		printer: message.NewPrinter(t), regions: display.Regions(t), missed: map[string]bool{}}
}

// T returns the text of key, else its English text, else the key itself,
// so that a missing translation shows rather than hides a fact.
func (l *lang) T(key string) string {
	if s, ok := l.texts[key]; ok {
		return s
	}
	l.missed[key] = true
	if s, ok := l.english[key]; ok {
		return s
	}
	return key
}

// Has reports whether the language, or English, has key.
func (l *lang) Has(key string) bool {
	_, ok := l.texts[key]
	_, en := l.english[key]
	return ok || en
}

// F returns the text of key with {name} placeholders replaced by values,
// given as name, value pairs.
func (l *lang) F(key string, pairs ...string) string {
	s := l.T(key)
	for i := 0; i+1 < len(pairs); i += 2 {
		s = strings.ReplaceAll(s, "{"+pairs[i]+"}", pairs[i+1])
	}
	return s
}

// Count writes a whole number with the language's digit grouping.
func (l *lang) Count(n int64) string {
	return l.printer.Sprintf("%d", n)
}

// Country names an ISO 3166-1 alpha-2 country in the language.
func (l *lang) Country(code string) string {
	if r, err := language.ParseRegion(code); err == nil && l.regions != nil {
		if name := l.regions.Name(r); name != "" {
			return name
		}
	}
	return code
}

// Time writes t in loc, unambiguously in every language: date, time, the
// zone's abbreviation and its offset from UTC.
func (l *lang) Time(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	name, offset := t.Zone()
	if offset == 0 && (name == "UTC" || name == "GMT" && loc == time.UTC) {
		return t.Format("2006-01-02 15:04") + " UTC"
	}
	zone := t.Format("(UTC-07:00)")
	if strings.ContainsAny(name[:1], "+-") {
		return t.Format("2006-01-02 15:04 ") + zone
	}
	return t.Format("2006-01-02 15:04 ") + name + " " + zone
}

// List joins values with the language's list separator.
func (l *lang) List(values []string) string {
	return strings.Join(values, "; ")
}
