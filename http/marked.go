package http

import (
	"bytes"
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// A markedPage is a page template executed once, at start, with a marker
// in place of each value that changes between requests, and cut at the
// markers. A request writes the pieces with its own values in between,
// escaped as html/template escapes them there, without executing the
// template: the busiest pages cost little more than copying them. The
// template stays the one source of the page, and a test checks that both
// ways give the same bytes.
type markedPage struct {
	pieces []string
	// slots[i] is the index of the value written after pieces[i].
	slots []int
}

// Markers are letters and digits only, which every html/template escaper
// leaves as they are, in text, attributes and URLs alike.
const (
	markerStart = "zqslot"
	markerEnd   = "q"
)

// marker returns the marker of value i.
func marker(i int) string { return markerStart + strconv.Itoa(i) + markerEnd }

// markPage executes t on view, whose changing values are marker(0) to
// marker(n-1), and cuts the output at the markers.
func markPage(t *template.Template, view any, n int) (*markedPage, error) {
	var b strings.Builder
	if err := t.Execute(&b, view); err != nil {
		return nil, err
	}
	out, m := b.String(), &markedPage{}
	for {
		start := strings.Index(out, markerStart)
		if start < 0 {
			break
		}
		digits := out[start+len(markerStart):]
		end := strings.Index(digits, markerEnd)
		i, err := strconv.Atoi(digits[:max(end, 0)])
		if end < 0 || err != nil || i < 0 || i >= n {
			return nil, fmt.Errorf("marked page %s: a marker is cut or unknown at byte %d", t.Name(), start)
		}
		m.pieces = append(m.pieces, out[:start])
		m.slots = append(m.slots, i)
		out = digits[end+len(markerEnd):]
	}
	m.pieces = append(m.pieces, out)
	return m, nil
}

// writeTo writes the page with values, which must be escaped for where
// their markers are: with escapeText, escapeURL, or HTML built safely.
func (m *markedPage) writeTo(buf *bytes.Buffer, values []string) {
	for i, slot := range m.slots {
		buf.WriteString(m.pieces[i])
		buf.WriteString(values[slot])
	}
	buf.WriteString(m.pieces[len(m.pieces)-1])
}

// textEscaper escapes as html/template does a string in text or in a
// quoted attribute.
var textEscaper = strings.NewReplacer(
	"\x00", "\uFFFD",
	`"`, "&#34;",
	"&", "&amp;",
	"'", "&#39;",
	"+", "&#43;",
	"<", "&lt;",
	">", "&gt;",
)

// escapeText escapes s for text in an element or a quoted attribute.
func escapeText(s string) string { return textEscaper.Replace(s) }

// escapeURL escapes a relative URL that the server built for a quoted
// href, as html/template does: bytes that may not appear in a URL are
// percent-encoded, then the result is escaped for the attribute. An
// address with a scheme is not one the server built, and is refused as
// html/template refuses unsafe ones.
func escapeURL(u string) string {
	if i := strings.IndexByte(u, ':'); i >= 0 && !strings.Contains(u[:i], "/") {
		return "#ZgotmplZ"
	}
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		// A '%' is kept when it starts an escape, as html/template
		// decides it: with two hex digits and something after them.
		if urlKeeps(c) || c == '%' && i+2 < len(u) && isHex(u[i+1]) && isHex(u[i+2]) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02x", c)
	}
	return escapeText(b.String())
}

// urlKeeps reports whether html/template keeps byte c as it is in a URL:
// the unreserved and reserved characters of RFC 3986 but the quote and
// parentheses.
func urlKeeps(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!#$&*+,/:;=?@[]", c) >= 0
}

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
