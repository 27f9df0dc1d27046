package campaign

import (
	"context"
	"time"

	"github.com/breachdesk/breachdesk"
)

// journal records notice outcomes in the database in groups: every outcome
// that arrives while one transaction commits goes into the next. A
// sender waits for its in-flight mark to commit before it hands a message
// over (commitAsync, which it calls while the connection still carries the
// previous message); sent, retry and failure outcomes it hands in without
// waiting (record).
type journal struct {
	store    breachdesk.CampaignService
	workerID string
	entries  chan journalEntry
	// maxBatch bounds one transaction; linger is how long a batch with
	// nobody waiting on it may wait for more. A batch that senders wait on
	// waits up to gather for more while fewer than gatherSize wait (one
	// per connection at most): the wait is hidden behind the message each
	// connection is handing over, and buys larger transactions, which
	// cost the database far less per notice.
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
	// barrier entries carry no outcome: they wait for those before them.
	barrier bool
}

func newJournal(store breachdesk.CampaignService, workerID string, senders int) *journal {
	return &journal{store: store, workerID: workerID, entries: make(chan journalEntry, 4096),
		maxBatch: 1000, linger: 20 * time.Millisecond, gather: 2 * time.Millisecond, gatherSize: senders,
		done: make(chan struct{})}
}

// record hands in an outcome without waiting for it to commit.
func (j *journal) record(o breachdesk.NoticeOutcome) {
	j.entries <- journalEntry{outcome: o}
}

// commitAsync hands in an outcome; the returned channel receives the
// result of the transaction that records it.
func (j *journal) commitAsync(o breachdesk.NoticeOutcome) <-chan error {
	return j.send(journalEntry{outcome: o, committed: make(chan error, 1)})
}

// flush waits until every outcome handed in before it is committed.
func (j *journal) flush() error {
	return <-j.send(journalEntry{barrier: true, committed: make(chan error, 1)})
}

func (j *journal) send(e journalEntry) <-chan error {
	select {
	case j.entries <- e:
	case <-j.done:
		// The journal stopped on an error: nothing more is recorded.
		e.committed <- j.failure()
	}
	return e.committed
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
			if !e.barrier {
				outcomes = append(outcomes, e.outcome)
			}
		}
		var err error
		if len(outcomes) > 0 {
			_, err = j.store.RecordNoticeOutcomes(ctx, j.workerID, outcomes)
		}
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
