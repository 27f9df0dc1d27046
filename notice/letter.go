package notice

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/pdf"
)

// Letter returns the print-ready letter for d as blocks for the pdf
// package: the recipient's name and postal address, placed for the window
// of a DL envelope (with the organization's name as the return line),
// then the title, the date and verification code, and the same sections,
// in the same language, as the e-mail Render writes. Returns invalid as
// Render does, and if the person has no postal address.
func (r *Renderer) Letter(d *Data) ([]pdf.Block, error) {
	blocks, _, err := r.letter(d)
	return blocks, err
}

// letterInfo is what Letters needs to know of a letter besides its
// blocks.
type letterInfo struct {
	lang, subject, org, date, footer, pageLabel string
}

func (r *Renderer) letter(d *Data) ([]pdf.Block, letterInfo, error) {
	v, code, c, err := r.view(d, channelLetter)
	if err != nil {
		return nil, letterInfo{}, err
	}
	var address []string
	for line := range strings.Lines(d.Person.PostalAddress) {
		if line = oneLine(line); line != "" {
			address = append(address, line)
		}
	}
	if len(address) == 0 {
		return nil, letterInfo{}, breachdesk.FieldErrorf("postal_address", "the person with external id %q has no postal address to send a letter to", d.Person.ExternalID)
	}
	if name := oneLine(d.Person.Name); name != "" {
		address = append([]string{name}, address...)
	}
	v.personalize(code, greeting(c, d.Person))

	blocks := []pdf.Block{
		pdf.Address{ReturnAddress: v.Signature, Lines: address},
		pdf.Heading{Text: v.Title, Level: 1},
	}
	for _, f := range v.Facts {
		blocks = append(blocks, pdf.Field{Label: f.Lead, Value: f.Text})
	}
	blocks = append(blocks, pdf.Paragraph{Text: v.Greeting})
	for _, p := range v.Intro {
		blocks = append(blocks, pdf.Paragraph{Text: p})
	}
	for _, s := range v.Sections {
		blocks = append(blocks, pdf.Heading{Text: s.Heading, Level: 2})
		blocks = appendLetterBlocks(blocks, s.Blocks)
	}
	for _, p := range v.Closing {
		blocks = append(blocks, pdf.Paragraph{Text: p})
	}
	blocks = append(blocks, pdf.Paragraph{Text: v.SignOff + "\n" + v.Signature})
	info := letterInfo{
		lang: v.Lang, subject: v.Subject, org: v.Signature, date: v.Facts[0].Text,
		footer:    c.F("letter.footer", "code", code, "url", d.VerifyURL),
		pageLabel: c.T("letter.page"),
	}
	return blocks, info, nil
}

// appendLetterBlocks lays out the blocks of a view for print.
func appendLetterBlocks(dst []pdf.Block, blocks []block) []pdf.Block {
	for _, b := range blocks {
		switch {
		case len(b.Items) > 0:
			dst = append(dst, pdf.List{Items: b.Items})
		case len(b.Lines) > 0:
			dst = append(dst, pdf.Field{Label: b.Lead, Value: strings.Join(b.Lines, "\n")})
		case b.Code:
			dst = append(dst, pdf.Field{Label: b.Lead, Value: b.Text})
		case b.Lead != "":
			dst = append(dst, pdf.Paragraph{Text: b.Lead + " " + b.Text})
		default:
			dst = append(dst, pdf.Paragraph{Text: b.Text})
		}
	}
	return dst
}

// Letters returns one document holding the letters for ds, in order, for
// pdf.Render: each starts on a new page and has its pages numbered on
// their own, with the organization and date at the top of every page and
// the verification code at the bottom. The document's language is the
// letters' if they share one, and its date the latest of theirs. Returns
// invalid if ds is empty or a letter cannot be written (see Letter),
// naming the letter by its position.
func (r *Renderer) Letters(ds []*Data) (*pdf.Document, error) {
	if len(ds) == 0 {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "No letters to print.")
	}
	doc := &pdf.Document{}
	var created time.Time
	for i, d := range ds {
		blocks, info, err := r.letter(d)
		if err != nil {
			var e *breachdesk.Error
			if errors.As(err, &e) {
				return nil, &breachdesk.Error{Code: e.Code, Field: e.Field, Message: fmt.Sprintf("letter %d: %s", i+1, e.Message)}
			}
			return nil, fmt.Errorf("letter %d: %w", i+1, err)
		}
		if i == 0 {
			doc.Language, doc.Author, doc.Subject = info.lang, info.org, info.subject
		} else if doc.Language != info.lang {
			doc.Language = ""
		}
		if d.Date.After(created) {
			created = d.Date
		}
		doc.Blocks = append(doc.Blocks, pdf.Part{
			HeaderLeft: info.org, HeaderRight: info.date,
			FooterLeft: info.footer, PageLabel: info.pageLabel,
		})
		doc.Blocks = append(doc.Blocks, blocks...)
	}
	doc.CreatedAt = created
	return doc, nil
}
