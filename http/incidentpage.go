package http

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/breachdesk/breachdesk"
)

// incidentView is an incident's public page in one language.
type incidentView struct {
	Page *publicPage
	// ContentLang is the language of the content, which is the page's
	// unless staff did not write it in that language: OtherLanguage.
	ContentLang   string
	OtherLanguage bool
	Summary       []string
	FAQ           []faqView
	UpdatedOn     string
	ContactHref   string
}

// faqView is one question of a page, its answer in paragraphs.
type faqView struct {
	Question string
	Answer   []string
}

// handleIncidentPage answers GET /incidents/{slug}: a published page, in
// the visitor's language when staff wrote it, else in its first language.
// Drafts and unknown addresses are answered 404 alike.
func (s *Server) handleIncidentPage(w http.ResponseWriter, r *http.Request, p *publicPage) {
	slug := r.PathValue("slug")
	if !validSlug(slug) {
		s.publicError(w, r, p, http.StatusNotFound, errorNotFound)
		return
	}
	page, err := s.findPublishedPage(r, slug)
	switch {
	case breachdesk.ErrorCode(err) == breachdesk.ENotFound:
		s.publicError(w, r, p, http.StatusNotFound, errorNotFound)
		return
	case err != nil:
		s.Logger.ErrorContext(r.Context(), "find incident page", slog.String("slug", slug), slog.Any("error", err))
		w.Header().Set("Retry-After", "30")
		s.publicError(w, r, p, http.StatusServiceUnavailable, errorUnavailable)
		return
	}
	c := page.In(p.Lang)
	if c == nil {
		s.publicError(w, r, p, http.StatusNotFound, errorNotFound)
		return
	}
	v := &incidentView{Page: p, ContentLang: p.Lang, Summary: paragraphs(c.Summary),
		ContactHref: p.Base + "/contact?incident=" + slug}
	for _, tag := range page.Languages {
		if page.Content[tag] == c {
			v.ContentLang = tag
			break
		}
	}
	v.OtherLanguage = v.ContentLang != p.Lang
	for _, e := range c.FAQ {
		v.FAQ = append(v.FAQ, faqView{Question: e.Question, Answer: paragraphs(e.Answer)})
	}
	if !page.UpdatedAt.IsZero() {
		v.UpdatedOn = p.cat.Date(page.UpdatedAt)
	}
	p.Title = c.Title
	w.Header().Set("Cache-Control", publicCacheControl)
	s.render(w, r, p, http.StatusOK, "incident", v)
}

// findPublishedPage returns the published page at slug.
func (s *Server) findPublishedPage(r *http.Request, slug string) (*breachdesk.IncidentPage, error) {
	if s.IncidentPageService == nil {
		return nil, errors.New("no incident page service")
	}
	return s.IncidentPageService.FindIncidentPage(r.Context(), breachdesk.IncidentPageFilter{Slug: &slug, PublishedOnly: true})
}

// paragraphs splits plain text at its blank lines; the line breaks
// within a paragraph stay, and the page shows them.
func paragraphs(text string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, " \t\r\n")
		if strings.TrimSpace(line) == "" {
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			continue
		}
		if cur.Len() > 0 {
			cur.WriteByte('\n')
		}
		cur.WriteString(line)
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// validSlug reports whether s can be a page's address: 3 to 64 lower-case
// letters, digits and dashes. Other addresses are not looked up.
func validSlug(s string) bool {
	if len(s) < 3 || len(s) > 64 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
