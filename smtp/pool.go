package smtp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// Relay URL schemes.
const (
	// SchemeSMTP upgrades with STARTTLS when the server offers it.
	SchemeSMTP = "smtp"
	// SchemeSMTPS speaks TLS from the first byte (port 465).
	SchemeSMTPS = "smtps"
	// SchemeInsecure never starts TLS, for a relay on a trusted network or
	// a test server.
	SchemeInsecure = "smtp+insecure"
)

// DefaultTimeout bounds each command when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config says how to reach the mail relay.
type Config struct {
	// URL is smtp://[user:password@]host[:port] (STARTTLS when the server
	// offers it; AUTH PLAIN when user is given, and only over TLS unless
	// the host is loopback), smtps://... (implicit TLS) or
	// smtp+insecure://... (never STARTTLS). The port defaults to 25, or 465
	// for smtps.
	URL string
	// HeloName is the name the client gives in EHLO; default os.Hostname.
	HeloName string
	// Timeout bounds each command, the transfer of the message, and the
	// wait for the reply after it; default DefaultTimeout.
	Timeout time.Duration
	// TLSConfig is used for STARTTLS and smtps; nil means the system roots
	// and the URL's host as ServerName.
	TLSConfig *tls.Config
	// RequireTLS makes the pool fail, instead of sending in clear, when the
	// server does not offer STARTTLS.
	RequireTLS bool
}

// Relay is a parsed relay URL.
type Relay struct {
	Scheme string
	// Host is the host name or IP address, Addr is host:port.
	Host string
	Addr string
	// Username and Password are for AUTH PLAIN; empty for none.
	Username string
	Password string
}

// String returns the relay's URL with the password masked.
func (r *Relay) String() string {
	u := url.URL{Scheme: r.Scheme, Host: r.Addr}
	if r.Username != "" {
		u.User = url.UserPassword(r.Username, "xxxxx")
	}
	return u.String()
}

// ParseURL validates a relay URL. Returns an invalid error that says what
// is wrong with it, without the password.
func ParseURL(s string) (*Relay, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("parse relay URL: %w", breachdesk.Errorf(breachdesk.EInvalid, "SMTP relay URL: "+format, args...))
	}
	if s == "" {
		return nil, invalid("it is empty; give smtp://host:port, smtps://host:port or smtp+insecure://host:port")
	}
	u, err := url.Parse(s)
	if err != nil {
		// url's error repeats the URL, password included.
		return nil, invalid("it cannot be parsed as a URL (smtp://[user:password@]host:port; escape special characters of the password with %%XX)")
	}
	shown := u.Redacted()
	r := &Relay{Scheme: strings.ToLower(u.Scheme), Host: u.Hostname()}
	defaultPort := "25"
	switch r.Scheme {
	case SchemeSMTP, SchemeInsecure:
	case SchemeSMTPS:
		defaultPort = "465"
	default:
		return nil, invalid("%q: the scheme must be smtp, smtps or smtp+insecure", shown)
	}
	if u.Opaque != "" || r.Host == "" {
		return nil, invalid("%q has no host", shown)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return nil, invalid("%q: a relay URL has no path, query or fragment", shown)
	}
	port := u.Port()
	if port == "" {
		port = defaultPort
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, invalid("%q: the port must be a number from 1 to 65535", shown)
	}
	r.Addr = net.JoinHostPort(r.Host, port)
	if u.User != nil {
		r.Username = u.User.Username()
		r.Password, _ = u.User.Password()
		if r.Username == "" {
			return nil, invalid("%q has a password but no user name", shown)
		}
		if r.Scheme == SchemeInsecure && !isLoopback(r.Host) {
			return nil, invalid("%q: smtp+insecure never starts TLS, so it would send the password in clear to a host that is not loopback", shown)
		}
	}
	return r, nil
}

// isLoopback tells whether host is this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Pool keeps persistent connections to the mail relay and sends messages
// over them. It is safe for concurrent use.
type Pool struct {
	cfg   Config
	relay *Relay
	tls   *tls.Config
	// slots holds a token for each connection that may be in use.
	slots chan struct{}

	mu     sync.Mutex
	idle   []*conn
	closed bool
}

// NewPool returns a pool of at most size connections to the relay of cfg.
// It connects on demand: the first Send dials. Returns an invalid error for
// a bad URL.
func NewPool(cfg Config, size int) (*Pool, error) {
	if size < 1 {
		return nil, fmt.Errorf("new smtp pool: %w", breachdesk.Errorf(breachdesk.EInvalid, "the pool needs at least one connection, not %d", size))
	}
	relay, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("new smtp pool: %w", err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.HeloName == "" {
		if cfg.HeloName, err = os.Hostname(); err != nil || cfg.HeloName == "" {
			cfg.HeloName = "localhost"
		}
	}
	if strings.ContainsAny(cfg.HeloName, " \r\n") {
		return nil, fmt.Errorf("new smtp pool: %w", breachdesk.Errorf(breachdesk.EInvalid, "%q is not a host name for EHLO", cfg.HeloName))
	}
	tlsConfig := &tls.Config{ServerName: relay.Host}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = relay.Host
		}
	}
	return &Pool{cfg: cfg, relay: relay, tls: tlsConfig, slots: make(chan struct{}, size)}, nil
}

