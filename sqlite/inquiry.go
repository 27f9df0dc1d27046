package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
)

// Ensure the service implements the interface.
var _ breachdesk.InquiryService = (*InquiryService)(nil)

// InquiryService stores sealed inquiries in SQLite.
type InquiryService struct {
	db *DB
}

// NewInquiryService returns a service backed by db.
func NewInquiryService(db *DB) *InquiryService {
	return &InquiryService{db: db}
}

// CreateInquiries stores the inquiries in one transaction with one
// prepared statement. Inquiries are not audited one by one: the table is
// their record, as the outbox is the notices'.
func (s *InquiryService) CreateInquiries(ctx context.Context, inquiries []*breachdesk.SealedInquiry) error {
	for i, q := range inquiries {
		if err := q.Validate(i); err != nil {
			return err
		}
	}
	if len(inquiries) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := createInquiries(ctx, tx, inquiries); err != nil {
		return fmt.Errorf("create inquiries: %w", err)
	}
	return tx.Commit()
}

// FindInquiries returns the inquiries matching filter, oldest first.
func (s *InquiryService) FindInquiries(ctx context.Context, filter breachdesk.InquiryFilter) ([]*breachdesk.SealedInquiry, int, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	inquiries, n, err := findInquiries(ctx, tx, filter)
	if err != nil {
		return nil, 0, fmt.Errorf("find inquiries: %w", err)
	}
	return inquiries, n, nil
}

// InquiryBacklog counts what waits through the indexes of the queue and
// of the receipts, each count stopping at limit.
func (s *InquiryService) InquiryBacklog(ctx context.Context, limit int) (*breachdesk.InquiryBacklog, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var b breachdesk.InquiryBacklog
	err = tx.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM (SELECT 1 FROM inquiries WHERE status = 'open' LIMIT ?1)),
		(SELECT COUNT(*) FROM (SELECT 1 FROM inquiries WHERE status = 'assigned' LIMIT ?1)),
		(SELECT COUNT(*) FROM (SELECT 1 FROM inquiries WHERE receipt_sent_at IS NULL LIMIT ?1)),
		(SELECT created_at FROM inquiries WHERE status = 'open' ORDER BY created_at LIMIT 1)`, max(limit, 0)).
		Scan(&b.Open, &b.Assigned, &b.ReceiptsPending, timeColumn{&b.OldestOpen})
	if err != nil {
		return nil, fmt.Errorf("inquiry backlog: %w", FormatError(err))
	}
	return &b, nil
}

// FindInquiryByReference returns one inquiry, or not_found.
func (s *InquiryService) FindInquiryByReference(ctx context.Context, reference string) (*breachdesk.SealedInquiry, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	q, err := findInquiryByReference(ctx, tx, reference)
	if err != nil {
		return nil, fmt.Errorf("find inquiry %s: %w", reference, err)
	}
	return q, nil
}

// MarkInquiryReceipts records when the receipts were mailed. A receipt
// marked already keeps its first time.
func (s *InquiryService) MarkInquiryReceipts(ctx context.Context, ids []int64, at time.Time) error {
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
		UPDATE inquiries SET receipt_sent_at = ?, updated_at = ?
		WHERE id IN (SELECT value FROM json_each(?)) AND receipt_sent_at IS NULL`,
		formatTime(at), formatTime(tx.now), string(idList)); err != nil {
		return fmt.Errorf("mark inquiry receipts: %w", FormatError(err))
	}
	return tx.Commit()
}

// UpdateInquiry changes the status or assignee of an inquiry and audits
// the change. An update that changes nothing writes nothing: the inquiry
// keeps its updated_at and the audit log gets no entry.
func (s *InquiryService) UpdateInquiry(ctx context.Context, reference string, upd breachdesk.InquiryUpdate) (*breachdesk.SealedInquiry, error) {
	upd = upd.Normalized()
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	q, err := updateInquiry(ctx, tx, reference, upd)
	if err != nil {
		return nil, fmt.Errorf("update inquiry %s: %w", reference, err)
	}
	return q, tx.Commit()
}

// updateInquiry applies a checked update. The write connection is the
// only one, so nothing changes the row between its read and its update.
func updateInquiry(ctx context.Context, tx *Tx, reference string, upd breachdesk.InquiryUpdate) (*breachdesk.SealedInquiry, error) {
	before, err := findInquiryByReference(ctx, tx, reference)
	if err != nil {
		return nil, err
	}
	status, assignedTo := before.Status, before.AssignedTo
	if upd.Status != nil {
		status = *upd.Status
	}
	if upd.AssignedTo != nil {
		assignedTo = *upd.AssignedTo
	}
	if status == before.Status && assignedTo == before.AssignedTo {
		return before, nil // nothing changes: nothing to write or record
	}
	after, err := scanInquiry(tx.QueryRowContext(ctx, `
		UPDATE inquiries SET status = ?, assigned_to = ?, updated_at = ? WHERE id = ?
		RETURNING `+inquiryColumns,
		string(status), assignedTo, formatTime(tx.now), before.ID))
	if err != nil {
		return nil, FormatError(err)
	}
	// The digests cover the row as stored, whose personal data is sealed.
	return after, appendAudit(ctx, tx, breachdesk.AuditInquiryUpdate, "inquiry", after.ID, before, after)
}

