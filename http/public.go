package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	texttemplate "text/template"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/notice"
)

// The public pages: one layout, one template per page, one style sheet and
// the wording of every page, one file per language with the same keys.
//
//go:embed html/public
var publicFiles embed.FS

// publicLanguages returns the languages of the public pages, English first.
func publicLanguages() []string { return []string{"en", "fr", "it", "de", "es"} }

// publicPageNames lists the page templates, each in html/public/NAME.html;
// html/public/partials.html holds the parts they share.
func publicPageNames() []string {
	return []string{"home", "verify", "verify_genuine", "verify_fake", "affected", "incident", "contact", "contact_done", "error"}
}

// publicFragmentNames are the parts of pages that are stage-one
// templates only, whose {placeholders} Go code fills at each request: the
// parts of the busiest pages where a dozen template actions would cost
// more than the rest of the page.
func publicFragmentNames() []string { return []string{"facts"} }

// publicPageNav names the menu entry each page belongs to, if any.
func publicPageNav(page string) string {
	switch page {
	case "verify_genuine", "verify_fake":
		return "verify"
	case "contact_done":
		return "contact"
	case "home", "verify", "affected", "contact":
		return page
	}
	return ""
}

// Public page limits and timings.
const (
	// organizationTTL is how long the organization's name and language
	// are reused before they are read again: every page shows them.
	organizationTTL = 30 * time.Second
	// maxPooledBuffer is the largest page buffer kept for reuse, so that
	// one long incident page does not pin its memory forever.
	maxPooledBuffer = 256 << 10
	// publicCacheControl lets browsers and proxies keep pages without
	// personal data or codes for a minute, which absorbs surges.
	publicCacheControl = "public, max-age=60"
	// maxAcceptCache bounds how many Accept-Language headers the
	// negotiation remembers: browsers send few distinct ones, and a
	// client sending random ones only stops filling the cache.
	maxAcceptCache = 1024
)

// catalog is the wording of the public pages in one language.
type catalog struct {
	tag    string
	texts  map[string]string
	months [12]string
}

// T returns the text of key, or the key itself if the language lacks it,
// which the tests forbid.
func (c *catalog) T(key string) string {
	if s, ok := c.texts[key]; ok {
		return s
	}
	return key
}

// Date writes the day of t, in UTC, in the language's long form.
func (c *catalog) Date(t time.Time) string {
	y, m, d := t.UTC().Date()
	day := strconv.Itoa(d)
	if d == 1 {
		day = c.T("date.first_day")
	}
	return notice.Fill(c.T("date.format"), "day", day, "month", c.months[m-1], "year", strconv.Itoa(y))
}

// languageOption is one entry of the language switcher.
type languageOption struct {
	Tag string
	// open and close surround a page's address in the entry's link to
	// the page in this language, with the language's name in itself;
	// current replaces close on the pages in this language.
	open, close, current string
}

// choice is one option of a form's radio group or select.
type choice struct {
	Value string
	// Key is the translation key of its label.
	Key string
}

// pageKey names one expansion of a page template: a page in one
// language, for addresses with or without the language prefix.
type pageKey struct {
	name, lang string
	prefixed   bool
}

// publicSite holds what the public pages are made of, parsed once at
// start, and the state of their protections.
type publicSite struct {
	pages map[pageKey]*template.Template
	// fragments are the pages' fragments, by fragment name.
	fragments map[pageKey]string
	// marked are the verification answers, ready to be written without
	// executing their templates.
	marked  map[markedKey]*markedPage
	langs   map[string]*catalog
	matcher language.Matcher
	options []languageOption

	categories   []choice
	requestKinds []choice

	css     []byte
	cssETag string
	// cssHref is the style sheet's address with a version, so that it
	// can be cached for long.
	cssHref string

	// headers are set on every public answer, contentLanguage on every
	// page, vary on the pages whose language is negotiated; their
	// values are shared, never modified.
	headers         http.Header
	contentLanguage map[string][]string
	vary, htmlType  []string

	// limited and overloaded are the 429 and 503 pages, rendered at start
	// per language, so that refusing a request costs next to nothing.
	limited, overloaded map[string][]byte

	buffers sync.Pool

	// org is the organization as last read; refreshing is held by the
	// one request that reads it again.
	org        atomic.Pointer[cachedOrganization]
	refreshing sync.Mutex

	// accepted maps Accept-Language headers to the index of their
	// language in publicLanguages, or -1 when none matches.
	accepted     sync.Map
	acceptedSize atomic.Int32
}

// cachedOrganization is the organization as the pages show it.
type cachedOrganization struct {
	name, language string
	expires        time.Time
}

