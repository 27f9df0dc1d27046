package smtp_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"sync"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk/smtp"
)

// testRSAKey is one RSA-2048 key for the package's tests: generating one
// takes a while under the race detector.
var testRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newEd25519Key(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// MustNewPool returns a pool to url that is closed when the test ends.
func MustNewPool(tb testing.TB, cfg smtp.Config, size int) *smtp.Pool {
	tb.Helper()
	if cfg.HeloName == "" {
		cfg.HeloName = "sender.test"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	p, err := smtp.NewPool(cfg, size)
	if err != nil {
		tb.Fatalf("NewPool(%q) = %v", cfg.URL, err)
	}
	tb.Cleanup(func() { p.Close() })
	return p
}
