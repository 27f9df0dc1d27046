package intake_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/intake"
	"github.com/breachdesk/breachdesk/mock"
	"github.com/breachdesk/breachdesk/notice"
	"github.com/breachdesk/breachdesk/smtp"
)

// replyStore holds sealed inquiries and replies in memory and records
// what the mailer marks.
type replyStore struct {
	inquiries map[string]*breachdesk.SealedInquiry
	replies   []*breachdesk.SealedInquiryReply
	sent      []int64
	refused   []string
}

func (s *replyStore) FindInquiries(context.Context, breachdesk.InquiryFilter) ([]*breachdesk.SealedInquiry, int, error) {
	return nil, 0, nil // every receipt is sent
}
func (s *replyStore) FindInquiryByReference(_ context.Context, ref string) (*breachdesk.SealedInquiry, error) {
	if q, ok := s.inquiries[ref]; ok {
		return q, nil
	}
	return nil, breachdesk.Errorf(breachdesk.ENotFound, "no inquiry %s", ref)
}
func (s *replyStore) MarkInquiryReceipts(context.Context, []int64, time.Time) error { return nil }
func (s *replyStore) FindPendingReplies(context.Context, int) ([]*breachdesk.SealedInquiryReply, error) {
	var pending []*breachdesk.SealedInquiryReply
	for _, r := range s.replies {
		if r.SentAt == nil {
			pending = append(pending, r)
		}
	}
	return pending, nil
}
func (s *replyStore) MarkRepliesSent(_ context.Context, ids []int64, at time.Time) error {
	for _, r := range s.replies {
		if slices.Contains(ids, r.ID) {
			r.SentAt = &at
		}
	}
	s.sent = append(s.sent, ids...)
	return nil
}
func (s *replyStore) MarkReplyRefused(_ context.Context, id int64, at time.Time, refusal string) error {
	for _, r := range s.replies {
		if r.ID == id {
			r.SentAt, r.Refusal = &at, refusal
		}
	}
	s.refused = append(s.refused, fmt.Sprint(id, " ", refusal))
	return nil
}

// relay answers each recipient as its table says, nil by default, and
// keeps what it accepted.
type relay struct {
	mu       sync.Mutex
	answers  map[string]error
	accepted [][]byte
	tried    []string
}

func (r *relay) Send(_ context.Context, from, to string, msg []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tried = append(r.tried, to)
	if err := r.answers[to]; err != nil {
		return err
	}
	r.accepted = append(r.accepted, msg)
	return nil
}

// observer records what the intake and the mailer count.
type observer struct {
	mu     sync.Mutex
	stored map[breachdesk.InquiryCategory]int
	mail   map[string]int // "kind result"
}

func newObserver() *observer {
	return &observer{stored: map[breachdesk.InquiryCategory]int{}, mail: map[string]int{}}
}

func (o *observer) InquiryStored(c breachdesk.InquiryCategory) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.stored[c]++
}

func (o *observer) InquiryMail(kind, result string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.mail[kind+" "+result]++
}

