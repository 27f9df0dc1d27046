package smtp_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/internal/smtpsink"
	"github.com/breachdesk/breachdesk/smtp"
	"github.com/emersion/go-msgauth/dkim"
)

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	rsaKey := testRSAKey()
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edKey := newEd25519Key(t)
	garbage := filepath.Join(dir, "garbage.pem")
	os.WriteFile(garbage, []byte("not a key\n"), 0o600)

	tests := []struct {
		name    string
		path    string
		want    crypto.PublicKey
		wantErr string // in the invalid error's message, with the path
	}{
		{"OKRSAPKCS1", writePEM(t, dir, "rsa1.pem", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), rsaKey.Public(), ""},
		{"OKRSAPKCS8", writePEM(t, dir, "rsa8.pem", "PRIVATE KEY", pkcs8(rsaKey)), rsaKey.Public(), ""},
		{"OKEd25519", writePEM(t, dir, "ed.pem", "PRIVATE KEY", pkcs8(edKey)), edKey.Public(), ""},
		{"ErrRSA1024", writePEM(t, dir, "small.pem", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(small)), nil, "1024 bits"},
		{"ErrECDSA", writePEM(t, dir, "ec.pem", "PRIVATE KEY", pkcs8(ec)), nil, "RSA or Ed25519 only"},
		{"ErrEncrypted", writePEM(t, dir, "enc.pem", "ENCRYPTED PRIVATE KEY", []byte{1, 2, 3}), nil, "encrypted"},
		{"ErrCertificate", writePEM(t, dir, "cert.pem", "CERTIFICATE", []byte{1, 2, 3}), nil, "CERTIFICATE"},
		{"ErrNotPEM", garbage, nil, "no PEM block"},
		{"ErrBadDER", writePEM(t, dir, "bad.pem", "RSA PRIVATE KEY", []byte{1, 2, 3}), nil, "bad.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := smtp.LoadKey(tt.path)
			if tt.wantErr != "" {
				if breachdesk.ErrorCode(err) != breachdesk.EInvalid {
					t.Fatalf("LoadKey() = %v, want an invalid error", err)
				}
				if msg := breachdesk.ErrorMessage(err); !strings.Contains(msg, tt.wantErr) || !strings.Contains(msg, tt.path) {
					t.Errorf("LoadKey() message = %q, want it to name the file and say %q", msg, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadKey() = %v", err)
			}
			if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(tt.want) {
				t.Errorf("LoadKey() public key = %v, want %v", key.Public(), tt.want)
			}
		})
	}
	t.Run("ErrMissing", func(t *testing.T) {
		if _, err := smtp.LoadKey(filepath.Join(dir, "missing.pem")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("LoadKey(missing) = %v, want not exist", err)
		}
	})
}

func TestDNSRecord(t *testing.T) {
	t.Run("RSA", func(t *testing.T) {
		rec, err := smtp.DNSRecord(testRSAKey())
		if err != nil {
			t.Fatal(err)
		}
		p, ok := strings.CutPrefix(rec, "v=DKIM1; k=rsa; p=")
		if !ok {
			t.Fatalf("DNSRecord() = %q", rec)
		}
		der, err := base64.StdEncoding.DecodeString(p)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil || !testRSAKey().PublicKey.Equal(pub) {
			t.Errorf("DNSRecord() key = %v, %v; want the signing key's", pub, err)
		}
	})
	t.Run("Ed25519", func(t *testing.T) {
		k := newEd25519Key(t)
		rec, err := smtp.DNSRecord(k)
		if err != nil {
			t.Fatal(err)
		}
		if want := "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey)); rec != want {
			t.Errorf("DNSRecord() = %q, want %q", rec, want)
		}
	})
	t.Run("ErrECDSA", func(t *testing.T) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if _, err := smtp.DNSRecord(k); err == nil {
			t.Error("DNSRecord(ECDSA) = nil error")
		}
	})
}

func TestNewSignerInvalid(t *testing.T) {
	rsaKey, edKey := testRSAKey(), newEd25519Key(t)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	tests := []struct {
		name   string
		domain string
		keys   []smtp.SigningKey
	}{
		{"ErrNoKey", "acme.example", nil},
		{"ErrEd25519Alone", "acme.example", []smtp.SigningKey{{"ed", edKey}}},
		{"ErrTwoRSA", "acme.example", []smtp.SigningKey{{"a", rsaKey}, {"b", rsaKey}}},
		{"ErrSmallRSA", "acme.example", []smtp.SigningKey{{"a", small}}},
		{"ErrSameSelector", "acme.example", []smtp.SigningKey{{"a", rsaKey}, {"a", edKey}}},
		{"ErrNoSelector", "acme.example", []smtp.SigningKey{{"", rsaKey}}},
		{"ErrNilKey", "acme.example", []smtp.SigningKey{{"a", nil}}},
		{"ErrDomain", "", []smtp.SigningKey{{"a", rsaKey}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := smtp.NewSigner(tt.domain, tt.keys...); breachdesk.ErrorCode(err) != breachdesk.EInvalid {
				t.Errorf("NewSigner() = %v, want an invalid error", err)
			}
		})
	}
}

