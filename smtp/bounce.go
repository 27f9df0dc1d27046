package smtp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/breachdesk/breachdesk"
	gosmtp "github.com/emersion/go-smtp"
)

// Bounce is one failed delivery that a delivery status notification
// reports.
type Bounce struct {
	// NoticeID is the notice whose VERP return path the report came to.
	NoticeID int64
	// Status is the RFC 3463 status code of the failure, such as "5.1.1".
	Status string
	// Diagnostic is the remote server's reply (Diagnostic-Code) or, if the
	// report has none, the status, with e-mail addresses masked
	// (breachdesk.TrimReply).
	Diagnostic string
}

// DefaultMaxBounceBytes bounds a message to the BounceServer when
// MaxMessageBytes is zero. A report carries at most the headers of the
// original message or, with RET=FULL, the whole notice: tens of kilobytes.
const DefaultMaxBounceBytes = 1 << 20

// BounceServer is a small inbound SMTP server that takes delivery status
// notifications (RFC 3464) for the VERP return paths of its domain and
// reports each failure.
//
// It answers 550 to a recipient that is not a valid VERP address of Domain;
// for a report whose Action is "failed" (for any recipient in it) it calls
// OnBounce once per notice addressed; a report that only says delayed,
// delivered, relayed or expanded, and a message that is not a report at all
// (an "out of office" reply, which RFC 3834 sends to the return path), is
// accepted and ignored. Point the domain's MX at it, or have the relay
// forward bounce+* to it.
type BounceServer struct {
	// Addr is the address to listen on, such as ":25" or "127.0.0.1:0".
	Addr string
	// Domain is the domain of the VERP return paths, and the name the
	// server gives in its greeting.
	Domain string
	// Key is the VERP key, at least 16 bytes.
	Key []byte
	// OnBounce records a bounce. A returned error makes the server answer
	// 451, so that the sender tries again later: OnBounce must therefore
	// accept the same bounce twice. Called from several goroutines at once.
	OnBounce func(ctx context.Context, b Bounce) error
	// Logger receives one line per message; nil discards them. Addresses
	// are always masked.
	Logger *slog.Logger
	// MaxMessageBytes bounds a message; default DefaultMaxBounceBytes.
	MaxMessageBytes int64

	mu       sync.Mutex
	server   *gosmtp.Server
	listener net.Listener
	served   chan struct{}
	cancel   context.CancelFunc
}

// Start listens on Addr and serves in the background until Stop. ctx is
// passed on to OnBounce; when it is done, OnBounce calls see it done.
func (s *BounceServer) Start(ctx context.Context) error {
	switch {
	case s.Domain == "":
		return fmt.Errorf("start bounce server: %w", breachdesk.Errorf(breachdesk.EInvalid, "the VERP domain is required"))
	case len(s.Key) < 16:
		return fmt.Errorf("start bounce server: %w", breachdesk.Errorf(breachdesk.EInvalid, "the VERP key must have at least 16 bytes"))
	case s.OnBounce == nil:
		return fmt.Errorf("start bounce server: %w", breachdesk.Errorf(breachdesk.EInvalid, "OnBounce is required"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.server != nil {
		return errors.New("start bounce server: already started")
	}
	l, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("start bounce server: %w", err)
	}
	logger := s.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	srv := gosmtp.NewServer(&bounceBackend{s: s, ctx: ctx, log: logger})
	srv.Domain = s.Domain
	srv.MaxMessageBytes = s.MaxMessageBytes
	if srv.MaxMessageBytes <= 0 {
		srv.MaxMessageBytes = DefaultMaxBounceBytes
	}
	// One report goes to one return path; a few more do no harm.
	srv.MaxRecipients = 10
	srv.ReadTimeout = 5 * time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = slogLogger{logger}
	s.server, s.listener, s.cancel = srv, l, cancel
	s.served = make(chan struct{})
	go func(served chan struct{}) {
		defer close(served)
		if err := srv.Serve(l); err != nil {
			logger.Error("bounce server stopped", "err", err)
		}
	}(s.served)
	logger.Info("bounce server listening", "addr", l.Addr().String(), "domain", s.Domain)
	return nil
}

// ListenAddr returns the address the server listens on, with the port it
// was given if Addr asked for any; "" before Start.
func (s *BounceServer) ListenAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// Stop closes the listener and the open connections, and waits for the
// server to end. A report whose transfer is cut was not acknowledged, so
// its sender sends it again. Stop may be called more than once.
func (s *BounceServer) Stop() error {
	s.mu.Lock()
	srv, l, served, cancel := s.server, s.listener, s.served, s.cancel
	s.cancel = nil
	s.mu.Unlock()
	if srv == nil || cancel == nil {
		return nil
	}
	cancel()
	err := srv.Close()
	// The server closes only the listeners its Serve has registered,
	// which it may not have done yet.
	l.Close()
	<-served
	if err != nil && !errors.Is(err, gosmtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("stop bounce server: %w", err)
	}
	return nil
}

// slogLogger passes go-smtp's internal errors to the logger.
type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Printf(format string, v ...any) {
	l.log.Warn("bounce server: " + breachdesk.MaskAddresses(fmt.Sprintf(format, v...)))
}

func (l slogLogger) Println(v ...any) {
	l.log.Warn("bounce server: " + breachdesk.MaskAddresses(strings.TrimSpace(fmt.Sprintln(v...))))
}

type bounceBackend struct {
	s   *BounceServer
	ctx context.Context
	log *slog.Logger
}

func (b *bounceBackend) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	return &bounceSession{b: b, remote: c.Conn().RemoteAddr().String()}, nil
}

// bounceSession is one SMTP connection to the BounceServer.
type bounceSession struct {
	b       *bounceBackend
	remote  string
	notices []int64
}

func (s *bounceSession) Reset() {
	s.notices = nil
}

func (s *bounceSession) Logout() error {
	return nil
}

// Mail accepts any return path: reports come from the null one ("<>"),
// auto-replies from anyone.
func (s *bounceSession) Mail(from string, opts *gosmtp.MailOptions) error {
	return nil
}

// Rcpt accepts the VERP addresses of the domain only.
func (s *bounceSession) Rcpt(to string, opts *gosmtp.RcptOptions) error {
	at := strings.LastIndexByte(to, '@')
	id, ok := ParseVERP(s.b.s.Key, to)
	if !ok || !strings.EqualFold(to[at+1:], s.b.s.Domain) {
		s.b.log.Info("bounce server: recipient refused", "remote", s.remote, "rcpt", breachdesk.MaskEmail(to))
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such bounce address"}
	}
	s.notices = append(s.notices, id)
	return nil
}

// Data reads a message and reports its failures.
func (s *bounceSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		// Too large, or the connection broke: go-smtp answers.
		return err
	}
	failure, kind, err := parseDSN(data)
	switch {
	case err != nil:
		s.b.log.Warn("bounce server: report ignored, it cannot be read", "remote", s.remote, "notices", s.notices, "err", breachdesk.TrimReply(err.Error()))
		return nil
	case kind == "":
		s.b.log.Info("bounce server: message ignored, it is not a delivery status notification", "remote", s.remote, "notices", s.notices)
		return nil
	case failure == nil:
		s.b.log.Info("bounce server: report ignored, it reports no failure", "remote", s.remote, "notices", s.notices, "action", kind)
		return nil
	}
	for _, id := range s.notices {
		b := Bounce{NoticeID: id, Status: failure.status, Diagnostic: failure.diagnostic}
		if err := s.b.s.OnBounce(s.b.ctx, b); err != nil {
			s.b.log.Error("bounce server: bounce not recorded", "notice", id, "err", breachdesk.TrimReply(err.Error()))
			return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "Cannot record the report now, try again later"}
		}
		s.b.log.Info("bounce server: bounce recorded", "notice", id, "status", b.Status, "diagnostic", b.Diagnostic)
	}
	return nil
}

