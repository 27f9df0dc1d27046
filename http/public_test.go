package http_test

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/time/rate"

	"github.com/breachdesk/breachdesk"
	bdhttp "github.com/breachdesk/breachdesk/http"
	"github.com/breachdesk/breachdesk/mock"
)

// verifierFunc is a breachdesk.VerificationService made of a func.
type verifierFunc func(ctx context.Context, req breachdesk.VerifyRequest) (*breachdesk.Verification, error)

var _ breachdesk.VerificationService = verifierFunc(nil)

func (f verifierFunc) VerifyNotice(ctx context.Context, req breachdesk.VerifyRequest) (*breachdesk.Verification, error) {
	return f(ctx, req)
}

// genuineNoticeID is the notice that codes decodes genuineCode to.
const genuineNoticeID = 7

// codes decodes genuineCode alone, as a keyring that made it would.
type codes struct{}

func (codes) NoticeID(code string) (int64, bool) {
	return genuineNoticeID, code == genuineCode
}

// pageFinderFunc is a breachdesk.IncidentPageService that only finds.
type pageFinderFunc func(ctx context.Context, filter breachdesk.IncidentPageFilter) (*breachdesk.IncidentPage, error)

var _ breachdesk.IncidentPageService = pageFinderFunc(nil)

func (f pageFinderFunc) SetIncidentPage(ctx context.Context, page *breachdesk.IncidentPage) error {
	return errors.New("the public pages never write")
}

func (f pageFinderFunc) FindIncidentPage(ctx context.Context, filter breachdesk.IncidentPageFilter) (*breachdesk.IncidentPage, error) {
	return f(ctx, filter)
}

// intakeFunc is an InquiryIntake made of a func.
type intakeFunc func(ctx context.Context, q *breachdesk.Inquiry) error

var _ bdhttp.InquiryIntake = intakeFunc(nil)

func (f intakeFunc) SubmitInquiry(ctx context.Context, q *breachdesk.Inquiry) error { return f(ctx, q) }

// resenderFunc is a NoticeResender made of a func.
type resenderFunc func(email, language string)

var _ bdhttp.NoticeResender = resenderFunc(nil)

func (f resenderFunc) RequestResend(email, language string) { f(email, language) }

// Test data shared by the public pages' tests.
const (
	genuineCode = "BD-7KQ4-M2XP-9RTA"
	letterCode  = "BD-0000-0000-0042"
	unknownCode = "BD-ZZZZ-ZZZZ-ZZZZ"
	// leakyCode's verification comes with an unmasked address.
	leakyCode   = "BD-1111-1111-1111"
	failingCode = "BD-FFFF-FFFF-FFFF"
	// blockingCode makes the verifier wait for the test's signal.
	blockingCode = "BD-BBBB-BBBB-BBBB"
	pageSlug     = "2026-customer-data"
	draftSlug    = "2026-draft-page"
	failingSlug  = "2026-failing-page"
)

// publicBundle is a server whose public pages run on fakes.
type publicBundle struct {
	server *bdhttp.Server
	client *http.Client

	mu sync.Mutex
	// verified are the requests the verifier was asked.
	verified []breachdesk.VerifyRequest
	// filters are the page look-ups.
	filters []breachdesk.IncidentPageFilter
	// submitted are the inquiries the intake stored; intakeErr fails it.
	submitted []*breachdesk.Inquiry
	intakeErr error
	// resent are the resend requests.
	resent []string

	// entered and release control the verifier for blockingCode.
	entered, release chan struct{}
}

