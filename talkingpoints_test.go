package breachdesk_test

import (
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk"
)

func TestTalkingPointsNormalizeValidate(t *testing.T) {
	for _, tt := range []struct {
		name, text, want string
		field            string
	}{
		{"OKLineEnds", " a\r\nb\rc\n ", "a\nb\nc", ""},
		{"OKEmptyClears", "  \r\n", "", ""},
		{"OKLongest", strings.Repeat("é", breachdesk.MaxTalkingPointsLength/2), strings.Repeat("é", breachdesk.MaxTalkingPointsLength/2), ""},
		{"ErrTooLong", strings.Repeat("x", breachdesk.MaxTalkingPointsLength+1), "", "text"},
		{"ErrNUL", "a\x00b", "", "text"},
		{"ErrNotUTF8", "caf\xe9", "", "text"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tp := &breachdesk.TalkingPoints{Text: tt.text}
			tp.Normalize()
			err := tp.Validate()
			if tt.field != "" {
				if breachdesk.ErrorCode(err) != breachdesk.EInvalid || breachdesk.ErrorField(err) != tt.field {
					t.Fatalf("Validate() = %v, want invalid %s", err, tt.field)
				}
				return
			}
			if err != nil || tp.Text != tt.want {
				t.Fatalf("Normalize, Validate = %q, %v; want %q", tp.Text, err, tt.want)
			}
		})
	}
}
