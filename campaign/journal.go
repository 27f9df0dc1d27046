package campaign

import (
	"context"
	"time"

	"github.com/breachdesk/breachdesk"
)

// journal records notice outcomes in the database in groups: every outcome
// that arrives while one transaction commits goes into the next. A
// sender waits for its in-flight mark to commit before it hands a message
// over; sent, retry and failure outcomes it hands in without waiting.
type journal struct {
	store    breachdesk.CampaignService
	workerID string
	entries  chan journalEntry
	// maxBatch bounds one transaction; linger is how long a batch with
	// nobody waiting on it may wait for more. A batch that senders wait on
	// waits up to gather for more when it holds fewer than gatherSize
	// entries: a few hundred microseconds of latency per message buy
	// transactions several times larger, and the database's transactions,
	// not its rows, are what limits the rate.
	maxBatch   int
	linger     time.Duration
	gather     time.Duration
	gatherSize int
	done       chan struct{}
	err        error
}

type journalEntry struct {
	outcome breachdesk.NoticeOutcome
	// committed, when set, receives the result of the transaction.
	committed chan error
}

func newJournal(store breachdesk.CampaignService, workerID string, senders int) *journal {
	return &journal{store: store, workerID: workerID, entries: make(chan journalEntry, 4096),
		maxBatch: 1000, linger: 20 * time.Millisecond, gather: time.Millisecond, gatherSize: max(1, senders/2),
		done: make(chan struct{})}
}

// record hands in an outcome without waiting for it to commit.
func (j *journal) record(o breachdesk.NoticeOutcome) {
	j.entries <- journalEntry{outcome: o}
}

// commit hands in an outcome and waits until it is committed.
func (j *journal) commit(ctx context.Context, o breachdesk.NoticeOutcome) error {
	ch := make(chan error, 1)
	select {
	case j.entries <- journalEntry{outcome: o, committed: ch}:
	case <-j.done:
		return j.failure()
	}
	select {
	case err := <-ch:
		return err
	case <-j.done:
		return j.failure()
	}
}

func (j *journal) failure() error {
	if j.err != nil {
		return j.err
	}
	return breachdesk.Errorf(breachdesk.EConflict, "the sender is stopping")
}

// run writes batches until close is called and everything handed in is
// written. ctx carries the actor; it is not cancelled by a stop signal, so
// that what was sent is recorded.
func (j *journal) run(ctx context.Context) error {
	defer close(j.done)
	batch := make([]journalEntry, 0, j.maxBatch)
	outcomes := make([]breachdesk.NoticeOutcome, 0, j.maxBatch)
	for {
		first, ok := <-j.entries
		if !ok {
			return nil
		}
		batch = append(batch[:0], first)
		waiting := 0
		if first.committed != nil {
			waiting = 1
		}
		// With nobody waiting, a batch lingers for more; once someone
		// waits, it takes what is there and gathers a moment more while
		// few wait.
		deadline := time.NewTimer(j.linger)
		gathering := false
	collect:
		for len(batch) < j.maxBatch {
			if waiting > 0 && !gathering {
				deadline.Reset(j.gather)
				gathering = true
			}
			var e journalEntry
			var ok bool
			select {
			case e, ok = <-j.entries:
			default:
				if waiting >= j.gatherSize {
					break collect
				}
				select {
				case e, ok = <-j.entries:
				case <-deadline.C:
					break collect
				}
			}
			if !ok {
				break collect
			}
			batch = append(batch, e)
			if e.committed != nil {
				waiting++
			}
		}
		deadline.Stop()
		outcomes = outcomes[:0]
		for _, e := range batch {
			outcomes = append(outcomes, e.outcome)
		}
		_, err := j.store.RecordNoticeOutcomes(ctx, j.workerID, outcomes)
		for _, e := range batch {
			if e.committed != nil {
				e.committed <- err
			}
		}
		if err != nil {
			j.err = err
			// Drain so that nobody blocks; what is not recorded stays
			// claimed or in flight, and is recovered from there.
			go func() {
				for e := range j.entries {
					if e.committed != nil {
						e.committed <- err
					}
				}
			}()
			return err
		}
	}
}

// close stops taking outcomes; run returns once the last is written.
func (j *journal) close() {
	close(j.entries)
}
