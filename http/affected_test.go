package http_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	bdhttp "github.com/breachdesk/breachdesk/http"
)

func TestAffectedPage(t *testing.T) {
	t.Parallel()
	b := setupPublic(t)
	sent := "If this address is concerned by the breach, we have sent it a message with our notice."
	for _, tt := range []publicScenario{
		{name: "Form", url: "/en/affected", status: 200,
			contains: []string{`<form class="form" method="post" action="/en/affected">`, `<input type="hidden" name="csrf" value="`,
				`<label for="email">Your e-mail address</label>`, `autocomplete="email"`},
			notContains: []string{sent}},
		{name: "Sent", method: "POST", url: "/en/affected", form: url.Values{"email": {"  Anna.Rossi@Example.COM "}}, status: 200,
			contains: []string{sent}, notContains: []string{"anna", "Anna", `name="csrf"`}},
		{name: "SentInGerman", method: "POST", url: "/de/affected", form: url.Values{"email": {"jan@example.de"}}, status: 200,
			contains: []string{"Wenn diese Adresse von der Datenschutzverletzung betroffen ist"}},
		{name: "ErrNotAnAddress", method: "POST", url: "/en/affected", form: url.Values{"email": {"anna at example"}}, status: 422,
			contains: []string{`<div class="problem" role="alert">`, `<p class="error" id="email-error">Enter an e-mail address, such as name@example.com.</p>`,
				`value="anna at example"`, `aria-invalid="true"`},
			notContains: []string{sent}},
		{name: "ErrNoToken", method: "POST", url: "/en/affected", csrf: "none", form: url.Values{"email": {"eve@example.com"}}, status: 403,
			contains: []string{"The form has expired", `<a href="/en/affected">Go back to the form</a>`}, notContains: []string{sent}},
		{name: "ErrWrongToken", method: "POST", url: "/en/affected", csrf: "wrong", form: url.Values{"email": {"eve@example.com"}}, status: 403,
			notContains: []string{sent}},
		{name: "ErrTooLarge", method: "POST", url: "/en/affected", form: url.Values{"email": {strings.Repeat("a", 17<<10) + "@example.com"}}, status: 413,
			contains: []string{"The form is too large"}},
	} {
		t.Run(tt.name, func(t *testing.T) { b.run(t, tt) })
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if diff := cmp.Diff([]string{"anna.rossi@example.com en", "jan@example.de de"}, b.resent); diff != "" {
		t.Errorf("RequestResend calls (-want +got):\n%s", diff)
	}
}

// TestAffectedDoesNotRevealAddress posts an affected and an unaffected
// address: the answers must be the same, byte for byte.
func TestAffectedDoesNotRevealAddress(t *testing.T) {
	t.Parallel()
	affected := map[string]bool{"anna@example.com": true}
	var mu sync.Mutex
	var mailed []string
	b := setupPublic(t, func(s *bdhttp.Server) {
		s.NoticeResender = resenderFunc(func(email, language string) {
			mu.Lock()
			defer mu.Unlock()
			if affected[email] {
				mailed = append(mailed, email)
			}
		})
	})
	answer := func(email string) (int, http.Header, string) {
		resp, body := b.do(t, publicScenario{method: "POST", url: "/fr/affected", form: url.Values{"email": {email}}})
		h := resp.Header.Clone()
		h.Del("Date")
		return resp.StatusCode, h, body
	}
	for _, round := range []string{"First", "Again"} {
		t.Run(round, func(t *testing.T) {
			status1, header1, body1 := answer("anna@example.com")
			status2, header2, body2 := answer("bruno@example.com")
			if status1 != 200 || status2 != 200 {
				t.Errorf("status = %d and %d, want 200 for both", status1, status2)
			}
			if diff := cmp.Diff(header1, header2); diff != "" {
				t.Errorf("headers differ (-affected +unaffected):\n%s", diff)
			}
			if body1 != body2 {
				t.Errorf("bodies differ:\n%s\n---\n%s", body1, body2)
			}
			if header1.Get("Set-Cookie") != "" {
				t.Errorf("the answer sets a cookie: %s", header1.Get("Set-Cookie"))
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(mailed, []string{"anna@example.com", "anna@example.com"}) {
		t.Errorf("mailed = %v, want the affected address twice", mailed)
	}
}
