package http_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/breachdesk/breachdesk"
)

func TestContactPage(t *testing.T) {
	t.Parallel()
	b := setupPublic(t)
	good := func(change func(url.Values)) url.Values {
		v := url.Values{"category": {"question"}, "name": {"  Anna Rossi "}, "email": {" Anna.Rossi@Example.COM"},
			"message": {"  When did it happen?  "}}
		if change != nil {
			change(v)
		}
		return v
	}
	for _, tt := range []publicScenario{
		{name: "Form", url: "/en/contact", status: 200,
			contains: []string{`<form class="form" method="post" action="/en/contact">`, `<input type="hidden" name="csrf" value="`,
				`<legend>What is your message about?</legend>`,
				`<input type="radio" name="category" id="category-question" value="question" checked>`,
				`<label for="category-claim">A claim for damages</label>`,
				`<option value="erasure">Erase my data</option>`, `<label for="name">Your name</label>`,
				`<label for="phone">Your phone number (optional)</label>`, `<textarea id="message" name="message"`},
			notContains: []string{`name="incident"`, `type="file"`}},
		{name: "FormPrefilled", url: "/en/contact?incident=" + pageSlug + "&code=bd7kq4m2xp9rta", status: 200,
			contains: []string{`<input type="hidden" name="incident" value="2026-customer-data">`, `value="` + genuineCode + `"`,
				`href="/fr/contact?code=` + genuineCode + `&amp;incident=2026-customer-data"`}},
		{name: "FormPrefillIgnoresBadIncident", url: "/en/contact?incident=%3Cb%3E", status: 200,
			notContains: []string{`name="incident"`, "<b>"}},
		{name: "ErrNameMissing", method: "POST", url: "/en/contact", status: 422,
			form: good(func(v url.Values) { v.Set("name", "  "); v.Set("phone", "+39 06 1234") }),
			contains: []string{`<div class="problem" role="alert">`, `<a href="#name">Enter your name, in at most 200 characters.</a>`,
				`<p class="error" id="name-error">Enter your name, in at most 200 characters.</p>`, `aria-invalid="true" aria-describedby="name-error"`,
				`value=" Anna.Rossi@Example.COM"`, `value="&#43;39 06 1234"`, ">  When did it happen?  </textarea>"}},
		{name: "ErrEmail", method: "POST", url: "/it/contact", status: 422,
			form:     good(func(v url.Values) { v.Set("email", "anna@") }),
			contains: []string{`<p class="error" id="email-error">Inserisca un indirizzo e-mail`, `value="anna@"`}},
		{name: "ErrCategory", method: "POST", url: "/en/contact", status: 422,
			form:     good(func(v url.Values) { v.Set("category", "praise") }),
			contains: []string{`<p class="error" id="category-error">Choose what your message is about.</p>`}},
		{name: "ErrRequestKind", method: "POST", url: "/en/contact", status: 422,
			form: good(func(v url.Values) { v.Set("category", "data_request") }),
			contains: []string{`<p class="error" id="request_kind-error">Choose which right you want to exercise.</p>`,
				`id="category-data_request" value="data_request" checked>`}},
		{name: "ErrCode", method: "POST", url: "/en/contact", status: 422,
			form:     good(func(v url.Values) { v.Set("code", "BD-NOPE") }),
			contains: []string{`<p class="error" id="code-error">This is not a verification code.`, `value="BD-NOPE"`}},
		{name: "ErrMessageTooLong", method: "POST", url: "/en/contact", status: 422,
			form:     good(func(v url.Values) { v.Set("message", strings.Repeat("é", breachdesk.InquiryMessageLimit+1)) }),
			contains: []string{`<p class="error" id="message-error">Write your message, in at most 5,000 characters.</p>`}},
		{name: "ErrNoToken", method: "POST", url: "/en/contact", csrf: "none", form: good(nil), status: 403,
			contains: []string{"The form has expired", `href="/en/contact"`}},
		{name: "ErrWrongToken", method: "POST", url: "/en/contact", csrf: "wrong", form: good(nil), status: 403},
		{name: "ErrTooLarge", method: "POST", url: "/en/contact", status: 413,
			form: good(func(v url.Values) { v.Set("message", strings.Repeat("x", 70<<10)) }), contains: []string{"The form is too large"}},
	} {
		t.Run(tt.name, func(t *testing.T) { b.run(t, tt) })
	}
	b.mu.Lock()
	if len(b.submitted) != 0 {
		t.Errorf("invalid or refused forms reached the intake: %+v", b.submitted)
	}
	b.mu.Unlock()

	t.Run("OK", func(t *testing.T) {
		b.run(t, publicScenario{method: "POST", url: "/fr/contact", status: 200,
			form: good(func(v url.Values) {
				v.Set("category", "data_request")
				v.Set("request_kind", "erasure")
				v.Set("code", " bd 7kq4 m2xp 9rta ")
				v.Set("incident", pageSlug)
				v.Set("phone", " +39 06 1234 5678 ")
			}),
			contains: []string{"<h1 id=\"answer\">Message reçu</h1>", `<strong class="reference">Q-7KQ4-M2XP</strong>`,
				"Nous envoyons un accusé de réception avec ce numéro à a***@example.com.",
				"au plus tard le 21 décembre 2026."},
			notContains: []string{"anna.rossi", "Anna Rossi"},
			headers:     map[string]string{"Cache-Control": "no-store"}})
		b.mu.Lock()
		defer b.mu.Unlock()
		if len(b.submitted) != 1 {
			t.Fatalf("intake received %d inquiries, want 1", len(b.submitted))
		}
		got := b.submitted[0]
		want := &breachdesk.Inquiry{ID: 1, Reference: "Q-7KQ4-M2XP", Status: breachdesk.InquiryOpen, IncidentID: new(int64(7)),
			Category: breachdesk.InquiryDataRequest, RequestKind: breachdesk.RequestErasure,
			Name: "Anna Rossi", Email: "anna.rossi@example.com", Phone: "+39 06 1234 5678", Message: "When did it happen?",
			Code: genuineCode, Language: "fr", DueAt: got.DueAt}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("SubmitInquiry() got (-want +got):\n%s", diff)
		}
	})

	t.Run("OKKindIgnoredOutsideDataRequest", func(t *testing.T) {
		b.run(t, publicScenario{method: "POST", url: "/en/contact", status: 200,
			form:     good(func(v url.Values) { v.Set("category", "claim"); v.Set("request_kind", "access") }),
			contains: []string{"Q-7KQ4-M2XP"}, notContains: []string{"at the latest"}})
		b.mu.Lock()
		defer b.mu.Unlock()
		if q := b.submitted[len(b.submitted)-1]; q.RequestKind != "" || q.Category != breachdesk.InquiryClaim || q.IncidentID != nil {
			t.Errorf("SubmitInquiry() got category %q, kind %q, incident %v; want claim, no kind, no incident", q.Category, q.RequestKind, q.IncidentID)
		}
	})

	t.Run("ErrIntake", func(t *testing.T) {
		b.mu.Lock()
		b.intakeErr = errors.New("disk full at /var/lib/breachdesk")
		n := len(b.submitted)
		b.mu.Unlock()
		start := time.Now()
		b.run(t, publicScenario{method: "POST", url: "/en/contact", status: 503, form: good(nil),
			contains: []string{`<div class="problem" role="alert">`, "Your message could not be sent",
				"nothing was sent", ">  When did it happen?  </textarea>", `name="csrf"`},
			notContains: []string{"Q-7KQ4-M2XP", "Message received", "disk full"},
			headers:     map[string]string{"Retry-After": "30"}})
		if time.Since(start) > 5*time.Second {
			t.Error("the failed submission was slow")
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if len(b.submitted) != n {
			t.Error("a failed submission was stored")
		}
	})
}
