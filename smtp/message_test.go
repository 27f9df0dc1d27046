package smtp_test

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/smtp"
	"github.com/google/go-cmp/cmp"
)

// testHeader returns a header that builds.
func testHeader() smtp.Header {
	return smtp.Header{
		From:      "ACME Privacy <privacy@acme.example>",
		ReplyTo:   "dpo@acme.example",
		To:        "marie.dupont@example.com",
		Subject:   "Important: a security incident",
		MessageID: "<n42.c7@acme.example>",
		Date:      time.Date(2026, 3, 14, 9, 26, 53, 0, time.FixedZone("CET", 3600)),
		Language:  "en",
		Extra:     [][2]string{{"X-Breachdesk-Campaign", "7"}},
	}
}

// parsed is a built message read back.
type parsed struct {
	header     mail.Header
	subject    string
	from, to   string
	text, html string
	textOnly   bool
}

// readBack parses a built message with net/mail and mime/multipart and
// decodes its parts, checking the line rules on the way.
func readBack(t *testing.T, msg []byte) parsed {
	t.Helper()
	checkLines(t, msg)
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("mail.ReadMessage() = %v\n%s", err, msg)
	}
	var p parsed
	p.header = m.Header
	var dec mime.WordDecoder
	if p.subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatalf("decode Subject %q: %v", m.Header.Get("Subject"), err)
	}
	from, err := m.Header.AddressList("From")
	if err != nil || len(from) != 1 {
		t.Fatalf("From %q: %v", m.Header.Get("From"), err)
	}
	p.from = from[0].String()
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 1 {
		t.Fatalf("To %q: %v", m.Header.Get("To"), err)
	}
	p.to = to[0].Address
	if got := m.Header.Get("MIME-Version"); got != "1.0" {
		t.Errorf("MIME-Version = %q, want 1.0", got)
	}

	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	if mediaType == "text/plain" {
		p.textOnly = true
		p.text = decodeQP(t, m.Body)
		return p
	}
	if mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, want multipart/alternative", mediaType)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for _, want := range []string{"text/plain", "text/html"} {
		part, err := mr.NextRawPart()
		if err != nil {
			t.Fatalf("part %s: %v", want, err)
		}
		ct, cp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if ct != want || cp["charset"] != "utf-8" {
			t.Errorf("part Content-Type = %q, want %s; charset=utf-8", part.Header.Get("Content-Type"), want)
		}
		if cte := part.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
			t.Errorf("part Content-Transfer-Encoding = %q, want quoted-printable", cte)
		}
		body := decodeQP(t, part)
		if want == "text/plain" {
			p.text = body
		} else {
			p.html = body
		}
	}
	if _, err := mr.NextRawPart(); err != io.EOF {
		t.Errorf("after the two parts: %v, want io.EOF", err)
	}
	return p
}

func decodeQP(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(quotedprintable.NewReader(r))
	if err != nil {
		t.Fatalf("quoted-printable: %v", err)
	}
	return string(b)
}

// checkLines checks CRLF line endings, no line longer than 998
// characters, and header lines within 78.
func checkLines(t *testing.T, msg []byte) {
	t.Helper()
	if !bytes.HasSuffix(msg, []byte("\r\n")) {
		t.Errorf("the message does not end with CRLF")
	}
	inHeader := true
	for i, line := range bytes.Split(bytes.TrimSuffix(msg, []byte("\r\n")), []byte("\r\n")) {
		if bytes.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 998 {
			t.Errorf("line %d has %d characters, more than 998", i+1, len(line))
		}
		if len(line) == 0 {
			inHeader = false
		}
		if inHeader && len(line) > 78 {
			t.Errorf("header line %d has %d characters, more than 78: %q", i+1, len(line), line)
		}
		if !inHeader && len(line) > 76 {
			t.Errorf("body line %d has %d characters, more than quoted-printable's 76: %q", i+1, len(line), line)
		}
	}
}

