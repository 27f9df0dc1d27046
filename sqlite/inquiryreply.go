package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/breachdesk/breachdesk"
)

// Ensure the service implements the interface.
var _ breachdesk.InquiryReplyService = (*InquiryService)(nil)

// pendingRepliesLimit is how many replies FindPendingReplies returns when
// its caller names no limit: one batch of the mailer.
const pendingRepliesLimit = 100

// AnswerInquiry stores the reply to be mailed and marks its inquiry
// answered in one transaction, with the audit entries of both.
func (s *InquiryService) AnswerInquiry(ctx context.Context, reference string, reply *breachdesk.SealedInquiryReply) (*breachdesk.SealedInquiry, error) {
	if err := reply.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	q, err := answerInquiry(ctx, tx, reference, reply)
	if err != nil {
		return nil, fmt.Errorf("answer inquiry %s: %w", reference, err)
	}
	return q, tx.Commit()
}

// answerInquiry stores a checked reply and moves its inquiry to answered,
// assigned to the reply's author when it was nobody's. An inquiry that
// stays as it was (answered already, by whoever handles it) keeps its
// updated_at and gets no update entry, as in updateInquiry. The write
// connection is the only one, so the inquiry cannot change between its
// read and its update.
func answerInquiry(ctx context.Context, tx *Tx, reference string, reply *breachdesk.SealedInquiryReply) (*breachdesk.SealedInquiry, error) {
	q, err := findInquiryByReference(ctx, tx, reference)
	if err != nil {
		return nil, err
	}
	reply.InquiryID, reply.Reference, reply.CreatedAt, reply.SentAt = q.ID, q.Reference, tx.now, nil
	if err := tx.QueryRowContext(ctx, `
		INSERT INTO inquiry_replies (inquiry_id, template, language, body, author, created_at)
		VALUES (?, ?, ?, ?, ?, ?)
		RETURNING id`,
		reply.InquiryID, reply.Template, reply.Language, reply.Body, reply.Author, formatTime(reply.CreatedAt)).Scan(&reply.ID); err != nil {
		return nil, FormatError(err)
	}
	// The digest covers the reply as stored, its body sealed.
	if err := appendAudit(ctx, tx, breachdesk.AuditInquiryAnswer, "inquiry_reply", reply.ID, nil, reply); err != nil {
		return nil, err
	}
	answered := breachdesk.InquiryAnswered
	upd := breachdesk.InquiryUpdate{Status: &answered}
	if q.AssignedTo == "" {
		upd.AssignedTo = &reply.Author
	}
	return updateInquiry(ctx, tx, reference, upd)
}

// FindInquiryReplies returns the replies to an inquiry, oldest first.
func (s *InquiryService) FindInquiryReplies(ctx context.Context, inquiryID int64) ([]*breachdesk.SealedInquiryReply, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	replies, err := findInquiryReplies(ctx, tx, `WHERE r.inquiry_id = ? ORDER BY r.id`, inquiryID)
	if err != nil {
		return nil, fmt.Errorf("find replies to inquiry %d: %w", inquiryID, err)
	}
	return replies, nil
}

// FindPendingReplies returns up to limit replies not mailed yet, oldest
// first; pendingRepliesLimit when limit is not positive.
func (s *InquiryService) FindPendingReplies(ctx context.Context, limit int) ([]*breachdesk.SealedInquiryReply, error) {
	if limit <= 0 {
		limit = pendingRepliesLimit
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	replies, err := findInquiryReplies(ctx, tx, `WHERE r.sent_at IS NULL ORDER BY r.id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("find pending replies: %w", err)
	}
	return replies, nil
}

// MarkRepliesSent records when the replies were mailed, at the
// transaction's time when at is zero. A reply marked already keeps its
// first time.
func (s *InquiryService) MarkRepliesSent(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if at.IsZero() {
		at = tx.now
	}
	idList, _ := json.Marshal(ids) // a []int64 always marshals
	if _, err := tx.ExecContext(ctx, `
		UPDATE inquiry_replies SET sent_at = ?
		WHERE id IN (SELECT value FROM json_each(?)) AND sent_at IS NULL`,
		formatTime(at), string(idList)); err != nil {
		return fmt.Errorf("mark replies sent: %w", FormatError(err))
	}
	return tx.Commit()
}

// MarkReplyRefused records that the relay refused a reply for good, with
// its answer, at the transaction's time when at is zero: the reply leaves
// the outbox. A reply marked already is left as it is.
func (s *InquiryService) MarkReplyRefused(ctx context.Context, id int64, at time.Time, refusal string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if at.IsZero() {
		at = tx.now
	}
	if _, err := tx.ExecContext(ctx, `UPDATE inquiry_replies SET sent_at = ?, refusal = ? WHERE id = ? AND sent_at IS NULL`,
		formatTime(at), breachdesk.TrimReply(refusal), id); err != nil {
		return fmt.Errorf("mark reply %d refused: %w", id, FormatError(err))
	}
	return tx.Commit()
}

// findInquiryReplies returns the replies the query tail selects, each with
// its inquiry's reference.
func findInquiryReplies(ctx context.Context, tx *Tx, tail string, args ...any) ([]*breachdesk.SealedInquiryReply, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT r.id, r.inquiry_id, q.reference, r.template, r.language, r.body, r.author, r.created_at, r.sent_at, r.refusal
		FROM inquiry_replies r JOIN inquiries q ON q.id = r.inquiry_id `+tail, args...)
	if err != nil {
		return nil, FormatError(err)
	}
	defer rows.Close()
	var replies []*breachdesk.SealedInquiryReply
	for rows.Next() {
		var r breachdesk.SealedInquiryReply
		if err := rows.Scan(&r.ID, &r.InquiryID, &r.Reference, &r.Template, &r.Language, &r.Body, &r.Author,
			requiredTime{&r.CreatedAt}, timeColumn{&r.SentAt}, &r.Refusal); err != nil {
			return nil, err
		}
		replies = append(replies, &r)
	}
	return replies, rows.Err()
}
