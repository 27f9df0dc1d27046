package smtp

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/breachdesk/breachdesk"
	"github.com/emersion/go-msgauth/dkim"
)

// minRSABits is the smallest RSA key LoadKey and NewSigner take: RFC 8301
// requires verifiers to accept 1024 bits and up, but 1024-bit keys are
// within reach of factoring and major receivers treat them as weak.
const minRSABits = 2048

// LoadKey reads a PEM private key file for DKIM: RSA (PKCS#1 "RSA PRIVATE
// KEY" or PKCS#8 "PRIVATE KEY") of at least 2048 bits, or Ed25519 (PKCS#8).
// Returns an invalid error naming the file if the key is of another kind,
// encrypted, or too small.
func LoadKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load DKIM key: %w", err)
	}
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("load DKIM key: %w", breachdesk.Errorf(breachdesk.EInvalid, "DKIM key %s: "+format, append([]any{path}, args...)...))
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, invalid("no PEM block found")
	}
	var key any
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		return nil, invalid("the key is encrypted; store it without a passphrase, readable only by the sending service")
	default:
		return nil, invalid("a PEM block of type %q is not an RSA or Ed25519 private key", block.Type)
	}
	if err != nil {
		return nil, invalid("%v", err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < minRSABits {
			return nil, invalid("the RSA key has %d bits; DKIM keys need at least %d", bits, minRSABits)
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	default:
		return nil, invalid("a %T key cannot sign DKIM (RSA or Ed25519 only)", key)
	}
}

// DNSRecord returns the TXT record value to publish at
// selector._domainkey.domain for key: "v=DKIM1; k=rsa; p=..." with the
// public key's SubjectPublicKeyInfo for RSA, "v=DKIM1; k=ed25519; p=..."
// with the raw 32-byte public key for Ed25519 (RFC 8463). A value longer
// than 255 characters, as for every RSA key of 2048 bits, is published as
// several strings of one record, which DNS tools usually split themselves.
func DNSRecord(key crypto.Signer) (string, error) {
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return "", fmt.Errorf("dkim dns record: %w", err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub), nil
	default:
		return "", fmt.Errorf("dkim dns record: a %T key cannot sign DKIM (RSA or Ed25519 only)", pub)
	}
}

// SigningKey is a DKIM key and the selector its public key is published
// under.
type SigningKey struct {
	Selector string
	Key      crypto.Signer
}

// signedHeaders are the header fields every signature covers. From is
// listed twice (oversigned) so that a second From added on the way breaks
// the signature; a field the message lacks, such as Reply-To, is signed as
// absent, so that it cannot be added either.
func signedHeaders() []string {
	return []string{"From", "From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Reply-To", "Content-Language"}
}

// Signer adds DKIM signatures (RFC 6376) to messages of one domain. It is
// safe for concurrent use.
type Signer struct {
	domain string
	keys   []SigningKey
}

// NewSigner returns a Signer for domain with keys: exactly one RSA key,
// and optionally one Ed25519 key, each with its own selector (they may
// share one only if the DNS record is the same, so in practice they do
// not). With both, every message carries two DKIM-Signature fields, as RFC
// 8463 advises: receivers that do not know Ed25519 yet ignore that one and
// check the RSA signature. Returns an invalid error for any other set of
// keys.
func NewSigner(domain string, keys ...SigningKey) (*Signer, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("new DKIM signer: %w", breachdesk.Errorf(breachdesk.EInvalid, format, args...))
	}
	if domain == "" || strings.ContainsAny(domain, " ;\r\n@") {
		return nil, invalid("%q is not a signing domain", domain)
	}
	var rsaKeys, edKeys int
	selectors := map[string]bool{}
	for _, k := range keys {
		if k.Selector == "" || strings.ContainsAny(k.Selector, " ;\r\n@") {
			return nil, invalid("%q is not a DKIM selector", k.Selector)
		}
		if selectors[k.Selector] {
			return nil, invalid("selector %q is given twice: each key is published under its own", k.Selector)
		}
		selectors[k.Selector] = true
		if k.Key == nil {
			return nil, invalid("selector %s has no key", k.Selector)
		}
		switch pub := k.Key.Public().(type) {
		case *rsa.PublicKey:
			if bits := pub.N.BitLen(); bits < minRSABits {
				return nil, invalid("the RSA key of selector %s has %d bits; DKIM keys need at least %d", k.Selector, bits, minRSABits)
			}
			rsaKeys++
		case ed25519.PublicKey:
			edKeys++
		default:
			return nil, invalid("the %T key of selector %s cannot sign DKIM (RSA or Ed25519 only)", pub, k.Selector)
		}
	}
	if rsaKeys != 1 || edKeys > 1 {
		return nil, invalid("DKIM needs one RSA key and at most one Ed25519 key besides; got %d RSA and %d Ed25519", rsaKeys, edKeys)
	}
	// The RSA signature goes on top, where receivers look first.
	ordered := make([]SigningKey, 0, len(keys))
	for _, k := range keys {
		if _, ok := k.Key.Public().(*rsa.PublicKey); ok {
			ordered = append(ordered, k)
		}
	}
	for _, k := range keys {
		if _, ok := k.Key.Public().(ed25519.PublicKey); ok {
			ordered = append(ordered, k)
		}
	}
	return &Signer{domain: domain, keys: ordered}, nil
}

// Sign returns msg, a complete message with CRLF line endings, with a
// DKIM-Signature header field prepended for each key: relaxed/relaxed
// canonicalization, SHA-256, covering From (oversigned), To, Subject, Date,
// Message-ID, MIME-Version, Content-Type, Reply-To and Content-Language.
func (s *Signer) Sign(msg []byte) ([]byte, error) {
	if !bytes.Contains(msg, []byte("\r\n\r\n")) {
		return nil, errors.New("dkim sign: the message has no empty line after its header")
	}
	signers := make([]*dkim.Signer, 0, len(s.keys))
	writers := make([]io.Writer, 0, len(s.keys))
	defer func() {
		for _, sg := range signers {
			sg.Close()
		}
	}()
	for _, k := range s.keys {
		sg, err := dkim.NewSigner(&dkim.SignOptions{
			Domain:                 s.domain,
			Selector:               k.Selector,
			Signer:                 k.Key,
			Hash:                   crypto.SHA256,
			HeaderCanonicalization: dkim.CanonicalizationRelaxed,
			BodyCanonicalization:   dkim.CanonicalizationRelaxed,
			HeaderKeys:             signedHeaders(),
		})
		if err != nil {
			return nil, fmt.Errorf("dkim sign: %w", err)
		}
		signers = append(signers, sg)
		writers = append(writers, sg)
	}
	// One pass over the message feeds every signer.
	if _, err := io.MultiWriter(writers...).Write(msg); err != nil {
		return nil, fmt.Errorf("dkim sign: %w", err)
	}
	fields := make([]string, len(signers))
	size := len(msg)
	for i, sg := range signers {
		if err := sg.Close(); err != nil {
			return nil, fmt.Errorf("dkim sign: %w", err)
		}
		fields[i] = sg.Signature()
		size += len(fields[i])
	}
	out := make([]byte, 0, size)
	for _, f := range fields {
		out = append(out, f...)
	}
	return append(out, msg...), nil
}
