package http

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/notice"
)

// The staff console: one layout, one template per page, one style sheet
// and the wording, one file per language with the same keys.
//
//go:embed html/console
var consoleFiles embed.FS

// consolePageNames lists the console's page templates, each in
// html/console/NAME.html.
func consolePageNames() []string {
	return []string{"sign_in", "dashboard", "incidents", "incident", "facts", "talking_points", "people_import", "campaigns", "campaign", "lookup", "inquiries", "inquiry", "audit", "staff", "error"}
}

// consoleCSP lets the console's pages load their own style sheet and
// script, listen to their own event streams and post their forms to
// themselves, and nothing else: no inline script, nothing from elsewhere.
const consoleCSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// consoleKey names one page template in one language.
type consoleKey struct{ page, lang string }

// consoleSite holds the console's templates, parsed once at start.
type consoleSite struct {
	pages   map[consoleKey]*template.Template
	texts   map[string]map[string]string
	matcher language.Matcher

	// assets are the style sheet and the script, by path.
	assets map[string]*consoleAsset
	// cssHref and jsHref are their addresses with a version, so that
	// they can be cached for long.
	cssHref, jsHref string

	// notices gives the templated replies to inquiries.
	notices *notice.Renderer
}

// consoleAsset is a static file of the console.
type consoleAsset struct {
	body              []byte
	etag, contentType string
}

// newConsoleSite parses the console's wording, templates and style sheet.
// A key missing from a language, or a template that names an unknown key,
// fails here rather than on a page.
func newConsoleSite() (*consoleSite, error) {
	site := &consoleSite{pages: map[consoleKey]*template.Template{}, texts: map[string]map[string]string{}}
	var tags []language.Tag
	for _, lang := range breachdesk.ConsoleLanguages() {
		data, err := consoleFiles.ReadFile("html/console/lang/" + lang + ".yaml")
		if err != nil {
			return nil, fmt.Errorf("console language %s: %w", lang, err)
		}
		texts := map[string]string{}
		if err := yaml.Unmarshal(data, &texts); err != nil {
			return nil, fmt.Errorf("http/html/console/lang/%s.yaml: %w", lang, err)
		}
		site.texts[lang] = texts
		tags = append(tags, language.MustParse(lang))
	}
	for key := range site.texts["en"] {
		for lang, texts := range site.texts {
			if _, ok := texts[key]; !ok {
				return nil, fmt.Errorf("http/html/console/lang/%s.yaml: %s is missing", lang, key)
			}
		}
	}
	for _, c := range breachdesk.DataCategories() {
		if _, ok := site.texts["en"]["category."+c]; !ok {
			return nil, fmt.Errorf("http/html/console/lang/en.yaml: category.%s is missing", c)
		}
	}
	site.matcher = language.NewMatcher(tags)
	var err error
	if site.notices, err = notice.NewRenderer(); err != nil {
		return nil, err
	}
	for _, name := range notice.ReplyTemplates() {
		if _, ok := site.texts["en"]["reply_template."+name]; !ok {
			return nil, fmt.Errorf("http/html/console/lang/en.yaml: reply_template.%s is missing", name)
		}
	}

	site.assets = map[string]*consoleAsset{}
	for _, f := range []struct {
		name, contentType string
		href              *string
	}{{"console.css", "text/css; charset=utf-8", &site.cssHref}, {"console.js", "text/javascript; charset=utf-8", &site.jsHref}} {
		body, err := fs.ReadFile(consoleFiles, "html/console/static/"+f.name)
		if err != nil {
			return nil, fmt.Errorf("console static file: %w", err)
		}
		sum := sha256.Sum256(body)
		site.assets["/static/"+f.name] = &consoleAsset{body: body, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, contentType: f.contentType}
		*f.href = "/static/" + f.name + "?v=" + hex.EncodeToString(sum[:4])
	}

	for _, lang := range breachdesk.ConsoleLanguages() {
		for _, name := range consolePageNames() {
			t, err := template.New(name).Funcs(site.funcs(lang)).
				ParseFS(consoleFiles, "html/console/layout.html", "html/console/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("console page %s: %w", name, err)
			}
			site.pages[consoleKey{name, lang}] = t
		}
	}
	return site, nil
}