// Relay returns the parsed relay URL.
func (p *Pool) Relay() *Relay {
	return p.relay
}

// errClosed is the cause of a Send on a closed pool.
var errClosed = errors.New("the connection pool is closed")

// Send delivers one message: MAIL FROM:<from> (the VERP return path), RCPT
// TO:<to>, DATA msg (a complete message with CRLF line endings), on a
// pooled connection that is opened on demand and kept open for the next
// message. After a refused transaction the connection is reset (RSET) and
// kept; a connection that broke is closed and a new one dialled next time.
// A connection that was idle in the pool and turns out closed by the server
// at MAIL is replaced once at no cost, since nothing was sent on it. Up to
// size goroutines send at once; more wait for a connection, or until ctx is
// done.
//
// Send returns nil only when the server accepted the message with 250 after
// its end. Otherwise it returns an *Error: see Error.Temporary for whether
// to try again and Error.Uncertain for whether the server may nevertheless
// have the message.
func (p *Pool) Send(ctx context.Context, from, to string, msg []byte) error {
	// Refused here as a server would: 553 is "mailbox name not allowed".
	switch {
	case strings.ContainsAny(from, "\r\n<> "):
		return &Error{Command: CommandMAIL, Code: 553, EnhancedCode: "5.1.7", Message: "the return path holds a character an envelope address cannot (refused by the client)"}
	case to == "" || strings.ContainsAny(to, "\r\n<> "):
		return &Error{Command: CommandRCPT, Code: 553, EnhancedCode: "5.1.3", Message: "the recipient address is empty or holds a character an envelope address cannot (refused by the client)"}
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return &Error{Command: CommandDial, Err: ctx.Err()}
	}
	defer func() { <-p.slots }()

	for retried := false; ; retried = true {
		c, reused, err := p.get(ctx)
		if err != nil {
			return err
		}
		err = c.send(ctx, p.cfg.Timeout, from, to, msg)
		p.put(c, err)
		var e *Error
		if reused && !retried && errors.As(err, &e) && e.Command == CommandMAIL && (e.Code == 0 || e.Code == 421) && ctx.Err() == nil {
			continue
		}
		return err
	}
}

// get returns an idle connection, or dials a new one.
func (p *Pool) get(ctx context.Context) (c *conn, reused bool, err error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, false, &Error{Command: CommandDial, Err: errClosed}
	}
	if n := len(p.idle); n > 0 {
		c = p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, true, nil
	}
	p.mu.Unlock()
	c, err = p.dial(ctx)
	return c, false, err
}

// put keeps a connection for the next message, after a reset if the
// transaction failed, or closes it if it broke.
func (p *Pool) put(c *conn, sendErr error) {
	if c.broken || sendErr != nil && c.reset(p.cfg.Timeout) != nil {
		c.close()
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		c.quit(p.cfg.Timeout)
		return
	}
	p.idle = append(p.idle, c)
	p.mu.Unlock()
}

// Close quits the idle connections and makes later Sends fail. Connections
// in use are quit when their Send ends. Close may be called more than once.
func (p *Pool) Close() error {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	var errs []error
	for _, c := range idle {
		if err := c.quit(p.cfg.Timeout); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close smtp pool: %w", err)
	}
	return nil
}

// conn is one connection to the relay.
type conn struct {
	client *gosmtp.Client
	// raw is the TCP connection, closed to interrupt a command when the
	// context of a Send is done.
	raw net.Conn
	// wire is the connection the client writes to, which tells whether
	// the final "." of a message left.
	wire *wireConn
	// broken is set when the connection can carry no more commands.
	broken bool
}

