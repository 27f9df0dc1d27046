package smtp_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/internal/smtpsink"
	"github.com/breachdesk/breachdesk/smtp"
	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		url     string
		want    *smtp.Relay
		wantErr string
	}{
		{"smtp://relay.acme.example:587", &smtp.Relay{Scheme: "smtp", Host: "relay.acme.example", Addr: "relay.acme.example:587"}, ""},
		{"smtp://relay.acme.example", &smtp.Relay{Scheme: "smtp", Host: "relay.acme.example", Addr: "relay.acme.example:25"}, ""},
		{"SMTPS://u%40acme:p%3Ass@relay.acme.example", &smtp.Relay{Scheme: "smtps", Host: "relay.acme.example", Addr: "relay.acme.example:465", Username: "u@acme", Password: "p:ss"}, ""},
		{"smtp+insecure://[::1]:2525/", &smtp.Relay{Scheme: "smtp+insecure", Host: "::1", Addr: "[::1]:2525"}, ""},
		{"smtp+insecure://u:pw42@127.0.0.1:2525", &smtp.Relay{Scheme: "smtp+insecure", Host: "127.0.0.1", Addr: "127.0.0.1:2525", Username: "u", Password: "pw42"}, ""},
		{"", nil, "empty"},
		{"relay.acme.example:25", nil, "scheme"},
		{"http://relay.acme.example", nil, "scheme"},
		{"smtp://", nil, "no host"},
		{"smtp://relay.acme.example:0", nil, "port"},
		{"smtp://relay.acme.example:smtp", nil, "parsed"},
		{"smtp://relay.acme.example/path", nil, "path"},
		{"smtp://relay.acme.example?tls=no", nil, "query"},
		{"smtp://:secret@relay.acme.example", nil, "no user name"},
		{"smtp+insecure://u:secret@relay.acme.example", nil, "in clear"},
		{"smtp://u:se%cret@relay.acme.example", nil, "parsed"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := smtp.ParseURL(tt.url)
			if tt.wantErr != "" {
				if breachdesk.ErrorCode(err) != breachdesk.EInvalid {
					t.Fatalf("ParseURL() = %v, %v; want an invalid error", got, err)
				}
				msg := breachdesk.ErrorMessage(err)
				if !strings.Contains(msg, tt.wantErr) {
					t.Errorf("ParseURL() message = %q, want it to say %q", msg, tt.wantErr)
				}
				if strings.Contains(msg, "secret") || strings.Contains(err.Error(), "secret") {
					t.Errorf("ParseURL() error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURL() = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseURL() (-want +got):\n%s", diff)
			}
			if got.Password != "" && strings.Contains(got.String(), got.Password) {
				t.Errorf("String() = %q shows the password", got.String())
			}
		})
	}
}

// testMessage returns a message to send, different for each n.
func testMessage(t testing.TB, n int) []byte {
	t.Helper()
	h := testHeader()
	h.MessageID = fmt.Sprintf("<n%d@acme.example>", n)
	h.Subject = fmt.Sprintf("Notice %d", n)
	msg, err := smtp.Build(h, fmt.Sprintf("Hello %d,\n.\nbye\n", n), "<p>Hello</p>")
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

var verpKey = []byte("0123456789abcdef0123456789abcdef")

// asError returns err as an *Error, failing the test if it is not one.
func asError(t *testing.T, err error) *smtp.Error {
	t.Helper()
	var e *smtp.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want an *smtp.Error", err, err)
	}
	return e
}

