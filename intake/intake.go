// Package intake takes in the inquiries of the public form. It seals each
// one and stores it by group commit: one transaction holds all the
// inquiries that arrive while the previous one commits. A submitter gets an
// answer only once their inquiry is committed, so a reference shown to a
// person always stands for a stored inquiry, and a flood of submissions
// costs a transaction per group, not per inquiry. Mailer mails each
// person the receipt with their reference, and the replies the staff
// write them.
package intake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/keyring"
)

// InquiryWriter is what Intake needs of the inquiries' store
// (breachdesk.InquiryService).
type InquiryWriter interface {
	CreateInquiries(ctx context.Context, inquiries []*breachdesk.SealedInquiry) error
}

// Observer is told what the intake and the mailer do, to count it;
// metrics.Registry implements it. Its methods must return at once.
type Observer interface {
	// InquiryStored is told of each inquiry stored, by its category.
	InquiryStored(category breachdesk.InquiryCategory)
	// InquiryMail is told of each receipt or reply (MailReceipt,
	// MailReply) handed to the relay, and how it went: MailMailed,
	// MailRefused for good, or MailDeferred by a temporary failure (it is
	// tried again later).
	InquiryMail(kind, result string)
}

// Kinds and results of the mail about inquiries, as Observer.InquiryMail
// is told them.
const (
	MailReceipt = "receipt"
	MailReply   = "reply"

	MailMailed   = "mailed"
	MailRefused  = "refused"
	MailDeferred = "deferred"
)

// noObserver counts nothing.
type noObserver struct{}

func (noObserver) InquiryStored(breachdesk.InquiryCategory) {}
func (noObserver) InquiryMail(kind, result string)          {}

// Intake stores inquiries in groups. Set its fields, call Start, and Close
// when done.
type Intake struct {
	Inquiries InquiryWriter
	Keyring   *keyring.Keyring
	Logger    *slog.Logger
	// MaxBatch bounds one transaction; default 500. Queue is how many
	// submissions may wait for a transaction; beyond, SubmitInquiry fails
	// at once so that the page can say "try again" instead of hanging.
	// Default 20,000.
	MaxBatch, Queue int
	// Stored, when set, is called after each commit (to wake the receipts).
	Stored func()
	// Observer, when set, is told of each inquiry stored, for metrics.
	Observer Observer

	// mu guards closed: a submission never sends on a closed channel.
	mu      sync.RWMutex
	closed  bool
	entries chan *entry
	done    chan struct{}
}

type entry struct {
	inquiry *breachdesk.Inquiry
	sealed  *breachdesk.SealedInquiry
	reply   chan error
}

// ErrFull is returned by SubmitInquiry when too many submissions wait.
var ErrFull = errors.New("intake: too many inquiries are waiting to be stored")

// Start starts the committing loop; it stops when ctx ends or Close is
// called, after committing what it was handed.
func (in *Intake) Start(ctx context.Context) {
	if in.MaxBatch <= 0 {
		in.MaxBatch = 500
	}
	if in.Queue <= 0 {
		in.Queue = 20000
	}
	if in.Logger == nil {
		in.Logger = slog.New(slog.DiscardHandler)
	}
	if in.Observer == nil {
		in.Observer = noObserver{}
	}
	in.entries = make(chan *entry, in.Queue)
	in.done = make(chan struct{})
	go in.run(context.WithoutCancel(ctx))
}

// Close stops taking inquiries and waits until those handed in are
// committed.
func (in *Intake) Close() {
	in.mu.Lock()
	if !in.closed {
		in.closed = true
		close(in.entries)
	}
	in.mu.Unlock()
	<-in.done
}

// Waiting returns how many submissions wait for a transaction.
func (in *Intake) Waiting() int {
	return len(in.entries)
}

// SubmitInquiry seals q and stores it, and returns once it is committed,
// with q's ID, Reference, Status, DueAt and times filled in. It fails at
// once with ErrFull when the queue is full. When ctx ends first it returns
// ctx's error; the inquiry may still be stored.
func (in *Intake) SubmitInquiry(ctx context.Context, q *breachdesk.Inquiry) error {
	e := &entry{inquiry: q, sealed: in.Keyring.SealInquiry(q), reply: make(chan error, 1)}
	in.mu.RLock()
	if in.closed {
		in.mu.RUnlock()
		return ErrFull
	}
	select {
	case in.entries <- e:
	default:
		in.mu.RUnlock()
		return ErrFull
	}
	in.mu.RUnlock()
	select {
	case err := <-e.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (in *Intake) run(ctx context.Context) {
	defer close(in.done)
	batch := make([]*entry, 0, in.MaxBatch)
	for {
		first, ok := <-in.entries
		if !ok {
			return
		}
		batch = append(batch[:0], first)
	collect:
		for len(batch) < in.MaxBatch {
			select {
			case e, ok := <-in.entries:
				if !ok {
					break collect
				}
				batch = append(batch, e)
			default:
				break collect
			}
		}
		in.commit(ctx, batch)
		if in.Stored != nil {
			in.Stored()
		}
	}
}

// commit stores a batch. When a reference is taken (40 random bits make
// that rare but not impossible), it stores the inquiries one by one,
// giving the unlucky one another reference.
func (in *Intake) commit(ctx context.Context, batch []*entry) {
	sealed := make([]*breachdesk.SealedInquiry, len(batch))
	for i, e := range batch {
		sealed[i] = e.sealed
	}
	err := in.Inquiries.CreateInquiries(ctx, sealed)
	if breachdesk.ErrorCode(err) == breachdesk.EConflict && len(batch) > 1 {
		for _, e := range batch {
			in.commit(ctx, []*entry{e})
		}
		return
	}
	for attempt := 0; breachdesk.ErrorCode(err) == breachdesk.EConflict && attempt < 3; attempt++ {
		e := batch[0]
		e.inquiry.Reference = ""
		e.sealed = in.Keyring.SealInquiry(e.inquiry)
		err = in.Inquiries.CreateInquiries(ctx, []*breachdesk.SealedInquiry{e.sealed})
	}
	if err != nil {
		in.Logger.Error("storing inquiries failed", slog.Int("inquiries", len(batch)), slog.Any("error", err))
		err = fmt.Errorf("store inquiries: %w", err)
	}
	for _, e := range batch {
		if err == nil {
			s, q := e.sealed, e.inquiry
			q.ID, q.Reference, q.Status, q.DueAt, q.CreatedAt, q.UpdatedAt = s.ID, s.Reference, s.Status, s.DueAt, s.CreatedAt, s.UpdatedAt
			q.IncidentID, q.NoticeID = s.IncidentID, s.NoticeID
			in.Observer.InquiryStored(q.Category)
		}
		e.reply <- err
	}
}