// TestMailerReplies hands the staff's replies to the relay: each sent one
// is marked sent, one refused for good is marked refused with the relay's
// answer, and a temporary failure stops the round with nothing marked
// past it, to be tried again.
func TestMailerReplies(t *testing.T) {
	k := newKeyring(t)
	renderer, err := notice.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	store := &replyStore{inquiries: map[string]*breachdesk.SealedInquiry{}}
	for i, lang := range []string{"it", "en", "fr", "de"} {
		q := inquiry(i)
		q.ID, q.Language, q.CreatedAt = int64(i+1), lang, time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		sq := k.SealInquiry(q)
		store.inquiries[sq.Reference] = sq
		store.replies = append(store.replies, k.SealInquiryReply(&breachdesk.InquiryReply{ID: int64(i + 1), InquiryID: q.ID,
			Reference: q.Reference, Language: lang, Body: fmt.Sprint("Answer ", i), Author: "ali@example.com"}))
	}
	rl := &relay{answers: map[string]error{
		"p1@example.com": &smtp.Error{Code: 550, EnhancedCode: "5.1.1", Message: "<p1@example.com>: no such user"},
		"p3@example.com": &smtp.Error{Code: 451, Message: "try again later"},
	}}
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	m := &intake.Mailer{Store: store, Keyring: k, Renderer: renderer, Messenger: rl, VerifyURL: "https://notice.example/verify",
		Organizations: &mock.OrganizationService{FindOrganizationFunc: func(context.Context) (*breachdesk.Organization, error) {
			return &breachdesk.Organization{Name: "Marketplace SAS", Language: "en"}, nil
		}},
		From: "Marketplace SAS <privacy@marketplace.example>", ReturnPath: "bounces@marketplace.example", Domain: "marketplace.example",
		Now: func() time.Time { return now }, Poll: time.Hour, Observer: newObserver()}
	m.Init()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	tried := func() int {
		rl.mu.Lock()
		defer rl.mu.Unlock()
		return len(rl.tried)
	}
	for deadline := time.Now().Add(5 * time.Second); tried() < 4 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done

	// p3 failed for now: the round stopped there, and p3 waits.
	if want := []string{"p0@example.com", "p1@example.com", "p2@example.com", "p3@example.com"}; !slices.Equal(rl.tried, want) {
		t.Errorf("tried %v, want %v", rl.tried, want)
	}
	if want := []int64{1, 3}; !slices.Equal(store.sent, want) {
		t.Errorf("marked sent %v, want %v", store.sent, want)
	}
	if len(store.refused) != 1 || !strings.HasPrefix(store.refused[0], "2 ") || !strings.Contains(store.refused[0], "550 5.1.1") || strings.Contains(store.refused[0], "p1@example.com") {
		t.Errorf("marked refused %q, want reply 2 with the relay's answer, its address masked", store.refused)
	}
	if store.replies[3].SentAt != nil {
		t.Error("the reply that failed for now is marked")
	}
	counted := m.Observer.(*observer).mail
	if want := map[string]int{"reply mailed": 2, "reply refused": 1, "reply deferred": 1}; !maps.Equal(counted, want) {
		t.Errorf("the observer counted %v, want %v", counted, want)
	}

	msg, err := mail.ReadMessage(bytes.NewReader(rl.accepted[0]))
	if err != nil {
		t.Fatal(err)
	}
	ref := store.replies[0].Reference
	receiptID := "<receipt." + ref + "@marketplace.example>"
	for field, want := range map[string]string{
		"To": "<p0@example.com>", "Content-Language": "it", "In-Reply-To": receiptID, "References": receiptID,
		"Message-Id": "<reply.1." + ref + "@marketplace.example>", "X-Breachdesk-Reference": ref,
	} {
		if got := msg.Header.Get(field); got != want {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
	if subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); !strings.Contains(subject, ref) {
		t.Errorf("subject %q lacks the reference", subject)
	}
	if !bytes.Contains(rl.accepted[0], []byte("Answer 0")) || !bytes.Contains(rl.accepted[0], []byte("Person 0")) {
		t.Errorf("the reply lacks its body or the greeting:\n%s", rl.accepted[0])
	}
}

// TestMailerStopsOnKeyProblem: a reply that cannot be opened stops the
// round, marks nothing and sends nothing.
func TestMailerStopsOnKeyProblem(t *testing.T) {
	k, other := newKeyring(t), newKeyring(t)
	q := inquiry(0)
	sq := k.SealInquiry(q)
	store := &replyStore{inquiries: map[string]*breachdesk.SealedInquiry{sq.Reference: sq},
		replies: []*breachdesk.SealedInquiryReply{other.SealInquiryReply(&breachdesk.InquiryReply{ID: 1, Reference: q.Reference, Body: "x", Author: "a"})}}
	rl := &relay{}
	m := &intake.Mailer{Store: store, Keyring: k, Messenger: rl, Poll: time.Hour,
		Organizations: &mock.OrganizationService{FindOrganizationFunc: func(context.Context) (*breachdesk.Organization, error) {
			return &breachdesk.Organization{Name: "Shop"}, nil
		}}}
	m.Init()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	m.Run(ctx)
	if len(rl.tried) != 0 || len(store.sent) != 0 || len(store.refused) != 0 {
		t.Errorf("tried %v, sent %v, refused %v; want nothing", rl.tried, store.sent, store.refused)
	}
}
