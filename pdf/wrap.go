package pdf

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// measurer is the part of the PDF library that wrap and fit need: the width
// of a string in the current font.
type measurer interface {
	GetStringWidth(s string) float64
}

// clean prepares text for the PDF library: line ends become "\n", tabs
// become spaces, other control characters are dropped, and characters
// outside the Basic Multilingual Plane (emoji, for example), which the
// library cannot encode, become U+FFFD.
func clean(s string) string {
	ok := true
	for _, c := range s {
		if c == '\n' || (!unicode.IsControl(c) && c <= 0xFFFF && c != utf8.RuneError) {
			continue
		}
		ok = false
		break
	}
	if ok {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '\n' || c == '\r':
			b.WriteByte('\n')
		case c == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(c):
		case c > 0xFFFF:
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// wrap breaks s into lines no wider than w. Lines break at spaces (never at
// a no-break space) and at "\n"; a word wider than w is broken between
// characters. Runs of spaces become one space, an empty line inside s stays
// an empty line, and blank lines at either end are dropped.
func wrap(m measurer, s string, w float64) []string {
	s = strings.Trim(s, " \n")
	if s == "" {
		return nil
	}
	space := m.GetStringWidth(" ")
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		var line strings.Builder
		lineW := 0.0
		for _, word := range strings.FieldsFunc(para, func(c rune) bool { return c == ' ' }) {
			ww := m.GetStringWidth(word)
			if line.Len() > 0 && lineW+space+ww <= w {
				line.WriteByte(' ')
				line.WriteString(word)
				lineW += space + ww
				continue
			}
			if line.Len() > 0 {
				lines = append(lines, line.String())
				line.Reset()
				lineW = 0
			}
			for ww > w {
				head, tail := breakWord(m, word, w)
				lines = append(lines, head)
				word = tail
				ww = m.GetStringWidth(word)
			}
			line.WriteString(word)
			lineW = ww
		}
		lines = append(lines, line.String())
	}
	return lines
}

// breakWord splits word after as many characters as fit in w, at least one.
func breakWord(m measurer, word string, w float64) (head, tail string) {
	width := 0.0
	for i, c := range word {
		cw := m.GetStringWidth(string(c))
		if width+cw > w && i > 0 {
			return word[:i], word[i:]
		}
		width += cw
	}
	return word, ""
}

// fit returns s, or as much of it as fits in w followed by "…".
func fit(m measurer, s string, w float64) string {
	s = strings.Join(strings.Fields(s), " ")
	if m.GetStringWidth(s) <= w {
		return s
	}
	const ellipsis = "…"
	width := m.GetStringWidth(ellipsis)
	for i, c := range s {
		cw := m.GetStringWidth(string(c))
		if width+cw > w {
			return strings.TrimRight(s[:i], " ") + ellipsis
		}
		width += cw
	}
	return s
}