// setupPublic starts a server with the public pages on fakes, no rate
// limits, and the organization "Shop SpA" in Italian; configure changes
// the server before it opens.
func setupPublic(t *testing.T, configure ...func(*bdhttp.Server)) *publicBundle {
	t.Helper()
	b := &publicBundle{entered: make(chan struct{}, 1), release: make(chan struct{})}
	s := bdhttp.NewServer()
	s.Addr, s.PublicAddr = "127.0.0.1:0", "127.0.0.1:0"
	s.Now = func() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) }
	s.PublicKey = bytes.Repeat([]byte{7}, bdhttp.PublicKeySize)
	s.PublicLimits = bdhttp.PublicLimits{PerClient: rate.Inf, Global: rate.Inf}
	s.OrganizationService = &mock.OrganizationService{
		FindOrganizationFunc: func(ctx context.Context) (*breachdesk.Organization, error) {
			return &breachdesk.Organization{Name: "Shop SpA", Country: "IT", Language: "it"}, nil
		},
	}
	sent := time.Date(2026, 11, 3, 9, 30, 0, 0, time.UTC)
	s.NoticeCodes = codes{}
	s.VerificationService = verifierFunc(func(ctx context.Context, req breachdesk.VerifyRequest) (*breachdesk.Verification, error) {
		b.mu.Lock()
		b.verified = append(b.verified, req)
		b.mu.Unlock()
		code := req.Code
		switch code {
		case genuineCode:
			return &breachdesk.Verification{Code: code, Organization: "Shop SpA", IncidentTitle: "Customer names exposed",
				IncidentSlug: pageSlug, Channel: breachdesk.ChannelEmail, Recipient: "m***@example.com",
				State: breachdesk.NoticeSent, SentAt: &sent}, nil
		case letterCode:
			return &breachdesk.Verification{Code: code, Organization: "Shop SpA", IncidentTitle: "Customer names exposed",
				Channel: breachdesk.ChannelLetter, Recipient: "M. R***", State: breachdesk.NoticeInFlight}, nil
		case leakyCode:
			return &breachdesk.Verification{Code: code, Organization: "Shop SpA", IncidentTitle: "Customer names exposed",
				Channel: breachdesk.ChannelEmail, Recipient: "mario.rossi@example.com", State: breachdesk.NoticeSent, SentAt: &sent}, nil
		case failingCode:
			return nil, errors.New("database is locked")
		case blockingCode:
			b.entered <- struct{}{}
			<-b.release
			return nil, breachdesk.Errorf(breachdesk.ENotFound, "no notice")
		}
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "No notice carries %s.", code)
	})
	pages := map[string]*breachdesk.IncidentPage{
		pageSlug: {IncidentID: 7, Slug: pageSlug, Published: true, Languages: []string{"en", "fr"},
			UpdatedAt: time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC),
			Content: map[string]*breachdesk.IncidentPageContent{
				"en": {Title: "Customer names exposed", Summary: "On 1 November some names were visible.\n\nNo password was exposed <script>alert(1)</script>.",
					FAQ: []*breachdesk.FAQEntry{{Question: "Must I change my password?", Answer: "No.\n\nBut you may."}}},
				"fr": {Title: "Noms de clients exposés", Summary: "Le 1er novembre, des noms étaient visibles."},
			}},
		draftSlug: {IncidentID: 8, Slug: draftSlug, Languages: []string{"en"},
			Content: map[string]*breachdesk.IncidentPageContent{"en": {Title: "Draft", Summary: "Not yet."}}},
	}
	s.IncidentPageService = pageFinderFunc(func(ctx context.Context, f breachdesk.IncidentPageFilter) (*breachdesk.IncidentPage, error) {
		b.mu.Lock()
		b.filters = append(b.filters, f)
		b.mu.Unlock()
		if f.Slug != nil && *f.Slug == failingSlug {
			return nil, errors.New("disk on fire at /var/lib/secret")
		}
		if f.Slug != nil {
			if p, ok := pages[*f.Slug]; ok && (p.Published || !f.PublishedOnly) {
				return p, nil
			}
		}
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "No page there.")
	})
	s.InquiryIntake = intakeFunc(func(ctx context.Context, q *breachdesk.Inquiry) error {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.intakeErr != nil {
			return b.intakeErr
		}
		q.ID, q.Reference, q.Status = int64(len(b.submitted)+1), "Q-7KQ4-M2XP", breachdesk.InquiryOpen
		if q.Category == breachdesk.InquiryDataRequest {
			q.DueAt = new(breachdesk.DataRequestDue(time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)))
		}
		b.submitted = append(b.submitted, q)
		return nil
	})
	s.NoticeResender = resenderFunc(func(email, language string) {
		b.mu.Lock()
		b.resent = append(b.resent, email+" "+language)
		b.mu.Unlock()
	})
	for _, c := range configure {
		c(s)
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	b.server = s
	jar, _ := cookiejar.New(nil)
	b.client = &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return b
}

// publicScenario is one request to the public pages and what its answer
// must and must not contain.
type publicScenario struct {
	name        string
	method, url string
	// language is sent as Accept-Language; from as X-Forwarded-For.
	language, from string
	// form is posted with a good token, unless csrf is "none" (no token,
	// no cookie) or "wrong" (a forged token).
	form   url.Values
	csrf   string
	status int
	// contains and notContains are checked on the body; headers on the
	// answer's headers.
	contains, notContains []string
	headers               map[string]string
}