func TestPoolSink(t *testing.T) {
	ctx := context.Background()

	t.Run("OKManyOverFewConnections", func(t *testing.T) {
		t.Parallel()
		sink := smtpsink.Start(t)
		pool := MustNewPool(t, smtp.Config{URL: sink.URL()}, 4)
		const messages, senders = 200, 8
		var wg sync.WaitGroup
		errs := make(chan error, messages)
		for g := range senders {
			wg.Go(func() {
				for i := g; i < messages; i += senders {
					to := fmt.Sprintf("person%d@example.com", i)
					if err := pool.Send(ctx, smtp.VERP(verpKey, "acme.example", int64(i+1)), to, testMessage(t, i)); err != nil {
						errs <- fmt.Errorf("Send(%d) = %w", i, err)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		got := sink.Received(t)
		if len(got) != messages {
			t.Fatalf("the sink received %d messages, want %d", len(got), messages)
		}
		for _, m := range got {
			id, ok := smtp.ParseVERP(verpKey, m.From)
			if !ok || len(m.To) != 1 || m.To[0] != fmt.Sprintf("person%d@example.com", id-1) {
				t.Fatalf("envelope %+v does not match its VERP return path", m.Envelope)
			}
			if want := testMessage(t, int(id-1)); string(m.Data) != string(want) {
				t.Fatalf("message %d received as\n%q\nwant\n%q", id, m.Data, want)
			}
		}
		if err := pool.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
		// The pool quits its connections on Close; smtp-sink counts each
		// session as it ends.
		sessions := sink.Sessions(t)
		if sessions < 1 || sessions > 4 {
			t.Errorf("%d messages went over %d sessions, want at most 4 (persistent connections)", messages, sessions)
		}
		t.Logf("%d messages over %d connections", messages, sessions)
		if err := pool.Send(ctx, "a@b.example", "c@d.example", testMessage(t, 0)); !smtp.IsTemporary(err) || asError(t, err).Command != smtp.CommandDial {
			t.Errorf("Send() after Close = %v, want a temporary DIAL error", err)
		}
	})

	t.Run("OKDotsAndLineEndings", func(t *testing.T) {
		t.Parallel()
		sink := smtpsink.Start(t)
		pool := MustNewPool(t, smtp.Config{URL: sink.URL()}, 1)
		head := "From: a@acme.example\r\nTo: b@example.com\r\nSubject: dots\r\n\r\n"
		// Messages not made by Build: lines that start with dots, bare
		// line feeds, no line break at the end. What the server keeps
		// must be the message, with CRLF line endings.
		tests := []struct{ sent, want string }{
			{head + "plain\r\n", head + "plain\r\n"},
			{head + ".\r\n..two\r\n.x\r\n", head + ".\r\n..two\r\n.x\r\n"},
			{head + "bare\nfeeds\n.dot\n", head + "bare\r\nfeeds\r\n.dot\r\n"},
			{head + "no end", head + "no end\r\n"},
		}
		want := map[string]bool{}
		for _, tc := range tests {
			if err := pool.Send(ctx, "bounce@acme.example", "b@example.com", []byte(tc.sent)); err != nil {
				t.Fatalf("Send(%q) = %v", tc.sent, err)
			}
			want[tc.want] = true
		}
		got := map[string]bool{}
		for _, m := range sink.Messages(t) {
			got[string(m)] = true
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("what the server kept (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrTemporaryRCPT", func(t *testing.T) {
		t.Parallel()
		sink := smtpsink.Start(t, "-r", "RCPT")
		pool := MustNewPool(t, smtp.Config{URL: sink.URL()}, 1)
		for range 3 {
			err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 1))
			e := asError(t, err)
			if e.Code/100 != 4 || e.Command != smtp.CommandRCPT || e.EnhancedCode != "4.3.0" || !e.Temporary() || !smtp.IsTemporary(err) || e.Uncertain() {
				t.Errorf("Send() = %#v, want a temporary 4xx RCPT error", e)
			}
		}
		pool.Close()
		// After each refusal the pool resets the transaction and keeps
		// the connection.
		if got := sink.Sessions(t); got != 1 {
			t.Errorf("3 refused transactions used %d sessions, want 1", got)
		}
		if got := sink.Count(t); got != 0 {
			t.Errorf("the sink received %d messages, want 0", got)
		}
	})

	t.Run("ErrPermanent", func(t *testing.T) {
		t.Parallel()
		for _, command := range []string{"RCPT", "MAIL", "DATA", "."} {
			sink := smtpsink.Start(t, "-f", command)
			pool := MustNewPool(t, smtp.Config{URL: sink.URL()}, 1)
			err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 1))
			e := asError(t, err)
			want := command
			if command == "." {
				// A refusal after the end: the server does not have it.
				want = smtp.CommandDATA
			}
			if e.Code/100 != 5 || e.Command != want || e.Temporary() || smtp.IsTemporary(err) || e.Uncertain() {
				t.Errorf("-f %s: Send() = %#v, want a permanent 5xx %s error", command, e, want)
			}
			if e.Message != "Error: command failed" || !strings.Contains(err.Error(), "Error: command failed") {
				t.Errorf("-f %s: Send() = %v, want the server's text", command, err)
			}
		}
	})

	t.Run("OKReconnectAfterDisconnect", func(t *testing.T) {
		t.Parallel()
		sink := smtpsink.Start(t, "-q", "DATA")
		pool := MustNewPool(t, smtp.Config{URL: sink.URL()}, 1)
		err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 1))
		if e := asError(t, err); e.Code != 0 || e.Command != smtp.CommandDATA || !e.Temporary() || e.Uncertain() || e.Err == nil {
			t.Fatalf("Send() = %#v, want a temporary DATA connection error", e)
		}
		sink.Restart(t)
		if err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 2)); err != nil {
			t.Fatalf("Send() after the server is back = %v", err)
		}
		if got := sink.Count(t); got != 1 {
			t.Errorf("the sink received %d messages, want 1", got)
		}
	})

	t.Run("OKStaleIdleConnection", func(t *testing.T) {
		t.Parallel()
		sink := smtpsink.Start(t)
		pool := MustNewPool(t, smtp.Config{URL: sink.URL()}, 1)
		if err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 1)); err != nil {
			t.Fatal(err)
		}
		// The server goes away while the connection idles in the pool:
		// the next message goes over a new one, without an error.
		sink.Restart(t)
		if err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 2)); err != nil {
			t.Fatalf("Send() over a connection the server closed = %v", err)
		}
		if got := sink.Count(t); got != 2 {
			t.Errorf("the sink received %d messages, want 2", got)
		}
	})

	t.Run("ErrUncertainAfterDot", func(t *testing.T) {
		t.Parallel()
		sink := smtpsink.Start(t, "-q", ".")
		pool := MustNewPool(t, smtp.Config{URL: sink.URL()}, 1)
		err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 1))
		e := asError(t, err)
		if e.Code != 0 || e.Command != smtp.CommandDATAEnd || !e.Uncertain() || !smtp.IsUncertain(err) || !e.Temporary() {
			t.Fatalf("Send() = %#v, want an uncertain DATA-END error", e)
		}
		// And indeed the server has it.
		if got := sink.Count(t); got != 1 {
			t.Errorf("the sink received %d messages, want 1", got)
		}
	})

	t.Run("ErrTimeout", func(t *testing.T) {
		t.Parallel()
		for _, step := range []struct{ command, want string }{{"MAIL", smtp.CommandMAIL}, {".", smtp.CommandDATAEnd}} {
			sink := smtpsink.Start(t, "-W", step.command+":3")
			pool := MustNewPool(t, smtp.Config{URL: sink.URL(), Timeout: 300 * time.Millisecond}, 1)
			start := time.Now()
			err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 1))
			e := asError(t, err)
			if e.Code != 0 || e.Command != step.want || !e.Temporary() || !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("-W %s:3: Send() = %#v, want a temporary %s timeout", step.command, e, step.want)
			}
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("-W %s:3: Send() took %v with a timeout of 300ms", step.command, elapsed)
			}
		}
	})

	t.Run("ErrContextDone", func(t *testing.T) {
		t.Parallel()
		sink := smtpsink.Start(t, "-W", "RCPT:3")
		pool := MustNewPool(t, smtp.Config{URL: sink.URL()}, 1)
		ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		var wg sync.WaitGroup
		var waiting error
		wg.Go(func() {
			// The only connection is busy: this one waits, then gives up.
			time.Sleep(50 * time.Millisecond)
			waiting = pool.Send(ctx, "bounce@acme.example", "paul@example.com", testMessage(t, 2))
		})
		start := time.Now()
		err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 1))
		wg.Wait()
		if e := asError(t, err); e.Command != smtp.CommandRCPT || !errors.Is(err, context.DeadlineExceeded) || !e.Temporary() {
			t.Errorf("Send() = %#v, want a temporary RCPT error for the context", e)
		}
		if e := asError(t, waiting); e.Command != smtp.CommandDial || !errors.Is(waiting, context.DeadlineExceeded) {
			t.Errorf("waiting Send() = %#v, want a DIAL error for the context", e)
		}
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("Send() took %v with a context of 300ms", elapsed)
		}
	})

	t.Run("ErrEnvelope", func(t *testing.T) {
		pool := MustNewPool(t, smtp.Config{URL: "smtp+insecure://127.0.0.1:1"}, 1)
		for _, to := range []string{"", "a@b.example\r\nRCPT TO:<c@d.example>", "<a@b.example>"} {
			if err := pool.Send(ctx, "bounce@acme.example", to, testMessage(t, 1)); smtp.IsTemporary(err) || asError(t, err).Code != 553 {
				t.Errorf("Send(to %q) = %v, want a permanent 553", to, err)
			}
		}
	})
}

