package smtp_test

import (
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk/smtp"
)

func TestVERP(t *testing.T) {
	key := []byte("0123456789abcdef")
	shape := regexp.MustCompile(`^bounce\+[1-9][0-9]*-[a-z2-7]{8}@bounces\.acme\.example$`)
	for _, id := range []int64{1, 42, 1 << 40, math.MaxInt64} {
		addr := smtp.VERP(key, "bounces.acme.example", id)
		if !shape.MatchString(addr) {
			t.Errorf("VERP(%d) = %q, not of the form bounce+<id>-<tag>@domain", id, addr)
		}
		for _, form := range []string{addr, "<" + addr + ">", strings.ToUpper(addr)} {
			if got, ok := smtp.ParseVERP(key, form); !ok || got != id {
				t.Errorf("ParseVERP(%q) = %d, %v; want %d", form, got, ok, id)
			}
		}
	}
	if a, b := smtp.VERP(key, "d.example", 1), smtp.VERP(key, "d.example", 2); a[strings.Index(a, "-"):] == b[strings.Index(b, "-"):] {
		t.Errorf("two notices have the same tag: %s, %s", a, b)
	}
}

func TestParseVERPRejected(t *testing.T) {
	key := []byte("0123456789abcdef")
	addr := smtp.VERP(key, "bounces.acme.example", 42)
	tag := addr[strings.Index(addr, "-")+1 : strings.Index(addr, "@")]
	forged := []byte(tag)
	forged[0] = map[bool]byte{true: 'b', false: 'a'}[forged[0] == 'a']
	tests := []struct {
		name string
		key  []byte
		addr string
	}{
		{"ErrForgedTag", key, "bounce+42-" + string(forged) + "@bounces.acme.example"},
		{"ErrTagOfAnotherNotice", key, "bounce+43-" + tag + "@bounces.acme.example"},
		{"ErrOtherKey", []byte("another key, 16+"), addr},
		{"ErrNoTag", key, "bounce+42@bounces.acme.example"},
		{"ErrShortTag", key, "bounce+42-" + tag[:7] + "@bounces.acme.example"},
		{"ErrLeadingZero", key, "bounce+042-" + tag + "@bounces.acme.example"},
		{"ErrSign", key, "bounce++42-" + tag + "@bounces.acme.example"},
		{"ErrZero", key, "bounce+0-" + tag + "@bounces.acme.example"},
		{"ErrOtherPrefix", key, "notice+42-" + tag + "@bounces.acme.example"},
		{"ErrNoDomain", key, "bounce+42-" + tag},
		{"ErrEmptyDomain", key, "bounce+42-" + tag + "@"},
		{"ErrOverflow", key, "bounce+99999999999999999999-" + tag + "@d.example"},
		{"ErrEmpty", key, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if id, ok := smtp.ParseVERP(tt.key, tt.addr); ok {
				t.Errorf("ParseVERP(%q) = %d, true; want false", tt.addr, id)
			}
		})
	}
}