// dsnFailure is the first failed recipient of a report.
type dsnFailure struct {
	status     string
	diagnostic string
}

// statusCode matches an RFC 3463 status code.
var statusCode = regexp.MustCompile(`^[245]\.\d{1,3}\.\d{1,3}$`)

// parseDSN reads a message. It returns kind "" if the message is not a
// delivery status notification (RFC 3464: multipart/report with
// report-type delivery-status, or global-delivery-status of RFC 6533);
// otherwise kind lists the actions reported, and failure is the first
// recipient whose Action is "failed", or nil.
func parseDSN(data []byte) (failure *dsnFailure, kind string, err error) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		// Not even a message: nothing to report, and nothing a sender
		// could fix by retrying.
		return nil, "", nil
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/report" {
		return nil, "", nil
	}
	reportType := strings.ToLower(params["report-type"])
	if reportType != "delivery-status" && reportType != "global-delivery-status" {
		return nil, "", nil
	}
	if params["boundary"] == "" {
		return nil, "", errors.New("a multipart/report without a boundary")
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		// NextPart undoes quoted-printable; base64 is done below.
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", errors.New("a delivery report without a message/delivery-status part")
		} else if err != nil {
			return nil, "", fmt.Errorf("read report: %w", err)
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if ct != "message/delivery-status" && ct != "message/global-delivery-status" {
			continue
		}
		var body io.Reader = part
		if strings.EqualFold(strings.TrimSpace(part.Header.Get("Content-Transfer-Encoding")), "base64") {
			body = base64.NewDecoder(base64.StdEncoding, part)
		}
		return parseDeliveryStatus(body)
	}
}

// parseDeliveryStatus reads the fields of a message/delivery-status part:
// a group of per-message fields, then a group per recipient, separated by
// empty lines.
func parseDeliveryStatus(r io.Reader) (failure *dsnFailure, kind string, err error) {
	tr := textproto.NewReader(bufio.NewReader(io.LimitReader(r, DefaultMaxBounceBytes)))
	var actions []string
	for {
		// Only the per-recipient groups have an Action.
		h, err := tr.ReadMIMEHeader()
		if h.Get("Action") != "" {
			action := strings.ToLower(strings.TrimSpace(h.Get("Action")))
			// An Action may carry a comment: "failed (bad mailbox)".
			if i := strings.IndexAny(action, " (;"); i >= 0 {
				action = action[:i]
			}
			if action != "" {
				actions = append(actions, action)
			}
			if action == "failed" && failure == nil {
				status := strings.TrimSpace(h.Get("Status"))
				if i := strings.IndexAny(status, " ("); i >= 0 {
					status = status[:i]
				}
				if !statusCode.MatchString(status) {
					// A failure without a readable status is still a
					// failure: 5.0.0 is "other permanent failure".
					status = "5.0.0"
				}
				diag := h.Get("Diagnostic-Code")
				// "smtp; 550 5.1.1 <x@y>: unknown user": the type
				// says how to read the rest, and is not worth storing.
				if typ, rest, ok := strings.Cut(diag, ";"); ok && !strings.ContainsAny(typ, " <@") {
					diag = rest
				}
				diag = breachdesk.TrimReply(diag)
				if diag == "" {
					diag = status
				}
				failure = &dsnFailure{status: status, diagnostic: diag}
			}
		}
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, "", fmt.Errorf("read delivery status: %w", err)
		}
	}
	if len(actions) == 0 {
		return nil, "", errors.New("a delivery status without any recipient's Action")
	}
	return failure, strings.Join(actions, ","), nil
}