func TestNewPoolInvalid(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  smtp.Config
		size int
	}{
		{"ErrURL", smtp.Config{URL: "smtp:/relay"}, 1},
		{"ErrSize", smtp.Config{URL: "smtp://relay.acme.example"}, 0},
		{"ErrHelo", smtp.Config{URL: "smtp://relay.acme.example", HeloName: "a b"}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := smtp.NewPool(tt.cfg, tt.size); breachdesk.ErrorCode(err) != breachdesk.EInvalid {
				t.Errorf("NewPool() = %v, want an invalid error", err)
			}
		})
	}
}

// testServer is an in-process go-smtp server for what smtp-sink cannot
// do: TLS and authentication.
type testServer struct {
	addr  string
	roots *x509.CertPool

	mu       sync.Mutex
	received []serverMessage
}

// serverMessage is what testServer received, and how.
type serverMessage struct {
	From, To string
	Data     string
	TLS      bool
	User     string
	Helo     string
}

// serverOptions configure a testServer.
type serverOptions struct {
	// StartTLS offers STARTTLS; Implicit serves TLS from the start.
	StartTLS, Implicit bool
	// InsecureAuth offers AUTH without TLS.
	InsecureAuth bool
	// UTF8 offers SMTPUTF8.
	UTF8 bool
}

