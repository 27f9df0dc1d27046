package pdf

import (
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// runes measures every character as one unit wide.
type runes struct{}

func (runes) GetStringWidth(s string) float64 { return float64(utf8.RuneCountInString(s)) }

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		w    float64
		want []string
	}{
		{"Empty", "", 10, nil},
		{"Spaces", "  \n ", 10, nil},
		{"Fits", "one two", 7, []string{"one two"}},
		{"Breaks", "one two three", 7, []string{"one two", "three"}},
		{"CollapsesSpaces", "  one   two  ", 10, []string{"one two"}},
		{"NewLines", "one\ntwo\n\nthree", 20, []string{"one", "two", "", "three"}},
		{"BlankEnds", "\n\none\n\n", 20, []string{"one"}},
		{"LongWord", "a abcdefghij b", 4, []string{"a", "abcd", "efgh", "ij b"}},
		{"NoBreakSpace", "Données\u00a0: oui", 9, []string{"Données\u00a0:", "oui"}},
		{"Accents", "Zażółć gęślą jaźń", 6, []string{"Zażółć", "gęślą", "jaźń"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, wrap(runes{}, tc.text, tc.w)); diff != "" {
				t.Errorf("wrap(%q, %v) (-want +got):\n%s", tc.text, tc.w, diff)
			}
		})
	}
}

func TestFit(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		w    float64
		want string
	}{
		{"Fits", "INC-2026-0042", 13, "INC-2026-0042"},
		{"Cut", "INC-2026-0042", 8, "INC-202…"},
		{"CutAtSpace", "one two three", 5, "one…"},
		{"Lines", "one\ntwo", 7, "one two"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fit(runes{}, tc.text, tc.w); got != tc.want {
				t.Errorf("fit(%q, %v) = %q, want %q", tc.text, tc.w, got, tc.want)
			}
		})
	}
}

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want string
	}{
		{"Unchanged", "Données – “€” ’", "Données – “€” ’"},
		{"LineEnds", "a\r\nb\rc\nd", "a\nb\nc\nd"},
		{"Tabs", "a\tb", "a b"},
		{"Controls", "a\x00b\x07c\u0085d", "abcd"},
		{"Emoji", "ok 😀", "ok \uFFFD"},
		{"InvalidUTF8", "a\xffb", "a\uFFFDb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := clean(tc.text); got != tc.want {
				t.Errorf("clean(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestColumnWidths(t *testing.T) {
	pad := 2*tablePadX + 0.5
	for _, tc := range []struct {
		name    string
		natural []float64
		total   float64
		want    []float64
	}{
		// Narrow columns grow in proportion to fill the width.
		{"Fits", []float64{20 - pad, 30 - pad}, 100, []float64{40, 60}},
		{"Minimum", []float64{0, 36 - pad}, 96, []float64{24, 72}},
		// Wide columns share what the narrow ones leave.
		{"Shares", []float64{20 - pad, 200, 300}, 100, []float64{20, 40, 40}},
		{"AllWide", []float64{200, 300}, 100, []float64{50, 50}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := columnWidths(tc.natural, tc.total)
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 })); diff != "" {
				t.Errorf("columnWidths(%v, %v) (-want +got):\n%s", tc.natural, tc.total, diff)
			}
		})
	}
}
