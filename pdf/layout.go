package pdf

import (
	"slices"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// Page geometry in millimetres. The body runs from bodyTop to bodyBottom
// between the side margins; the header and footer sit in the margins above
// and below it.
const (
	pageW      = 210.0
	pageH      = 297.0
	marginX    = 20.0
	contentW   = pageW - 2*marginX
	headerY    = 11.0
	headerRule = 16.0
	bodyTop    = 24.0
	bodyBottom = 276.0
	footerRule = 279.0
	footerY    = 280.5
)

// Type: sizes in points, line heights in millimetres.
const (
	family = "Go"

	bodySize, bodyLine     = 10.0, 5.0
	smallSize, smallLine   = 8.0, 3.6
	titleSize, titleLine   = 20.0, 9.0
	subtitleSize, subLine  = 12.0, 6.0
	h1Size, h1Line         = 14.0, 7.0
	h2Size, h2Line         = 11.5, 6.0
	tableSize, tableLine   = 9.0, 4.4
	tablePadX, tablePadY   = 1.5, 1.2
	labelW, labelGap       = 55.0, 4.0
	bulletIndent           = 5.0
	minColumnW             = 12.0
	paragraphGap, fieldGap = 3.0, 1.5
	// orphanLines is how many body lines must fit under a heading for it to
	// stay on the current page.
	orphanLines = 3
)

// pagesAlias stands for the number of pages until the document is closed.
// It is long and odd so that no body text is mistaken for it.
const pagesAlias = "{breachdesk-pdf-pages}"

type rgb struct{ r, g, b int }

var (
	black = rgb{20, 20, 20}
	grey  = rgb{95, 95, 95}
	rule  = rgb{170, 170, 170}
	fill  = rgb{235, 235, 235}
)

// renderer lays the blocks of one document out on f.
type renderer struct {
	f   *fpdf.Fpdf
	doc *Document
	// part is the part being laid out; next, when set, is the part that
	// starts on the next page: the footer of the current page switches to
	// it.
	part part
	next *part
	// parts counts the parts begun.
	parts int
	// partOnFirstPage is set while the first block, a Part, is already in
	// effect on the first page.
	partOnFirstPage bool
}

// part is the state of one part of the document: the texts of its header
// and footer, its first page, and the alias that stands for its number of
// pages until the part ends.
type part struct {
	headerLeft, headerRight, footerLeft, pageLabel string
	first                                          int
	alias                                          string
}

func newRenderer(f *fpdf.Fpdf, doc *Document) *renderer {
	r := &renderer{f: f, doc: doc}
	r.part = r.newPart(Part{})
	// A document without parts keeps the library's page count, filled in
	// for the whole document.
	if !slices.ContainsFunc(doc.Blocks, isPart) {
		r.part.alias = pagesAlias
	}
	// A part that comes first in a document without a title starts on the
	// first page, whose header must already be the part's.
	if doc.Title == "" && doc.Subtitle == "" {
		for _, b := range doc.Blocks {
			if _, ok := b.(PageBreak); ok {
				continue
			}
			if _, ok := b.(*PageBreak); ok {
				continue
			}
			if p, ok := asPart(b); ok {
				r.part = r.newPart(p)
				r.partOnFirstPage = true
			}
			break
		}
	}
	return r
}

func isPart(b Block) bool {
	_, ok := asPart(b)
	return ok
}

func asPart(b Block) (Part, bool) {
	switch b := b.(type) {
	case Part:
		return b, true
	case *Part:
		return *b, true
	}
	return Part{}, false
}

// newPart returns the state of a new part starting on page 1, numbered
// after the parts begun so far, with the document's texts where p has none.
func (r *renderer) newPart(p Part) part {
	d := r.doc
	s := part{
		headerLeft: orElse(p.HeaderLeft, d.HeaderLeft), headerRight: orElse(p.HeaderRight, d.HeaderRight),
		footerLeft: orElse(p.FooterLeft, d.FooterLeft), pageLabel: orElse(p.PageLabel, d.PageLabel),
		first: 1,
	}
	s.alias = "{breachdesk-pdf-part-" + strconv.Itoa(r.parts) + "}"
	r.parts++
	return s
}

// orElse returns s, or fallback if s is empty.
func orElse(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// startPart begins the part p: on this page if nothing is laid out on it
// and it is the first page, else on a new one.
func (r *renderer) startPart(p Part) {
	if r.partOnFirstPage {
		// newRenderer put it in effect before the first page's header.
		r.partOnFirstPage = false
		return
	}
	if r.atTop() && r.f.PageNo() == 1 {
		r.part = r.newPart(p)
		return
	}
	next := r.newPart(p)
	r.next = &next
	r.f.AddPage()
}

func (r *renderer) font(style string, size float64, c rgb) {
	r.f.SetFont(family, style, size)
	r.f.SetTextColor(c.r, c.g, c.b)
}

// atTop reports whether nothing has been laid out on the current page yet.
func (r *renderer) atTop() bool {
	return r.f.GetY() <= bodyTop+0.01
}

// ensure starts a new page unless h millimetres still fit on this one.
func (r *renderer) ensure(h float64) {
	if r.f.GetY()+h > bodyBottom && !r.atTop() {
		r.f.AddPage()
	}
}

// space leaves h millimetres blank, except at the top of a page.
func (r *renderer) space(h float64) {
	if r.atTop() {
		return
	}
	r.f.SetXY(marginX, r.f.GetY()+h)
}

// text prints one line at (x, y) in a cell of width w.
func (r *renderer) text(x, y, w, h float64, s, align string) {
	r.f.SetXY(x, y)
	r.f.CellFormat(w, h, s, "", 0, align, false, 0, "")
}

// lines prints wrapped lines at x, starting a new page when one does not
// fit, and leaves the position at the left margin under them.
func (r *renderer) lines(x float64, ls []string, h float64) {
	for _, l := range ls {
		r.ensure(h)
		y := r.f.GetY()
		r.text(x, y, contentW-(x-marginX), h, l, "L")
		r.f.SetXY(marginX, y+h)
	}
}

func (r *renderer) header() {
	r.font("", smallSize, grey)
	left, right := clean(r.part.headerLeft), clean(r.part.headerRight)
	rightW := min(r.f.GetStringWidth(right), contentW/2)
	right = fit(r.f, right, rightW)
	leftW := contentW
	if right != "" {
		leftW -= rightW + 6
	}
	if left != "" {
		r.text(marginX, headerY, leftW, smallLine, fit(r.f, left, leftW), "L")
	}
	if right != "" {
		r.text(pageW-marginX-rightW, headerY, rightW, smallLine, right, "R")
	}
	r.f.SetDrawColor(rule.r, rule.g, rule.b)
	r.f.Line(marginX, headerRule, pageW-marginX, headerRule)
}

// footer prints the footer of a page; last is set on the last page. On
// the last page of a part it starts the next part, if any.
func (r *renderer) footer(last bool) {
	r.font("", smallSize, grey)
	r.f.SetDrawColor(rule.r, rule.g, rule.b)
	r.f.Line(marginX, footerRule, pageW-marginX, footerRule)

	n := r.f.PageNo() - r.part.first + 1
	page := strconv.Itoa(n)
	label := strings.ReplaceAll(clean(r.part.pageLabel), "{page}", page)
	// The label is placed by its width with the page count as wide as the
	// page number, which it is on most pages, rather than by the width of
	// the alias that stands for the count while the document is open.
	labelW := r.f.GetStringWidth(strings.ReplaceAll(label, "{pages}", page))
	// On the last page the count is known. Printing it there also puts its
	// digits in the font subset, which keeps only the characters printed,
	// not those that later replace the alias.
	pages := r.part.alias
	if last || r.next != nil {
		pages = page
		// The library fills in the document's own count; a part's is
		// filled in from the aliases registered by the time it is closed.
		if r.part.alias != pagesAlias {
			r.f.RegisterAlias(r.part.alias, page)
		}
	}
	label = strings.ReplaceAll(label, "{pages}", pages)
	if labelW > 0 {
		r.f.SetXY(pageW-marginX-labelW, footerY)
		r.f.CellFormat(labelW+10, smallLine, label, "", 0, "L", false, 0, "")
	}

	leftW := contentW
	if labelW > 0 {
		leftW -= labelW + 6
	}
	ls := wrap(r.f, clean(r.part.footerLeft), leftW)
	if len(ls) > 2 {
		ls = append(ls[:1], fit(r.f, strings.Join(ls[1:], " "), leftW))
	}
	for i, l := range ls {
		r.text(marginX, footerY+float64(i)*smallLine, leftW, smallLine, l, "L")
	}
	if r.next != nil {
		r.part, r.next = *r.next, nil
		r.part.first = r.f.PageNo() + 1
	}
}

func (r *renderer) title() {
	d := r.doc
	if d.Title != "" {
		r.font("B", titleSize, black)
		r.lines(marginX, wrap(r.f, clean(d.Title), contentW), titleLine)
	}
	if d.Subtitle != "" {
		r.font("", subtitleSize, grey)
		r.lines(marginX, wrap(r.f, clean(d.Subtitle), contentW), subLine)
	}
	if d.Title != "" || d.Subtitle != "" {
		r.space(5)
	}
}

func (r *renderer) heading(h Heading) {
	size, lh, before := h1Size, h1Line, 5.0
	if h.Level >= 2 {
		size, lh, before = h2Size, h2Line, 3.5
	}
	r.font("B", size, black)
	ls := wrap(r.f, clean(h.Text), contentW)
	if len(ls) == 0 {
		return
	}
	r.ensure(before + float64(len(ls))*lh + 1.5 + orphanLines*bodyLine)
	r.space(before)
	r.lines(marginX, ls, lh)
	r.space(1.5)
}

func (r *renderer) paragraph(p Paragraph) {
	r.font("", bodySize, black)
	ls := wrap(r.f, clean(p.Text), contentW)
	if len(ls) == 0 {
		return
	}
	// Keep a paragraph's first two lines together.
	r.ensure(float64(min(len(ls), 2)) * bodyLine)
	r.lines(marginX, ls, bodyLine)
	r.space(paragraphGap)
}

func (r *renderer) field(fd Field) {
	valueX := marginX + labelW + labelGap
	valueW := contentW - labelW - labelGap
	r.font("B", bodySize, black)
	labels := wrap(r.f, clean(fd.Label), labelW)
	style, c := "", black
	if fd.Pending {
		style, c = "I", grey
	}
	r.font(style, bodySize, c)
	values := wrap(r.f, clean(fd.Value), valueW)
	n := max(len(labels), len(values))
	if n == 0 {
		return
	}
	r.ensure(float64(min(n, 2)) * bodyLine)
	for i := range n {
		r.ensure(bodyLine)
		y := r.f.GetY()
		if i < len(labels) {
			r.font("B", bodySize, black)
			r.text(marginX, y, labelW, bodyLine, labels[i], "L")
		}
		if i < len(values) {
			r.font(style, bodySize, c)
			r.text(valueX, y, valueW, bodyLine, values[i], "L")
		}
		r.f.SetXY(marginX, y+bodyLine)
	}
	r.space(fieldGap)
}

func (r *renderer) list(l List) {
	r.font("", bodySize, black)
	for _, item := range l.Items {
		ls := wrap(r.f, clean(item), contentW-bulletIndent)
		if len(ls) == 0 {
			continue
		}
		r.ensure(bodyLine)
		r.text(marginX+1, r.f.GetY(), bulletIndent-1, bodyLine, "•", "L")
		r.f.SetX(marginX)
		r.lines(marginX+bulletIndent, ls, bodyLine)
		r.space(1)
	}
	r.space(paragraphGap - 1)
}

func (r *renderer) pageBreak() {
	if !r.atTop() {
		r.f.AddPage()
	}
}

// The address field of DIN 5008 form B, in millimetres from the top left
// corner of the page: a return-address line at the bottom of its
// endorsement zone, then the address zone of six lines.
const (
	windowTop      = 45.0
	windowW        = 85.0
	windowH        = 45.0
	returnAddressY = windowTop + 12.7
	addressY       = windowTop + 17.7
	addressLine    = 4.5
	// afterWindow is where the text of the letter starts.
	afterWindow = 98.5
)

func (r *renderer) address(a Address) {
	ret := fit(r.f, clean(a.ReturnAddress), windowW)
	var ls []string
	r.font("", bodySize, black)
	for _, l := range a.Lines {
		ls = append(ls, wrap(r.f, clean(l), windowW)...)
	}
	if r.f.GetY() <= windowTop {
		if ret != "" {
			r.font("", smallSize, grey)
			r.text(marginX, returnAddressY, windowW, smallLine, ret, "L")
			r.f.SetDrawColor(rule.r, rule.g, rule.b)
			r.f.Line(marginX, returnAddressY+smallLine+0.3, marginX+r.f.GetStringWidth(ret), returnAddressY+smallLine+0.3)
		}
		r.font("", bodySize, black)
		for i, l := range ls {
			r.text(marginX, addressY+float64(i)*addressLine, windowW, addressLine, l, "L")
		}
		r.f.SetXY(marginX, max(afterWindow, addressY+float64(len(ls))*addressLine+paragraphGap))
		return
	}
	if ret != "" {
		r.font("", smallSize, grey)
		r.ensure(smallLine + float64(min(len(ls), 2))*bodyLine)
		r.lines(marginX, []string{ret}, smallLine)
	}
	r.font("", bodySize, black)
	r.ensure(float64(min(len(ls), 2)) * bodyLine)
	r.lines(marginX, ls, bodyLine)
	r.space(paragraphGap)
}