// newPublicSite parses the templates, the wording and the style sheet.
func newPublicSite() (*publicSite, error) {
	site := &publicSite{
		pages:     map[pageKey]*template.Template{},
		fragments: map[pageKey]string{},
		langs:     map[string]*catalog{},

		contentLanguage: map[string][]string{},
		vary:            []string{"Accept-Language"},
		htmlType:        []string{"text/html; charset=utf-8"},
		limited:         map[string][]byte{},
		overloaded:      map[string][]byte{},
	}
	site.buffers.New = func() any { return new(bytes.Buffer) }

	var tags []language.Tag
	for _, tag := range publicLanguages() {
		c, err := loadCatalog(tag)
		if err != nil {
			return nil, err
		}
		site.langs[tag] = c
		site.contentLanguage[tag] = []string{tag}
		name := texttemplate.HTMLEscapeString(c.T("language.name"))
		site.options = append(site.options, languageOption{Tag: tag,
			open:    "\n<li><a href=\"/" + tag,
			close:   `" hreflang="` + tag + `" lang="` + tag + `">` + name + `</a></li>`,
			current: `" hreflang="` + tag + `" lang="` + tag + `" aria-current="true">` + name + `</a></li>`})
		tags = append(tags, language.MustParse(tag))
	}
	site.matcher = language.NewMatcher(tags)
	for _, c := range breachdesk.InquiryCategories() {
		site.categories = append(site.categories, choice{Value: string(c), Key: "category." + string(c)})
	}
	for _, k := range breachdesk.RequestKinds() {
		site.requestKinds = append(site.requestKinds, choice{Value: k, Key: "request_kind." + k})
	}

	css, err := fs.ReadFile(publicFiles, "html/public/static/style.css")
	if err != nil {
		return nil, fmt.Errorf("public style sheet: %w", err)
	}
	sum := sha256.Sum256(css)
	site.css, site.cssETag = css, `"`+hex.EncodeToString(sum[:8])+`"`
	site.cssHref = "/static/style.css?v=" + hex.EncodeToString(sum[:4])

	for _, name := range publicPageNames() {
		for _, tag := range publicLanguages() {
			for _, prefixed := range []bool{false, true} {
				t, err := site.expand(name, tag, prefixed)
				if err != nil {
					return nil, err
				}
				site.pages[pageKey{name, tag, prefixed}] = t
			}
		}
	}

	if err := site.markVerifyPages(); err != nil {
		return nil, err
	}

	site.headers = http.Header{}
	for k, v := range map[string]string{
		"Content-Security-Policy":      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
		"X-Content-Type-Options":       "nosniff",
		"X-Frame-Options":              "DENY",
		"Referrer-Policy":              "no-referrer",
		"Permissions-Policy":           "accelerometer=(), browsing-topics=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
		"Cache-Control":                "no-store",
	} {
		site.headers.Set(k, v)
	}

	for _, tag := range publicLanguages() {
		for status, into := range map[int]map[string][]byte{http.StatusTooManyRequests: site.limited, http.StatusServiceUnavailable: site.overloaded} {
			kind := errorRateLimited
			if status == http.StatusServiceUnavailable {
				kind = errorOverloaded
			}
			p := site.newPage(tag, "", cachedOrganization{})
			p.NoSwitcher = true
			var buf bytes.Buffer
			if err := site.pages[pageKey{"error", tag, false}].Execute(&buf, newErrorView(p, kind)); err != nil {
				return nil, fmt.Errorf("public page error: %w", err)
			}
			into[tag] = buf.Bytes()
		}
	}
	return site, nil
}

// expand runs the first stage of a page's template: the layout and the
// page, in one language, with the wording and the links written in, make
// the html/template that requests execute.
func (site *publicSite) expand(name, lang string, prefixed bool) (*template.Template, error) {
	c := site.langs[lang]
	funcs := texttemplate.FuncMap{
		// T returns the text of a key, escaped for HTML.
		"T": func(key string) (string, error) {
			text, ok := c.texts[key]
			if !ok {
				return "", fmt.Errorf("no text for %s in %s", key, lang)
			}
			return texttemplate.HTMLEscapeString(text), nil
		},
		// F returns the text of a key, escaped for HTML, with its
		// placeholders replaced by template source given as name,
		// value pairs: the actions that fill them at each request.
		"F": func(key string, pairs ...string) (string, error) {
			text, ok := c.texts[key]
			if !ok {
				return "", fmt.Errorf("no text for %s in %s", key, lang)
			}
			return notice.Fill(texttemplate.HTMLEscapeString(text), pairs...), nil
		},
	}
	stage, err := texttemplate.New(name).Delims("[[", "]]").Funcs(funcs).
		ParseFS(publicFiles, "html/public/layout.html", "html/public/partials.html", "html/public/"+name+".html")
	if err != nil {
		return nil, fmt.Errorf("public page %s: %w", name, err)
	}
	data := struct {
		Lang, Base, CSS, Nav     string
		Categories, RequestKinds []choice
	}{Lang: lang, CSS: site.cssHref, Nav: publicPageNav(name), Categories: site.categories, RequestKinds: site.requestKinds}
	if prefixed {
		data.Base = "/" + lang
	}
	var src strings.Builder
	if err := stage.ExecuteTemplate(&src, "layout", data); err != nil {
		return nil, fmt.Errorf("public page %s in %s: %w", name, lang, err)
	}
	// A page's fragments are filled in Go at each request.
	for _, fragment := range publicFragmentNames() {
		if stage.Lookup(fragment) == nil {
			continue
		}
		var b strings.Builder
		if err := stage.ExecuteTemplate(&b, fragment, data); err != nil {
			return nil, fmt.Errorf("public page %s in %s: %w", name, lang, err)
		}
		site.fragments[pageKey{fragment, lang, prefixed}] = b.String()
	}
	t, err := template.New(name).Parse(src.String())
	if err != nil {
		return nil, fmt.Errorf("public page %s in %s: %w", name, lang, err)
	}
	return t, nil
}

