package breachdesk

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"
)

// IncidentPage is an incident's public notice page, /incidents/{slug}: a
// public title, summary and questions with answers, per language, written
// by staff for the affected people.
type IncidentPage struct {
	IncidentID int64 `json:"incident_id"`
	// Slug addresses the page: lower-case letters, digits and dashes,
	// such as "2026-customer-data".
	Slug string `json:"slug"`
	// Published pages are served; others are drafts.
	Published bool `json:"published"`
	// Content holds the page per language tag; the first language of
	// Languages is shown when the visitor's is missing.
	Content map[string]*IncidentPageContent `json:"content"`
	// Languages lists Content's languages, the fallback first. Stores fill
	// it in the order the content was given when it is empty.
	Languages []string `json:"languages"`

	UpdatedAt time.Time `json:"updated_at"`
}

// IncidentPageContent is the page in one language. Summary and answers are
// plain text; blank lines separate paragraphs.
type IncidentPageContent struct {
	Title   string      `json:"title"`
	Summary string      `json:"summary"`
	FAQ     []*FAQEntry `json:"faq,omitempty"`
}

// FAQEntry is one question of a page, with its answer.
type FAQEntry struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Limits of a page, so that a page stays readable and small.
const (
	pageTitleLimit   = 200
	pageTextLimit    = 20000
	pageFAQLimit     = 50
	pageQuestionSize = 500
)

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])$`)

// AuditIncidentPageSet records a change of an incident's public page.
const AuditIncidentPageSet = "incident_page.set"

// Title returns the page's title in language, or in its first language.
func (p *IncidentPage) Title(language string) string {
	if c := p.In(language); c != nil {
		return c.Title
	}
	return ""
}

// In returns the page's content in language (or its base language, fr for
// fr-CA), else in its first language; nil for a page without content.
func (p *IncidentPage) In(language string) *IncidentPageContent {
	if c, ok := p.Content[language]; ok {
		return c
	}
	if base, _, ok := cutLanguage(language); ok {
		if c, ok := p.Content[base]; ok {
			return c
		}
	}
	if len(p.Languages) > 0 {
		return p.Content[p.Languages[0]]
	}
	return nil
}

func cutLanguage(tag string) (base, rest string, ok bool) {
	for i := 0; i < len(tag); i++ {
		if tag[i] == '-' {
			return tag[:i], tag[i+1:], true
		}
	}
	return tag, "", false
}

// Validate returns an invalid error naming the first field that is wrong.
func (p *IncidentPage) Validate() error {
	if !slugPattern.MatchString(p.Slug) {
		return FieldErrorf("slug", "%q is not a page address: use 3 to 64 lower-case letters, digits and dashes, such as 2026-customer-data", p.Slug)
	}
	if len(p.Content) == 0 {
		return FieldErrorf("content", "a page needs its content in at least one language")
	}
	for _, lang := range p.Languages {
		if _, ok := p.Content[lang]; !ok {
			return FieldErrorf("languages", "%q is listed but has no content", lang)
		}
	}
	for lang, c := range p.Content {
		if !IsLanguageTag(lang) {
			return FieldErrorf("content", "%q is not a language tag (such as fr or pt-BR)", lang)
		}
		if !slices.Contains(p.Languages, lang) {
			return FieldErrorf("languages", "%q has content but is not listed", lang)
		}
		if err := c.validate(lang); err != nil {
			return err
		}
	}
	return nil
}

func (c *IncidentPageContent) validate(lang string) error {
	field := func(name string) string { return fmt.Sprintf("content.%s.%s", lang, name) }
	switch {
	case c == nil || c.Title == "":
		return FieldErrorf(field("title"), "a page needs a title")
	case utf8.RuneCountInString(c.Title) > pageTitleLimit:
		return FieldErrorf(field("title"), "the title is longer than %d characters", pageTitleLimit)
	case c.Summary == "":
		return FieldErrorf(field("summary"), "a page needs a summary of what happened")
	case utf8.RuneCountInString(c.Summary) > pageTextLimit:
		return FieldErrorf(field("summary"), "the summary is longer than %d characters", pageTextLimit)
	case len(c.FAQ) > pageFAQLimit:
		return FieldErrorf(field("faq"), "a page holds at most %d questions", pageFAQLimit)
	}
	for i, e := range c.FAQ {
		switch {
		case e == nil || e.Question == "" || e.Answer == "":
			return FieldErrorf(fmt.Sprintf("%s[%d]", field("faq"), i), "a question needs its text and its answer")
		case utf8.RuneCountInString(e.Question) > pageQuestionSize:
			return FieldErrorf(fmt.Sprintf("%s[%d].question", field("faq"), i), "the question is longer than %d characters", pageQuestionSize)
		case utf8.RuneCountInString(e.Answer) > pageTextLimit:
			return FieldErrorf(fmt.Sprintf("%s[%d].answer", field("faq"), i), "the answer is longer than %d characters", pageTextLimit)
		}
	}
	return nil
}

// IncidentPageService stores the public pages of incidents.
type IncidentPageService interface {
	// SetIncidentPage creates or replaces the page of page.IncidentID and
	// records it in the audit log. Returns not_found if the incident does
	// not exist, invalid if the page is not valid, conflict if another
	// incident's page has the slug.
	SetIncidentPage(ctx context.Context, page *IncidentPage) error

	// FindIncidentPage returns the page of an incident (by IncidentID) or
	// at an address (by Slug). Returns not_found if there is none, or if
	// PublishedOnly is set and the page is a draft.
	FindIncidentPage(ctx context.Context, filter IncidentPageFilter) (*IncidentPage, error)
}

// IncidentPageFilter selects one page, by incident or by slug.
type IncidentPageFilter struct {
	IncidentID    *int64
	Slug          *string
	PublishedOnly bool
}
