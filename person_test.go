package breachdesk_test

import (
	"testing"

	"github.com/breachdesk/breachdesk"
)

func TestMasks(t *testing.T) {
	for in, want := range map[string]string{
		"dana.prot@example.com": "d***@example.com",
		"Émile@example.fr":      "É***@example.fr",
		"nobody":                "***",
		"@example.com":          "***",
		"":                      "",
	} {
		if got := breachdesk.MaskEmail(in); got != want {
			t.Errorf("MaskEmail(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"+33612345678": "+33*******78", "+1415": "***", "": ""} {
		if got := breachdesk.MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"Lucas Thomas": "L*** T***", " Émile  Zola ": "É*** Z***", "": ""} {
		if got := breachdesk.MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := breachdesk.EmailIndexKey("  Dana@Example.COM "); got != "dana@example.com" {
		t.Errorf("EmailIndexKey() = %q", got)
	}
}