func startTestServer(t *testing.T, opts serverOptions) *testServer {
	t.Helper()
	cert, roots := selfSignedCert(t)
	s := &testServer{roots: roots}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &testSession{s: s, c: c}, nil
	}))
	srv.Domain = "relay.test"
	srv.AllowInsecureAuth = opts.InsecureAuth
	srv.EnableSMTPUTF8 = opts.UTF8
	srv.ErrorLog = log.New(io.Discard, "", 0)
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}}
	if opts.StartTLS {
		srv.TLSConfig = tlsConfig
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Implicit {
		l = tls.NewListener(l, tlsConfig)
	}
	s.addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return s
}

func (s *testServer) messages() []serverMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]serverMessage(nil), s.received...)
}

// testSession is one connection to a testServer.
type testSession struct {
	s        *testServer
	c        *gosmtp.Conn
	user     string
	from, to string
}

func (ts *testSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ts *testSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, password string) error {
		if user != "notices" || password != "s3cret:pw" {
			return &gosmtp.SMTPError{Code: 535, EnhancedCode: gosmtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		ts.user = user
		return nil
	}), nil
}

func (ts *testSession) Mail(from string, _ *gosmtp.MailOptions) error {
	ts.from = from
	return nil
}

func (ts *testSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	ts.to = to
	return nil
}

