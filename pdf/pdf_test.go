package pdf_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/internal/pdftest"
	"github.com/breachdesk/breachdesk/pdf"
)

// createdAt is the creation time of every test document.
var createdAt = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// MustRender renders doc to a file in a temporary directory and returns its
// path.
func MustRender(tb testing.TB, doc *pdf.Document) string {
	tb.Helper()
	var buf bytes.Buffer
	if err := pdf.Render(&buf, doc); err != nil {
		tb.Fatalf("Render() = %v", err)
	}
	path := filepath.Join(tb.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// notification returns a regulator notification with one block of each
// kind, its text in the given strings.
func notification(s [14]string) *pdf.Document {
	return &pdf.Document{
		Title:       s[0],
		Subtitle:    s[1],
		HeaderLeft:  s[2],
		HeaderRight: "INC-2026-0042",
		FooterLeft:  s[3] + " · sha256 9f86d081884c7d65",
		PageLabel:   s[4],
		Language:    s[5],
		Author:      s[2],
		Subject:     s[0],
		CreatedAt:   createdAt,
		Blocks: []pdf.Block{
			pdf.Heading{Text: s[6], Level: 1},
			pdf.Paragraph{Text: s[7]},
			pdf.Field{Label: s[8], Value: s[9]},
			pdf.Field{Label: s[10], Value: s[11], Pending: true},
			pdf.Heading{Text: s[12], Level: 2},
			pdf.List{Items: []string{s[13], "5 000 €", "“quoted” – en dash — em dash"}},
			pdf.Table{
				Header: []string{s[8], s[10]},
				Rows:   [][]string{{s[9], "42"}, {"€ 1 250", s[13]}},
			},
		},
	}
}

func TestRender(t *testing.T) {
	pdftest.Require(t)
	for _, tc := range []struct {
		name string
		text [14]string
		page string // the page label as printed on the only page
	}{
		{"French", [14]string{
			"Notification d’une violation de données à caractère personnel",
			"Article 33 du RGPD – notification initiale",
			"Société Générale d’Exemple SA",
			"Généré le 21/11/2026 10:00 UTC · version 2",
			"Page {page} sur {pages}", "fr",
			"Nature de la violation",
			"Un ordinateur portable contenant des données a été volé.\nLa police a été prévenue.",
			"Données concernées", "Noms, adresses électroniques, numéros de téléphone",
			"Conséquences probables", "Analyse en cours",
			"Mesures prises",
			"Réinitialisation des mots de passe ; chiffrement « à la volée »",
		}, "Page 1 sur 1"},
		{"Italian", [14]string{
			"Notifica di una violazione dei dati personali",
			"Articolo 33 del GDPR",
			"Società Esempio S.p.A.",
			"Generato il 21/11/2026 10:00 UTC · versione 2",
			"Pagina {page} di {pages}", "it",
			"Natura della violazione",
			"L’attacco è avvenuto più volte; perché?",
			"Categorie di dati", "Nomi e indirizzi",
			"Probabili conseguenze", "Da definire",
			"Misure adottate",
			"È stata informata l’autorità",
		}, "Pagina 1 di 1"},
		{"German", [14]string{
			"Meldung einer Verletzung des Schutzes personenbezogener Daten",
			"Artikel 33 DSGVO",
			"Beispiel GmbH, Hauptstraße 1",
			"Erzeugt am 21.11.2026 10:00 UTC · Version 2",
			"Seite {page} von {pages}", "de-DE",
			"Art der Verletzung",
			"Größere Mengen an Daten wurden übermittelt: „Kundendaten“.",
			"Betroffene Daten", "Namen, Anschriften (Straße, Ort)",
			"Wahrscheinliche Folgen", "Prüfung läuft",
			"Ergriffene Maßnahmen",
			"Passwörter zurückgesetzt",
		}, "Seite 1 von 1"},
		{"Spanish", [14]string{
			"Notificación de una violación de la seguridad de los datos",
			"Artículo 33 del RGPD",
			"Compañía Ejemplo, S.L.",
			"Generado el 21/11/2026 10:00 UTC · versión 2",
			"Página {page} de {pages}", "es",
			"Naturaleza de la violación",
			"¿Qué ocurrió? ¡Un acceso no autorizado! Año 2026, niño, señal.",
			"Datos afectados", "Nombres y direcciones",
			"Consecuencias probables", "Pendiente de análisis",
			"Medidas adoptadas",
			"Se informó a la autoridad",
		}, "Página 1 de 1"},
		{"Polish", [14]string{
			"Zgłoszenie naruszenia ochrony danych osobowych",
			"Artykuł 33 RODO",
			"Przykład Spółka z o.o.",
			"Wygenerowano 21.11.2026 10:00 UTC · wersja 2",
			"Strona {page} z {pages}", "pl",
			"Charakter naruszenia",
			"Zażółć gęślą jaźń. ZAŻÓŁĆ GĘŚLĄ JAŹŃ.",
			"Kategorie danych", "Imiona, nazwiska, adresy",
			"Możliwe konsekwencje", "W trakcie oceny",
			"Podjęte środki",
			"Zmieniono hasła użytkowników",
		}, "Strona 1 z 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := notification(tc.text)
			path := MustRender(t, doc)

			got := pdftest.Pages(t, path, false)
			if len(got) != 1 {
				t.Fatalf("pdftotext found %d pages, want 1:\n%s", len(got), strings.Join(got, "\f"))
			}
			text := pdftest.Flat(got[0])
			for _, want := range append(tc.text[:], doc.HeaderRight, doc.FooterLeft, tc.page, "5 000 €", "“quoted” – en dash — em dash", "€ 1 250", "42") {
				if want == doc.PageLabel || want == doc.Language {
					continue
				}
				if !strings.Contains(text, pdftest.Flat(want)) {
					t.Errorf("page text lacks %q:\n%s", want, got[0])
				}
			}
			layout := pdftest.Pages(t, path, true)[0]
			if first := firstLine(layout); !strings.HasPrefix(first, doc.HeaderLeft) || !strings.HasSuffix(first, doc.HeaderRight) {
				t.Errorf("first line = %q, want %q on the left and %q on the right", first, doc.HeaderLeft, doc.HeaderRight)
			}
			if last := lastLine(layout); !strings.HasSuffix(last, tc.page) {
				t.Errorf("last line = %q, want it to end with %q", last, tc.page)
			}
		})
	}
}

func firstLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[0])
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// long returns a document of 4n numbered sections of a paragraph, fields
// and a list, which fill n+1 pages.
func long(n int) *pdf.Document {
	doc := &pdf.Document{
		Title:       "Notification of a personal data breach",
		Subtitle:    "Article 33 GDPR – initial notification",
		HeaderLeft:  "Example Controller Ltd",
		HeaderRight: "INC-2026-0042",
		FooterLeft:  "Generated 2026-11-21 10:00 UTC · version 2 · sha256 9f86d081884c7d65",
		PageLabel:   "Page {page} of {pages}",
		Language:    "en-GB",
		CreatedAt:   createdAt,
	}
	for s := range 4 * n {
		doc.Blocks = append(doc.Blocks,
			pdf.Heading{Text: fmt.Sprintf("Section %d", s+1), Level: 1},
			pdf.Paragraph{Text: strings.Repeat("The controller became aware of the breach when a member of staff reported it. ", 6)},
			pdf.Field{Label: "Categories of data", Value: "Names, e-mail addresses, postal addresses and dates of birth"},
			pdf.Field{Label: "Likely consequences", Value: "To be provided once the forensic review ends", Pending: true},
			pdf.List{Items: []string{"Passwords were reset", "Affected people were told on 22 November"}},
		)
	}
	return doc
}