// crlf writes text's line breaks as quoted-printable decodes them.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func TestBuild(t *testing.T) {
	long := strings.Repeat("Nous avons découvert que des données vous concernant ont été copiées. ", 12)
	tests := []struct {
		name        string
		header      func(h *smtp.Header)
		text, html  string
		wantSubject string
		wantFrom    string
	}{
		{
			name: "OK",
			text: "Dear Marie,\n\nWe write to tell you about an incident.\n", html: "<p>Dear Marie,</p>\n<p>We write…</p>\n",
			wantSubject: "Important: a security incident", wantFrom: `"ACME Privacy" <privacy@acme.example>`,
		},
		{
			name: "French",
			header: func(h *smtp.Header) {
				h.Subject = "Violation de données personnelles — ce que nous faisons et ce que vous pouvez faire"
				h.From = "Société Générale des Données <dpo@acme.example>"
				h.Language = "fr"
			},
			text: long + "\n", html: "<p>" + long + "</p>",
			wantSubject: "Violation de données personnelles — ce que nous faisons et ce que vous pouvez faire",
			wantFrom:    "=?utf-8?q?Soci=C3=A9t=C3=A9_G=C3=A9n=C3=A9rale_des_Donn=C3=A9es?= <dpo@acme.example>",
		},
		{
			name: "German",
			header: func(h *smtp.Header) {
				h.Subject = "Verletzung des Schutzes personenbezogener Daten: Maßnahmen und Empfehlungen für Ihre Sicherheit"
				h.Language = "de-DE"
			},
			text: "Sehr geehrte Frau Müller,\r\nÄußerst wichtig: ändern Sie Ihr Passwort.\r\n", html: "<p>Sehr geehrte Frau Müller</p>",
			wantSubject: "Verletzung des Schutzes personenbezogener Daten: Maßnahmen und Empfehlungen für Ihre Sicherheit",
			wantFrom:    `"ACME Privacy" <privacy@acme.example>`,
		},
		{
			name:   "LongASCIISubjectFolded",
			header: func(h *smtp.Header) { h.Subject = strings.Repeat("notice about the incident ", 8) + "end" },
			text:   "x", html: "<p>x</p>",
			wantSubject: strings.Repeat("notice about the incident ", 8) + "end",
			wantFrom:    `"ACME Privacy" <privacy@acme.example>`,
		},
		{
			name:   "SubjectLooksEncoded",
			header: func(h *smtp.Header) { h.Subject = "=?utf-8?q?not_encoded?=" },
			text:   "x", html: "<p>x</p>",
			wantSubject: "=?utf-8?q?not_encoded?=",
			wantFrom:    `"ACME Privacy" <privacy@acme.example>`,
		},
		{
			name:   "Greek",
			header: func(h *smtp.Header) { h.Subject = strings.Repeat("Παραβίαση δεδομένων ", 6) },
			text:   strings.Repeat("Αγαπητέ πελάτη, ", 30) + "\n.\n..\nFrom the start\n", html: "<p>Αγαπητέ</p>",
			wantSubject: strings.Repeat("Παραβίαση δεδομένων ", 6),
			wantFrom:    `"ACME Privacy" <privacy@acme.example>`,
		},
		{
			name: "TrailingSpacesKept",
			text: "line with trailing space   \nnext\ttab \n=equals=\n", html: "<b>=</b>",
			wantSubject: "Important: a security incident",
			wantFrom:    `"ACME Privacy" <privacy@acme.example>`,
		},
		{
			name:        "TextOnly",
			text:        "Only text.\n",
			wantSubject: "Important: a security incident",
			wantFrom:    `"ACME Privacy" <privacy@acme.example>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testHeader()
			if tt.header != nil {
				tt.header(&h)
			}
			msg, err := smtp.Build(h, tt.text, tt.html)
			if err != nil {
				t.Fatalf("Build() = %v", err)
			}
			got := readBack(t, msg)
			if got.subject != tt.wantSubject {
				t.Errorf("Subject = %q, want %q", got.subject, tt.wantSubject)
			}
			var dec mime.WordDecoder
			wantFrom, _ := dec.DecodeHeader(tt.wantFrom)
			gotFrom, _ := dec.DecodeHeader(got.from)
			if gotFrom != wantFrom {
				t.Errorf("From = %q, want %q", gotFrom, wantFrom)
			}
			if got.to != h.To {
				t.Errorf("To = %q, want %q", got.to, h.To)
			}
			if diff := cmp.Diff(crlf(tt.text), got.text); diff != "" {
				t.Errorf("text part (-want +got):\n%s", diff)
			}
			if got.textOnly != (tt.html == "") {
				t.Errorf("text only = %v, want %v", got.textOnly, tt.html == "")
			}
			if diff := cmp.Diff(crlf(tt.html), got.html); diff != "" {
				t.Errorf("html part (-want +got):\n%s", diff)
			}
			for field, want := range map[string]string{
				"Message-ID":            h.MessageID,
				"Content-Language":      h.Language,
				"X-Breachdesk-Campaign": "7",
				"Reply-To":              "<dpo@acme.example>",
			} {
				if got := got.header.Get(field); got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			if date, err := got.header.Date(); err != nil || !date.Equal(h.Date) {
				t.Errorf("Date = %v, %v; want %v", date, err, h.Date)
			}

			again, _ := smtp.Build(h, tt.text, tt.html)
			if !bytes.Equal(msg, again) {
				t.Errorf("Build() is not the same twice for the same notice")
			}
		})
	}
}

func TestBuildInvalid(t *testing.T) {
	tests := []struct {
		name   string
		header func(h *smtp.Header)
		text   string
		want   string
	}{
		{"ErrDateRequired", func(h *smtp.Header) { h.Date = time.Time{} }, "x", "Date"},
		{"ErrFromRequired", func(h *smtp.Header) { h.From = "" }, "x", "From"},
		{"ErrFromInvalid", func(h *smtp.Header) { h.From = "privacy at acme" }, "x", "From"},
		{"ErrToLineBreak", func(h *smtp.Header) { h.To = "a@b.example\r\nBcc: c@d.example" }, "x", "To"},
		{"ErrSubjectLineBreak", func(h *smtp.Header) { h.Subject = "a\r\nBcc: c@d.example" }, "x", "Subject"},
		{"ErrMessageID", func(h *smtp.Header) { h.MessageID = "n42@acme.example" }, "x", "Message-ID"},
		{"ErrLanguage", func(h *smtp.Header) { h.Language = "french language" }, "x", "Content-Language"},
		{"ErrExtraOwnField", func(h *smtp.Header) { h.Extra = [][2]string{{"from", "x@y.example"}} }, "x", "Extra"},
		{"ErrExtraName", func(h *smtp.Header) { h.Extra = [][2]string{{"X Bad", "1"}} }, "x", "Extra"},
		{"ErrTextNotUTF8", nil, "caf\xe9", "UTF-8"},
		{"ErrWordTooLong", func(h *smtp.Header) { h.Subject = strings.Repeat("x", 1000) }, "x", "Subject"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testHeader()
			if tt.header != nil {
				tt.header(&h)
			}
			_, err := smtp.Build(h, tt.text, "")
			if code := breachdesk.ErrorCode(err); code != breachdesk.EInvalid {
				t.Fatalf("Build() = %v, want an invalid error", err)
			}
			if msg := breachdesk.ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Errorf("Build() message = %q, want it to name %q", msg, tt.want)
			}
		})
	}
}

// benchText is a notice of the usual size: about 2.5 KB of text and 4 KB
// of HTML, in French.
func benchText() (string, string) {
	para := "Le 12 mars, nous avons découvert qu'une personne non autorisée avait accédé à une base de données contenant votre nom, votre adresse électronique et votre numéro de téléphone. "
	text := "Madame, Monsieur,\n\n" + strings.Repeat(para+"\n\n", 13)
	html := "<html><body><p>Madame, Monsieur,</p>" + strings.Repeat("<p>"+para+"</p>\n", 20) + "</body></html>"
	return text, html
}

func BenchmarkBuild(b *testing.B) {
	h := testHeader()
	h.Subject = "Violation de données personnelles : information importante"
	text, html := benchText()
	b.SetBytes(int64(len(text) + len(html)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := smtp.Build(h, text, html); err != nil {
			b.Fatal(err)
		}
	}
}
