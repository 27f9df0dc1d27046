package pdf_test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk/internal/pdftest"
	"github.com/breachdesk/breachdesk/pdf"
)

func TestRender_Parts(t *testing.T) {
	pdftest.Require(t)
	long := strings.Join(words(900), " ")
	for _, tc := range []struct {
		name   string
		doc    *pdf.Document
		header []string // the right header of each page
		label  []string // the page label of each page
	}{
		{"FirstBlock", &pdf.Document{
			HeaderLeft: "Example Ltd", HeaderRight: "document", PageLabel: "Page {page} of {pages}",
			CreatedAt: createdAt,
			Blocks: []pdf.Block{
				pdf.PageBreak{}, // ignored before a part
				pdf.Part{HeaderRight: "letter A"}, pdf.Paragraph{Text: "alpha"},
				pdf.Part{HeaderRight: "letter B", PageLabel: "Seite {page} von {pages}"}, pdf.Paragraph{Text: long},
				pdf.PageBreak{}, // dropped: the next part breaks the page
				&pdf.Part{}, pdf.Paragraph{Text: "gamma"},
			},
		}, []string{"letter A", "letter B", "letter B", "document"},
			[]string{"Page 1 of 1", "Seite 1 von 2", "Seite 2 von 2", "Page 1 of 1"}},
		{"AfterTitle", &pdf.Document{
			Title: "Batch", HeaderRight: "cover", PageLabel: "{page}/{pages}",
			CreatedAt: createdAt,
			Blocks: []pdf.Block{
				pdf.Paragraph{Text: long},
				pdf.Part{HeaderRight: "one"}, pdf.Paragraph{Text: "one"},
			},
		}, []string{"cover", "cover", "one"},
			[]string{"1/2", "2/2", "1/1"}},
		{"LastPartLong", &pdf.Document{
			PageLabel: "{page}/{pages}", CreatedAt: createdAt,
			Blocks: []pdf.Block{
				pdf.Part{HeaderRight: "one"}, pdf.Paragraph{Text: "one"},
				pdf.Part{HeaderRight: "two"}, pdf.Paragraph{Text: long},
			},
		}, []string{"one", "two", "two"},
			[]string{"1/1", "1/2", "2/2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pages := pdftest.Pages(t, MustRender(t, tc.doc), true)
			if len(pages) != len(tc.label) {
				t.Fatalf("Render() made %d pages, want %d", len(pages), len(tc.label))
			}
			for i, p := range pages {
				lines := strings.Split(strings.TrimSpace(p), "\n")
				if got := strings.TrimSpace(lines[0]); !strings.HasSuffix(got, tc.header[i]) {
					t.Errorf("page %d header = %q, want it to end with %q", i+1, got, tc.header[i])
				}
				if got := strings.TrimSpace(lines[len(lines)-1]); got != tc.label[i] {
					t.Errorf("page %d label = %q, want %q", i+1, got, tc.label[i])
				}
			}
		})
	}
}

// region returns the text pdftotext finds in a rectangle of page 1, given
// in millimetres.
func region(tb testing.TB, path string, x, y, w, h float64) string {
	tb.Helper()
	pt := func(mm float64) string { return fmt.Sprint(int(mm * 72 / 25.4)) }
	args := []string{"-f", "1", "-l", "1", "-r", "72", "-x", pt(x), "-y", pt(y), "-W", pt(w), "-H", pt(h), "-enc", "UTF-8", path, "-"}
	out, err := exec.Command("pdftotext", args...).Output()
	if err != nil {
		tb.Fatalf("pdftotext %s: %v", strings.Join(args, " "), err)
	}
	return pdftest.Flat(string(out))
}

func TestRender_Address(t *testing.T) {
	pdftest.Require(t)
	t.Run("Window", func(t *testing.T) {
		t.Parallel()
		path := MustRender(t, &pdf.Document{
			HeaderLeft: "Exemple SAS", CreatedAt: createdAt,
			Blocks: []pdf.Block{
				pdf.Part{},
				pdf.Address{ReturnAddress: "Exemple SAS · 1 place de la Gare · 69000 Lyon", Lines: []string{"Marie Dupont", "12 rue de l’Église", "75011 Paris", "France"}},
				pdf.Paragraph{Text: "Madame, Monsieur,"},
			},
		})
		// The window of a DL envelope over the address field of DIN 5008
		// form B: 20 mm from the left, 45 mm from the top, 85 x 45 mm.
		got := region(t, path, 20, 45, 85, 45)
		want := "Exemple SAS · 1 place de la Gare · 69000 Lyon Marie Dupont 12 rue de l’Église 75011 Paris France"
		if got != want {
			t.Errorf("window = %q, want %q", got, want)
		}
		if got := region(t, path, 20, 95, 170, 20); got != "Madame, Monsieur," {
			t.Errorf("text under the window = %q, want the paragraph after the address", got)
		}
	})
	t.Run("Inline", func(t *testing.T) {
		t.Parallel()
		path := MustRender(t, &pdf.Document{
			CreatedAt: createdAt,
			Blocks: []pdf.Block{
				pdf.Paragraph{Text: strings.Join(words(200), " ")},
				pdf.Address{Lines: []string{"Equifax", "P.O. Box 740241", "Atlanta, GA 30374"}},
				pdf.Paragraph{Text: "after"},
			},
		})
		got := pdftest.Flat(strings.Join(pdftest.Pages(t, path, false), " "))
		if !strings.Contains(got, "w0200 Equifax P.O. Box 740241 Atlanta, GA 30374 after") {
			t.Errorf("text = %q, want the address between the paragraphs", got)
		}
	})
}