func TestRender_Pages(t *testing.T) {
	pdftest.Require(t)
	t.Run("PageBreak", func(t *testing.T) {
		t.Parallel()
		doc := &pdf.Document{
			HeaderLeft: "Example Controller Ltd", HeaderRight: "INC-2026-0042",
			FooterLeft: "Generated 2026-11-21", PageLabel: "Page {page} of {pages}",
			CreatedAt: createdAt,
			Blocks: []pdf.Block{
				pdf.PageBreak{}, // at the top of the first page: no blank page
				pdf.Paragraph{Text: "one"}, pdf.PageBreak{},
				pdf.Paragraph{Text: "two"}, pdf.PageBreak{}, pdf.PageBreak{},
				pdf.Paragraph{Text: "three"},
			},
		}
		path := MustRender(t, doc)
		var got []string
		for _, p := range pdftest.Pages(t, path, false) {
			got = append(got, pdftest.Flat(p))
		}
		want := []string{
			"Example Controller Ltd INC-2026-0042 one Generated 2026-11-21 Page 1 of 3",
			"Example Controller Ltd INC-2026-0042 two Generated 2026-11-21 Page 2 of 3",
			"Example Controller Ltd INC-2026-0042 three Generated 2026-11-21 Page 3 of 3",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("page texts (-want +got):\n%s", diff)
		}
	})

	t.Run("Long", func(t *testing.T) {
		t.Parallel()
		doc := long(3)
		path := MustRender(t, doc)
		got := pdftest.Pages(t, path, true)
		n := len(got)
		if n < 3 {
			t.Fatalf("pdftotext found %d pages, want at least 3", n)
		}
		if pi := pdftest.Info(t, path)["Pages"]; pi != fmt.Sprint(n) {
			t.Errorf("pdfinfo Pages = %s, pdftotext found %d", pi, n)
		}
		for i, p := range got {
			if first := pdftest.Flat(firstLine(p)); first != "Example Controller Ltd INC-2026-0042" {
				t.Errorf("page %d: first line = %q, want the header", i+1, first)
			}
			last := pdftest.Flat(lastLine(p))
			if want := fmt.Sprintf("%s Page %d of %d", doc.FooterLeft, i+1, n); last != want {
				t.Errorf("page %d: last line = %q, want %q", i+1, last, want)
			}
		}
		var sections []string
		for s := range 4 * 3 {
			sections = append(sections, fmt.Sprintf("Section %d", s+1))
		}
		if diff := cmp.Diff(sections, regexp.MustCompile(`Section \d+`).FindAllString(strings.Join(got, "\n"), -1)); diff != "" {
			t.Errorf("headings (-want +got):\n%s", diff)
		}
	})

	// A heading with too little room under it goes to the next page.
	for _, tc := range []struct {
		name  string
		lines int // lines of the paragraph before the heading
		page  int // page the heading is on
	}{
		{"HeadingFits", 40, 1},
		{"HeadingMoves", 45, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := &pdf.Document{
				PageLabel: "Page {page} of {pages}",
				CreatedAt: createdAt,
				Blocks: []pdf.Block{
					pdf.Paragraph{Text: strings.Repeat("line\n", tc.lines)},
					pdf.Heading{Text: "Measures taken", Level: 1},
					pdf.Paragraph{Text: "Passwords were reset.\nAccounts were locked.\nPeople were told."},
				},
			}
			got := pdftest.Pages(t, MustRender(t, doc), false)
			page := 0
			for i, p := range got {
				if strings.Contains(p, "Measures taken") {
					page = i + 1
				}
			}
			if page != tc.page {
				t.Errorf("heading on page %d, want %d", page, tc.page)
			}
			if !strings.Contains(got[page-1], "Passwords were reset.") {
				t.Errorf("page %d lacks the paragraph after the heading", page)
			}
		})
	}
}

