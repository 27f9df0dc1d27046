// Package pdf lays out a simple document – a title, headings, paragraphs,
// label/value fields, lists, tables and postal addresses – on A4 pages,
// with a header and a footer on every page; a document can hold several
// parts numbered on their own, such as a batch of letters. Regulator breach notifications and letters to
// affected people are rendered through it.
//
// Text is UTF-8 and is set in the Go fonts, embedded in every file, so that
// French, Italian, German, Spanish and Polish text, the euro sign, curly
// quotes and dashes print without any font installed on the machine. The
// same Document always renders to the same bytes.
package pdf

import (
	"fmt"
	"io"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/breachdesk/breachdesk"
)

// Document is what Render lays out on A4 pages.
type Document struct {
	// Title is the large heading on the first page.
	Title string
	// Subtitle is a line under the title; it may be empty.
	Subtitle string

	// HeaderLeft and HeaderRight are printed at the top of every page, for
	// example the controller's name on the left and the incident reference
	// on the right. Text too long for the line is cut short with "…".
	HeaderLeft, HeaderRight string

	// FooterLeft is printed at the bottom of every page, for example
	// "Generated 2026-11-21 10:00 UTC · version 2 · sha256 abcd…", on at most
	// two lines.
	FooterLeft string
	// PageLabel is printed at the bottom right of every page with {page}
	// replaced by the page number and {pages} by the number of pages, as in
	// "Page {page} of {pages}" or "Page {page} sur {pages}".
	PageLabel string

	// Language is the BCP 47 tag of the text, such as "fr" or "de-AT",
	// written to the document catalog. Only letters, digits and hyphens
	// are allowed.
	Language string
	// Author and Subject are written to the document information.
	Author, Subject string
	// CreatedAt is written as the creation and modification date (in UTC),
	// so that output is reproducible. It is required.
	CreatedAt time.Time

	// Blocks are the body, laid out in order after the title.
	Blocks []Block
}

// Block is one element of the body: a Heading, Paragraph, Field, List,
// Table, PageBreak, Part or Address.
type Block interface {
	block()
}

// Heading starts a section (Level 1) or a subsection (Level 2; a higher
// level is printed as 2 and a lower one as 1). A heading is never left at
// the bottom of a page without room for a few lines of what follows it.
type Heading struct {
	Text  string
	Level int
}

// Paragraph is text wrapped to the width of the page; "\n" starts a new
// line.
type Paragraph struct {
	Text string
}

// Field is a label in a bold left column and its value wrapped in the right
// column. A Pending value is information still to be provided and is
// printed in grey italics.
type Field struct {
	Label, Value string
	Pending      bool
}

// List is a bulleted list; each item is wrapped.
type List struct {
	Items []string
}

// Table is a simple bordered table. Column widths follow the length of
// their text, rows wrap within their columns (a cell longer than
// MaxCellLines lines is cut short with "…") and the header row is repeated
// on every page the table spans. A row may have fewer cells than the widest
// row; the missing ones are left empty.
type Table struct {
	Header []string
	Rows   [][]string
}

// PageBreak starts a new page for the blocks after it, unless the current
// page is still empty. A PageBreak at the end of the document adds no page.
type PageBreak struct{}

// Part starts a part of the document that is numbered on its own, such as
// one letter among many printed in one file: it begins on a new page
// (on the first page if it is the first block of a document without a
// title), its pages are numbered from 1, and {pages} in the page label
// counts its pages only. Its HeaderLeft, HeaderRight, FooterLeft and
// PageLabel, when set, replace the document's on its pages. Blocks before
// the first Part form a part of their own.
type Part struct {
	HeaderLeft, HeaderRight string
	FooterLeft              string
	PageLabel               string
}

// Address is a postal address. When nothing has yet been laid out on the
// page below its header, or only a title that ends above the window, it is
// printed in the address field of DIN 5008 (form B): 20 mm from the left
// edge and 45 mm from the top, 85 mm wide, which shows through the left
// window of a DL or C5/6 envelope when the A4 sheet is folded in three; the
// blocks after it start below the field. Elsewhere it is printed where it
// falls. ReturnAddress, the sender, is printed small on one line above the
// address, where the post office expects it; it may be empty. The window
// holds six lines of address: keep Lines to six, each short enough for
// 85 mm (a longer line is wrapped).
type Address struct {
	ReturnAddress string
	Lines         []string
}

