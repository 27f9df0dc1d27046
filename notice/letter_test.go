package notice_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/internal/pdftest"
	"github.com/breachdesk/breachdesk/notice"
	"github.com/breachdesk/breachdesk/pdf"
)

// headingRE finds the section headings of a text body: the lines
// underlined with dashes.
var headingRE = regexp.MustCompile(`(?m)^(.+)\n-+$`)

// windowText returns the text pdftotext finds on page n of the file at
// path in the window of a DL envelope: 20 mm from the left, 45 mm from the
// top, 85 x 45 mm.
func windowText(tb testing.TB, path string, n int) string {
	tb.Helper()
	pt := func(mm float64) string { return fmt.Sprint(int(mm * 72 / 25.4)) }
	page := fmt.Sprint(n)
	args := []string{"-f", page, "-l", page, "-r", "72", "-x", pt(20), "-y", pt(45), "-W", pt(85), "-H", pt(45), "-enc", "UTF-8", path, "-"}
	out, err := exec.Command("pdftotext", args...).Output()
	if err != nil {
		tb.Fatalf("pdftotext %s: %v", strings.Join(args, " "), err)
	}
	return pdftest.Flat(string(out))
}

func TestLetters(t *testing.T) {
	pdftest.Require(t)
	r := MustRenderer(t)
	names := []string{"fr", "us-ca", "de"}
	var ds []*notice.Data
	for _, name := range names {
		ds = append(ds, data(t, name))
	}
	doc, err := r.Letters(ds)
	if err != nil {
		t.Fatalf("Letters() = %v", err)
	}
	var buf bytes.Buffer
	if err := pdf.Render(&buf, doc); err != nil {
		t.Fatalf("pdf.Render() = %v", err)
	}
	path := pdftest.WriteFile(t, buf.Bytes())
	pages := pdftest.Pages(t, path, false)

	// Each letter starts on the page that holds its recipient's name,
	// after the pages of the letter before it, and the first page of the
	// document is the first letter's.
	first := make([]int, len(ds))
	for i, d := range ds {
		first[i] = -1
		for p, text := range pages {
			if strings.Contains(text, d.Person.Name) {
				first[i] = p
				break
			}
		}
		if first[i] < 0 {
			t.Fatalf("letter %d: no page holds %q", i+1, d.Person.Name)
		}
	}
	if first[0] != 0 {
		t.Errorf("the first letter starts on page %d, want 1", first[0]+1)
	}
	for i, d := range ds {
		last := len(pages)
		if i+1 < len(ds) {
			last = first[i+1]
		}
		if last <= first[i] {
			t.Fatalf("letter %d starts on page %d, after letter %d on page %d", i+1, first[i]+1, i+2, last+1)
		}
		letter := pdftest.Flat(strings.Join(pages[first[i]:last], " "))
		what := fmt.Sprintf("letter %d (%s)", i+1, names[i])

		// The recipient's name and address show through the window.
		window := windowText(t, path, first[i]+1)
		address := append([]string{d.Person.Name}, strings.Split(d.Person.PostalAddress, "\n")...)
		if want := "Marketly SAS " + strings.Join(address, " "); window != want {
			t.Errorf("%s: window = %q, want %q", what, window, want)
		}

		// The letter says what the e-mail says, with the same code.
		m := MustRender(t, r, d)
		var headings []string
		for _, h := range headingRE.FindAllStringSubmatch(m.Text, -1) {
			headings = append(headings, h[1])
		}
		if len(headings) < 5 {
			t.Fatalf("%s: the e-mail has headings %q", what, headings)
		}
		inOrder(t, what, letter, append([]string{strings.SplitN(m.Text, "\n", 2)[0]}, headings...)...)
		contains(t, what, letter, d.Code, verifyURL, "Claire Martin", "dpo@marketly.example")
		lacks(t, what, letter, "This e-mail contains no links")

		// Its pages are numbered on their own.
		n := last - first[i]
		for p := range n {
			label := map[string]string{"fr": "Page %d sur %d", "de": "Seite %d von %d"}[names[i]]
			if label == "" {
				label = "Page %d of %d"
			}
			if want := fmt.Sprintf(label, p+1, n); !strings.Contains(pages[first[i]+p], want) {
				t.Errorf("%s: page %d lacks %q", what, p+1, want)
			}
			if !strings.Contains(pdftest.Flat(pages[first[i]+p]), d.Code) {
				t.Errorf("%s: page %d lacks the verification code", what, p+1)
			}
		}
	}
	if doc.Language != "" {
		t.Errorf("Letters().Language = %q for letters in three languages, want none", doc.Language)
	}
	if !doc.CreatedAt.Equal(noticeDate) {
		t.Errorf("Letters().CreatedAt = %v, want %v", doc.CreatedAt, noticeDate)
	}
}

func TestLetter(t *testing.T) {
	r := MustRenderer(t)
	t.Run("OK", func(t *testing.T) {
		blocks, err := r.Letter(data(t, "us-ma"))
		if err != nil {
			t.Fatalf("Letter() = %v", err)
		}
		addr, ok := blocks[0].(pdf.Address)
		if !ok {
			t.Fatalf("Letter()[0] = %T, want the address", blocks[0])
		}
		if want := []string{"Emily Johnson", "1 Beacon Street", "Boston, MA 02108", "USA"}; strings.Join(addr.Lines, "|") != strings.Join(want, "|") {
			t.Errorf("address = %q, want %q", addr.Lines, want)
		}
		if h, ok := blocks[1].(pdf.Heading); !ok || h.Text != "Notice of Data Breach" {
			t.Errorf("Letter()[1] = %#v, want the title", blocks[1])
		}
	})
	t.Run("ErrNoAddress", func(t *testing.T) {
		d := data(t, "fr")
		d.Person.PostalAddress = " \n "
		_, err := r.Letter(d)
		if breachdesk.ErrorField(err) != "postal_address" {
			t.Fatalf("Letter() = %v, want an invalid postal_address", err)
		}
		if strings.Contains(breachdesk.ErrorMessage(err), "Marie") {
			t.Errorf("error %q holds the person's name", breachdesk.ErrorMessage(err))
		}
		_, err = r.Letters([]*notice.Data{data(t, "de"), d})
		if msg := breachdesk.ErrorMessage(err); !strings.HasPrefix(msg, "letter 2: ") {
			t.Errorf("Letters() = %q, want it to name letter 2", msg)
		}
	})
	t.Run("ErrNone", func(t *testing.T) {
		if _, err := r.Letters(nil); breachdesk.ErrorCode(err) != breachdesk.EInvalid {
			t.Errorf("Letters(nil) = %v, want invalid", err)
		}
	})
}
