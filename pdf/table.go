package pdf

import (
	"slices"
	"strings"
)

func (r *renderer) table(t Table) {
	cols := len(t.Header)
	for _, row := range t.Rows {
		cols = max(cols, len(row))
	}
	if cols == 0 {
		return
	}
	header := cells(t.Header, cols)
	rows := make([][]string, len(t.Rows))
	for i, row := range t.Rows {
		rows[i] = cells(row, cols)
	}
	hasHeader := len(t.Header) > 0

	r.font("B", tableSize, black)
	natural := make([]float64, cols)
	for i, c := range header {
		natural[i] = r.f.GetStringWidth(c)
	}
	r.font("", tableSize, black)
	for _, row := range rows {
		for i, c := range row {
			natural[i] = max(natural[i], r.f.GetStringWidth(c))
		}
	}
	widths := columnWidths(natural, contentW)

	r.f.SetDrawColor(rule.r, rule.g, rule.b)
	r.f.SetFillColor(fill.r, fill.g, fill.b)
	headerLines := r.tableRow(header, widths, "B")
	first := true
	for _, row := range rows {
		ls := r.tableRow(row, widths, "")
		h := rowHeight(ls)
		need := h
		if first && hasHeader {
			need += rowHeight(headerLines)
		}
		if r.f.GetY()+need > bodyBottom && !r.atTop() {
			r.f.AddPage()
			first = true
		}
		if first && hasHeader {
			r.drawRow(headerLines, widths, "B")
		}
		first = false
		r.drawRow(ls, widths, "")
	}
	if len(rows) == 0 && hasHeader {
		r.ensure(rowHeight(headerLines))
		r.drawRow(headerLines, widths, "B")
	}
	r.space(paragraphGap)
}

// cells returns row as exactly n cells of clean text.
func cells(row []string, n int) []string {
	c := make([]string, n)
	for i := range min(len(row), n) {
		c[i] = clean(row[i])
	}
	return c
}

// tableRow wraps each cell of row to its column, cut to MaxCellLines.
func (r *renderer) tableRow(row []string, widths []float64, style string) [][]string {
	r.font(style, tableSize, black)
	ls := make([][]string, len(row))
	for i, c := range row {
		w := widths[i] - 2*tablePadX
		l := wrap(r.f, c, w)
		if len(l) > MaxCellLines {
			l = append(l[:MaxCellLines-1:MaxCellLines-1], fit(r.f, strings.Join(l[MaxCellLines-1:], " ")+"…", w))
		}
		ls[i] = l
	}
	return ls
}

// rowHeight is the height of a row whose cells hold lines.
func rowHeight(lines [][]string) float64 {
	n := 1
	for _, l := range lines {
		n = max(n, len(l))
	}
	return float64(n)*tableLine + 2*tablePadY
}

// drawRow draws one row of bordered cells, filled for the header, and
// leaves the position at the left margin under it.
func (r *renderer) drawRow(lines [][]string, widths []float64, style string) {
	h := rowHeight(lines)
	y := r.f.GetY()
	x := marginX
	rect := "D"
	if style == "B" {
		rect = "FD"
	}
	r.font(style, tableSize, black)
	for i, ls := range lines {
		r.f.Rect(x, y, widths[i], h, rect)
		for j, l := range ls {
			r.text(x+tablePadX, y+tablePadY+float64(j)*tableLine, widths[i]-2*tablePadX, tableLine, l, "L")
		}
		x += widths[i]
	}
	r.f.SetXY(marginX, y+h)
}

// columnWidths shares total between columns whose text, on one line, is
// natural wide. If all columns fit, each gets its natural width and the
// rest is shared in proportion; otherwise the narrow columns keep their
// natural width and the wide ones share what is left equally. No column is
// narrower than minColumnW.
func columnWidths(natural []float64, total float64) []float64 {
	n := len(natural)
	want := make([]float64, n)
	sum := 0.0
	for i, w := range natural {
		want[i] = max(w+2*tablePadX+0.5, minColumnW)
		sum += want[i]
	}
	widths := make([]float64, n)
	if sum <= total {
		for i, w := range want {
			widths[i] = w * total / sum
		}
		return widths
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case want[a] < want[b]:
			return -1
		case want[a] > want[b]:
			return 1
		}
		return 0
	})
	left, k := total, n
	for j, i := range order {
		share := left / float64(k)
		if want[i] > share {
			for _, i := range order[j:] {
				widths[i] = share
			}
			break
		}
		widths[i] = want[i]
		left -= want[i]
		k--
	}
	return widths
}
