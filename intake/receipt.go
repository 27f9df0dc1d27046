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

// ReceiptStore is what Receipts needs of the inquiries' store
// (breachdesk.InquiryService).
type ReceiptStore interface {
	FindInquiries(ctx context.Context, filter breachdesk.InquiryFilter) ([]*breachdesk.SealedInquiry, int, error)
	MarkInquiryReceipts(ctx context.Context, ids []int64, at time.Time) error
}

// Receipts mails each stored inquiry's receipt, at least once: an inquiry
// is marked once its receipt is handed to the relay, so that a crash in
// between mails that receipt again.
type Receipts struct {
	Inquiries     ReceiptStore
	Organizations breachdesk.OrganizationService
	Keyring       *keyring.Keyring
	Renderer      *notice.Renderer
	Messenger     Messenger
	// Signer signs with DKIM; nil sends unsigned messages.
	Signer *smtp.Signer
	// From is the From header; ReturnPath the envelope sender, where
	// bounces of receipts go; Domain the right side of Message-IDs.
	From, ReturnPath, Domain string
	Logger                   *slog.Logger
	Now                      func() time.Time
	// Poll is how often it looks for receipts to send when nothing wakes
	// it; default 5 seconds.
	Poll time.Duration

	wake chan struct{}
}

// receiptBatch is how many receipts are read and marked at a time.
const receiptBatch = 200

// Wake makes Run look for receipts to send now; it never blocks.
func (r *Receipts) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Init prepares r; call it before Wake and Run.
func (r *Receipts) Init() {
	r.wake = make(chan struct{}, 1)
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Poll <= 0 {
		r.Poll = 5 * time.Second
	}
}

// Run sends receipts until ctx ends.
func (r *Receipts) Run(ctx context.Context) error {
	for {
		sent, err := r.sendPending(ctx)
		if err != nil && ctx.Err() == nil {
			r.Logger.Warn("sending inquiry receipts", slog.Any("error", err))
		}
		if sent == receiptBatch {
			continue // more are waiting
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-time.After(r.Poll):
		}
	}
}

// sendPending sends up to receiptBatch receipts and returns how many.
func (r *Receipts) sendPending(ctx context.Context) (int, error) {
	pending, _, err := r.Inquiries.FindInquiries(ctx, breachdesk.InquiryFilter{ReceiptPending: true, Limit: receiptBatch})
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	org, err := r.Organizations.FindOrganization(ctx)
	if err != nil {
		return 0, err
	}
	var done []int64
	var sendErr error
	for _, s := range pending {
		q, err := r.Keyring.OpenInquiry(s)
		if err != nil {
			// A key problem concerns every receipt: stop, mark nothing.
			sendErr = err
			break
		}
		err = r.send(ctx, org, q)
		if err != nil && smtp.IsTemporary(err) {
			// The relay is unwell: try again later, from here.
			sendErr = err
			break
		}
		if err != nil {
			// A permanent refusal will not change by retrying.
			r.Logger.Warn("an inquiry receipt was refused", slog.String("reference", s.Reference), slog.String("reply", breachdesk.TrimReply(err.Error())))
		}
		done = append(done, s.ID)
	}
	if len(done) > 0 {
		if err := r.Inquiries.MarkInquiryReceipts(context.WithoutCancel(ctx), done, r.Now()); err != nil {
			return 0, err
		}
	}
	return len(done), sendErr
}

func (r *Receipts) send(ctx context.Context, org *breachdesk.Organization, q *breachdesk.Inquiry) error {
	msg := r.Renderer.Receipt(&notice.ReceiptData{Organization: org, Inquiry: q})
	raw, err := smtp.Build(smtp.Header{From: r.From, To: q.Email, Subject: msg.Subject,
		MessageID: fmt.Sprintf("<receipt.%s@%s>", q.Reference, r.Domain), Date: r.Now(), Language: msg.Language,
		Extra: [][2]string{{"X-Breachdesk-Reference", q.Reference}, {"Auto-Submitted", "auto-replied"}}}, msg.Text, "")
	if err != nil {
		return err
	}
	if r.Signer != nil {
		if raw, err = r.Signer.Sign(raw); err != nil {
			return err
		}
	}
	return r.Messenger.Send(ctx, r.ReturnPath, q.Email, raw)
}