// funcs returns the templates' functions in lang: T "key" gives the text
// of key, F "key" "name" value... the text with its {placeholders} filled.
// html/template escapes what they return.
func (site *consoleSite) funcs(lang string) template.FuncMap {
	text := func(key string) (string, error) {
		s, ok := site.texts[lang][key]
		if !ok {
			return "", fmt.Errorf("no text for %s in %s", key, lang)
		}
		return s, nil
	}
	return template.FuncMap{
		"T": text,
		"F": func(key string, pairs ...any) (string, error) {
			s, err := text(key)
			if err != nil {
				return "", err
			}
			strs := make([]string, len(pairs))
			for i, v := range pairs {
				strs[i] = fmt.Sprint(v)
			}
			return notice.Fill(s, strs...), nil
		},
	}
}

// T returns the text of key in lang, or the key if there is none.
func (site *consoleSite) T(lang, key string) string {
	if s, ok := site.texts[lang][key]; ok {
		return s
	}
	return key
}

// language returns the language for a visitor who is not signed in: the
// best of their Accept-Language, else English.
func (site *consoleSite) language(r *http.Request) string {
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return "en"
	}
	_, i, conf := site.matcher.Match(tags...)
	if conf == language.No {
		return "en"
	}
	return breachdesk.ConsoleLanguages()[i]
}

// consolePage is what every console page shows: the layout's data, .Page
// of every view.
type consolePage struct {
	Lang string
	// CSS and JS are the style sheet's and the script's addresses, with
	// their versions.
	CSS, JS string
	// Nav names the menu entry of the page.
	Nav string
	// User is the signed-in user, nil on the sign-in page, and CSRF the
	// token its forms carry.
	User *breachdesk.StaffUser
	CSRF string

	// upload reads the rest of a multipart form posted to a route that
	// takes uploads, past its CSRF token.
	upload *multipart.Reader
}

// Can reports whether the signed-in user's role holds the permission
// named perm, so that pages show only what the user may use.
func (p *consolePage) Can(perm string) bool {
	return p.User != nil && p.User.Role.Can(breachdesk.Permission(perm))
}

// consoleView is what a console page template executes on.
type consoleView struct {
	Page *consolePage
	Data any
}

// renderConsole writes the console page name, executed with data, as the
// answer with status.
func (s *Server) renderConsole(w http.ResponseWriter, r *http.Request, p *consolePage, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.consoleSite.pages[consoleKey{name, p.Lang}].ExecuteTemplate(&buf, "layout", &consoleView{Page: p, Data: data}); err != nil {
		s.Logger.ErrorContext(r.Context(), "render console page", slog.String("page", name), slog.Any("error", err))
		buf.Reset()
		status = http.StatusInternalServerError
		buf.WriteString("<!doctype html><title>Internal error</title><p>Internal error.</p>")
	}
	h := w.Header()
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes()) // the status is sent; a failed write means the client left
}

// consoleErrorKind names an error page of the console: its title is the
// text of error.KIND, its explanation that of error.KIND_text.
type consoleErrorKind string

// Console error pages.
const (
	consoleForbidden    consoleErrorKind = "forbidden"
	consoleNotFound     consoleErrorKind = "not_found"
	consoleCSRFExpired  consoleErrorKind = "csrf"
	consoleInternal     consoleErrorKind = "internal"
	consoleUnauthorized consoleErrorKind = "unauthorized"
)

// renderConsoleError writes an error page with status.
func (s *Server) renderConsoleError(w http.ResponseWriter, r *http.Request, p *consolePage, status int, kind consoleErrorKind) {
	s.renderConsole(w, r, p, status, "error", kind)
}

// handleConsoleStatic answers GET /static/console.css and
// /static/console.js.
func (s *Server) handleConsoleStatic(w http.ResponseWriter, r *http.Request) {
	asset, ok := s.consoleSite.assets[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", asset.etag)
	if slices.Contains(r.Header.Values("If-None-Match"), asset.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", asset.contentType)
	h.Set("Content-Length", strconv.Itoa(len(asset.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(asset.body)
	}
}
