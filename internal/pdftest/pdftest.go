// Package pdftest reads PDF files back for tests, with the real tools of
// Debian's poppler-utils: pdftotext for the text of each page and pdfinfo
// for the page size and metadata.
package pdftest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Require skips the test unless pdftotext, pdfinfo and pdftoppm are on
// PATH, and fails it under CI, where the PDF output would otherwise go
// unchecked.
func Require(tb testing.TB) {
	tb.Helper()
	for _, tool := range []string{"pdftotext", "pdfinfo", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				tb.Fatalf("%s is not on PATH under CI: the rendered PDFs would go unchecked (install poppler-utils)", tool)
			}
			tb.Skipf("PDF tests skipped: %s is not on PATH; install poppler-utils to run them", tool)
		}
	}
}

// Pages returns the text pdftotext extracts from each page of the file at
// path, with -layout if layout is set.
func Pages(tb testing.TB, path string, layout bool) []string {
	tb.Helper()
	args := []string{"-enc", "UTF-8", path, "-"}
	if layout {
		args = append([]string{"-layout"}, args...)
	}
	out, err := exec.Command("pdftotext", args...).Output()
	if err != nil {
		tb.Fatalf("pdftotext %s: %v", strings.Join(args, " "), err)
	}
	// pdftotext ends every page with a form feed.
	return strings.Split(strings.TrimSuffix(string(out), "\f"), "\f")
}

// WriteFile writes a PDF to a temporary file and returns its path.
func WriteFile(tb testing.TB, data []byte) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Flat joins the words of s with single spaces, so that a phrase is found
// however the layout wrapped it.
func Flat(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Info returns what pdfinfo reports about the file at path.
func Info(tb testing.TB, path string) map[string]string {
	tb.Helper()
	out, err := exec.Command("pdfinfo", "-isodates", path).Output()
	if err != nil {
		tb.Fatalf("pdfinfo %s: %v", path, err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}
