package smtp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/smtp"
	"github.com/google/go-cmp/cmp"
)

const bounceDomain = "bounces.acme.example"

// buildDSN writes a delivery status notification (RFC 3464) as a remote
// mail system would send it back to to: one recipient with action, status
// and diagnostic.
func buildDSN(t *testing.T, to, action, status, diagnostic string) []byte {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part := func(ctype, content string) {
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {ctype}})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
	}
	part("text/plain; charset=us-ascii", "This is the mail system at host mx.example.com.\r\n\r\nYour message could not be delivered.\r\n")
	part("message/delivery-status", "Reporting-MTA: dns; mx.example.com\r\nArrival-Date: Sat, 14 Mar 2026 09:27:11 +0100\r\n\r\n"+
		"Final-Recipient: rfc822; marie.dupont@example.com\r\n"+
		"Original-Recipient: rfc822; marie.dupont@example.com\r\n"+
		"Action: "+action+"\r\n"+
		"Status: "+status+"\r\n"+
		"Remote-MTA: dns; mail.example.com\r\n"+
		"Diagnostic-Code: smtp; "+diagnostic+"\r\n")
	part("text/rfc822-headers", "From: ACME Privacy <privacy@acme.example>\r\nTo: <marie.dupont@example.com>\r\nSubject: Important\r\nMessage-ID: <n42@acme.example>\r\n")
	mw.Close()
	var msg bytes.Buffer
	fmt.Fprintf(&msg, "From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\r\n"+
		"To: %s\r\nSubject: Undelivered Mail Returned to Sender\r\n"+
		"Date: Sat, 14 Mar 2026 09:27:12 +0100\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"%s\"\r\n\r\n", to, mw.Boundary())
	msg.Write(body.Bytes())
	return msg.Bytes()
}

// bounceBundle is a running BounceServer, what it reported and logged,
// and a pool to send to it.
type bounceBundle struct {
	server *smtp.BounceServer
	pool   *smtp.Pool
	key    []byte
	log    *syncBuffer

	mu      sync.Mutex
	bounces []smtp.Bounce
	fail    error
}

func (b *bounceBundle) reported() []smtp.Bounce {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]smtp.Bounce(nil), b.bounces...)
}