// dial connects to the relay, greets it, starts TLS and authenticates as
// the configuration says.
func (p *Pool) dial(ctx context.Context) (*conn, error) {
	timeout := p.cfg.Timeout
	d := net.Dialer{Timeout: timeout}
	raw, err := d.DialContext(ctx, "tcp", p.relay.Addr)
	if err != nil {
		return nil, &Error{Command: CommandDial, Err: err}
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	fail := func(e *Error) (*conn, error) {
		raw.Close()
		if ctx.Err() != nil {
			e = &Error{Command: e.Command, Err: ctx.Err()}
		}
		return nil, e
	}

	var wire *wireConn
	secure := false
	if p.relay.Scheme == SchemeSMTPS {
		tc := tls.Client(raw, p.tls)
		hctx, cancel := context.WithTimeout(ctx, timeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			return fail(&Error{Command: CommandDial, Err: fmt.Errorf("TLS handshake: %w", err)})
		}
		wire, secure = &wireConn{Conn: tc}, true
	} else {
		wire = &wireConn{Conn: raw}
	}
	client := p.newClient(wire)
	if err := client.Hello(p.cfg.HeloName); err != nil {
		return fail(replyError(CommandEHLO, err))
	}

	if p.relay.Scheme == SchemeSMTP {
		if ok, _ := client.Extension("STARTTLS"); ok {
			wire, err = startTLS(ctx, raw, wire, p.tls, timeout)
			if err != nil {
				return fail(replyError(CommandSTARTTLS, err))
			}
			secure = true
			client = p.newClient(wire)
			if err := client.Hello(p.cfg.HeloName); err != nil {
				return fail(replyError(CommandEHLO, err))
			}
		}
	}
	if !secure && p.cfg.RequireTLS {
		return fail(&Error{Command: CommandSTARTTLS, Err: errors.New("the server does not offer STARTTLS and the configuration requires TLS")})
	}

	if p.relay.Username != "" {
		switch {
		case !secure && !isLoopback(p.relay.Host):
			return fail(&Error{Command: CommandAUTH, Err: errors.New("refusing to send the password in clear: the server does not offer STARTTLS")})
		case !client.SupportsAuth(sasl.Plain):
			return fail(&Error{Command: CommandAUTH, Err: errors.New("the server does not offer AUTH PLAIN")})
		}
		if err := client.Auth(sasl.NewPlainClient("", p.relay.Username, p.relay.Password)); err != nil {
			return fail(replyError(CommandAUTH, err))
		}
	}
	if !stop() {
		// The context was done just now, and closed the connection.
		return fail(&Error{Command: CommandDial})
	}
	return &conn{client: client, raw: raw, wire: wire}, nil
}

func (p *Pool) newClient(wire *wireConn) *gosmtp.Client {
	c := gosmtp.NewClient(wire)
	c.CommandTimeout = p.cfg.Timeout
	c.SubmissionTimeout = p.cfg.Timeout
	return c
}

// startTLS sends STARTTLS on a connection whose client has greeted the
// server, and returns the TLS connection for a new client.
//
// go-smtp exports STARTTLS only through NewClientStartTLS, which says
// "EHLO localhost" and gives up when the server does not offer it; so this
// sends the command itself, and the new client is handed the server's
// a greeting (wireConn.replay), since a go-smtp client always starts by
// reading one; it is read locally and never goes on the wire.
func startTLS(ctx context.Context, raw net.Conn, plain *wireConn, config *tls.Config, timeout time.Duration) (*wireConn, error) {
	raw.SetDeadline(time.Now().Add(timeout))
	defer raw.SetDeadline(time.Time{})
	if _, err := plain.Write([]byte("STARTTLS\r\n")); err != nil {
		return nil, err
	}
	// The server says nothing more until the TLS handshake, which the
	// client starts, so this reader cannot read past the reply.
	if _, _, err := textproto.NewReader(bufio.NewReader(plain)).ReadResponse(220); err != nil {
		return nil, err
	}
	tc := tls.Client(raw, config)
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return &wireConn{Conn: tc, replay: []byte("220 greeting replayed after STARTTLS\r\n")}, nil
}

// send runs one mail transaction.
func (c *conn) send(ctx context.Context, timeout time.Duration, from, to string, msg []byte) (err error) {
	stop := context.AfterFunc(ctx, func() { c.raw.Close() })
	defer func() {
		var e *Error
		if errors.As(err, &e) && (e.Code == 0 || e.Code == 421) {
			c.broken = true
		}
		if !stop() {
			c.broken = true
			if e != nil && e.Code == 0 {
				// The context closed the connection: say so rather
				// than "use of closed network connection".
				e.Err = ctx.Err()
			}
		}
	}()

	var opts *gosmtp.MailOptions
	if !isASCII(from) || !isASCII(to) {
		if ok, _ := c.client.Extension("SMTPUTF8"); !ok {
			return &Error{Command: CommandMAIL, Code: 553, EnhancedCode: "5.6.7", Message: "the address is not ASCII and the relay does not offer SMTPUTF8 (refused by the client)"}
		}
		opts = &gosmtp.MailOptions{UTF8: true}
	}
	if err := c.client.Mail(from, opts); err != nil {
		return replyError(CommandMAIL, err)
	}
	if err := c.client.Rcpt(to, nil); err != nil {
		return replyError(CommandRCPT, err)
	}
	w, err := c.client.Data()
	if err != nil {
		return replyError(CommandDATA, err)
	}
	c.raw.SetDeadline(time.Now().Add(timeout))
	if err := c.writeData(w, msg); err != nil {
		return &Error{Command: CommandDATA, Err: err}
	}
	c.wire.writeErr = nil
	_, err = w.CloseWithResponse()
	switch {
	case err == nil:
		return nil
	case c.wire.writeErr != nil:
		// The final "." did not leave: the server cannot have the message.
		return &Error{Command: CommandDATA, Err: err}
	}
	var se *gosmtp.SMTPError
	if errors.As(err, &se) {
		return replyError(CommandDATA, err)
	}
	return &Error{Command: CommandDATAEnd, Err: err}
}

// writeData writes msg as the data of the transaction; w's Close then ends
// it. go-smtp's writer (net/textproto's DotWriter) looks at each byte to
// stuff dots and fix line endings, a fifth of a sender's CPU. A message
// that needs neither (CRLF line endings only, no line starting with a
// dot, as Build makes them) goes straight to the connection instead, all
// but its last CRLF: Close, finding nothing written, adds CRLF "." CRLF,
// and the bytes on the wire are the same.
func (c *conn) writeData(w io.Writer, msg []byte) error {
	if !needsDotWriter(msg) {
		_, err := c.wire.Write(msg[:len(msg)-2])
		return err
	}
	_, err := w.Write(msg)
	return err
}

// needsDotWriter tells whether msg has a line that starts with a dot, a
// bare CR or LF, or no CRLF at its end. It visits only the line feeds.
func needsDotWriter(msg []byte) bool {
	if !bytes.HasSuffix(msg, []byte("\r\n")) || msg[0] == '.' {
		return true
	}
	lines := 0
	for i := 0; i < len(msg); i++ {
		j := bytes.IndexByte(msg[i:], '\n')
		if j < 0 {
			break
		}
		i += j
		if i == 0 || msg[i-1] != '\r' || i+1 < len(msg) && msg[i+1] == '.' {
			return true
		}
		lines++
	}
	return bytes.Count(msg, []byte("\r")) != lines
}

// reset aborts a refused transaction so that the connection can carry the
// next one.
func (c *conn) reset(timeout time.Duration) error {
	c.raw.SetDeadline(time.Now().Add(timeout))
	defer c.raw.SetDeadline(time.Time{})
	return c.client.Reset()
}

// quit says goodbye and closes the connection.
func (c *conn) quit(timeout time.Duration) error {
	c.raw.SetDeadline(time.Now().Add(timeout))
	err := c.client.Quit()
	c.close()
	return err
}

func (c *conn) close() {
	c.client.Close()
	c.raw.Close()
}

// replyError turns what go-smtp returned into an *Error.
func replyError(command string, err error) *Error {
	var se *gosmtp.SMTPError
	if errors.As(err, &se) {
		e := &Error{Command: command, Code: se.Code, Message: se.Message}
		if se.EnhancedCode != (gosmtp.EnhancedCode{}) && se.EnhancedCode != gosmtp.NoEnhancedCode {
			e.EnhancedCode = fmt.Sprintf("%d.%d.%d", se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])
		}
		return e
	}
	return &Error{Command: command, Err: err}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// wireConn is the connection a go-smtp client talks over. It replays a
// greeting to a client started after STARTTLS, and keeps the last write
// error so that Send can tell whether the end of a message left.
//
// It also holds what the client writes until the client reads: an SMTP
// client reads only to wait for the reply to what it wrote, so nothing
// waits on a held write, and a message goes out in one write instead of
// one per 4 KiB of go-smtp's buffer, with its command lines.
type wireConn struct {
	net.Conn
	replay   []byte
	pending  []byte
	writeErr error
}

// Read returns the replayed greeting first, then what the server sends,
// once what was written has left.
func (w *wireConn) Read(b []byte) (int, error) {
	if len(w.replay) > 0 {
		n := copy(b, w.replay)
		w.replay = w.replay[n:]
		return n, nil
	}
	if err := w.flush(); err != nil {
		return 0, err
	}
	return w.Conn.Read(b)
}

// Write holds b until the next Read. What is held when the connection
// closes is dropped: no one waits for its reply.
func (w *wireConn) Write(b []byte) (int, error) {
	if w.writeErr != nil {
		return 0, w.writeErr
	}
	w.pending = append(w.pending, b...)
	return len(b), nil
}

// flush writes what is held and records the error.
func (w *wireConn) flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	_, err := w.Conn.Write(w.pending)
	w.pending = w.pending[:0]
	if err != nil {
		w.writeErr = err
	}
	return err
}
