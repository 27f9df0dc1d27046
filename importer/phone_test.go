package importer

import (
	"math/rand/v2"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestPhoneFastPathAgreesWithParser checks, across every region the
// library knows and every type of number, that reading an international
// number directly gives what the library's parser gives.
func TestPhoneFastPathAgreesWithParser(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	types := []phonenumbers.PhoneNumberType{phonenumbers.MOBILE, phonenumbers.FIXED_LINE, phonenumbers.TOLL_FREE,
		phonenumbers.PREMIUM_RATE, phonenumbers.VOIP, phonenumbers.PAGER, phonenumbers.UAN, phonenumbers.VOICEMAIL}
	checked, fast := 0, 0
	for region := range phonenumbers.GetSupportedRegions() {
		for _, typ := range types {
			example := phonenumbers.GetExampleNumberForType(region, typ)
			if example == nil {
				continue
			}
			e164 := phonenumbers.Format(example, phonenumbers.E164)
			for range 4 {
				digits := []byte(e164)
				for j := max(len(digits)-4, 3); j < len(digits); j++ {
					digits[j] = byte('0' + rng.IntN(10))
				}
				for _, written := range []string{string(digits), string(digits[:3]) + " " + string(digits[3:6]) + "-" + string(digits[6:])} {
					for _, country := range []string{region, "FR", "US"} {
						got, gotReason := NormalizePhone(written, country)
						want, wantReason := normalizePhoneSlow(written, country)
						if got != want || (gotReason == "") != (wantReason == "") {
							t.Errorf("NormalizePhone(%q, %s) = %q %q; the parser gives %q %q", written, country, got, gotReason, want, wantReason)
						}
						if n := parseInternational(written); n != nil && phonenumbers.IsValidNumber(n) {
							fast++
						}
						checked++
					}
				}
			}
		}
	}
	if checked < 5000 || fast < checked/3 {
		t.Fatalf("checked %d numbers, %d by the fast path: too few to trust", checked, fast)
	}
	t.Logf("checked %d numbers, %d through the fast path", checked, fast)
}

func BenchmarkNormalizePhone(b *testing.B) {
	for _, tt := range []struct{ name, number, country string }{
		{"International", "+33612345678", "FR"},
		{"InternationalSpaced", "+1 415 555 0142", "US"},
		{"National", "06 12 34 56 78", "FR"},
	} {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				NormalizePhone(tt.number, tt.country)
			}
		})
		b.Run(tt.name+"Parser", func(b *testing.B) {
			for b.Loop() {
				normalizePhoneSlow(tt.number, tt.country)
			}
		})
	}
}
