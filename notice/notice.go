package notice

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/breachdesk/breachdesk"
)

// The layout of the e-mail bodies, shared by every language.
//
//go:embed template/notice.txt template/notice.html
var templateFiles embed.FS

// Data is what one notice is made of.
type Data struct {
	Organization *breachdesk.Organization
	Incident     *breachdesk.Incident
	// Person is the recipient, in plaintext: it is held in memory only.
	Person *breachdesk.AffectedPerson
	// Template is breachdesk.TemplateNotice (or empty) for a first
	// notice, breachdesk.TemplateUpdate for a follow-up that says it
	// updates the earlier notice and gives the incident's facts as they
	// are now.
	Template string
	// Code is the notice's verification code, such as BD-7KQ4-M2XP-9RTA;
	// it is printed in canonical form.
	Code string
	// VerifyURL is the address of the public verification page, such as
	// https://notice.example.com/verify, printed as text for the person to
	// type.
	VerifyURL string
	// Date is the date of the notice, written as a day in its location.
	Date time.Time
}

// Message is a rendered notice.
type Message struct {
	// Language is the language used, a base language such as "fr".
	Language string
	// Laws are the law sections included, as Laws returns them.
	Laws    []string
	Subject string
	// Text is the text/plain body, with lines of at most 72 characters
	// where words allow.
	Text string
	// HTML is the text/html body: a whole document with inline styles
	// only, and no link, image, script or external resource.
	HTML string
}

// Renderer writes notices from templates and wording parsed once. It is
// safe for concurrent use.
type Renderer struct {
	text  *texttemplate.Template
	html  *htmltemplate.Template
	langs map[string]*catalog

	// cache holds the bodies of recent views, by their key: a campaign
	// renders the same view, but for the code and the name, for many
	// people, and executing the templates costs most of a render.
	mu    sync.RWMutex
	cache map[string]bodies
}

// bodies are the text and HTML of a view, with its tokens.
type bodies struct{ text, html string }

// cacheSize bounds the number of views whose bodies are kept: enough for
// the languages, laws and data categories of a campaign.
const cacheSize = 512

// NewRenderer parses the embedded templates and wording.
func NewRenderer() (*Renderer, error) {
	langs, err := loadCatalogs()
	if err != nil {
		return nil, err
	}
	text, err := texttemplate.New("notice.txt").Funcs(texttemplate.FuncMap{
		"wrap":      wrapText,
		"underline": underline,
	}).ParseFS(templateFiles, "template/notice.txt")
	if err != nil {
		return nil, fmt.Errorf("parse notice text template: %w", err)
	}
	html, err := htmltemplate.New("notice.html").ParseFS(templateFiles, "template/notice.html")
	if err != nil {
		return nil, fmt.Errorf("parse notice HTML template: %w", err)
	}
	return &Renderer{text: text, html: html, langs: langs, cache: map[string]bodies{}}, nil
}

// Render writes the e-mail notice for d in the person's language (see
// PickLanguage) with the law sections of the person's country and region
// (see Laws). Returns invalid if d lacks the organization, incident,
// person, a well-formed code, an http or https verification address or a
// date, or names an unknown template.
func (r *Renderer) Render(d *Data) (*Message, error) {
	v, code, c, err := r.view(d, channelEmail)
	if err != nil {
		return nil, err
	}
	out, err := r.execute(v)
	if err != nil {
		return nil, err
	}
	// A canonical code is made of capitals, digits and dashes, which need
	// no escaping.
	textGreeting, htmlGreeting := "", ""
	if v.Greeting == greetingToken {
		g := greeting(c, d.Person)
		textGreeting = strings.TrimSuffix(wrapText("", "", g), "\n")
		htmlGreeting = htmltemplate.HTMLEscapeString(g)
	}
	return &Message{
		Language: v.Lang,
		Laws:     slices.Clone(v.Laws),
		Subject:  v.Subject,
		Text:     fillTokens(out.text, textGreeting, code),
		HTML:     fillTokens(out.html, htmlGreeting, code),
	}, nil
}

