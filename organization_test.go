package breachdesk_test

import (
	"testing"

	"github.com/breachdesk/breachdesk"
)

func TestOrganizationValidate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		org   breachdesk.Organization
		field string
	}{
		{"OK", breachdesk.Organization{Name: "Shop", Country: "fr", DPOEmail: "dpo@shop.example", DPOPhone: "+33 (0)1 23-45.67"}, ""},
		{"ErrName", breachdesk.Organization{Country: "FR"}, "name"},
		{"ErrCountryUnassigned", breachdesk.Organization{Name: "Shop", Country: "ZZ"}, "country"},
		{"ErrCountryLong", breachdesk.Organization{Name: "Shop", Country: "FRA"}, "country"},
		{"ErrEmail", breachdesk.Organization{Name: "Shop", Country: "FR", DPOEmail: "Dana <dpo@shop.example>"}, "dpo_email"},
		{"ErrPhoneLetters", breachdesk.Organization{Name: "Shop", Country: "FR", DPOPhone: "call me"}, "dpo_phone"},
		{"ErrPhoneShort", breachdesk.Organization{Name: "Shop", Country: "FR", DPOPhone: "12"}, "dpo_phone"},
		{"ErrLanguage", breachdesk.Organization{Name: "Shop", Country: "FR", Language: "French"}, "language"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			org := tt.org
			org.Normalize()
			err := org.Validate()
			if got := breachdesk.ErrorField(err); got != tt.field || (tt.field == "") != (err == nil) {
				t.Fatalf("Validate() = %v (field %q), want field %q", err, got, tt.field)
			}
		})
	}
}

func TestIsCountryCode(t *testing.T) {
	for code, want := range map[string]bool{"FR": true, "GB": true, "US": true, "ZW": true, "AD": true,
		"UK": false, "EU": false, "fr": false, "F": false, "D ": false, "": false, "DA": false} {
		if got := breachdesk.IsCountryCode(code); got != want {
			t.Errorf("IsCountryCode(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestErrorHelpers(t *testing.T) {
	if breachdesk.ErrorCode(nil) != "" || breachdesk.ErrorMessage(nil) != "" {
		t.Error("nil error has a code or message")
	}
	plain := errAny("boom")
	if breachdesk.ErrorCode(plain) != breachdesk.EInternal || breachdesk.ErrorMessage(plain) != "Internal error." {
		t.Error("a plain error is not reported as internal")
	}
}

type errAny string

func (e errAny) Error() string { return string(e) }