func TestSignVerifiedByPython(t *testing.T) {
	smtpsink.DKIMPython(t)
	sink := smtpsink.Start(t)
	pool := MustNewPool(t, smtp.Config{URL: sink.URL()}, 1)
	rsaKey, edKey := testRSAKey(), newEd25519Key(t)
	rsaRecord, _ := smtp.DNSRecord(rsaKey)
	edRecord, _ := smtp.DNSRecord(edKey)
	records := map[string]string{
		"rsa2026._domainkey.acme.example": rsaRecord,
		"ed2026._domainkey.acme.example":  edRecord,
	}
	text, html := benchText()

	tests := []struct {
		name string
		keys []smtp.SigningKey
	}{
		{"RSA", []smtp.SigningKey{{"rsa2026", rsaKey}}},
		{"RSAAndEd25519", []smtp.SigningKey{{"ed2026", edKey}, {"rsa2026", rsaKey}}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signer, err := smtp.NewSigner("acme.example", tt.keys...)
			if err != nil {
				t.Fatal(err)
			}
			h := testHeader()
			h.Subject = "Violation de données : ce que nous faisons"
			h.From = "Société ACME <privacy@acme.example>"
			h.MessageID = fmt.Sprintf("<dkim%d@acme.example>", i)
			msg, err := smtp.Build(h, text+"\n.\nFrom here on\n", html)
			if err != nil {
				t.Fatal(err)
			}
			signed, err := signer.Sign(msg)
			if err != nil {
				t.Fatalf("Sign() = %v", err)
			}
			if !bytes.HasSuffix(signed, msg) {
				t.Fatalf("Sign() did not only prepend header fields")
			}
			if got := bytes.Count(signed[:len(signed)-len(msg)], []byte("DKIM-Signature:")); got != len(tt.keys) {
				t.Fatalf("Sign() prepended %d signatures, want %d", got, len(tt.keys))
			}
			if !bytes.HasPrefix(signed, []byte("DKIM-Signature:")) || !bytes.Contains(signed[:bytes.Index(signed, []byte("\r\n\r\n"))], []byte("s=rsa2026")) {
				t.Errorf("the first signature is not the RSA one:\n%s", signed[:600])
			}

			before := sink.Count(t)
			if err := pool.Send(context.Background(), smtp.VERP([]byte("0123456789abcdef"), "acme.example", 1), h.To, signed); err != nil {
				t.Fatalf("Send() = %v", err)
			}
			got := sink.Messages(t)
			if len(got) != before+1 {
				t.Fatalf("the sink has %d messages, want %d", len(got), before+1)
			}
			var received []byte
			for _, m := range got {
				if bytes.Contains(m, []byte(h.MessageID)) {
					received = m
				}
			}
			if !bytes.Equal(received, signed) {
				t.Fatalf("the sink received another message than was sent:\n%q\nwant\n%q", received, signed)
			}

			report, ok := smtpsink.VerifyDKIM(t, received, len(tt.keys), records)
			if !ok {
				t.Fatalf("python3-dkim does not verify the received message: %s", report)
			}
			t.Logf("python3-dkim: %s", report)
			// The Go library agrees, and signs From twice.
			vs, err := dkim.VerifyWithOptions(bytes.NewReader(received), &dkim.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
				return []string{records[name]}, nil
			}})
			if err != nil || len(vs) != len(tt.keys) {
				t.Fatalf("dkim.Verify() = %v, %v", vs, err)
			}
			for _, v := range vs {
				if v.Err != nil {
					t.Errorf("dkim.Verify(): %v", v.Err)
				}
				if want := "from:from:to:subject:date:message-id:mime-version:content-type:reply-to:content-language"; strings.ToLower(strings.Join(v.HeaderKeys, ":")) != want {
					t.Errorf("signed header fields = %v, want %s", v.HeaderKeys, want)
				}
			}

			alterations := []struct{ name, old, new string }{
				{"Body", "Madame, Monsieur", "Madame, Messieurs"},
				{"Subject", "Subject: =?utf-8?q?Violation", "Subject: =?utf-8?q?Violatiom"},
				{"SecondFrom", "\r\nFrom:", "\r\nFrom: <evil@attacker.example>\r\nFrom:"},
			}
			for _, alt := range alterations {
				altered := bytes.Replace(received, []byte(alt.old), []byte(alt.new), 1)
				if bytes.Equal(altered, received) {
					t.Fatalf("alteration %s changed nothing", alt.name)
				}
				if report, ok := smtpsink.VerifyDKIM(t, altered, len(tt.keys), records); ok {
					t.Errorf("python3-dkim verifies the message with its %s altered: %s", alt.name, report)
				}
			}
			// A record with another key fails too: the check can fail.
			other := map[string]string{}
			for name := range records {
				other[name] = edRecord
			}
			other["rsa2026._domainkey.acme.example"], _ = smtp.DNSRecord(mustRSA(t))
			if report, ok := smtpsink.VerifyDKIM(t, received, len(tt.keys), other); ok {
				t.Errorf("python3-dkim verifies the message with other keys: %s", report)
			}
		})
	}
}

func mustRSA(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSignInvalid(t *testing.T) {
	signer, err := smtp.NewSigner("acme.example", smtp.SigningKey{Selector: "s", Key: testRSAKey()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signer.Sign([]byte("From: a@b.example\r\nno body")); err == nil {
		t.Error("Sign(message without body) = nil error")
	}
}

func BenchmarkSignRSA2048(b *testing.B) {
	signer, err := smtp.NewSigner("acme.example", smtp.SigningKey{Selector: "s", Key: testRSAKey()})
	if err != nil {
		b.Fatal(err)
	}
	text, html := benchText()
	msg, err := smtp.Build(testHeader(), text, html)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := signer.Sign(msg); err != nil {
			b.Fatal(err)
		}
	}
}
