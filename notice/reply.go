package notice

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/breachdesk/breachdesk"
)

// ReplyData is what a reply to an inquiry is made of.
type ReplyData struct {
	Organization *breachdesk.Organization
	// Inquiry is the inquiry answered, in plaintext, with its Reference,
	// Name, Language and CreatedAt.
	Inquiry *breachdesk.Inquiry
	// Reply is the staff's answer, in plaintext.
	Reply *breachdesk.InquiryReply
	// VerifyURL is the address of the public verification page, printed
	// as text; "" leaves out the paragraph on checking our messages.
	VerifyURL string
}

// Reply renders a staff member's answer to an inquiry as plain text in
// the reply's language, else the inquiry's, else the organization's: a
// greeting, the body as the staff member wrote it, with its paragraphs
// and lists, the date and reference of the inquiry, how to check that a
// message from the organization is genuine, and the organization's name.
func (r *Renderer) Reply(d *ReplyData) *Message {
	q := d.Inquiry
	lang := PickLanguage(d.Reply.Language, q.Language, d.Organization.Language)
	c := r.langs[lang]
	org := oneLine(d.Organization.Name)
	greet := c.T("greeting.none")
	// The name is what a stranger typed in the public form.
	if name := oneLine(plainText(q.Name)); name != "" {
		greet = c.F("greeting.name", "name", name)
	}
	var b strings.Builder
	b.WriteString(wrapText("", "", greet))
	b.WriteString("\n")
	paragraph := func(s string) {
		b.WriteString(wrapText("", "", s))
		b.WriteString("\n")
	}
	if body := replyBody(d.Reply.Body); body != "" {
		b.WriteString(body)
		b.WriteString("\n")
	}
	paragraph(c.F("reply.about", "date", c.Date(q.CreatedAt, false), "reference", q.Reference))
	if d.VerifyURL != "" {
		paragraph(c.F("reply.verify", "org", org, "url", d.VerifyURL))
	}
	b.WriteString(org + "\n")
	return &Message{Language: lang, Subject: c.F("subject.reply", "reference", q.Reference), Text: b.String()}
}

// replyBody returns what a staff member wrote as lines that each end with
// "\n": their line breaks and blank lines kept, blank lines at either end
// dropped, and only the lines longer than textWidth wrapped, under their
// own indentation and, for a list item, under the item's text.
func replyBody(body string) string {
	body = strings.TrimSpace(plainText(body))
	if body == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(body) + len(body)/textWidth + 1)
	for line := range strings.SplitSeq(body, "\n") {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if utf8.RuneCountInString(line) <= textWidth {
			b.WriteString(line)
			b.WriteByte('\n')
			continue
		}
		text := strings.TrimLeft(line, " ")
		indent := line[:len(line)-len(text)]
		b.WriteString(wrapText(indent, indent+strings.Repeat(" ", listMarker(text)), text))
	}
	return b.String()
}

// plainText returns s with its line breaks as "\n" (a CRLF or a lone CR
// is one), its tabs as spaces and no other control character, so that
// nothing pasted into a reply, such as a terminal's colour codes, reaches
// the person's mail client.
func plainText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\t':
			return ' '
		case r != '\n' && unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// listMarker returns the width of the marker that starts a list item,
// with the space after it ("- ", "• ", "2. ", "3) "), or 0 if s starts
// none.
func listMarker(s string) int {
	marker, _, ok := strings.Cut(s, " ")
	if !ok {
		return 0
	}
	switch {
	case marker == "-", marker == "*", marker == "•", marker == "–":
	case len(marker) >= 2 && len(marker) <= 4 && strings.Trim(marker[:len(marker)-1], "0123456789") == "" &&
		(strings.HasSuffix(marker, ".") || strings.HasSuffix(marker, ")")):
	default:
		return 0
	}
	return utf8.RuneCountInString(marker) + 1
}

// ReplyTemplates returns the names of the templated replies staff start
// from, in the order a form lists them.
func ReplyTemplates() []string {
	return []string{"genuine", "affected", "not_affected", "data_request_done", "claim_received", "more_information"}
}

// ReplyTemplate returns the text of the templated reply name in the
// language notices can be written in that best fits lang (see
// PickLanguage), and that language; ok is false for an unknown name. The
// text has no placeholder: staff edit it as they like, and Reply adds the
// greeting, the reference and the signature. Store language as the
// reply's Language, so that the mail around the text speaks it too.
func (r *Renderer) ReplyTemplate(lang, name string) (text, language string, ok bool) {
	if !slices.Contains(ReplyTemplates(), name) {
		return "", "", false
	}
	language = PickLanguage(lang)
	return r.langs[language].T("reply_template." + name), language, true
}
