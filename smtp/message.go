package smtp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/breachdesk/breachdesk"
)

// Header is what a notice's message header says.
type Header struct {
	// From, ReplyTo and To are addresses; From and ReplyTo may have display
	// names ("ACME Privacy <privacy@acme.example>"), in any script. ReplyTo
	// is optional.
	From, ReplyTo, To string
	// Subject is any Unicode text; it is RFC 2047 encoded when needed.
	Subject string
	// MessageID is "<...@domain>", given by the caller so that it stays the
	// same across attempts.
	MessageID string
	// Date is when the message is written.
	Date time.Time
	// Language is the Content-Language (a BCP 47 tag such as "fr"),
	// optional.
	Language string
	// Extra holds more header fields, name and value, such as
	// {"X-Breachdesk-Campaign", "12"}. They may not repeat a field Build
	// writes itself.
	Extra [][2]string
}

// Line lengths of RFC 5322 section 2.1.1: lines should stay within 78
// characters and must stay within 998.
const (
	lineSoftLimit = 78
	lineHardLimit = 998
)

// ownField tells whether Build writes the header field name itself, so
// that Extra may not repeat it.
func ownField(name string) bool {
	switch strings.ToLower(name) {
	case "date", "from", "reply-to", "to", "subject", "message-id", "mime-version",
		"content-language", "content-type", "content-transfer-encoding", "dkim-signature":
		return true
	}
	return false
}

// Build returns a complete RFC 5322 message: multipart/alternative with a
// text/plain and a text/html part, both UTF-8 and quoted-printable, with
// CRLF line endings and lines within 78 characters where they can be
// folded (998 at most). With an empty html the message is text/plain alone.
// The MIME boundary derives from the Message-ID, so that every attempt at
// the same notice builds the same bytes. Returns an invalid error naming
// the header field that cannot be written.
func Build(h Header, text, html string) ([]byte, error) {
	var b bytes.Buffer
	// A first guess: quoted-printable grows a Latin-script text by a few
	// percent to a third (a Greek one up to three times: writeQP grows the
	// buffer again then).
	b.Grow(1024 + len(text) + len(html) + (len(text)+len(html))/8)
	if err := writeHeader(&b, h); err != nil {
		return nil, fmt.Errorf("build message: %w", err)
	}
	if !utf8.ValidString(text) || !utf8.ValidString(html) {
		return nil, fmt.Errorf("build message: %w", breachdesk.Errorf(breachdesk.EInvalid, "the message text is not valid UTF-8"))
	}
	if html == "" {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		writeQP(&b, text)
		if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
			b.WriteString("\r\n")
		}
		return b.Bytes(), nil
	}

	// Quoted-printable writes every "=" as "=3D", so a boundary that starts
	// with "=_" can never occur inside either part.
	sum := sha256.Sum256([]byte(h.MessageID))
	var boundary [2 + 24]byte
	copy(boundary[:], "=_")
	hex.Encode(boundary[2:], sum[:12])

	b.WriteString(`Content-Type: multipart/alternative; boundary="`)
	b.Write(boundary[:])
	b.WriteString("\"\r\n\r\nThis is a message in MIME format.\r\n")
	for _, part := range [2]struct{ ctype, body string }{{"text/plain", text}, {"text/html", html}} {
		b.WriteString("\r\n--")
		b.Write(boundary[:])
		b.WriteString("\r\nContent-Type: ")
		b.WriteString(part.ctype)
		b.WriteString("; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		writeQP(&b, part.body)
	}
	b.WriteString("\r\n--")
	b.Write(boundary[:])
	b.WriteString("--\r\n")
	return b.Bytes(), nil
}

