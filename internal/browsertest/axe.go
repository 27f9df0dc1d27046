package browsertest

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chromedp/chromedp"
)

// Violation is a rule of axe-core that the page breaks, with the elements
// that break it.
type Violation struct {
	// ID is the rule's id, such as "image-alt" or "color-contrast".
	ID string `json:"id"`
	// Impact is "minor", "moderate", "serious" or "critical".
	Impact string `json:"impact"`
	// Help is the rule's one-line description, and HelpURL the page that
	// explains how to fix it.
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []Node `json:"nodes"`
}

// Node is an element that breaks a rule.
type Node struct {
	// Target is a CSS selector of the element: one per frame from the top
	// document down, joined by a space for an element in a shadow root.
	Target []string `json:"target"`
	// HTML is the start of the element's markup.
	HTML string `json:"html"`
	// FailureSummary says what is wrong, in axe's words.
	FailureSummary string `json:"failureSummary"`
}

// Serious reports whether the violation's impact is serious or critical,
// the impacts that make a page unusable for some people and that
// RequireAccessible fails on.
func (v Violation) Serious() bool {
	return v.Impact == "serious" || v.Impact == "critical"
}

// axeRun runs every axe-core rule on the document and keeps the fields of
// Violation; axe's full results hold every passing check too.
const axeRun = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
	id: v.id,
	impact: v.impact || '',
	help: v.help,
	helpUrl: v.helpUrl,
	nodes: v.nodes.map(n => ({
		target: n.target.map(t => Array.isArray(t) ? t.join(' ') : t),
		html: n.html,
		failureSummary: n.failureSummary || '',
	})),
})))`

// Axe runs axe-core's rules on the page in the tab and returns the rules it
// breaks. axe-core is evaluated in the page through the DevTools protocol,
// which the page's Content-Security-Policy does not govern, once per
// loaded document.
func (b *Browser) Axe(tb testing.TB) []Violation {
	tb.Helper()
	if b.axe == "" {
		path, err := axeFile()
		if err != nil {
			tb.Fatalf("browsertest: %v (run npm ci --prefix tools/axe)", err)
		}
		src, err := os.ReadFile(path)
		if err != nil {
			tb.Fatalf("browsertest: %v", err)
		}
		b.axe = string(src)
	}
	loaded, err := run(b, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		tb.Fatalf("browsertest: axe: %v", err)
	}
	if !loaded {
		if _, err := run(b, chromedp.Evaluate[chromedp.Void](b.axe)); err != nil {
			tb.Fatalf("browsertest: load axe-core into the page: %v", err)
		}
	}
	violations, err := run(b, chromedp.Evaluate[[]Violation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.Fatalf("browsertest: axe.run: %v", err)
	}
	return violations
}

// RequireAccessible runs Axe on the page in the tab and fails the test,
// listing each rule and element, if any violation is serious or critical.
// Minor and moderate ones are only logged.
func (b *Browser) RequireAccessible(tb testing.TB) {
	tb.Helper()
	var serious, other []Violation
	for _, v := range b.Axe(tb) {
		if v.Serious() {
			serious = append(serious, v)
		} else {
			other = append(other, v)
		}
	}
	url := b.Location(tb)
	if len(other) > 0 {
		tb.Logf("%s: %d minor or moderate accessibility violations (axe-core):\n%s", url, len(other), Format(other))
	}
	if len(serious) > 0 {
		tb.Errorf("%s: %d serious or critical accessibility violations (axe-core):\n%s", url, len(serious), Format(serious))
	}
}

// Format lays out violations for a person to read: a line per rule with
// its impact and help, then each element's selector, markup and axe's
// summary of what to fix.
func Format(violations []Violation) string {
	var s strings.Builder
	for _, v := range violations {
		fmt.Fprintf(&s, "  %s (%s): %s\n    %s\n", v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&s, "    - %s  %s\n", strings.Join(n.Target, " >> "), shorten(n.HTML, 160))
			for line := range strings.SplitSeq(n.FailureSummary, "\n") {
				if line = strings.TrimSpace(line); line != "" {
					fmt.Fprintf(&s, "        %s\n", line)
				}
			}
		}
	}
	return s.String()
}

// shorten cuts markup to at most n bytes, on a rune boundary, with an
// ellipsis: a violation on <html> would otherwise print the whole page.
func shorten(markup string, n int) string {
	if len(markup) <= n {
		return markup
	}
	for n > 0 && !utf8.RuneStart(markup[n]) {
		n--
	}
	return markup[:n] + "…"
}