// loadCatalog parses one language file.
func loadCatalog(tag string) (*catalog, error) {
	data, err := publicFiles.ReadFile("html/public/lang/" + tag + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("public language %s: %w", tag, err)
	}
	c := &catalog{tag: tag, texts: map[string]string{}}
	if err := yaml.Unmarshal(data, &c.texts); err != nil {
		return nil, fmt.Errorf("http/html/public/lang/%s.yaml: %w", tag, err)
	}
	for i := range c.months {
		key := "month." + strconv.Itoa(i+1)
		if c.months[i] = c.texts[key]; c.months[i] == "" {
			return nil, fmt.Errorf("http/html/public/lang/%s.yaml: %s is missing", tag, key)
		}
	}
	return c, nil
}

// publicPage is what every public page shows at each request: the
// layout's data, .Page of every view. What is the same for every request
// in a language is written in the templates at start.
type publicPage struct {
	// Lang is the page's language; Base is "" for an address without a
	// language prefix, else "/" and the language, and starts the page's
	// links so that a visitor stays in the language they chose.
	Lang, Base string
	// Org is the organization's name, or "" when it is not set up yet.
	Org string
	// Title is the page's title, in its language.
	Title string
	// Here is the page's address without its language prefix, with the
	// query that makes it the same page, for the language switcher,
	// which render writes into Switcher unless NoSwitcher is set.
	Here       string
	NoSwitcher bool
	Switcher   template.HTML

	cat *catalog
}

// T returns the text of key in the page's language.
func (p *publicPage) T(key string) string { return p.cat.T(key) }

// newPage returns the common data of a page in lang.
func (site *publicSite) newPage(lang, base string, org cachedOrganization) *publicPage {
	return &publicPage{Lang: lang, Base: base, Org: org.name, cat: site.langs[lang]}
}

// language returns the language of a request: its path's prefix, else
// the best of its Accept-Language, else the organization's, else English.
func (site *publicSite) language(r *http.Request, orgLanguage string) string {
	if tag, ok := site.pathLanguage(r.URL.Path); ok {
		return tag
	}
	if accept := r.Header.Get("Accept-Language"); accept != "" {
		if i := site.negotiate(accept); i >= 0 {
			return site.options[i].Tag
		}
	}
	base, _, _ := strings.Cut(orgLanguage, "-")
	if _, ok := site.langs[strings.ToLower(base)]; ok {
		return strings.ToLower(base)
	}
	return "en"
}

// negotiate returns the index of the language of publicLanguages that
// fits an Accept-Language header best, or -1 when none does.
func (site *publicSite) negotiate(accept string) int {
	if i, ok := site.accepted.Load(accept); ok {
		return i.(int)
	}
	i := -1
	if tags, _, err := language.ParseAcceptLanguage(accept); err == nil && len(tags) > 0 {
		if _, index, conf := site.matcher.Match(tags...); conf != language.No {
			i = index
		}
	}
	if len(accept) <= 256 && site.acceptedSize.Load() < maxAcceptCache && site.acceptedSize.Add(1) <= maxAcceptCache {
		site.accepted.Store(accept, i)
	}
	return i
}

// pathLanguage returns the language prefix of path, as in /fr/verify.
func (site *publicSite) pathLanguage(path string) (string, bool) {
	if len(path) < 3 || path[0] != '/' || (len(path) > 3 && path[3] != '/') {
		return "", false
	}
	c, ok := site.langs[path[1:3]]
	if !ok {
		return "", false
	}
	return c.tag, true
}