// footerPixels returns page 1's footer line, from the middle of the page
// to the right edge, rendered in grey at 72 dpi by pdftoppm.
func footerPixels(tb testing.TB, path string) []byte {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "footer")
	// A4 is 595 x 842 points; the footer text sits about 795 points down.
	args := []string{"-f", "1", "-l", "1", "-r", "72", "-gray", "-singlefile",
		"-x", "300", "-y", "785", "-W", "295", "-H", "25", path, out}
	if b, err := exec.Command("pdftoppm", args...).CombinedOutput(); err != nil {
		tb.Fatalf("pdftoppm %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	b, err := os.ReadFile(out + ".pgm")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestRender_PageCountGlyphs checks that the page count, filled in when
// the document is closed, prints with real glyphs even when no page number
// is printed: the library's font subsets keep only the characters printed
// while the document is open.
func TestRender_PageCountGlyphs(t *testing.T) {
	pdftest.Require(t)
	doc := func(label string) *pdf.Document {
		d := &pdf.Document{PageLabel: label, CreatedAt: createdAt}
		for range 7 {
			d.Blocks = append(d.Blocks, pdf.Paragraph{Text: "text"}, pdf.PageBreak{})
		}
		return d
	}
	got := footerPixels(t, MustRender(t, doc("Total {pages}")))
	want := footerPixels(t, MustRender(t, doc("Total 7")))
	if !bytes.Equal(got, want) {
		t.Errorf("footer \"Total {pages}\" on page 1 of 7 does not look like \"Total 7\"")
	}
}

// words returns n numbered words, w0001 w0002 ….
func words(n int) []string {
	w := make([]string, n)
	for i := range w {
		w[i] = fmt.Sprintf("w%04d", i+1)
	}
	return w
}

var wordRE = regexp.MustCompile(`w\d{4}`)

func TestRender_LongText(t *testing.T) {
	pdftest.Require(t)
	t.Run("Field", func(t *testing.T) {
		t.Parallel()
		want := words(1500)
		doc := &pdf.Document{
			Title:      "Notification",
			HeaderLeft: "Example Controller Ltd", PageLabel: "Page {page} of {pages}",
			CreatedAt: createdAt,
			Blocks: []pdf.Block{
				pdf.Field{Label: "Description of the breach", Value: strings.Join(want, " ")},
				pdf.Field{Label: "After", Value: "the end"},
			},
		}
		got := pdftest.Pages(t, MustRender(t, doc), false)
		if len(got) < 2 {
			t.Fatalf("pdftotext found %d pages, want the value to run onto a second page", len(got))
		}
		if diff := cmp.Diff(want, wordRE.FindAllString(strings.Join(got, "\n"), -1)); diff != "" {
			t.Errorf("words of the value (-want +got):\n%s", diff)
		}
		for i, p := range got {
			if !strings.Contains(p, "Example Controller Ltd") {
				t.Errorf("page %d lacks the header", i+1)
			}
		}
		if !strings.Contains(got[len(got)-1], "the end") {
			t.Errorf("last page lacks the field after the long one")
		}
	})

	t.Run("Table", func(t *testing.T) {
		t.Parallel()
		table := pdf.Table{Header: []string{"Ref", "Category", "Description"}}
		var want []string
		for i := range 120 {
			row := []string{fmt.Sprintf("w%04d", 3*i+1), fmt.Sprintf("w%04d", 3*i+2), fmt.Sprintf("w%04d", 3*i+3)}
			if i%10 == 0 {
				row[2] += " " + strings.Repeat("long description ", 12)
			}
			want = append(want, row[0], row[1], fmt.Sprintf("w%04d", 3*i+3))
			table.Rows = append(table.Rows, row)
		}
		doc := &pdf.Document{CreatedAt: createdAt, Blocks: []pdf.Block{table}}
		got := pdftest.Pages(t, MustRender(t, doc), false)
		if len(got) < 2 {
			t.Fatalf("pdftotext found %d pages, want the table to span pages", len(got))
		}
		if diff := cmp.Diff(want, wordRE.FindAllString(strings.Join(got, "\n"), -1)); diff != "" {
			t.Errorf("table cells (-want +got):\n%s", diff)
		}
		for i, p := range got {
			if !strings.Contains(pdftest.Flat(p), "Ref Category Description") {
				t.Errorf("page %d lacks the table header", i+1)
			}
		}
	})

	t.Run("Cut", func(t *testing.T) {
		t.Parallel()
		var lines []string
		for i := range 2 * pdf.MaxCellLines {
			lines = append(lines, fmt.Sprintf("w%04d", i+1))
		}
		doc := &pdf.Document{CreatedAt: createdAt, Blocks: []pdf.Block{
			pdf.Table{Rows: [][]string{{"cell", strings.Join(lines, "\n")}}},
		}}
		got := strings.Join(pdftest.Pages(t, MustRender(t, doc), false), "\n")
		// The last line holds as much of the rest as fits, then "…".
		found := wordRE.FindAllString(got, -1)
		if len(found) < pdf.MaxCellLines || len(found) >= 2*pdf.MaxCellLines {
			t.Fatalf("cut cell shows %d words, want from %d to %d:\n%s", len(found), pdf.MaxCellLines, 2*pdf.MaxCellLines-1, got)
		}
		if diff := cmp.Diff(words(len(found)), found); diff != "" {
			t.Errorf("words of the cut cell (-want +got):\n%s", diff)
		}
		if !strings.Contains(got, "…") {
			t.Errorf("cut cell does not end with an ellipsis:\n%s", got)
		}
	})
}

func TestRender_Info(t *testing.T) {
	pdftest.Require(t)
	doc := long(2)
	doc.Author = "Société Exemple"
	doc.Subject = "Violation de données"
	doc.CreatedAt = time.Date(2026, 11, 21, 11, 0, 0, 0, time.FixedZone("CET", 3600))
	path := MustRender(t, doc)
	got := pdftest.Info(t, path)
	n := len(pdftest.Pages(t, path, false))
	want := map[string]string{
		"Title":        doc.Title,
		"Author":       doc.Author,
		"Subject":      doc.Subject,
		"Creator":      "breachdesk",
		"CreationDate": "2026-11-21T10:00:00Z",
		"ModDate":      "2026-11-21T10:00:00Z",
		"Pages":        fmt.Sprint(n),
		"Page size":    "595.28 x 841.89 pts (A4)",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("pdfinfo %s = %q, want %q", k, got[k], v)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("/Lang (en-GB)")) {
		t.Errorf("catalog lacks /Lang (en-GB)")
	}
}

func TestRender_Deterministic(t *testing.T) {
	render := func(doc *pdf.Document) []byte {
		var buf bytes.Buffer
		if err := pdf.Render(&buf, doc); err != nil {
			t.Fatalf("Render() = %v", err)
		}
		return buf.Bytes()
	}
	doc := long(2)
	doc.Blocks = append(doc.Blocks, pdf.Table{Header: []string{"Łódź", "Zürich"}, Rows: [][]string{{"à", "€"}}})
	first := render(doc)
	if second := render(doc); !bytes.Equal(first, second) {
		t.Errorf("Render() twice gave different bytes (%d and %d)", len(first), len(second))
	}
	// The same instant in another zone is the same document.
	doc.CreatedAt = doc.CreatedAt.In(time.FixedZone("", -5*3600))
	if other := render(doc); !bytes.Equal(first, other) {
		t.Errorf("Render() with CreatedAt in another zone gave different bytes")
	}
	doc.CreatedAt = doc.CreatedAt.Add(time.Second)
	if later := render(doc); bytes.Equal(first, later) {
		t.Errorf("Render() with another CreatedAt gave the same bytes")
	}
}

func TestRender_Errors(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  *pdf.Document
	}{
		{"ErrNoDocument", nil},
		{"ErrNoCreatedAt", &pdf.Document{Title: "t"}},
		{"ErrLanguage", &pdf.Document{CreatedAt: createdAt, Language: "fr) /Evil ("}},
		{"ErrNilBlock", &pdf.Document{CreatedAt: createdAt, Blocks: []pdf.Block{pdf.Paragraph{Text: "a"}, nil}}},
		{"ErrNilPointerBlock", &pdf.Document{CreatedAt: createdAt, Blocks: []pdf.Block{(*pdf.Table)(nil)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := pdf.Render(&buf, tc.doc)
			if got, want := breachdesk.ErrorCode(err), breachdesk.EInvalid; got != want {
				t.Errorf("Render() error code = %q (%v), want %q", got, err, want)
			}
			if buf.Len() != 0 {
				t.Errorf("Render() wrote %d bytes with an error", buf.Len())
			}
		})
	}

	t.Run("ErrWriter", func(t *testing.T) {
		err := pdf.Render(failingWriter{}, &pdf.Document{CreatedAt: createdAt})
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("Render() = %v, want the writer's error", err)
		}
	})
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

// TestRender_Awkward renders text the fonts or the library handle badly:
// emoji and other characters outside the Basic Multilingual Plane (which
// make the library panic), control characters, CJK (not in the Go fonts),
// pointers to blocks, and empty blocks.
func TestRender_Awkward(t *testing.T) {
	pdftest.Require(t)
	doc := &pdf.Document{
		Title:     "Breach 😀 report\x07",
		CreatedAt: createdAt,
		Blocks: []pdf.Block{
			&pdf.Paragraph{Text: "tab\there\r\nnext line 𐀀 end"},
			pdf.Paragraph{},
			pdf.List{},
			pdf.Table{},
			pdf.Heading{Text: " "},
			&pdf.Field{Label: "CJK", Value: "漢字"},
			&pdf.PageBreak{},
		},
	}
	got := pdftest.Pages(t, MustRender(t, doc), false)
	if len(got) != 1 {
		t.Errorf("pdftotext found %d pages, want 1", len(got))
	}
	text := pdftest.Flat(strings.Join(got, "\n"))
	for _, want := range []string{"Breach � report", "tab here", "next line � end", "CJK 漢字"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}

// BenchmarkRender renders a five-page document.
func BenchmarkRender(b *testing.B) {
	doc := long(4)
	for b.Loop() {
		if err := pdf.Render(io.Discard, doc); err != nil {
			b.Fatal(err)
		}
	}
}
