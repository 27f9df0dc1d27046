package notice_test

import (
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/notice"
)

func TestReceipt(t *testing.T) {
	r, err := notice.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	org := &breachdesk.Organization{Name: "Marketplace SAS", Language: "en"}
	received := time.Date(2026, 1, 31, 9, 30, 0, 0, time.UTC)
	due := breachdesk.DataRequestDue(received)
	tests := []struct {
		name     string
		inquiry  *breachdesk.Inquiry
		language string
		contains []string
		absent   []string
	}{
		{"OKDataRequestInFrench", &breachdesk.Inquiry{Reference: "Q-7KQ4-M2XP", Category: breachdesk.InquiryDataRequest, RequestKind: breachdesk.RequestAccess,
			Name: "Lucas Thomas", Message: "Send me everything at http://evil.example", Language: "fr-FR", CreatedAt: received, DueAt: &due},
			"fr", []string{"Bonjour Lucas Thomas,", "Q-7KQ4-M2XP", "31 janvier 2026", "au plus tard le 28 février 2026", "Marketplace SAS"},
			[]string{"evil.example", "Send me"}},
		{"OKQuestionInGerman", &breachdesk.Inquiry{Reference: "Q-AAAA-BBBB", Category: breachdesk.InquiryQuestion,
			Message: "Was ist passiert?", Language: "de", CreatedAt: received},
			"de", []string{"Q-AAAA-BBBB", "31. Januar 2026"}, []string{"spätestens", "Was ist passiert"}},
		{"OKControlCharactersStripped", &breachdesk.Inquiry{Reference: "Q-EEEE-FFFF", Category: breachdesk.InquiryQuestion,
			Name: "Eve\x1b[31m Red\r\nBcc: x@evil.example", Message: "x", Language: "en", CreatedAt: received},
			"en", []string{"Dear Eve[31m Red Bcc: x@evil.example,"}, []string{"\x1b", "\r"}},
		{"OKUnknownLanguageFallsBack", &breachdesk.Inquiry{Reference: "Q-CCCC-DDDD", Category: breachdesk.InquiryClaim,
			Name: "Ana", Message: "x", Language: "pt-BR", CreatedAt: received},
			"en", []string{"Dear Ana,", "reference Q-CCCC-DDDD"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := r.Receipt(&notice.ReceiptData{Organization: org, Inquiry: tc.inquiry})
			if msg.Language != tc.language || !strings.Contains(msg.Subject, tc.inquiry.Reference) || msg.HTML != "" {
				t.Errorf("language %q, subject %q, HTML %d bytes; want %s, the reference in the subject, text only", msg.Language, msg.Subject, len(msg.HTML), tc.language)
			}
			// Lines are wrapped: compare the words.
			text := strings.Join(strings.Fields(msg.Text), " ")
			for _, s := range tc.contains {
				if !strings.Contains(text, strings.Join(strings.Fields(s), " ")) {
					t.Errorf("the receipt lacks %q:\n%s", s, msg.Text)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(msg.Text, s) {
					t.Errorf("the receipt contains %q:\n%s", s, msg.Text)
				}
			}
		})
	}
}
