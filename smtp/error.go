package smtp

import (
	"errors"
	"fmt"
	"strings"
)

// Steps of a delivery, as Error.Command names them.
const (
	// CommandDial is connecting: the TCP connection, implicit TLS, or a
	// closed pool.
	CommandDial = "DIAL"
	// CommandEHLO is the server's greeting or the reply to EHLO (or HELO).
	CommandEHLO = "EHLO"
	// CommandSTARTTLS is STARTTLS and the TLS handshake, or its absence
	// when Config.RequireTLS is set.
	CommandSTARTTLS = "STARTTLS"
	// CommandAUTH is authentication.
	CommandAUTH = "AUTH"
	// CommandMAIL is MAIL FROM.
	CommandMAIL = "MAIL"
	// CommandRCPT is RCPT TO.
	CommandRCPT = "RCPT"
	// CommandDATA is the DATA command, the transfer of the message, or the
	// server's refusal of the message after its end: in every case the
	// server does not have the message.
	CommandDATA = "DATA"
	// CommandDATAEnd is a connection that broke, or a reply that did not
	// come in time, after the whole message and its final "." were sent:
	// the server may have accepted the message. Code is 0.
	CommandDATAEnd = "DATA-END"
)

// Error is a reply from the mail server that refused a step of a delivery,
// or a connection failure (Code 0, with the cause in Err). For an envelope
// address that cannot be sent at all (a line break in it, or a non-ASCII
// address to a relay without SMTPUTF8), Send refuses it itself with a
// permanent 553, as a server would, and says so in Message.
type Error struct {
	// Code is the server's reply code (such as 450 or 550), 0 for a
	// connection failure.
	Code int
	// EnhancedCode is the RFC 3463 status code of the reply ("5.1.1"), if
	// the server gave one.
	EnhancedCode string
	// Message is the server's text.
	Message string
	// Command is the step that failed: one of the Command constants.
	Command string
	// Err is the cause of a connection failure.
	Err error
}

// Error returns the step, the code and the server's text, or the cause.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("smtp ")
	b.WriteString(strings.ToLower(e.Command))
	b.WriteString(": ")
	if e.Code != 0 {
		fmt.Fprintf(&b, "%d ", e.Code)
		if e.EnhancedCode != "" {
			b.WriteString(e.EnhancedCode)
			b.WriteByte(' ')
		}
		b.WriteString(e.Message)
	} else if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap returns the cause of a connection failure.
func (e *Error) Unwrap() error {
	return e.Err
}

// Temporary tells whether the delivery may succeed later: after a 4xx
// reply or a connection failure. A 5xx reply is permanent, except during
// the session's setup (DIAL, EHLO, STARTTLS, AUTH): a relay that refuses
// our greeting or password refuses every message alike, and that says
// nothing about the recipient, so it must not fail the notice for good.
func (e *Error) Temporary() bool {
	switch {
	case e.Code == 0, e.Code >= 400 && e.Code < 500:
		return true
	}
	switch e.Command {
	case CommandDial, CommandEHLO, CommandSTARTTLS, CommandAUTH:
		return true
	}
	return false
}

// Uncertain tells whether the server may have accepted the message although
// Send failed: the connection broke or timed out after the final "." and
// before the reply. Sending the message again may deliver it twice.
func (e *Error) Uncertain() bool {
	return e.Command == CommandDATAEnd
}

// IsTemporary tells whether err is an *Error (in its chain) that is
// temporary. Any other error is not.
func IsTemporary(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Temporary()
}

// IsUncertain tells whether err is an *Error (in its chain) after which the
// server may have the message: see Error.Uncertain.
func IsUncertain(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Uncertain()
}
