package intake

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/keyring"
	"github.com/breachdesk/breachdesk/notice"
	"github.com/breachdesk/breachdesk/smtp"
)

// Messenger hands a message to the mail relay, as smtp.Pool does.
type Messenger interface {
	Send(ctx context.Context, from, to string, msg []byte) error
}

// MailStore is what Mailer needs of the store: the inquiries
// (breachdesk.InquiryService) and the staff's replies
// (breachdesk.InquiryReplyService).
type MailStore interface {
	FindInquiries(ctx context.Context, filter breachdesk.InquiryFilter) ([]*breachdesk.SealedInquiry, int, error)
	FindInquiryByReference(ctx context.Context, reference string) (*breachdesk.SealedInquiry, error)
	MarkInquiryReceipts(ctx context.Context, ids []int64, at time.Time) error
	FindPendingReplies(ctx context.Context, limit int) ([]*breachdesk.SealedInquiryReply, error)
	MarkRepliesSent(ctx context.Context, ids []int64, at time.Time) error
	MarkReplyRefused(ctx context.Context, id int64, at time.Time, refusal string) error
}

// Mailer mails what the store holds for the people who wrote through the
// public form: each inquiry's receipt, and each reply the staff wrote.
// Each is mailed at least once: it is marked once handed to the relay, so
// that a crash in between mails it again.
type Mailer struct {
	Store         MailStore
	Organizations breachdesk.OrganizationService
	Keyring       *keyring.Keyring
	Renderer      *notice.Renderer
	Messenger     Messenger
	// Signer signs with DKIM; nil sends unsigned messages.
	Signer *smtp.Signer
	// From is the From header; ReturnPath the envelope sender, where
	// bounces go; Domain the right side of Message-IDs.
	From, ReturnPath, Domain string
	// VerifyURL is the public verification page, which replies point to.
	VerifyURL string
	Logger    *slog.Logger
	Now       func() time.Time
	// Poll is how often it looks for mail to send when nothing wakes it;
	// default 5 seconds.
	Poll time.Duration
	// Observer, when set, is told of each receipt and reply handed to
	// the relay, for metrics.
	Observer Observer

	wake chan struct{}
}

// mailBatch is how many receipts, or replies, are read and marked at a
// time.
const mailBatch = 200

// Wake makes Run look for mail to send now; it never blocks.
func (m *Mailer) Wake() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Init prepares m; call it before Wake and Run.
func (m *Mailer) Init() {
	m.wake = make(chan struct{}, 1)
	if m.Logger == nil {
		m.Logger = slog.New(slog.DiscardHandler)
	}
	if m.Now == nil {
		m.Now = time.Now
	}
	if m.Poll <= 0 {
		m.Poll = 5 * time.Second
	}
	if m.Observer == nil {
		m.Observer = noObserver{}
	}
}

// Run sends receipts and replies until ctx ends.
func (m *Mailer) Run(ctx context.Context) error {
	for {
		receipts, err := m.sendReceipts(ctx)
		if err != nil && ctx.Err() == nil {
			m.Logger.Warn("sending inquiry receipts", slog.Any("error", err))
		}
		replies, err := m.sendReplies(ctx)
		if err != nil && ctx.Err() == nil {
			m.Logger.Warn("sending replies to inquiries", slog.Any("error", err))
		}
		if receipts == mailBatch || replies == mailBatch {
			continue // more are waiting
		}
		select {
		case <-ctx.Done():
			return nil
		case <-m.wake:
		case <-time.After(m.Poll):
		}
	}
}

// handOver sends one message. A temporary failure (the relay is unwell)
// is returned as err: the caller stops and tries again later from that
// message. A permanent refusal, which retrying will not change, is logged
// and returned as refused.
func (m *Mailer) handOver(kind, reference string, send func() error) (refused, err error) {
	err = send()
	switch {
	case err == nil:
		m.Observer.InquiryMail(kind, MailMailed)
	case smtp.IsTemporary(err):
		m.Observer.InquiryMail(kind, MailDeferred)
		return nil, err
	default:
		m.Observer.InquiryMail(kind, MailRefused)
	}
	if err != nil {
		m.Logger.Warn("a mail about an inquiry was refused", slog.String("kind", kind),
			slog.String("reference", reference), slog.String("reply", breachdesk.TrimReply(err.Error())))
	}
	return err, nil
}