// findInquiryByReference returns one inquiry, or not_found.
func findInquiryByReference(ctx context.Context, tx *Tx, reference string) (*breachdesk.SealedInquiry, error) {
	q, err := scanInquiry(tx.QueryRowContext(ctx, `SELECT `+inquiryColumns+` FROM inquiries WHERE reference = ?`, reference))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "No inquiry has the reference %q.", reference)
	} else if err != nil {
		return nil, FormatError(err)
	}
	return q, nil
}

// insertInquirySQL inserts one inquiry. It links the inquiry to the
// notice carrying its code, and to that notice's incident, else to the
// incident the caller named if it exists: an id that does not exist is
// dropped rather than failing the batch of other people's inquiries. A
// taken reference inserts nothing and returns no row.
const insertInquirySQL = `
	INSERT INTO inquiries (reference, incident_id, category, request_kind, name, email, phone, message,
		email_index, code, notice_id, language, status, assigned_to, due_at, receipt_sent_at, created_at, updated_at)
	VALUES (?1,
		COALESCE(
			(SELECT c.incident_id FROM notices n JOIN campaigns c ON c.id = n.campaign_id
			 WHERE n.code = NULLIF(?10, '') AND n.state IN ('in_flight', 'sent', 'bounced')),
			(SELECT id FROM incidents WHERE id = ?2)),
		?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,
		(SELECT id FROM notices WHERE code = NULLIF(?10, '') AND state IN ('in_flight', 'sent', 'bounced')),
		?11, ?12, '', ?13, NULL, ?14, ?14)
	ON CONFLICT (reference) DO NOTHING
	RETURNING id, incident_id, notice_id`

func createInquiries(ctx context.Context, tx *Tx, inquiries []*breachdesk.SealedInquiry) error {
	stmt, err := tx.PrepareContext(ctx, insertInquirySQL)
	if err != nil {
		return FormatError(err)
	}
	defer stmt.Close()
	now := formatTime(tx.now)
	// As in InsertSealedPeople: checking the context between rows costs
	// far less than the driver watching it for every statement.
	rowCtx := context.WithoutCancel(ctx)
	for i, q := range inquiries {
		if i%100 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		q.Start(tx.now)
		err := stmt.QueryRowContext(rowCtx, q.Reference, q.IncidentID, string(q.Category), q.RequestKind,
			q.Name, q.Email, q.Phone, q.Message, q.EmailIndex, q.Code, q.Language, string(q.Status),
			nullTime(q.DueAt), now).Scan(&q.ID, &q.IncidentID, &q.NoticeID)
		if errors.Is(err, sql.ErrNoRows) {
			// The sealed fields are bound to the reference: only the
			// caller, who can seal them again, may give another.
			return breachdesk.Errorf(breachdesk.EConflict, "The inquiry reference %s is taken.", q.Reference)
		} else if err != nil {
			return fmt.Errorf("inquiry %d: %w", i, FormatError(err))
		}
	}
	return nil
}

const inquiryColumns = `id, reference, incident_id, category, request_kind, name, email, phone, message,
	email_index, code, notice_id, language, status, assigned_to, due_at, receipt_sent_at, created_at, updated_at`

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

func scanInquiry(row rowScanner) (*breachdesk.SealedInquiry, error) {
	var q breachdesk.SealedInquiry
	if err := row.Scan(&q.ID, &q.Reference, &q.IncidentID, &q.Category, &q.RequestKind, &q.Name, &q.Email, &q.Phone, &q.Message,
		&q.EmailIndex, &q.Code, &q.NoticeID, &q.Language, &q.Status, &q.AssignedTo,
		timeColumn{&q.DueAt}, timeColumn{&q.ReceiptSentAt}, requiredTime{&q.CreatedAt}, requiredTime{&q.UpdatedAt}); err != nil {
		return nil, err
	}
	return &q, nil
}

func findInquiries(ctx context.Context, tx *Tx, filter breachdesk.InquiryFilter) ([]*breachdesk.SealedInquiry, int, error) {
	where, args := []string{"1 = 1"}, []any{}
	if v := filter.IncidentID; v != nil {
		where, args = append(where, "incident_id = ?"), append(args, *v)
	}
	if v := filter.Category; v != nil {
		where, args = append(where, "category = ?"), append(args, string(*v))
	}
	if v := filter.Status; v != nil {
		where, args = append(where, "status = ?"), append(args, string(*v))
	}
	if v := filter.EmailIndex; v != nil {
		where, args = append(where, "email_index = ?"), append(args, v)
	}
	if filter.ReceiptPending {
		where = append(where, "receipt_sent_at IS NULL")
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM inquiries WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, FormatError(err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+inquiryColumns+` FROM inquiries WHERE `+cond+
		` ORDER BY created_at, id `+limitOffset(filter.Limit, filter.Offset), args...)
	if err != nil {
		return nil, 0, FormatError(err)
	}
	defer rows.Close()
	var inquiries []*breachdesk.SealedInquiry
	for rows.Next() {
		q, err := scanInquiry(rows)
		if err != nil {
			return nil, 0, err
		}
		inquiries = append(inquiries, q)
	}
	return inquiries, total, rows.Err()
}