// organization returns the organization's name and language, read at most
// once per organizationTTL, by one request while the others go on with
// what was read before. A failure to read it keeps what was read before,
// or shows pages without the name, rather than no page at all.
func (s *Server) organization(ctx context.Context) cachedOrganization {
	now := s.Now()
	old := s.site.org.Load()
	if old != nil && now.Before(old.expires) {
		return *old
	}
	if old == nil {
		s.site.refreshing.Lock() // the first requests wait for the first read
	} else if !s.site.refreshing.TryLock() {
		return *old
	}
	defer s.site.refreshing.Unlock()
	if cur := s.site.org.Load(); cur != old {
		return *cur // another request has just read it
	}
	org := cachedOrganization{expires: now.Add(organizationTTL)}
	if s.OrganizationService != nil {
		o, err := s.OrganizationService.FindOrganization(ctx)
		switch {
		case err == nil:
			org.name, org.language = o.Name, o.Language
		case breachdesk.ErrorCode(err) != breachdesk.ENotFound:
			s.Logger.WarnContext(ctx, "public pages: read organization", slog.Any("error", err))
			if old != nil {
				org.name, org.language = old.name, old.language
			}
			org.expires = now.Add(time.Second)
		}
	}
	s.site.org.Store(&org)
	return org
}

// publicHandler answers a public page, given the page's common data.
type publicHandler func(w http.ResponseWriter, r *http.Request, p *publicPage)

// page adapts h to a route whose language is lang, or is negotiated when
// lang is "".
func (s *Server) page(lang string, h publicHandler) http.Handler {
	base := ""
	if lang != "" {
		base = "/" + lang
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		org := s.organization(r.Context())
		tag := lang
		if tag == "" {
			tag = s.site.language(r, org.language)
			w.Header()["Vary"] = s.site.vary
		}
		p := s.site.newPage(tag, base, org)
		p.Here = strings.TrimPrefix(r.URL.Path, base)
		if p.Here == "" {
			p.Here = "/"
		}
		w.Header()["Content-Language"] = s.site.contentLanguage[tag]
		h(w, r, p)
	})
}

// render writes the page template name, in p's language and address
// style, executed with view, as the answer with status. The page is
// rendered into a pooled buffer first, so that a failure still gets a
// clean error answer.
func (s *Server) render(w http.ResponseWriter, r *http.Request, p *publicPage, status int, name string, view any) {
	buf := s.site.buffer()
	defer s.site.release(buf)
	if !p.NoSwitcher {
		p.Switcher = s.site.switcher(p.Lang, p.Here)
	}
	if err := s.site.pages[pageKey{name, p.Lang, p.Base != ""}].Execute(buf, view); err != nil {
		s.Logger.ErrorContext(r.Context(), "render public page", slog.String("page", name), slog.Any("error", err))
		buf.Reset()
		status = http.StatusInternalServerError
		buf.WriteString("<!doctype html><title>Internal error</title><p>Internal error.</p>")
	}
	s.site.write(w, status, buf.Bytes())
}

// buffer returns an empty page buffer from the pool.
func (site *publicSite) buffer() *bytes.Buffer { return site.buffers.Get().(*bytes.Buffer) }

// release returns buf to the pool, unless it grew too large to keep.
func (site *publicSite) release(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBuffer {
		buf.Reset()
		site.buffers.Put(buf)
	}
}

// switcher returns the items of the language switcher of a page in lang
// at here: a link to the same page under each language's prefix. It is
// written here rather than in the templates because it is on every page
// and ten escaping calls there cost more than the rest of a page.
// here is a path, which may come from the request, and a query that the
// handler encoded; the path is escaped for a URL, and both for HTML, so
// that nothing in here can leave the attribute.
func (site *publicSite) switcher(lang, here string) template.HTML {
	path, query, hasQuery := strings.Cut(here, "?")
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	href := (&url.URL{Path: path}).EscapedPath()
	if hasQuery {
		href += "?" + query
	}
	href = texttemplate.HTMLEscapeString(href)
	var b strings.Builder
	b.Grow(len(site.options) * (len(href) + 96))
	for _, o := range site.options {
		b.WriteString(o.open)
		b.WriteString(href)
		if o.Tag == lang {
			b.WriteString(o.current)
		} else {
			b.WriteString(o.close)
		}
	}
	return template.HTML(b.String())
}

// write writes a rendered page as the answer with status.
func (site *publicSite) write(w http.ResponseWriter, status int, page []byte) {
	h := w.Header()
	h["Content-Type"] = site.htmlType
	h.Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(status)
	w.Write(page) // the status is sent; a failed write means the client left
}

// handleStatic answers GET /static/style.css, the one style sheet.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/static/style.css" {
		s.page("", s.handleNotFound).ServeHTTP(w, r)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", s.site.cssETag)
	if r.Header.Get("If-None-Match") == s.site.cssETag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(s.site.css)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(s.site.css)
	}
}