// writeQP writes s quoted-printable (RFC 2045 section 6.7): line breaks
// ("\n" or "\r\n") as CRLF, lines of at most 76 characters with the
// soft line break "=", printable ASCII as itself but "=", blanks before a
// line break encoded so that no transport strips them. It also encodes a
// "." or the "From " that starts a line, which careless relays and mbox
// files mangle, breaking the DKIM signature.
func writeQP(b *bytes.Buffer, s string) {
	const hexDigits = "0123456789ABCDEF"
	b.Grow(len(s) + len(s)/4 + 16)
	// Appending to the buffer's free space and writing it back in one go
	// is several times faster than a WriteByte per character.
	out := b.AvailableBuffer()
	n := 0 // characters on the current line
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\n' || c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i += 1 + btoi(c == '\r')
			out = append(out, '\r', '\n')
			n = 0
			continue
		}
		if n == 0 && (c == '.' || c == 'F' && strings.HasPrefix(s[i:], "From ")) {
			out = append(out, '=', hexDigits[c>>4], hexDigits[c&15])
			n, i = 3, i+1
			continue
		}
		// The longest run of characters written as themselves that fits
		// on the line.
		j := i
		for end := min(len(s), i+75-n); j < end && qpLiteral(s, j); j++ {
		}
		if j > i {
			out = append(out, s[i:j]...)
			n, i = n+j-i, j
			continue
		}
		// Either s[i] must be encoded or the line is full.
		enc := !qpLiteral(s, i)
		if n+1+2*btoi(enc) > 75 {
			out = append(out, '=', '\r', '\n')
			n = 0
			continue
		}
		if enc {
			out = append(out, '=', hexDigits[c>>4], hexDigits[c&15])
			n += 3
		} else {
			out = append(out, c)
			n++
		}
		i++
	}
	b.Write(out)
}

// qpLiteral tells whether s[i], not at the start of a line, is written as
// itself: printable ASCII but "=", and blanks unless a line break or the
// end follows.
func qpLiteral(s string, i int) bool {
	c := s[i]
	if c > ' ' && c <= '~' {
		return c != '='
	}
	return (c == ' ' || c == '\t') && i+1 < len(s) && s[i+1] != '\n' && s[i+1] != '\r'
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// writeHeader writes every header field but the Content-Type.
func writeHeader(b *bytes.Buffer, h Header) error {
	if h.Date.IsZero() {
		return fieldError("Date", "the date is required")
	}
	var date [64]byte
	writeRaw(b, "Date", h.Date.AppendFormat(date[:0], time.RFC1123Z))

	from, err := formatAddress("From", h.From)
	if err != nil {
		return err
	}
	if err := writeField(b, "From", from); err != nil {
		return err
	}
	if h.ReplyTo != "" {
		replyTo, err := formatAddress("Reply-To", h.ReplyTo)
		if err != nil {
			return err
		}
		if err := writeField(b, "Reply-To", replyTo); err != nil {
			return err
		}
	}
	to, err := formatAddress("To", h.To)
	if err != nil {
		return err
	}
	if err := writeField(b, "To", to); err != nil {
		return err
	}
	if !utf8.ValidString(h.Subject) || strings.ContainsAny(h.Subject, "\r\n") {
		return fieldError("Subject", "the subject is not one line of UTF-8 text")
	}
	if err := writeField(b, "Subject", encodeText("Subject", h.Subject)); err != nil {
		return err
	}

	if !validMessageID(h.MessageID) {
		return fieldError("Message-ID", "%q is not of the form <id@domain>", h.MessageID)
	}
	if err := writeField(b, "Message-ID", h.MessageID); err != nil {
		return err
	}
	b.WriteString("MIME-Version: 1.0\r\n")
	if h.Language != "" {
		if !breachdesk.IsLanguageTag(h.Language) {
			return fieldError("Content-Language", "%q is not a language tag", h.Language)
		}
		writeRaw(b, "Content-Language", []byte(h.Language))
	}
	for _, f := range h.Extra {
		name, value := f[0], f[1]
		if !validFieldName(name) {
			return fieldError("Extra", "%q is not a header field name", name)
		}
		if ownField(name) {
			return fieldError("Extra", "%s is written by Build and cannot be repeated", name)
		}
		if !utf8.ValidString(value) || strings.ContainsAny(value, "\r\n") {
			return fieldError(name, "the value is not one line of UTF-8 text")
		}
		if err := writeField(b, name, encodeText(name, value)); err != nil {
			return err
		}
	}
	return nil
}

func fieldError(field, format string, args ...any) error {
	return breachdesk.Errorf(breachdesk.EInvalid, field+": "+format, args...)
}

// formatAddress parses one address, with or without a display name, and
// writes it back in RFC 5322 form, the name RFC 2047 encoded if it is not
// ASCII.
func formatAddress(field, s string) (string, error) {
	if s == "" {
		return "", fieldError(field, "the address is required")
	}
	if strings.ContainsAny(s, "\r\n") {
		return "", fieldError(field, "the address contains a line break")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fieldError(field, "%q is not an e-mail address: %v", breachdesk.MaskAddresses(s), err)
	}
	switch {
	case a.Name == "":
		return "<" + a.Address + ">", nil
	case needsEncoding(a.Name):
		return encodeWords(field, a.Name) + " <" + a.Address + ">", nil
	default:
		return a.String(), nil
	}
}

// encodeText returns unstructured text as a header field may carry it:
// RFC 2047 encoded words if it holds anything but printable ASCII.
func encodeText(field, s string) string {
	if needsEncoding(s) {
		return encodeWords(field, s)
	}
	return s
}

// needsEncoding tells whether s holds anything but printable ASCII, or
// something a reader would take for an encoded word.
func needsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x7f || (c < ' ' && c != '\t') || (c == '=' && i+1 < len(s) && s[i+1] == '?') {
			return true
		}
	}
	return false
}

