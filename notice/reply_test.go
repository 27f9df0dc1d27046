package notice_test

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/notice"
)

func TestReply(t *testing.T) {
	r, err := notice.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	org := &breachdesk.Organization{Name: "Marketplace SAS", Language: "en"}
	orgDE := &breachdesk.Organization{Name: "Marktplatz GmbH", Language: "de"}
	received := time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)
	const verifyURL = "https://notice.example.com/verify"
	long := "Nous avons supprimé " + strings.Repeat("les données de votre compte ", 5) + "le 2 février."
	tests := []struct {
		name      string
		org       *breachdesk.Organization
		inquiry   *breachdesk.Inquiry
		reply     *breachdesk.InquiryReply
		verifyURL string
		language  string
		// contains are compared word by word, since lines are wrapped;
		// lines must appear in the text as they are.
		contains []string
		lines    []string
		absent   []string
	}{
		{"OKFrenchBodyKept", org,
			&breachdesk.Inquiry{Reference: "Q-7KQ4-M2XP", Name: "Lucas Thomas", Language: "fr-FR", CreatedAt: received},
			&breachdesk.InquiryReply{Language: "fr", Body: "Merci pour votre message.\r\n\r\nVoici ce que nous avons fait :\r\n- première étape ;\r\n- " +
				strings.Repeat("seconde ", 12) + "étape.\r\n\r\n" + long},
			verifyURL, "fr",
			[]string{long, "31 janvier 2026", "référence Q-7KQ4-M2XP", verifyURL, "code de vérification"},
			[]string{"Bonjour Lucas Thomas,\n\nMerci pour votre message.\n\nVoici ce que nous avons fait :\n- première étape ;\n- seconde",
				"\n  seconde", "étape.\n\nNous avons supprimé", "\n\nMarketplace SAS\n"},
			[]string{"\r", long}},
		{"OKVerifyOnlyWithURL", org,
			&breachdesk.Inquiry{Reference: "Q-AAAA-BBBB", Name: "Ana", Language: "en", CreatedAt: received},
			&breachdesk.InquiryReply{Language: "en", Body: "Your data was erased.   \n  Account:   closed"},
			"", "en",
			[]string{"Dear Ana,", "your message of 31 January 2026, reference Q-AAAA-BBBB"},
			[]string{"Your data was erased.\n  Account:   closed\n\nThis answers"},
			[]string{"verification code", "https://"}},
		{"OKControlCharactersStripped", org,
			&breachdesk.Inquiry{Reference: "Q-CCCC-DDDD", Name: "Ana\a\x1b[2J", Language: "en", CreatedAt: received},
			&breachdesk.InquiryReply{Language: "en", Body: "Red \x1b[31malert\x1b[0m\r\nnext\rline\x00 \u0085end\x7f\n\tindented"},
			verifyURL, "en",
			nil,
			[]string{"Dear Ana[2J,", "Red [31malert[0m\nnext\nline end\n indented\n"},
			[]string{"\x1b", "\a", "\r", "\x00", "\x7f", "\u0085", "\t"}},
		{"OKUnknownLanguageFallsBack", orgDE,
			&breachdesk.Inquiry{Reference: "Q-EEEE-FFFF", Language: "pt-BR", CreatedAt: received},
			&breachdesk.InquiryReply{Language: "pt-BR", Body: "Ihre Daten wurden gelöscht."},
			verifyURL, "de",
			[]string{"Guten Tag,", "Ihre Nachricht vom 31. Januar 2026, Referenz Q-EEEE-FFFF", "Prüfcode", "Marktplatz GmbH"},
			nil, []string{"Dear", "reference"}},
		{"OKReplyLanguageFirst", org,
			&breachdesk.Inquiry{Reference: "Q-GGGG-HHHH", Name: "Ana", Language: "fr", CreatedAt: received},
			&breachdesk.InquiryReply{Language: "es", Body: "Hemos borrado sus datos."},
			"", "es",
			[]string{"Estimado/a Ana:", "su mensaje del 31 de enero de 2026, referencia Q-GGGG-HHHH"},
			nil, []string{"Bonjour"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := r.Reply(&notice.ReplyData{Organization: tc.org, Inquiry: tc.inquiry, Reply: tc.reply, VerifyURL: tc.verifyURL})
			if msg.Language != tc.language || !strings.Contains(msg.Subject, tc.inquiry.Reference) || msg.HTML != "" {
				t.Errorf("language %q, subject %q, HTML %d bytes; want %s, the reference in the subject, text only", msg.Language, msg.Subject, len(msg.HTML), tc.language)
			}
			text := strings.Join(strings.Fields(msg.Text), " ")
			for _, s := range tc.contains {
				if !strings.Contains(text, strings.Join(strings.Fields(s), " ")) {
					t.Errorf("the reply lacks %q:\n%s", s, msg.Text)
				}
			}
			for _, s := range tc.lines {
				if !strings.Contains(msg.Text, s) {
					t.Errorf("the reply lacks the lines %q:\n%s", s, msg.Text)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(msg.Text, s) {
					t.Errorf("the reply contains %q:\n%s", s, msg.Text)
				}
			}
			for i, line := range strings.Split(msg.Text, "\n") {
				if n := utf8.RuneCountInString(line); n > 72 {
					t.Errorf("line %d has %d characters, more than 72: %q", i+1, n, line)
				}
			}
		})
	}
}

