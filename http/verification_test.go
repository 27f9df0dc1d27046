package http_test

import (
	"testing"

	"github.com/breachdesk/breachdesk"

	"github.com/google/go-cmp/cmp"
)

func TestVerifyPage(t *testing.T) {
	t.Parallel()
	b := setupPublic(t)
	for _, tt := range []publicScenario{
		{name: "Form", url: "/en/verify", status: 200,
			contains: []string{`<form class="form" method="get" action="/en/verify">`, `<label for="code">Verification code</label>`,
				`<input id="code" name="code" type="text" value=""`, `aria-current="page">Check a message</a>`},
			notContains: []string{"This message is genuine", "did not come from us"}},
		{name: "EmptyCodeIsTheForm", url: "/en/verify?code=", status: 200,
			contains: []string{"<h1>Check that a message is genuine</h1>"}},
		{name: "Genuine", url: "/en/verify?code=bd+7kq4+m2xp+9rta", status: 200,
			contains: []string{
				`<h1 id="answer">This message is genuine</h1>`, "Shop SpA sent the notice that carries this code.",
				`<a href="/en/incidents/2026-customer-data">Customer names exposed</a>`,
				"<dd>3 November 2026</dd>", "<dd>an e-mail</dd>", "<dd>m***@example.com</dd>", "<code>" + genuineCode + "</code>",
				`href="/en/contact?incident=2026-customer-data&amp;code=` + genuineCode + `"`},
			notContains: []string{"did not come from us"},
			headers:     map[string]string{"Cache-Control": "no-store"}},
		{name: "GenuineInFrench", url: "/fr/verify?code=" + genuineCode, status: 200,
			contains: []string{"Ce message est authentique", "<dd>3 novembre 2026</dd>", "<dd>e-mail</dd>"}},
		{name: "GenuineLetterInFlight", url: "/en/verify?code=" + letterCode, status: 200,
			contains: []string{"This message is genuine", "<dd>being sent now</dd>", "<dd>a letter by post</dd>", "<dd>M. R***</dd>",
				"<dd>Customer names exposed</dd>", `href="/en/contact?code=` + letterCode + `"`},
			notContains: []string{"/incidents/"}},
		{name: "Unknown", url: "/en/verify?code=" + unknownCode, status: 200,
			contains: []string{`<section class="answer fake"`, `<h1 id="answer">This message did not come from us</h1>`,
				"We have not sent any notice with the code " + unknownCode + ".", "Do not click its links",
				`<a href="/en/contact">our contact form.</a>`, `value="` + unknownCode + `"`},
			notContains: []string{"This message is genuine"}},
		{name: "Malformed", url: "/en/verify?code=%3Cscript%3Ealert(1)%3C/script%3E", status: 200,
			contains:    []string{"This message did not come from us", "“&lt;script&gt;alert(1)&lt;/script&gt;” is not one of our verification codes."},
			notContains: []string{"<script>", "This message is genuine"}},
		{name: "MalformedLongIsCut", url: "/en/verify?code=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", status: 200,
			contains:    []string{"“AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA”"},
			notContains: []string{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
		{name: "ServiceDown", url: "/en/verify?code=" + failingCode, status: 503,
			contains:    []string{"Temporarily unavailable", "This does not mean that a message you received is fake."},
			notContains: []string{"did not come from us", "database is locked"},
			headers:     map[string]string{"Retry-After": "30"}},
	} {
		t.Run(tt.name, func(t *testing.T) { b.run(t, tt) })
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	// The page's language picks the incident's title, and a code the
	// keyring decodes comes with its notice's id.
	want := []breachdesk.VerifyRequest{
		{Code: genuineCode, NoticeID: genuineNoticeID, Language: "en"}, {Code: genuineCode, NoticeID: genuineNoticeID, Language: "fr"},
		{Code: letterCode, Language: "en"}, {Code: unknownCode, Language: "en"}, {Code: failingCode, Language: "en"}}
	if diff := cmp.Diff(want, b.verified); diff != "" {
		t.Errorf("requests to the verifier (-want +got):\n%s", diff)
	}
}

func TestVerifyPageMasksRecipient(t *testing.T) {
	t.Parallel()
	b := setupPublic(t)
	b.run(t, publicScenario{url: "/en/verify?code=" + leakyCode, status: 200,
		contains: []string{"<dd>m***@example.com</dd>"}, notContains: []string{"mario.rossi"}})
}
