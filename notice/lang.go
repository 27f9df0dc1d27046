package notice

import (
	"embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The wording of every notice, one file per language, each with the same
// keys: the structure of a notice lives in content.go, once for all
// languages, so that they cannot drift apart.
//
//go:embed lang/*.yaml
var langFiles embed.FS

// Languages returns the languages notices can be written in, English
// first.
func Languages() []string { return []string{"en", "fr", "it", "de", "es"} }

// PickLanguage returns the first of tags whose base language (pt for
// pt-BR) notices can be written in, else English. Give the person's
// language first, then the organization's.
func PickLanguage(tags ...string) string {
	for _, tag := range tags {
		if base := baseLanguage(tag); slices.Contains(Languages(), base) {
			return base
		}
	}
	return "en"
}

// baseLanguage returns the primary subtag of a BCP 47 tag, in lower case.
func baseLanguage(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}

// catalog is the wording of one language.
type catalog struct {
	tag   string
	texts map[string]string
	// months are the names of the months, January first.
	months [12]string
	// groupSep separates groups of three digits; minGrouping is the
	// number of digits a number needs before its digits are grouped
	// (5 in Spanish: 1234 but 12 345).
	groupSep    string
	minGrouping int
}

// loadCatalogs parses the language files.
func loadCatalogs() (map[string]*catalog, error) {
	all := make(map[string]*catalog, len(Languages()))
	for _, tag := range Languages() {
		data, err := langFiles.ReadFile("lang/" + tag + ".yaml")
		if err != nil {
			return nil, fmt.Errorf("notice language %s: %w", tag, err)
		}
		c := &catalog{tag: tag, texts: map[string]string{}}
		if err := yaml.Unmarshal(data, &c.texts); err != nil {
			return nil, fmt.Errorf("notice/lang/%s.yaml: %w", tag, err)
		}
		for i := range c.months {
			key := "month." + strconv.Itoa(i+1)
			if c.months[i] = c.texts[key]; c.months[i] == "" {
				return nil, fmt.Errorf("notice/lang/%s.yaml: %s is missing", tag, key)
			}
		}
		c.groupSep = c.texts["number.group_separator"]
		c.minGrouping, err = strconv.Atoi(c.texts["number.min_grouping"])
		if err != nil || c.minGrouping < 4 {
			return nil, fmt.Errorf("notice/lang/%s.yaml: number.min_grouping must be a number of digits, 4 or more", tag)
		}
		all[tag] = c
	}
	return all, nil
}

// T returns the text of key, or the key itself if the language lacks it,
// which the tests forbid.
func (c *catalog) T(key string) string {
	if s, ok := c.texts[key]; ok {
		return s
	}
	return key
}

// F returns the text of key with its {name} placeholders replaced by the
// values given as name, value pairs. A placeholder with no value is left
// as it is.
func (c *catalog) F(key string, pairs ...string) string {
	return Fill(c.T(key), pairs...)
}

// Fill replaces the {name} placeholders of s by the values given as name,
// value pairs; a placeholder without a value stays as it is. The public
// pages fill their wording with it too.
func Fill(s string, pairs ...string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 64)
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		name, found := s[i+1:i+j], false
		for k := 0; k+1 < len(pairs); k += 2 {
			if pairs[k] == name {
				b.WriteString(pairs[k+1])
				found = true
				break
			}
		}
		if !found {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// Date writes the day of t, in t's location, in the language's long form
// ("3 March 2026", "3 mars 2026"); us asks for the United States' order in
// English ("March 3, 2026").
func (c *catalog) Date(t time.Time, us bool) string {
	y, m, d := t.Date()
	format := c.T("date.format")
	if us {
		format = c.T("date.format_us")
	}
	day := strconv.Itoa(d)
	if d == 1 {
		day = c.T("date.first_day")
	}
	return Fill(format, "day", day, "month", c.months[m-1], "year", strconv.Itoa(y))
}

// Count writes a whole number with the language's digit grouping.
func (c *catalog) Count(n int64) string {
	digits := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	if len(digits) < c.minGrouping {
		if neg {
			return "-" + digits
		}
		return digits
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(c.groupSep)
		}
		b.WriteRune(r)
	}
	return b.String()
}