// sendReceipts sends up to mailBatch receipts and returns how many.
func (m *Mailer) sendReceipts(ctx context.Context) (int, error) {
	pending, _, err := m.Store.FindInquiries(ctx, breachdesk.InquiryFilter{ReceiptPending: true, Limit: mailBatch})
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	org, err := m.Organizations.FindOrganization(ctx)
	if err != nil {
		return 0, err
	}
	var done []int64
	var sendErr error
	for _, s := range pending {
		q, err := m.Keyring.OpenInquiry(s)
		if err != nil {
			// A key problem concerns every receipt: stop, mark nothing.
			sendErr = err
			break
		}
		// A receipt refused for good is done with: the inquiry is there.
		if _, err := m.handOver(MailReceipt, s.Reference, func() error { return m.sendReceipt(ctx, org, q) }); err != nil {
			sendErr = err
			break
		}
		done = append(done, s.ID)
	}
	if len(done) > 0 {
		if err := m.Store.MarkInquiryReceipts(context.WithoutCancel(ctx), done, m.Now()); err != nil {
			return 0, err
		}
	}
	return len(done), sendErr
}

// receiptID is the Message-ID of an inquiry's receipt, which its replies
// refer to so that mail programs show them as one conversation.
func (m *Mailer) receiptID(reference string) string {
	return fmt.Sprintf("<receipt.%s@%s>", reference, m.Domain)
}

func (m *Mailer) sendReceipt(ctx context.Context, org *breachdesk.Organization, q *breachdesk.Inquiry) error {
	msg := m.Renderer.Receipt(&notice.ReceiptData{Organization: org, Inquiry: q})
	return m.send(ctx, q.Email, msg, smtp.Header{MessageID: m.receiptID(q.Reference),
		Extra: [][2]string{{"X-Breachdesk-Reference", q.Reference}, {"Auto-Submitted", "auto-replied"}}})
}

// sendReplies sends up to mailBatch replies and returns how many it is
// done with: sent, or refused for good.
func (m *Mailer) sendReplies(ctx context.Context) (int, error) {
	pending, err := m.Store.FindPendingReplies(ctx, mailBatch)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	org, err := m.Organizations.FindOrganization(ctx)
	if err != nil {
		return 0, err
	}
	var done []int64
	var refusals int
	var sendErr error
	for _, s := range pending {
		reply, q, err := m.openReply(ctx, s)
		if err != nil {
			// A key or store problem concerns every reply: stop, mark nothing.
			sendErr = err
			break
		}
		refused, err := m.handOver(MailReply, s.Reference, func() error { return m.sendReply(ctx, org, q, reply) })
		if err != nil {
			sendErr = err
			break
		}
		if refused != nil {
			// The staff must see that the person did not get the answer.
			if err := m.Store.MarkReplyRefused(context.WithoutCancel(ctx), s.ID, m.Now(), breachdesk.TrimReply(refused.Error())); err != nil {
				sendErr = err
				break
			}
			refusals++
			continue
		}
		done = append(done, s.ID)
	}
	if len(done) > 0 {
		if err := m.Store.MarkRepliesSent(context.WithoutCancel(ctx), done, m.Now()); err != nil {
			return refusals, err
		}
	}
	return len(done) + refusals, sendErr
}

// openReply opens a reply and the inquiry it answers.
func (m *Mailer) openReply(ctx context.Context, s *breachdesk.SealedInquiryReply) (*breachdesk.InquiryReply, *breachdesk.Inquiry, error) {
	reply, err := m.Keyring.OpenInquiryReply(s)
	if err != nil {
		return nil, nil, err
	}
	sq, err := m.Store.FindInquiryByReference(ctx, s.Reference)
	if err != nil {
		return nil, nil, err
	}
	q, err := m.Keyring.OpenInquiry(sq)
	return reply, q, err
}

func (m *Mailer) sendReply(ctx context.Context, org *breachdesk.Organization, q *breachdesk.Inquiry, reply *breachdesk.InquiryReply) error {
	msg := m.Renderer.Reply(&notice.ReplyData{Organization: org, Inquiry: q, Reply: reply, VerifyURL: m.VerifyURL})
	receipt := m.receiptID(q.Reference)
	return m.send(ctx, q.Email, msg, smtp.Header{MessageID: fmt.Sprintf("<reply.%d.%s@%s>", reply.ID, q.Reference, m.Domain),
		Extra: [][2]string{{"In-Reply-To", receipt}, {"References", receipt}, {"X-Breachdesk-Reference", q.Reference}}})
}

// send builds msg to the address to with the header fields h gives,
// signs it and hands it to the relay.
func (m *Mailer) send(ctx context.Context, to string, msg *notice.Message, h smtp.Header) error {
	h.From, h.To, h.Subject, h.Date, h.Language = m.From, to, msg.Subject, m.Now(), msg.Language
	raw, err := smtp.Build(h, msg.Text, "")
	if err != nil {
		return err
	}
	if m.Signer != nil {
		if raw, err = m.Signer.Sign(raw); err != nil {
			return err
		}
	}
	return m.Messenger.Send(ctx, m.ReturnPath, to, raw)
}