func (ts *testSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := ts.c.TLSConnectionState()
	ts.s.mu.Lock()
	defer ts.s.mu.Unlock()
	ts.s.received = append(ts.s.received, serverMessage{From: ts.from, To: ts.to, Data: string(b), TLS: isTLS, User: ts.user, Helo: ts.c.Hostname()})
	return nil
}

func (ts *testSession) Reset()        {}
func (ts *testSession) Logout() error { return nil }

// selfSignedCert returns a certificate for 127.0.0.1 and localhost, and a
// pool of roots that trusts it.
func selfSignedCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "relay.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, roots
}

func TestPoolTLSAndAuth(t *testing.T) {
	ctx := context.Background()
	const user = "notices:s3cret%3Apw@"

	t.Run("OKStartTLSAndAuth", func(t *testing.T) {
		t.Parallel()
		srv := startTestServer(t, serverOptions{StartTLS: true})
		pool := MustNewPool(t, smtp.Config{URL: "smtp://" + user + srv.addr, TLSConfig: &tls.Config{RootCAs: srv.roots}, RequireTLS: true}, 2)
		for i := range 3 {
			if err := pool.Send(ctx, "bounce+1-x@acme.example", "marie@example.com", testMessage(t, i)); err != nil {
				t.Fatalf("Send() = %v", err)
			}
		}
		got := srv.messages()
		if len(got) != 3 {
			t.Fatalf("the server received %d messages, want 3", len(got))
		}
		want := serverMessage{From: "bounce+1-x@acme.example", To: "marie@example.com", Data: string(testMessage(t, 0)), TLS: true, User: "notices", Helo: "sender.test"}
		if diff := cmp.Diff(want, got[0]); diff != "" {
			t.Errorf("received (-want +got):\n%s", diff)
		}
	})

	t.Run("OKImplicitTLS", func(t *testing.T) {
		t.Parallel()
		srv := startTestServer(t, serverOptions{Implicit: true})
		pool := MustNewPool(t, smtp.Config{URL: "smtps://" + user + srv.addr, TLSConfig: &tls.Config{RootCAs: srv.roots}}, 1)
		if err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 1)); err != nil {
			t.Fatalf("Send() = %v", err)
		}
		if got := srv.messages(); len(got) != 1 || !got[0].TLS || got[0].User != "notices" {
			t.Errorf("received %+v, want one message over TLS, authenticated", got)
		}
	})

	t.Run("OKInsecureNeverStartsTLS", func(t *testing.T) {
		t.Parallel()
		srv := startTestServer(t, serverOptions{StartTLS: true})
		pool := MustNewPool(t, smtp.Config{URL: "smtp+insecure://" + srv.addr}, 1)
		if err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 1)); err != nil {
			t.Fatalf("Send() = %v", err)
		}
		if got := srv.messages(); len(got) != 1 || got[0].TLS {
			t.Errorf("received %+v, want one message in clear", got)
		}
	})

	t.Run("OKLoopbackAuthInClear", func(t *testing.T) {
		t.Parallel()
		srv := startTestServer(t, serverOptions{InsecureAuth: true})
		pool := MustNewPool(t, smtp.Config{URL: "smtp://" + user + srv.addr}, 1)
		if err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 1)); err != nil {
			t.Fatalf("Send() = %v", err)
		}
		if got := srv.messages(); len(got) != 1 || got[0].TLS || got[0].User != "notices" {
			t.Errorf("received %+v, want one message in clear, authenticated", got)
		}
	})

	t.Run("ErrRequireTLS", func(t *testing.T) {
		t.Parallel()
		srv := startTestServer(t, serverOptions{})
		pool := MustNewPool(t, smtp.Config{URL: "smtp://" + srv.addr, RequireTLS: true}, 1)
		err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 1))
		if e := asError(t, err); e.Command != smtp.CommandSTARTTLS || !e.Temporary() || !strings.Contains(e.Error(), "STARTTLS") {
			t.Errorf("Send() = %#v, want a STARTTLS error", e)
		}
		if got := srv.messages(); len(got) != 0 {
			t.Errorf("the server received %d messages in clear", len(got))
		}
	})

	t.Run("ErrUntrustedCertificate", func(t *testing.T) {
		t.Parallel()
		srv := startTestServer(t, serverOptions{StartTLS: true})
		pool := MustNewPool(t, smtp.Config{URL: "smtp://" + srv.addr}, 1)
		err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 1))
		var unknown x509.UnknownAuthorityError
		if e := asError(t, err); e.Command != smtp.CommandSTARTTLS || !errors.As(err, &unknown) {
			t.Errorf("Send() = %#v, want a STARTTLS error for the certificate", e)
		}
	})

	t.Run("ErrWrongPassword", func(t *testing.T) {
		t.Parallel()
		srv := startTestServer(t, serverOptions{StartTLS: true})
		pool := MustNewPool(t, smtp.Config{URL: "smtp://notices:wrong@" + srv.addr, TLSConfig: &tls.Config{RootCAs: srv.roots}}, 1)
		err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 1))
		// A 5xx, but about the relay, not the recipient: temporary.
		if e := asError(t, err); e.Command != smtp.CommandAUTH || e.Code != 535 || !e.Temporary() {
			t.Errorf("Send() = %#v, want a temporary 535 AUTH error", e)
		}
	})

	t.Run("OKInternationalAddress", func(t *testing.T) {
		t.Parallel()
		srv := startTestServer(t, serverOptions{UTF8: true})
		pool := MustNewPool(t, smtp.Config{URL: "smtp+insecure://" + srv.addr}, 1)
		if err := pool.Send(ctx, "bounce@acme.example", "marié@exemple.fr", testMessage(t, 1)); err != nil {
			t.Fatalf("Send() = %v", err)
		}
		if got := srv.messages(); len(got) != 1 || got[0].To != "marié@exemple.fr" {
			t.Errorf("received %+v", got)
		}
	})

	t.Run("ErrInternationalAddressWithoutSMTPUTF8", func(t *testing.T) {
		t.Parallel()
		srv := startTestServer(t, serverOptions{})
		pool := MustNewPool(t, smtp.Config{URL: "smtp+insecure://" + srv.addr}, 1)
		err := pool.Send(ctx, "bounce@acme.example", "marié@exemple.fr", testMessage(t, 1))
		if e := asError(t, err); e.Code != 553 || e.EnhancedCode != "5.6.7" || e.Temporary() {
			t.Fatalf("Send() = %#v, want a permanent 553 5.6.7", e)
		}
		// The connection is still good for the next message.
		if err := pool.Send(ctx, "bounce@acme.example", "marie@exemple.fr", testMessage(t, 2)); err != nil {
			t.Fatalf("Send() after = %v", err)
		}
	})

	t.Run("ErrNoAuthOffered", func(t *testing.T) {
		t.Parallel()
		srv := startTestServer(t, serverOptions{})
		pool := MustNewPool(t, smtp.Config{URL: "smtp://" + user + srv.addr}, 1)
		err := pool.Send(ctx, "bounce@acme.example", "marie@example.com", testMessage(t, 1))
		if e := asError(t, err); e.Command != smtp.CommandAUTH || !e.Temporary() {
			t.Errorf("Send() = %#v, want an AUTH error", e)
		}
	})
}
