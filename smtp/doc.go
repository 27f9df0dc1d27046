// Package smtp delivers notices by e-mail and hears back about the ones
// that bounced.
//
// A notice goes out in four steps: Build writes the message (multipart
// text and HTML, UTF-8, quoted-printable), Signer.Sign adds DKIM
// signatures (RSA, and Ed25519 besides if configured), VERP gives the
// notice its own return path, and Pool.Send hands the message to the mail
// relay over a pooled, persistent connection. Send returns nil only for the
// relay's 250 after the end of the message; its *Error says whether a
// failure is temporary and whether the relay may have the message anyway
// (Error.Uncertain), which the sender records so that a crash or a broken
// connection never makes a notice look undelivered when it may have been
// delivered, or the reverse.
//
// Delivery status notifications come back to the VERP return paths. The
// BounceServer takes them over SMTP, checks the keyed tag of the address so
// that nobody can mark another person's notice bounced, and reports each
// failure with its status and the remote server's reply, e-mail addresses
// masked.
//
// The package wraps github.com/emersion/go-smtp (client and server) and
// github.com/emersion/go-msgauth (DKIM).
package smtp