func TestReplySubject(t *testing.T) {
	r, err := notice.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	msg := r.Reply(&notice.ReplyData{
		Organization: &breachdesk.Organization{Name: "Marketplace SAS", Language: "en"},
		Inquiry:      &breachdesk.Inquiry{Reference: "Q-7KQ4-M2XP", CreatedAt: time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)},
		Reply:        &breachdesk.InquiryReply{Body: "Done."},
	})
	if got, want := msg.Subject, "Our answer to your message: reference Q-7KQ4-M2XP"; got != want {
		t.Errorf("Reply().Subject = %q, want %q", got, want)
	}
}

func TestReplyTemplate(t *testing.T) {
	r, err := notice.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := notice.ReplyTemplates(), []string{"genuine", "affected", "not_affected", "data_request_done", "claim_received", "more_information"}; !slices.Equal(got, want) {
		t.Errorf("ReplyTemplates() = %q, want %q", got, want)
	}
	t.Run("OK", func(t *testing.T) {
		seen := map[string]string{}
		for _, name := range notice.ReplyTemplates() {
			for _, lang := range notice.Languages() {
				text, got, ok := r.ReplyTemplate(lang, name)
				where := lang + " " + name
				switch {
				case !ok || got != lang:
					t.Errorf("ReplyTemplate(%q, %q) = language %q, ok %v; want %q, true", lang, name, got, ok, lang)
				case strings.TrimSpace(text) == "" || strings.Contains(text, "reply_template."):
					t.Errorf("ReplyTemplate(%q, %q) = %q, want a text", lang, name, text)
				case strings.ContainsAny(text, "{}"):
					t.Errorf("ReplyTemplate(%q, %q) = %q, want no placeholder", lang, name, text)
				case seen[text] != "":
					t.Errorf("ReplyTemplate(%q, %q) is the text of %s", lang, name, seen[text])
				}
				seen[text] = where
			}
		}
	})
	t.Run("OKBestLanguage", func(t *testing.T) {
		for _, tc := range []struct{ lang, want string }{{"fr-CA", "fr"}, {"DE", "de"}, {"pt-BR", "en"}, {"", "en"}} {
			text, got, ok := r.ReplyTemplate(tc.lang, "genuine")
			want, _, _ := r.ReplyTemplate(tc.want, "genuine")
			if !ok || got != tc.want || text != want {
				t.Errorf("ReplyTemplate(%q, genuine) = %q, %v; want the text in %s", tc.lang, got, ok, tc.want)
			}
		}
	})
	t.Run("ErrUnknownName", func(t *testing.T) {
		for _, name := range []string{"", "unknown", "Genuine", "reply_template.genuine"} {
			if text, lang, ok := r.ReplyTemplate("en", name); ok || text != "" || lang != "" {
				t.Errorf("ReplyTemplate(en, %q) = %q, %q, %v; want nothing, false", name, text, lang, ok)
			}
		}
	})
}
