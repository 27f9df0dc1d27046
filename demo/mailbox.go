package demo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"sync"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// Mailbox is an SMTP server on a loopback port that stands in for the
// recipients' mail servers: it accepts every message (but for the
// recipients Refuse names, which get a permanent 550 as an address that
// no longer exists does) and keeps the first Keep of them as .eml files in
// Dir, so that a notice can be read as its recipient got it.
type Mailbox struct {
	// Dir is where messages are kept, created when missing.
	Dir string
	// Keep is how many messages are kept as files; the others are only
	// counted.
	Keep int
	// Refuse, when set, tells which recipients to refuse for good.
	Refuse func(rcpt string) bool

	mu       sync.Mutex
	server   *gosmtp.Server
	listener net.Listener
	served   chan struct{}
	received int
	refused  int
	kept     []Message
}

// Message is a message the mailbox kept.
type Message struct {
	// File is the path of the .eml file.
	File string
	// Subject, Language and Code are read from its header; Code is the
	// verification code of a notice, "" for other mail.
	Subject, Language, Code string
}

// Start listens on a free loopback port and serves in the background.
func (b *Mailbox) Start() error {
	if err := os.MkdirAll(b.Dir, 0o700); err != nil {
		return fmt.Errorf("mailbox: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("mailbox: %w", err)
	}
	srv := gosmtp.NewServer(mailboxBackend{b})
	srv.Domain = "mailbox.demo.invalid"
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 100
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.ErrorLog = log.New(io.Discard, "", 0)
	b.server, b.listener, b.served = srv, l, make(chan struct{})
	go func() {
		defer close(b.served)
		srv.Serve(l)
	}()
	return nil
}

// URL is the smtp:// address to send to.
func (b *Mailbox) URL() string { return "smtp://" + b.listener.Addr().String() }

// Stop closes the server and waits for it to end.
func (b *Mailbox) Stop() {
	if b.server == nil {
		return
	}
	b.server.Close()
	b.listener.Close()
	<-b.served
}

// Counts returns how many messages were received and how many
// recipients refused.
func (b *Mailbox) Counts() (received, refused int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.received, b.refused
}

// Kept returns the messages kept as files, in the order received.
func (b *Mailbox) Kept() []Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Message(nil), b.kept...)
}

// store counts a message and keeps it when there is room.
func (b *Mailbox) store(data []byte) error {
	b.mu.Lock()
	b.received++
	n := b.received
	keep := len(b.kept) < b.Keep
	b.mu.Unlock()
	if !keep {
		return nil
	}
	m := Message{File: filepath.Join(b.Dir, fmt.Sprintf("%05d.eml", n))}
	if msg, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
		dec := new(mime.WordDecoder)
		m.Subject, _ = dec.DecodeHeader(msg.Header.Get("Subject"))
		m.Language = msg.Header.Get("Content-Language")
		m.Code = msg.Header.Get("X-Breachdesk-Code")
	}
	if err := os.WriteFile(m.File, data, 0o600); err != nil {
		return err
	}
	b.mu.Lock()
	b.kept = append(b.kept, m)
	b.mu.Unlock()
	return nil
}

type mailboxBackend struct{ b *Mailbox }

func (be mailboxBackend) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	return &mailboxSession{b: be.b}, nil
}

type mailboxSession struct {
	b          *Mailbox
	recipients int
}

func (s *mailboxSession) Reset()        { s.recipients = 0 }
func (s *mailboxSession) Logout() error { return nil }

func (s *mailboxSession) Mail(string, *gosmtp.MailOptions) error { return nil }

func (s *mailboxSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if s.b.Refuse != nil && s.b.Refuse(to) {
		s.b.mu.Lock()
		s.b.refused++
		s.b.mu.Unlock()
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	s.recipients++
	return nil
}

func (s *mailboxSession) Data(r io.Reader) error {
	if s.recipients == 0 {
		return errors.New("no valid recipient")
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return s.b.store(data)
}