// encodeWords writes s as RFC 2047 encoded words (UTF-8, Q encoding),
// separated by spaces where writeField folds them. Each word holds whole
// characters and is at most 75 characters long; the first is shorter so
// that it fits on the field's first line, after "Field: ". Q encoding
// leaves letters, digits and !*+-/ as they are, which keeps the words valid
// in a display name (RFC 2047 section 5(3)) as well as in a subject.
func encodeWords(field, s string) string {
	const prefix, suffix, maxWord = "=?utf-8?q?", "?=", 75
	const hexDigits = "0123456789ABCDEF"
	limit := max(lineSoftLimit-2-len(field)-2, len(prefix)+len(suffix)+12)
	var b strings.Builder
	b.Grow(len(s)*2 + 64)
	b.WriteString(prefix)
	n := len(prefix)
	var buf [utf8.UTFMax * 3]byte
	for _, r := range s {
		var enc []byte
		switch {
		case r == ' ':
			enc = append(buf[:0], '_')
		case r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("!*+-/", r)):
			enc = append(buf[:0], byte(r))
		default:
			var raw [utf8.UTFMax]byte
			enc = buf[:0]
			for _, c := range raw[:utf8.EncodeRune(raw[:], r)] {
				enc = append(enc, '=', hexDigits[c>>4], hexDigits[c&15])
			}
		}
		if n+len(enc)+len(suffix) > limit && n > len(prefix) {
			b.WriteString(suffix)
			b.WriteByte(' ')
			b.WriteString(prefix)
			n, limit = len(prefix), maxWord
		}
		b.Write(enc)
		n += len(enc)
	}
	b.WriteString(suffix)
	return b.String()
}

// writeRaw writes a field whose value needs neither checks nor folding.
func writeRaw(b *bytes.Buffer, name string, value []byte) {
	b.WriteString(name)
	b.WriteString(": ")
	b.Write(value)
	b.WriteString("\r\n")
}

// writeField writes a field, folded before a space wherever a line would
// pass 78 characters. A word that cannot be folded may make a line longer,
// up to 998 characters.
func writeField(b *bytes.Buffer, name, value string) error {
	if strings.ContainsAny(value, "\r\n") {
		return fieldError(name, "the value contains a line break")
	}
	b.WriteString(name)
	b.WriteByte(':')
	n := len(name) + 1
	// blank tells whether the line holds no word yet: folding there
	// would leave a line of blanks alone, which is obsolete syntax.
	blank := true
	for rest := value; ; {
		word, after, more := strings.Cut(rest, " ")
		if word != "" && n+1+len(word) > lineSoftLimit && !blank {
			b.WriteString("\r\n")
			n = 0
		}
		b.WriteByte(' ')
		b.WriteString(word)
		n += 1 + len(word)
		blank = blank && word == ""
		if n > lineHardLimit {
			return fieldError(name, "a word of the value is too long for a line of %d characters", lineHardLimit)
		}
		if !more {
			break
		}
		rest = after
	}
	b.WriteString("\r\n")
	return nil
}

// validFieldName checks a field name: printable ASCII but the colon.
func validFieldName(s string) bool {
	if s == "" || len(s) > 76 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// validMessageID checks the <left@right> form of RFC 5322 section 3.6.4,
// loosely: printable ASCII without blanks or angle brackets inside.
func validMessageID(s string) bool {
	if len(s) < 5 || s[0] != '<' || s[len(s)-1] != '>' {
		return false
	}
	inner := s[1 : len(s)-1]
	at := strings.LastIndexByte(inner, '@')
	if at <= 0 || at == len(inner)-1 {
		return false
	}
	for i := 0; i < len(inner); i++ {
		if c := inner[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' {
			return false
		}
	}
	return true
}