// syncBuffer is a bytes.Buffer that the server's goroutines can log to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func setupBounce(t *testing.T, maxBytes int64) *bounceBundle {
	t.Helper()
	b := &bounceBundle{key: []byte("verp key of 16+ bytes"), log: &syncBuffer{}}
	b.server = &smtp.BounceServer{
		Addr:   "127.0.0.1:0",
		Domain: bounceDomain,
		Key:    b.key,
		OnBounce: func(ctx context.Context, bounce smtp.Bounce) error {
			b.mu.Lock()
			defer b.mu.Unlock()
			if b.fail != nil {
				return b.fail
			}
			b.bounces = append(b.bounces, bounce)
			return nil
		},
		Logger:          slog.New(slog.NewTextHandler(b.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		MaxMessageBytes: maxBytes,
	}
	if err := b.server.Start(context.Background()); err != nil {
		t.Fatalf("Start() = %v", err)
	}
	t.Cleanup(func() { b.server.Stop() })
	b.pool = MustNewPool(t, smtp.Config{URL: "smtp+insecure://" + b.server.ListenAddr()}, 1)
	return b
}

func TestBounceServer(t *testing.T) {
	ctx := context.Background()

	t.Run("OKFailed", func(t *testing.T) {
		t.Parallel()
		b := setupBounce(t, 0)
		to := smtp.VERP(b.key, bounceDomain, 42)
		dsn := buildDSN(t, to, "failed", "5.1.1", "550 5.1.1 <marie.dupont@example.com>: Recipient address rejected: User unknown")
		if err := b.pool.Send(ctx, "", to, dsn); err != nil {
			t.Fatalf("Send(DSN) = %v", err)
		}
		want := []smtp.Bounce{{NoticeID: 42, Status: "5.1.1", Diagnostic: "550 5.1.1 <m***@example.com>: Recipient address rejected: User unknown"}}
		if diff := cmp.Diff(want, b.reported()); diff != "" {
			t.Errorf("bounces (-want +got):\n%s", diff)
		}
		if log := b.log.String(); strings.Contains(log, "marie.dupont") || !strings.Contains(log, "notice=42") {
			t.Errorf("log = %q, want the notice and no address", log)
		}
	})

	t.Run("OKIgnored", func(t *testing.T) {
		t.Parallel()
		b := setupBounce(t, 0)
		to := smtp.VERP(b.key, bounceDomain, 7)
		ooo, err := os.ReadFile(filepath.Join("testdata", "out-of-office.eml"))
		if err != nil {
			t.Fatal(err)
		}
		for name, msg := range map[string][]byte{
			"out of office": ooo,
			"delayed":       buildDSN(t, to, "delayed", "4.4.1", "connect to mail.example.com: Connection timed out"),
			"delivered":     buildDSN(t, to, "delivered", "2.0.0", "250 2.0.0 Ok: queued as 12345"),
			"relayed":       buildDSN(t, to, "relayed", "2.0.0", "250 2.0.0 Ok"),
		} {
			// An auto-reply comes from its author, a report from <>.
			if err := b.pool.Send(ctx, "marie.dupont@example.com", to, msg); err != nil {
				t.Errorf("Send(%s) = %v, want it accepted", name, err)
			}
		}
		if got := b.reported(); len(got) != 0 {
			t.Errorf("bounces = %v, want none", got)
		}
		if log := b.log.String(); strings.Contains(log, "marie.dupont") {
			t.Errorf("log shows an address: %q", log)
		}
	})

	t.Run("ErrRecipient", func(t *testing.T) {
		t.Parallel()
		b := setupBounce(t, 0)
		good := smtp.VERP(b.key, bounceDomain, 42)
		tag := good[strings.Index(good, "-")+1 : strings.Index(good, "@")]
		for _, to := range []string{
			"postmaster@" + bounceDomain,
			"bounce+43-" + tag + "@" + bounceDomain,
			smtp.VERP(b.key, "other.example", 42),
			smtp.VERP([]byte("another key, 16+ bytes"), bounceDomain, 42),
		} {
			err := b.pool.Send(ctx, "", to, buildDSN(t, to, "failed", "5.1.1", "550 unknown"))
			var e *smtp.Error
			if !errors.As(err, &e) || e.Code != 550 || e.Command != smtp.CommandRCPT || e.Temporary() {
				t.Errorf("Send(to %s) = %v, want a permanent 550 for RCPT", to, err)
			}
		}
		if got := b.reported(); len(got) != 0 {
			t.Errorf("bounces = %v, want none", got)
		}
		if log := b.log.String(); strings.Contains(log, "postmaster@") || strings.Contains(log, "bounce+43") {
			t.Errorf("log shows a recipient address in plain text: %q", log)
		}
	})

	t.Run("ErrOnBounce451", func(t *testing.T) {
		t.Parallel()
		b := setupBounce(t, 0)
		b.fail = errors.New("database is locked")
		to := smtp.VERP(b.key, bounceDomain, 42)
		dsn := buildDSN(t, to, "failed", "5.1.1", "550 5.1.1 unknown user")
		err := b.pool.Send(ctx, "", to, dsn)
		var e *smtp.Error
		if !errors.As(err, &e) || e.Code != 451 || e.Command != smtp.CommandDATA || !e.Temporary() {
			t.Fatalf("Send(DSN) = %v, want a temporary 451 after the data", err)
		}
		// The sender tries again later, and then it is recorded.
		b.mu.Lock()
		b.fail = nil
		b.mu.Unlock()
		if err := b.pool.Send(ctx, "", to, dsn); err != nil {
			t.Fatalf("Send(DSN) again = %v", err)
		}
		if got := b.reported(); len(got) != 1 || got[0].NoticeID != 42 || got[0].Diagnostic != "550 5.1.1 unknown user" {
			t.Errorf("bounces = %v, want notice 42's", got)
		}
	})

	t.Run("ErrTooLarge", func(t *testing.T) {
		t.Parallel()
		b := setupBounce(t, 2000)
		to := smtp.VERP(b.key, bounceDomain, 42)
		dsn := buildDSN(t, to, "failed", "5.1.1", "550 5.1.1 unknown user")
		dsn = append(dsn, strings.Repeat("an epilogue that makes the message too large\r\n", 50)...)
		var e *smtp.Error
		if err := b.pool.Send(ctx, "", to, dsn); !errors.As(err, &e) || e.Code != 552 {
			t.Errorf("Send(large DSN) = %v, want 552", err)
		}
	})

	t.Run("OKStop", func(t *testing.T) {
		t.Parallel()
		b := setupBounce(t, 0)
		addr := b.server.ListenAddr()
		if err := b.server.Stop(); err != nil {
			t.Errorf("Stop() = %v", err)
		}
		if err := b.server.Stop(); err != nil {
			t.Errorf("second Stop() = %v", err)
		}
		pool := MustNewPool(t, smtp.Config{URL: "smtp+insecure://" + addr}, 1)
		to := smtp.VERP(b.key, bounceDomain, 42)
		if err := pool.Send(ctx, "", to, buildDSN(t, to, "failed", "5.1.1", "550")); err == nil {
			t.Error("Send() after Stop = nil error")
		}
	})
}

func TestBounceServerStartInvalid(t *testing.T) {
	onBounce := func(context.Context, smtp.Bounce) error { return nil }
	for _, tt := range []struct {
		name string
		s    *smtp.BounceServer
	}{
		{"ErrDomain", &smtp.BounceServer{Addr: "127.0.0.1:0", Key: []byte("0123456789abcdef"), OnBounce: onBounce}},
		{"ErrShortKey", &smtp.BounceServer{Addr: "127.0.0.1:0", Domain: bounceDomain, Key: []byte("short"), OnBounce: onBounce}},
		{"ErrOnBounce", &smtp.BounceServer{Addr: "127.0.0.1:0", Domain: bounceDomain, Key: []byte("0123456789abcdef")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.s.Start(context.Background()); breachdesk.ErrorCode(err) != breachdesk.EInvalid {
				t.Errorf("Start() = %v, want an invalid error", err)
			}
			if err := tt.s.Stop(); err != nil {
				t.Errorf("Stop() of a server that did not start = %v", err)
			}
		})
	}
}
