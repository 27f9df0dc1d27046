package notice

import (
	"strings"

	"github.com/breachdesk/breachdesk"
)

// ReceiptData is what the receipt of an inquiry is made of.
type ReceiptData struct {
	Organization *breachdesk.Organization
	// Inquiry is the stored inquiry, in plaintext, with its Reference,
	// CreatedAt and, for a data-subject request, DueAt.
	Inquiry *breachdesk.Inquiry
}

// Receipt renders the acknowledgement mailed to a person who wrote through
// the public form, as plain text in their language: the reference, the
// date, the deadline of a data-subject request. It never repeats what the
// person wrote, since anyone can type anyone's address in the form.
func (r *Renderer) Receipt(d *ReceiptData) *Message {
	q := d.Inquiry
	lang := PickLanguage(q.Language, d.Organization.Language)
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
	paragraph(c.F("receipt.received", "org", org, "date", c.Date(q.CreatedAt, false), "reference", q.Reference))
	if q.Category == breachdesk.InquiryDataRequest && q.DueAt != nil {
		paragraph(c.F("receipt.data_request", "due", c.Date(*q.DueAt, false)))
	}
	paragraph(c.T("receipt.next"))
	paragraph(c.T("receipt.not_you"))
	b.WriteString(org + "\n")
	return &Message{Language: lang, Subject: c.F("subject.receipt", "reference", q.Reference), Text: b.String()}
}