// do sends one request, with the bundle's cookies.
func (b *publicBundle) do(t *testing.T, tt publicScenario) (*http.Response, string) {
	t.Helper()
	method := tt.method
	if method == "" {
		method = "GET"
	}
	var body io.Reader
	if tt.form != nil {
		form := url.Values{}
		for k, v := range tt.form {
			form[k] = v
		}
		switch tt.csrf {
		case "":
			form.Set("csrf", b.token(t, tt.url))
		case "wrong":
			b.token(t, tt.url) // the cookie is good, the token is not
			form.Set("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		case "none":
			b.client.Jar, _ = cookiejar.New(nil)
		}
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.server.PublicURL()+tt.url, body)
	if err != nil {
		t.Fatal(err)
	}
	if tt.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if tt.language != "" {
		req.Header.Set("Accept-Language", tt.language)
	}
	if tt.from != "" {
		req.Header.Set("X-Forwarded-For", tt.from)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(data)
}

// run sends one scenario and checks its answer.
func (b *publicBundle) run(t *testing.T, tt publicScenario) string {
	t.Helper()
	resp, body := b.do(t, tt)
	if resp.StatusCode != tt.status {
		t.Errorf("%s %s status = %d, want %d; body:\n%s", tt.method, tt.url, resp.StatusCode, tt.status, body)
	}
	for _, s := range tt.contains {
		if !strings.Contains(body, s) {
			t.Errorf("%s %s: body does not contain %q:\n%s", tt.method, tt.url, s, body)
		}
	}
	for _, s := range tt.notContains {
		if strings.Contains(body, s) {
			t.Errorf("%s %s: body contains %q", tt.method, tt.url, s)
		}
	}
	for k, want := range tt.headers {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s %s: header %s = %q, want %q", tt.method, tt.url, k, got, want)
		}
	}
	return body
}

var tokenPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token opens the form page of path (its GET) and returns its token; the
// cookie it is bound to stays in the bundle's jar.
func (b *publicBundle) token(t *testing.T, path string) string {
	t.Helper()
	resp, body := b.do(t, publicScenario{url: path})
	m := tokenPattern.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("GET %s = %d without a form token:\n%s", path, resp.StatusCode, body)
	}
	return m[1]
}

