package smtp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"strconv"
	"strings"
)

// verpPrefix starts the local part of every return path.
const verpPrefix = "bounce+"

// verpTagLen is the length of a VERP tag: 8 base32 characters, 40 bits of
// the MAC, enough that forging a bounce for another notice takes about a
// trillion guesses, each one an SMTP transaction.
const verpTagLen = 8

// VERP returns the return path (envelope sender) of notice id:
// bounce+<id>-<tag>@domain, tag being a short keyed MAC of the id
// (HMAC-SHA-256 with key, the first 40 bits in lower-case base32), so that
// bounces cannot be forged for other notices. Delivery status notifications
// come back to this address (variable envelope return path).
func VERP(key []byte, domain string, noticeID int64) string {
	id := strconv.FormatInt(noticeID, 10)
	return verpPrefix + id + "-" + verpTag(key, id) + "@" + domain
}

// ParseVERP returns the notice id of a VERP address (with or without angle
// brackets; the domain is not checked), and false if the address is not of
// the VERP form or its tag does not match.
func ParseVERP(key []byte, addr string) (int64, bool) {
	addr = strings.TrimSuffix(strings.TrimPrefix(addr, "<"), ">")
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || at == len(addr)-1 {
		return 0, false
	}
	local := addr[:at]
	// Some mail systems change the case of a local part; the prefix and
	// the tag mean the same in either case.
	if len(local) < len(verpPrefix) || !strings.EqualFold(local[:len(verpPrefix)], verpPrefix) {
		return 0, false
	}
	id, tag, ok := strings.Cut(local[len(verpPrefix):], "-")
	if !ok || len(tag) != verpTagLen || id == "" || len(id) > 19 {
		return 0, false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(id, 10, 64)
	// The canonical form only: "007" would be another address for 7.
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != id {
		return 0, false
	}
	if !hmac.Equal([]byte(strings.ToLower(tag)), []byte(verpTag(key, id))) {
		return 0, false
	}
	return n, true
}

// verpTag returns the tag of the decimal notice id.
func verpTag(key []byte, id string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("breachdesk verp\x00"))
	mac.Write([]byte(id))
	sum := mac.Sum(nil)
	var tag [verpTagLen]byte
	base32.StdEncoding.Encode(tag[:], sum[:5])
	return strings.ToLower(string(tag[:]))
}