// fillTokens returns s with greeting and code in place of their tokens,
// in one copy.
func fillTokens(s, greeting, code string) string {
	var b strings.Builder
	b.Grow(len(s) + len(greeting))
	for {
		i := strings.IndexByte(s, codeToken[0])
		if i < 0 {
			break
		}
		switch {
		case strings.HasPrefix(s[i:], codeToken):
			b.WriteString(s[:i])
			b.WriteString(code)
			s = s[i+len(codeToken):]
		case strings.HasPrefix(s[i:], greetingToken):
			b.WriteString(s[:i])
			b.WriteString(greeting)
			s = s[i+len(greetingToken):]
		default:
			b.WriteString(s[:i+1])
			s = s[i+1:]
		}
	}
	b.WriteString(s)
	return b.String()
}

// execute runs the templates on v, or returns what they wrote for an equal
// view.
func (r *Renderer) execute(v *view) (bodies, error) {
	key := v.key()
	r.mu.RLock()
	out, ok := r.cache[key]
	r.mu.RUnlock()
	if ok {
		return out, nil
	}
	var text, html strings.Builder
	text.Grow(8 << 10)
	html.Grow(16 << 10)
	if err := r.text.Execute(&text, v); err != nil {
		return bodies{}, fmt.Errorf("render notice text: %w", err)
	}
	if err := r.html.Execute(&html, v); err != nil {
		return bodies{}, fmt.Errorf("render notice HTML: %w", err)
	}
	out = bodies{text.String(), html.String()}
	r.mu.Lock()
	if len(r.cache) >= cacheSize {
		clear(r.cache)
	}
	r.cache[key] = out
	r.mu.Unlock()
	return out, nil
}

// view checks d and builds its notice for a channel, with tokens for the
// code and greeting; it returns the code and the language's catalog too.
func (r *Renderer) view(d *Data, ch channel) (*view, string, *catalog, error) {
	code, err := check(d)
	if err != nil {
		return nil, "", nil, err
	}
	p := d.Person
	c := r.langs[PickLanguage(p.Language, d.Organization.Language)]
	return build(d, c, Laws(p.Country, p.Region), ch), code, c, nil
}

// check returns an invalid error naming what in d cannot make a notice,
// and otherwise d's code in canonical form. Its messages hold no personal
// data.
func check(d *Data) (string, error) {
	switch {
	case d == nil:
		return "", breachdesk.Errorf(breachdesk.EInvalid, "No notice to render.")
	case d.Organization == nil || strings.TrimSpace(d.Organization.Name) == "":
		return "", breachdesk.FieldErrorf("organization", "the organization and its name are required to sign a notice")
	case d.Incident == nil:
		return "", breachdesk.FieldErrorf("incident", "the incident is required")
	case d.Person == nil:
		return "", breachdesk.FieldErrorf("person", "the affected person is required")
	case d.Template != "" && d.Template != breachdesk.TemplateNotice && d.Template != breachdesk.TemplateUpdate:
		return "", breachdesk.FieldErrorf("template", "%q is not %s or %s", d.Template, breachdesk.TemplateNotice, breachdesk.TemplateUpdate)
	case d.Date.IsZero():
		return "", breachdesk.FieldErrorf("date", "the date of the notice is required")
	}
	u, err := url.Parse(d.VerifyURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(d.VerifyURL, " \t\r\n\"'<>") {
		return "", breachdesk.FieldErrorf("verify_url", "%q is not the http or https address of the verification page", d.VerifyURL)
	}
	return breachdesk.ParseNoticeCode(d.Code)
}

// textWidth is the length the text body's lines are wrapped to.
const textWidth = 72

// wrapText wraps s to textWidth characters, prefixing the first line
// with first and the others with rest, and ends every line with "\n".
// A word longer than a line is left whole.
func wrapText(first, rest, s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/textWidth*(len(rest)+1) + len(first) + 1)
	b.WriteString(first)
	n := utf8.RuneCountInString(first)
	start := true
	// Only ordinary spaces break lines: a no-break space, as in French
	// "Date :" or "12 345", holds its words together.
	for word := range strings.FieldsFuncSeq(s, isBreakingSpace) {
		w := utf8.RuneCountInString(word)
		if !start && n+1+w > textWidth {
			b.WriteByte('\n')
			b.WriteString(rest)
			n = utf8.RuneCountInString(rest)
			start = true
		}
		if !start {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += w
		start = false
	}
	b.WriteByte('\n')
	return b.String()
}

func isBreakingSpace(r rune) bool {
	return r == ' ' || r == '\n' || r == '\r' || r == '\t'
}

// underline returns a line of c as long as s.
func underline(c, s string) string {
	return strings.Repeat(c, utf8.RuneCountInString(s))
}
