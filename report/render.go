package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/pdf"
)

// Formats returns the formats a report is written in.
func Formats() []string { return []string{"md", "json", "pdf"} }

// ContentType returns the media type of a format.
func ContentType(format string) string {
	switch format {
	case "json":
		return "application/json; charset=utf-8"
	case "pdf":
		return "application/pdf"
	}
	return "text/markdown; charset=utf-8"
}

// Write writes the report in format: md, json or pdf.
// Returns invalid for any other format.
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "md", "markdown":
		_, err := w.Write(r.Markdown())
		return err
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "pdf":
		return pdf.Render(w, r.Document())
	}
	return breachdesk.FieldErrorf("format", "%q is not one of md, json, pdf", format)
}

// meta returns the lines that identify the report: addressee, controller,
// references, phase, version and generation time, as label/value pairs.
func (r *Report) meta(l *lang) [][2]string {
	a, _ := FindAuthority(r.Authority)
	loc := a.location()
	caseRef := r.CaseReference
	if caseRef == "" {
		caseRef = l.T("meta.case_reference.none")
	}
	version := l.F("meta.version.text", "n", fmt.Sprint(r.Version), "digest", r.Digest)
	if r.Draft {
		version = l.F("meta.version.draft", "digest", r.Digest)
	}
	lines := [][2]string{
		{l.T("meta.addressee"), r.Addressee},
		{l.T("meta.controller"), orPending(l, r.Controller)},
		{l.T("meta.reference"), r.Reference},
		{l.T("meta.case_reference"), caseRef},
		{l.T("meta.phase"), phaseName(l, r.Authority, r.Phase)},
		{l.T("meta.version"), version},
		{l.T("meta.generated"), l.Time(r.GeneratedAt, loc)},
	}
	if p := r.Previous; p != nil {
		lines = append(lines, [2]string{l.T("meta.previous"), l.F("meta.previous.text", "n", fmt.Sprint(p.Version),
			"phase", phaseName(l, r.Authority, p.Phase), "at", l.Time(p.GeneratedAt, loc))})
	}
	return lines
}

func orPending(l *lang, s string) string {
	if s == "" {
		return l.T("pending.value")
	}
	return s
}

// phaseName is the authority's word for a phase, else the language's.
func phaseName(l *lang, authority, phase string) string {
	if key := "phase." + authority + "." + phase; l.Has(key) {
		return l.T(key)
	}
	return l.T("phase." + phase)
}

// changesTitle heads the list of changes since the previous version.
func (r *Report) changesTitle(l *lang) string {
	return l.F("changes.title", "n", fmt.Sprint(r.Previous.Version))
}

func changeText(l *lang, s string) string {
	if s == "" {
		return l.T("changes.absent")
	}
	return s
}

// Markdown writes the report as a Markdown document.
func (r *Report) Markdown() []byte {
	return r.markdown(newLang(r.Language))
}

