package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk/importer"
)

func TestProgressBar(t *testing.T) {
	var out bytes.Buffer
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	now := start
	bar := newProgressBar(&out, 1000, func() time.Time { return now })
	now = start.Add(10 * time.Second)
	bar(importer.Progress{Summary: importer.Summary{Read: 50_000}, BytesRead: 250})
	got := out.String()
	for _, want := range []string{"\r50000 rows", "5000 rows/s", " 25%", "30s left"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress line %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "\n") {
		t.Errorf("progress line %q ends a line: it must redraw in place", got)
	}
	out.Reset()
	unknownSize := newProgressBar(&out, 0, func() time.Time { return now })
	unknownSize(importer.Progress{Summary: importer.Summary{Read: 10}})
	if strings.Contains(out.String(), "left") {
		t.Errorf("with no file size the line %q promises a time left", out.String())
	}
}

func TestNoProgressBarWhenNotATerminal(t *testing.T) {
	c := backends(t)["SQLite"]
	id := strings.TrimSpace(c.mustRun("title: Theft\n", "incident", "create", "-f", "-"))
	r := c.run("", append(c.keyArgs(), "subjects", "import", id, c.file("people.csv", knownPeople))...)
	if strings.Contains(r.stderr, "\r") || strings.Contains(r.stdout, "\r") {
		t.Fatalf("a progress line was drawn although the output is not a terminal: %q", r.stderr)
	}
}