// wording returns the text of key in lang, as a page shows it, escaped.
func wording(t *testing.T, lang, key string) string {
	t.Helper()
	data, err := os.ReadFile("html/public/lang/" + lang + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	if err := yaml.Unmarshal(data, &texts); err != nil {
		t.Fatal(err)
	}
	text, ok := texts[key]
	if !ok {
		t.Fatalf("%s.yaml has no %s", lang, key)
	}
	return template.HTMLEscapeString(text)
}

func TestPublicPagesInEveryLanguage(t *testing.T) {
	t.Parallel()
	b := setupPublic(t)
	for _, lang := range []string{"en", "fr", "it", "de", "es"} {
		for _, tt := range []struct {
			name, method, path, titleKey string
			form                         url.Values
			status                       int
		}{
			{"Home", "GET", "/", "home.title", nil, 200},
			{"VerifyForm", "GET", "/verify", "verify.title", nil, 200},
			{"VerifyGenuine", "GET", "/verify?code=" + genuineCode, "verify.genuine.heading", nil, 200},
			{"VerifyUnknown", "GET", "/verify?code=" + unknownCode, "verify.fake.heading", nil, 200},
			{"VerifyMalformed", "GET", "/verify?code=nonsense", "verify.fake.heading", nil, 200},
			{"Affected", "GET", "/affected", "affected.title", nil, 200},
			{"AffectedSent", "POST", "/affected", "affected.title", url.Values{"email": {"anna@example.com"}}, 200},
			{"Contact", "GET", "/contact", "contact.title", nil, 200},
			{"ContactInvalid", "POST", "/contact", "contact.title", url.Values{"category": {"question"}}, 422},
			{"ContactDone", "POST", "/contact", "contact.done.title",
				url.Values{"category": {"question"}, "name": {"Anna"}, "email": {"anna@example.com"}, "message": {"Hello"}}, 200},
			{"NotFound", "GET", "/nothing/here", "error.not_found.title", nil, 404},
		} {
			t.Run(lang+"/"+tt.name, func(t *testing.T) {
				title := wording(t, lang, tt.titleKey)
				b.run(t, publicScenario{method: tt.method, url: "/" + lang + tt.path, form: tt.form, status: tt.status,
					contains: []string{`<html lang="` + lang + `">`, "<title>" + title + " – Shop SpA</title>", "<h1", title + "</h1>",
						`href="/` + lang + `/contact"`, `<main id="main"`},
					headers: map[string]string{"Content-Language": lang, "Content-Type": "text/html; charset=utf-8"}})
			})
		}
		t.Run(lang+"/Incident", func(t *testing.T) {
			title := "Customer names exposed"
			if lang == "fr" {
				title = "Noms de clients exposés"
			}
			b.run(t, publicScenario{url: "/" + lang + "/incidents/" + pageSlug, status: 200,
				contains: []string{`<html lang="` + lang + `">`, "<title>" + template.HTMLEscapeString(title) + " – Shop SpA</title>"}})
		})
	}
}

func TestPublicLanguage(t *testing.T) {
	t.Parallel()
	b := setupPublic(t)
	for _, tt := range []publicScenario{
		{name: "AcceptLanguage", url: "/verify", language: "de-CH, fr;q=0.5", status: 200,
			contains: []string{`<html lang="de">`, `href="/de/verify"`}, headers: map[string]string{"Vary": "Accept-Language"}},
		{name: "AcceptLanguageSecondChoice", url: "/verify", language: "ja, es;q=0.8", status: 200, contains: []string{`<html lang="es">`}},
		{name: "OrganizationLanguage", url: "/verify", status: 200, contains: []string{`<html lang="it">`}},
		{name: "UnsupportedFallsBackToOrganization", url: "/verify", language: "ja", status: 200, contains: []string{`<html lang="it">`}},
		{name: "PrefixWins", url: "/fr/verify", language: "de", status: 200, contains: []string{`<html lang="fr">`}},
		{name: "SwitcherKeepsCode", url: "/fr/verify?code=bd7kq4m2xp9rta", status: 200,
			contains: []string{`href="/de/verify?code=` + genuineCode + `" hreflang="de" lang="de">Deutsch</a>`,
				`href="/fr/verify?code=` + genuineCode + `" hreflang="fr" lang="fr" aria-current="true">Français</a>`}},
		{name: "SwitcherEscapesTypedCode", url: "/verify?code=%22%3E%3Cb%3E", status: 200,
			contains: []string{`href="/en/verify?code=%22%3E%3Cb%3E"`}, notContains: []string{`"><b>`}},
	} {
		t.Run(tt.name, func(t *testing.T) { b.run(t, tt) })
	}
	t.Run("PrefixWithoutSlash", func(t *testing.T) {
		resp, _ := b.do(t, publicScenario{url: "/es"})
		if resp.StatusCode/100 != 3 || resp.Header.Get("Location") != "/es/" {
			t.Errorf("GET /es = %d to %q, want a redirect to /es/", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestPublicSecurityHeaders(t *testing.T) {
	t.Parallel()
	b := setupPublic(t)
	want := map[string]string{
		"Content-Security-Policy":    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
		"X-Content-Type-Options":     "nosniff",
		"Referrer-Policy":            "no-referrer",
		"Cross-Origin-Opener-Policy": "same-origin",
	}
	noStore := map[string]string{"Cache-Control": "no-store"}
	for _, tt := range []publicScenario{
		{name: "Home", url: "/", status: 200},
		{name: "VerifyCode", url: "/verify?code=" + genuineCode, status: 200, headers: noStore},
		{name: "VerifyUnknown", url: "/verify?code=" + unknownCode, status: 200, headers: noStore},
		{name: "AffectedForm", url: "/affected", status: 200, headers: noStore},
		{name: "AffectedSent", method: "POST", url: "/affected", form: url.Values{"email": {"anna@example.com"}}, status: 200, headers: noStore},
		{name: "ContactForm", url: "/contact?code=" + genuineCode, status: 200, headers: noStore},
		{name: "ContactDone", method: "POST", url: "/contact", status: 200, headers: noStore,
			form: url.Values{"category": {"question"}, "name": {"Anna"}, "email": {"anna@example.com"}, "message": {"Hello"}}},
		{name: "ContactForbidden", method: "POST", url: "/contact", csrf: "none", form: url.Values{}, status: 403},
		{name: "Incident", url: "/incidents/" + pageSlug, status: 200},
		{name: "NotFound", url: "/nothing", status: 404, headers: noStore},
		{name: "StyleSheet", url: "/static/style.css", status: 200},
		{name: "Healthz", url: "/healthz", status: 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := b.do(t, tt)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d:\n%s", resp.StatusCode, tt.status, body)
			}
			for k, v := range want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if resp.Header.Get("Permissions-Policy") == "" {
				t.Error("no Permissions-Policy")
			}
			for k, v := range tt.headers {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestPublicStyleSheet(t *testing.T) {
	t.Parallel()
	b := setupPublic(t)
	resp, body := b.do(t, publicScenario{url: "/static/style.css"})
	if got := resp.Header.Get("Content-Type"); got != "text/css; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if !strings.Contains(body, ":focus-visible") {
		t.Error("the style sheet has no focus style")
	}
	req, _ := http.NewRequest("GET", b.server.PublicURL()+"/static/style.css", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	again, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("GET with If-None-Match = %d, want 304", again.StatusCode)
	}
	b.run(t, publicScenario{url: "/static/other.css", status: 404})
}

func TestPublicRateLimit(t *testing.T) {
	t.Parallel()
	b := setupPublic(t, func(s *bdhttp.Server) {
		s.PublicLimits = bdhttp.PublicLimits{PerClient: 1, PerClientBurst: 3, Global: rate.Inf,
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	})
	// The test clock stands still: a client's allowance never refills.
	for i := range 3 {
		b.run(t, publicScenario{name: "Burst", url: "/verify", from: "203.0.113.1", status: 200})
		_ = i
	}
	b.run(t, publicScenario{url: "/verify?code=" + genuineCode, from: "203.0.113.1", status: 429,
		contains: []string{`<html lang="it">`, wording(t, "it", "error.rate_limited.title")},
		headers:  map[string]string{"Retry-After": "1", "X-Content-Type-Options": "nosniff"}})
	b.run(t, publicScenario{url: "/fr/verify", from: "203.0.113.1", status: 429, contains: []string{`<html lang="fr">`}})
	b.run(t, publicScenario{url: "/verify", from: "203.0.113.2", status: 200})
	b.run(t, publicScenario{url: "/healthz", from: "203.0.113.1", status: 200})

	// An IPv6 client is its /64.
	for range 3 {
		b.run(t, publicScenario{url: "/verify", from: "2001:db8:1:2::1", status: 200})
	}
	b.run(t, publicScenario{url: "/verify", from: "2001:db8:1:2::ffff", status: 429})
	b.run(t, publicScenario{url: "/verify", from: "2001:db8:1:3::1", status: 200})
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.verified) != 0 {
		t.Errorf("refused requests reached the verifier: %v", b.verified)
	}
}

func TestPublicGlobalRateLimit(t *testing.T) {
	t.Parallel()
	b := setupPublic(t, func(s *bdhttp.Server) {
		s.PublicLimits = bdhttp.PublicLimits{PerClient: rate.Inf, Global: 2, GlobalBurst: 2,
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	})
	b.run(t, publicScenario{url: "/", from: "203.0.113.1", status: 200})
	b.run(t, publicScenario{url: "/", from: "203.0.113.2", status: 200})
	b.run(t, publicScenario{url: "/", from: "203.0.113.3", status: 429, headers: map[string]string{"Retry-After": "1"}})
}

func TestPublicOverload(t *testing.T) {
	t.Parallel()
	b := setupPublic(t, func(s *bdhttp.Server) { s.PublicLimits.MaxInFlight = 1 })
	done := make(chan int)
	go func() {
		resp, err := http.Get(b.server.PublicURL() + "/verify?code=" + blockingCode)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-b.entered
	start := time.Now()
	b.run(t, publicScenario{url: "/en/verify", status: 503,
		contains: []string{wording(t, "en", "error.overloaded.title")}, headers: map[string]string{"Retry-After": "5"}})
	if d := time.Since(start); d > time.Second {
		t.Errorf("the refused request took %v: it must not wait", d)
	}
	b.run(t, publicScenario{url: "/healthz", status: 200})
	close(b.release)
	if status := <-done; status != 200 {
		t.Errorf("blocked request = %d, want 200", status)
	}
	b.run(t, publicScenario{url: "/verify", status: 200})
}

func TestPublicKey(t *testing.T) {
	t.Parallel()
	s := bdhttp.NewServer()
	s.Addr, s.PublicAddr = "127.0.0.1:0", "127.0.0.1:0"
	s.PublicKey = []byte("short")
	if err := s.Open(); err == nil {
		s.Close()
		t.Fatal("Open() with a 5-byte public key succeeded")
	}
}
