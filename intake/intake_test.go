package intake_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/intake"
	"github.com/breachdesk/breachdesk/keyring"
)

// store is an in-memory InquiryService that counts its transactions and
// refuses the references listed in taken, as a unique index would.
type store struct {
	mu      sync.Mutex
	rows    []*breachdesk.SealedInquiry
	batches []int
	taken   map[string]bool
	block   chan struct{}
	// entered, when set, is told when a transaction starts.
	entered chan struct{}
}

func (s *store) CreateInquiries(ctx context.Context, qs []*breachdesk.SealedInquiry) error {
	if s.entered != nil {
		select {
		case s.entered <- struct{}{}:
		default:
		}
	}
	if s.block != nil {
		<-s.block
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range qs {
		if s.taken[q.Reference] {
			return breachdesk.Errorf(breachdesk.EConflict, "reference %s is taken", q.Reference)
		}
	}
	for _, q := range qs {
		q.ID, q.Status, q.CreatedAt = int64(len(s.rows)+1), breachdesk.InquiryOpen, time.Now()
		s.rows = append(s.rows, q)
	}
	s.batches = append(s.batches, len(qs))
	return nil
}

func (s *store) FindInquiries(context.Context, breachdesk.InquiryFilter) ([]*breachdesk.SealedInquiry, int, error) {
	return nil, 0, nil
}
func (s *store) FindInquiryByReference(context.Context, string) (*breachdesk.SealedInquiry, error) {
	return nil, breachdesk.Errorf(breachdesk.ENotFound, "no")
}
func (s *store) MarkInquiryReceipts(context.Context, []int64, time.Time) error { return nil }

func newKeyring(t *testing.T) *keyring.Keyring {
	t.Helper()
	mk, err := keyring.NewMasterKey(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	k, err := keyring.Open(context.Background(), mk, &dataKeys{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// dataKeys keeps the keyring's data keys in memory.
type dataKeys struct{ keys []*breachdesk.DataKey }

func (d *dataKeys) FindDataKeys(context.Context) ([]*breachdesk.DataKey, error) { return d.keys, nil }
func (d *dataKeys) CreateDataKeys(_ context.Context, keys []*breachdesk.DataKey) error {
	for i, k := range keys {
		k.ID = int64(len(d.keys) + i + 1)
	}
	d.keys = append(d.keys, keys...)
	return nil
}
func (d *dataKeys) RewrapDataKeys(context.Context, []*breachdesk.DataKey) error { return nil }

func inquiry(i int) *breachdesk.Inquiry {
	return &breachdesk.Inquiry{Category: breachdesk.InquiryQuestion, Name: fmt.Sprint("Person ", i),
		Email: fmt.Sprintf("p%d@example.com", i), Message: "What happened?", Language: "en"}
}

func TestSubmitStoresInGroups(t *testing.T) {
	s := &store{block: make(chan struct{})}
	obs := newObserver()
	in := &intake.Intake{Inquiries: s, Keyring: newKeyring(t), Observer: obs}
	in.Start(context.Background())
	const n = 200
	var wg sync.WaitGroup
	errs := make([]error, n)
	qs := make([]*breachdesk.Inquiry, n)
	for i := range n {
		qs[i] = inquiry(i)
		wg.Go(func() { errs[i] = in.SubmitInquiry(context.Background(), qs[i]) })
	}
	// The first transaction is held until every submission waits: the
	// rest must then go in far fewer transactions than inquiries.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if in.Waiting() == n-1 {
			break
		}
	}
	close(s.block)
	wg.Wait()
	in.Close()
	refs := map[string]bool{}
	for i, err := range errs {
		if err != nil || qs[i].ID == 0 || qs[i].Status != breachdesk.InquiryOpen || refs[qs[i].Reference] {
			t.Fatalf("inquiry %d: %v, ID %d, status %q, reference %q; want stored with a reference of its own", i, err, qs[i].ID, qs[i].Status, qs[i].Reference)
		}
		refs[qs[i].Reference] = true
	}
	if len(s.rows) != n || len(s.batches) > 3 {
		t.Errorf("%d stored in %d transactions %v; want all %d in at most 3", len(s.rows), len(s.batches), s.batches, n)
	}
	if got := obs.stored[breachdesk.InquiryQuestion]; got != n || len(obs.stored) != 1 {
		t.Errorf("the observer counted %v stored, want %d questions", obs.stored, n)
	}
}

func TestSubmitGivesATakenReferenceAnother(t *testing.T) {
	s := &store{taken: map[string]bool{"Q-0000-0000": true}}
	in := &intake.Intake{Inquiries: s, Keyring: newKeyring(t)}
	in.Start(context.Background())
	defer in.Close()
	q := inquiry(1)
	q.Reference = "Q-0000-0000"
	if err := in.SubmitInquiry(context.Background(), q); err != nil {
		t.Fatalf("SubmitInquiry() = %v", err)
	}
	if q.Reference == "Q-0000-0000" || q.ID == 0 || len(s.rows) != 1 || s.rows[0].Reference != q.Reference {
		t.Errorf("reference %q, ID %d, %d stored; want the inquiry stored under a new reference", q.Reference, q.ID, len(s.rows))
	}
	// The sealed fields are bound to the new reference.
	got, err := in.Keyring.OpenInquiry(s.rows[0])
	if err != nil || got.Email != "p1@example.com" {
		t.Errorf("OpenInquiry() = %v, %v; want the stored inquiry to open", got, err)
	}
}

func TestSubmitFailsAtOnceWhenFull(t *testing.T) {
	s := &store{block: make(chan struct{}), entered: make(chan struct{}, 1)}
	in := &intake.Intake{Inquiries: s, Keyring: newKeyring(t), Queue: 1}
	in.Start(context.Background())
	go in.SubmitInquiry(context.Background(), inquiry(1)) // held in its transaction
	<-s.entered
	go in.SubmitInquiry(context.Background(), inquiry(2)) // waits in the queue
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && in.Waiting() != 1; time.Sleep(time.Millisecond) {
	}
	if err := in.SubmitInquiry(context.Background(), inquiry(3)); err != intake.ErrFull {
		t.Errorf("SubmitInquiry() with a full queue = %v, want ErrFull", err)
	}
	close(s.block)
	in.Close()
	if len(s.rows) != 2 {
		t.Errorf("%d stored, want the 2 accepted", len(s.rows))
	}
}