func (r *Report) markdown(l *lang) []byte {
	var b bytes.Buffer
	title := r.Title
	if r.Draft {
		title = l.T("draft") + " - " + title
	}
	fmt.Fprintf(&b, "# %s\n\n", title)
	for _, m := range r.meta(l) {
		fmt.Fprintf(&b, "- **%s** %s\n", labelled(l, m[0]), m[1])
	}
	if len(r.Letter) > 0 {
		fmt.Fprintf(&b, "\n## %s\n\n", l.T("letter.title"))
		for _, p := range r.Letter {
			fmt.Fprintf(&b, "%s\n\n", strings.ReplaceAll(p, "\n", "  \n"))
		}
	} else {
		b.WriteString("\n")
	}
	if r.Previous != nil {
		fmt.Fprintf(&b, "## %s\n\n", r.changesTitle(l))
		if len(r.Changes) == 0 {
			fmt.Fprintf(&b, "%s\n\n", l.T("changes.none"))
		}
		for _, c := range r.Changes {
			fmt.Fprintf(&b, "- **%s** (%s)\n  - %s %s\n  - %s %s\n", c.Label, c.Section,
				labelled(l, l.T("changes.before")), oneLine(changeText(l, c.Before)), labelled(l, l.T("changes.after")), oneLine(changeText(l, c.After)))
		}
		if len(r.Changes) > 0 {
			b.WriteString("\n")
		}
	}
	for _, s := range r.Sections {
		fmt.Fprintf(&b, "## %s\n\n", s.Title)
		for _, it := range s.Items {
			switch {
			case it.Pending:
				fmt.Fprintf(&b, "**%s** _%s_\n\n", labelled(l, it.Label), it.Text)
			case len(it.Lines) > 0:
				fmt.Fprintf(&b, "**%s**\n\n", labelled(l, it.Label))
				for _, line := range it.Lines {
					fmt.Fprintf(&b, "- %s\n", line)
				}
				b.WriteString("\n")
			case strings.Contains(it.Text, "\n"):
				fmt.Fprintf(&b, "**%s**\n\n%s\n\n", labelled(l, it.Label), strings.TrimRight(it.Text, "\n"))
			default:
				fmt.Fprintf(&b, "**%s** %s\n\n", labelled(l, it.Label), it.Text)
			}
		}
	}
	fmt.Fprintf(&b, "## %s\n\n", l.T("pending.title"))
	if len(r.Pending) == 0 {
		fmt.Fprintf(&b, "%s\n\n", l.T("pending.none"))
	} else {
		fmt.Fprintf(&b, "%s\n\n", l.T("pending.intro"))
		for _, p := range r.Pending {
			fmt.Fprintf(&b, "- %s (%s)\n", p.Label, p.Section)
		}
		b.WriteString("\n")
	}
	for _, a := range r.Attachments {
		fmt.Fprintf(&b, "## %s %s\n\n", labelled(l, l.T("attachment")), a.Title)
		for _, p := range a.Passages {
			fmt.Fprintf(&b, "### %s\n\n", p.Heading)
			for _, para := range p.Paragraphs {
				fmt.Fprintf(&b, "%s\n\n", para)
			}
		}
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

// labelled ends a label with the language's colon, unless it is a
// question.
func labelled(l *lang, label string) string {
	if strings.HasSuffix(label, "?") {
		return label
	}
	return label + l.T("colon")
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Document lays the report out for PDF: the controller, the incident's
// reference and the generation time on every page, and page numbers.
func (r *Report) Document() *pdf.Document {
	return r.document(newLang(r.Language))
}

func (r *Report) document(l *lang) *pdf.Document {
	a, _ := FindAuthority(r.Authority)
	title := r.Title
	footer := l.F("footer", "at", l.Time(r.GeneratedAt, a.location()), "n", fmt.Sprint(r.Version), "digest", shortDigest(r.Digest))
	if r.Draft {
		title = l.T("draft") + " - " + title
		footer = l.F("footer.draft", "at", l.Time(r.GeneratedAt, a.location()), "digest", shortDigest(r.Digest))
	}
	doc := &pdf.Document{
		Title: title, Subtitle: r.Addressee,
		HeaderLeft: orPending(l, r.Controller), HeaderRight: r.Reference + " · " + r.Authority,
		FooterLeft: footer, PageLabel: l.T("page"),
		Language: r.Language, Author: r.Controller, Subject: r.Title + " " + r.Reference,
		CreatedAt: r.GeneratedAt,
	}
	add := func(b ...pdf.Block) { doc.Blocks = append(doc.Blocks, b...) }
	for _, m := range r.meta(l) {
		add(pdf.Field{Label: m[0], Value: m[1]})
	}
	if len(r.Letter) > 0 {
		add(pdf.Heading{Text: l.T("letter.title"), Level: 1})
		for _, p := range r.Letter {
			add(pdf.Paragraph{Text: p})
		}
	}
	if r.Previous != nil {
		add(pdf.Heading{Text: r.changesTitle(l), Level: 1})
		if len(r.Changes) == 0 {
			add(pdf.Paragraph{Text: l.T("changes.none")})
		} else {
			t := pdf.Table{Header: []string{l.T("changes.fact"), l.T("changes.before"), l.T("changes.after")}}
			for _, c := range r.Changes {
				t.Rows = append(t.Rows, []string{c.Label, changeText(l, c.Before), changeText(l, c.After)})
			}
			add(t)
		}
	}
	for _, s := range r.Sections {
		add(pdf.Heading{Text: s.Title, Level: 1})
		for _, it := range s.Items {
			value := it.Text
			if len(it.Lines) > 0 {
				value = strings.Join(it.Lines, "\n")
			}
			add(pdf.Field{Label: it.Label, Value: value, Pending: it.Pending})
		}
	}
	add(pdf.Heading{Text: l.T("pending.title"), Level: 1})
	if len(r.Pending) == 0 {
		add(pdf.Paragraph{Text: l.T("pending.none")})
	} else {
		add(pdf.Paragraph{Text: l.T("pending.intro")})
		list := pdf.List{}
		for _, p := range r.Pending {
			list.Items = append(list.Items, p.Label+" ("+p.Section+")")
		}
		add(list)
	}
	for _, at := range r.Attachments {
		add(pdf.PageBreak{}, pdf.Heading{Text: labelled(l, l.T("attachment")) + " " + at.Title, Level: 1})
		for _, p := range at.Passages {
			add(pdf.Heading{Text: p.Heading, Level: 2})
			for _, para := range p.Paragraphs {
				add(pdf.Paragraph{Text: para})
			}
		}
	}
	return doc
}

func shortDigest(d string) string {
	if len(d) > 16 {
		return d[:16]
	}
	return d
}