func (Heading) block()   {}
func (Paragraph) block() {}
func (Field) block()     {}
func (List) block()      {}
func (Table) block()     {}
func (PageBreak) block() {}
func (Part) block()      {}
func (Address) block()   {}

// MaxCellLines is the number of lines a table cell is cut to, so that any
// row fits on one page.
const MaxCellLines = 20

// Render lays doc out and writes it to w as a PDF file. It returns an
// invalid error if doc is nil, has no CreatedAt, has a malformed Language
// or holds a nil Block, and otherwise any error of the PDF library or of w.
func Render(w io.Writer, doc *Document) error {
	if err := validate(doc); err != nil {
		return err
	}
	f := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	// Fixed dates and sorted resource catalogs make the output depend on doc
	// alone. The library writes the dates without a time zone, so they are
	// given in UTC.
	f.SetCreationDate(doc.CreatedAt.UTC())
	f.SetModificationDate(doc.CreatedAt.UTC())
	f.SetCatalogSort(true)
	// The alias must be set before the fonts are added: the library decides
	// then which characters every font subset keeps for it.
	f.AliasNbPages(pagesAlias)
	f.AddUTF8FontFromBytes(family, "", goregular.TTF)
	f.AddUTF8FontFromBytes(family, "B", gobold.TTF)
	f.AddUTF8FontFromBytes(family, "I", goitalic.TTF)
	f.SetTitle(clean(doc.Title), true)
	f.SetSubject(clean(doc.Subject), true)
	f.SetAuthor(clean(doc.Author), true)
	f.SetCreator("breachdesk", false)
	f.SetLang(doc.Language)
	f.SetMargins(marginX, bodyTop, marginX)
	f.SetAutoPageBreak(true, pageH-bodyBottom)
	f.SetCellMargin(0)
	f.SetLineWidth(0.2)

	r := newRenderer(f, doc)
	f.SetHeaderFuncMode(r.header, true)
	f.SetFooterFuncLpi(r.footer)
	f.AddPage()
	r.title()
	breakPending := false
	for _, b := range doc.Blocks {
		switch b := b.(type) {
		case PageBreak, *PageBreak:
			breakPending = true
			continue
		case Part:
			r.startPart(b)
			breakPending = false
			continue
		case *Part:
			r.startPart(*b)
			breakPending = false
			continue
		}
		if breakPending {
			r.pageBreak()
			breakPending = false
		}
		switch b := b.(type) {
		case Heading:
			r.heading(b)
		case *Heading:
			r.heading(*b)
		case Paragraph:
			r.paragraph(b)
		case *Paragraph:
			r.paragraph(*b)
		case Field:
			r.field(b)
		case *Field:
			r.field(*b)
		case List:
			r.list(b)
		case *List:
			r.list(*b)
		case Table:
			r.table(b)
		case *Table:
			r.table(*b)
		case Address:
			r.address(b)
		case *Address:
			r.address(*b)
		}
		if f.Err() {
			break
		}
	}
	if err := f.Output(w); err != nil {
		return fmt.Errorf("render pdf: %w", err)
	}
	return nil
}

// validate reports what in doc Render cannot lay out.
func validate(doc *Document) error {
	if doc == nil {
		return breachdesk.Errorf(breachdesk.EInvalid, "No document to render.")
	}
	if doc.CreatedAt.IsZero() {
		return breachdesk.Errorf(breachdesk.EInvalid, "The document has no creation time; it is required so that rendering is reproducible.")
	}
	// The library writes the tag into the catalog unescaped.
	for _, c := range doc.Language {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return breachdesk.Errorf(breachdesk.EInvalid, "The document language %q is not a language tag such as \"fr\" or \"de-AT\".", doc.Language)
		}
	}
	for i, b := range doc.Blocks {
		if b == nil || isNilPointer(b) {
			return breachdesk.Errorf(breachdesk.EInvalid, "Block %d of the document is empty.", i+1)
		}
	}
	return nil
}

// isNilPointer reports whether b is a typed nil pointer to a block.
func isNilPointer(b Block) bool {
	switch b := b.(type) {
	case *Heading:
		return b == nil
	case *Paragraph:
		return b == nil
	case *Field:
		return b == nil
	case *List:
		return b == nil
	case *Table:
		return b == nil
	case *PageBreak:
		return b == nil
	case *Part:
		return b == nil
	case *Address:
		return b == nil
	}
	return false
}
