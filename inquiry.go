package breachdesk

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// InquiryCategory is what a person asks of the controller.
type InquiryCategory string

// Inquiry categories.
const (
	InquiryQuestion InquiryCategory = "question"
	// InquiryClaim is a claim of damage (material or not, GDPR Art. 82).
	InquiryClaim InquiryCategory = "claim"
	// InquiryDataRequest is a data-subject request (GDPR Arts. 15-22):
	// its RequestKind says which, and it must be answered within a month.
	InquiryDataRequest InquiryCategory = "data_request"
	InquiryComplaint   InquiryCategory = "complaint"
)

// InquiryCategories returns every category, in the order a form lists them.
func InquiryCategories() []InquiryCategory {
	return []InquiryCategory{InquiryQuestion, InquiryClaim, InquiryDataRequest, InquiryComplaint}
}

// Kinds of data-subject request, after the GDPR article that grants each.
const (
	RequestAccess        = "access"        // Art. 15
	RequestRectification = "rectification" // Art. 16
	RequestErasure       = "erasure"       // Art. 17
	RequestRestriction   = "restriction"   // Art. 18
	RequestPortability   = "portability"   // Art. 20
	RequestObjection     = "objection"     // Art. 21
)

// RequestKinds returns the kinds of data-subject request.
func RequestKinds() []string {
	return []string{RequestAccess, RequestRectification, RequestErasure, RequestRestriction, RequestPortability, RequestObjection}
}

// InquiryStatus is where an inquiry stands in the staff queue.
type InquiryStatus string

// Inquiry statuses.
const (
	InquiryOpen     InquiryStatus = "open"
	InquiryAssigned InquiryStatus = "assigned"
	InquiryAnswered InquiryStatus = "answered"
	InquiryClosed   InquiryStatus = "closed"
)

// Limits of what a person may submit.
const (
	InquiryNameLimit    = 200
	InquiryEmailLimit   = 254
	InquiryPhoneLimit   = 32
	InquiryMessageLimit = 5000
)

// Inquiry is a question, claim, data-subject request or complaint that an
// affected person sent through the public form, in plaintext. It is
// stored sealed (SealedInquiry).
type Inquiry struct {
	ID int64 `json:"id"`
	// Reference is shown to the person and mailed to them: Q-XXXX-XXXX.
	Reference string `json:"reference"`
	// IncidentID is the incident the person came from (its page or their
	// notice's code), when known.
	IncidentID *int64 `json:"incident_id,omitempty"`

	Category    InquiryCategory `json:"category"`
	RequestKind string          `json:"request_kind,omitempty"`

	Name    string `json:"name"`
	Email   string `json:"email"`
	Phone   string `json:"phone,omitempty"`
	Message string `json:"message"`
	// Code is the verification code the person gave, in canonical form;
	// NoticeID the notice it belongs to, when it is genuine, as the store
	// finds it.
	Code     string `json:"code,omitempty"`
	NoticeID *int64 `json:"notice_id,omitempty"`
	// Language is the language the person used the form in, and will be
	// answered in.
	Language string `json:"language"`

	Status     InquiryStatus `json:"status"`
	AssignedTo string        `json:"assigned_to,omitempty"`
	// DueAt is when a data-subject request must be answered by.
	DueAt *time.Time `json:"due_at,omitempty"`
	// ReceiptSentAt is when the acknowledgement with the reference was
	// mailed to the person.
	ReceiptSentAt *time.Time `json:"receipt_sent_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// SealedInquiry is an Inquiry as stored: the person's name, contact and
// message sealed, the e-mail address also as a blind index so that staff
// can find a person's inquiries.
type SealedInquiry struct {
	ID          int64
	Reference   string
	IncidentID  *int64
	Category    InquiryCategory
	RequestKind string

	Name, Email, Phone, Message []byte
	EmailIndex                  []byte

	Code     string
	NoticeID *int64
	Language string

	Status        InquiryStatus
	AssignedTo    string
	DueAt         *time.Time
	ReceiptSentAt *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Normalize trims what a person typed and lower-cases the address.
func (q *Inquiry) Normalize() {
	q.Name = strings.TrimSpace(q.Name)
	q.Email = EmailIndexKey(q.Email)
	q.Phone = strings.TrimSpace(q.Phone)
	q.Message = strings.TrimSpace(q.Message)
	q.Code = strings.TrimSpace(q.Code)
}

// Validate returns an invalid error naming the first field that is wrong,
// with a sentence the form can show.
func (q *Inquiry) Validate() error {
	switch {
	case !slices.Contains(InquiryCategories(), q.Category):
		return FieldErrorf("category", "choose what your message is about")
	case q.Category == InquiryDataRequest && !slices.Contains(RequestKinds(), q.RequestKind):
		return FieldErrorf("request_kind", "choose which right you exercise")
	case q.Category != InquiryDataRequest && q.RequestKind != "":
		return FieldErrorf("request_kind", "a request kind is only for a data-subject request")
	case q.Name == "":
		return FieldErrorf("name", "give your name")
	case utf8.RuneCountInString(q.Name) > InquiryNameLimit:
		return FieldErrorf("name", "the name is longer than %d characters", InquiryNameLimit)
	case q.Email == "" || len(q.Email) > InquiryEmailLimit || !isAddress(q.Email):
		return FieldErrorf("email", "give an e-mail address where we can answer you")
	case utf8.RuneCountInString(q.Phone) > InquiryPhoneLimit:
		return FieldErrorf("phone", "the phone number is longer than %d characters", InquiryPhoneLimit)
	case q.Message == "":
		return FieldErrorf("message", "write your message")
	case utf8.RuneCountInString(q.Message) > InquiryMessageLimit:
		return FieldErrorf("message", "the message is longer than %d characters", InquiryMessageLimit)
	case q.Language != "" && !IsLanguageTag(q.Language):
		return FieldErrorf("language", "%q is not a language tag", q.Language)
	}
	return nil
}

func isAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".")
}

// DataRequestDue returns when a data-subject request received at t must be
// answered: one month later (GDPR Art. 12(3)), on the same day of the next
// month or, when that month is shorter, on its last day (Regulation
// 1182/71, Art. 3(2)(c)).
func DataRequestDue(t time.Time) time.Time {
	y, m, d := t.Date()
	hh, mm, ss := t.Clock()
	last := time.Date(y, m+2, 0, 0, 0, 0, 0, t.Location()).Day()
	return time.Date(y, m+1, min(d, last), hh, mm, ss, t.Nanosecond(), t.Location())
}

// InquiryReferencePrefix starts every inquiry reference.
const InquiryReferencePrefix = "Q"

// NewInquiryReference returns a random reference such as Q-7KQ4-M2XP: 40
// bits in Crockford's base 32, so that references cannot be guessed to
// read another's inquiry.
func NewInquiryReference() string {
	var b [8]byte
	rand.Read(b[:])
	bits := binary.BigEndian.Uint64(b[:])
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var s strings.Builder
	s.WriteString(InquiryReferencePrefix)
	for i := range 8 {
		if i%4 == 0 {
			s.WriteByte('-')
		}
		s.WriteByte(alphabet[(bits>>(5*i))&31])
	}
	return s.String()
}

// InquiryService stores inquiries, sealed.
type InquiryService interface {
	// CreateInquiries stores inquiries in one transaction, all or none,
	// and fills in their ID, Reference (when empty), Status (open),
	// DueAt (for data-subject requests) and times. Returns invalid if one
	// lacks its category, sealed name, e-mail or message, and conflict if
	// a reference is taken: the sealed fields are bound to the reference
	// (keyring.SealInquiry), so only the caller can give another.
	//
	// It links each inquiry to the notice handed over that carries its
	// Code, setting NoticeID and IncidentID to that notice's; else it
	// keeps IncidentID if that incident exists and clears it if not, so
	// that a stale id never fails a batch of other people's inquiries.
	CreateInquiries(ctx context.Context, inquiries []*SealedInquiry) error

	// FindInquiries returns the inquiries the filter selects, oldest
	// first, and how many there are in all.
	FindInquiries(ctx context.Context, filter InquiryFilter) ([]*SealedInquiry, int, error)

	// InquiryBacklog counts what waits in the staff's queue, at a cost
	// bounded by limit whatever the number of inquiries, so that it can
	// be asked at every scrape of the metrics.
	InquiryBacklog(ctx context.Context, limit int) (*InquiryBacklog, error)

	// FindInquiryByReference returns one inquiry. Returns not_found if no
	// inquiry has the reference.
	FindInquiryByReference(ctx context.Context, reference string) (*SealedInquiry, error)

	// MarkInquiryReceipts records that the receipts of inquiries were
	// mailed at at.
	MarkInquiryReceipts(ctx context.Context, ids []int64, at time.Time) error

	// UpdateInquiry changes where the inquiry with reference stands in the
	// staff queue, records the change in the audit log with the actor in
	// ctx, and returns the inquiry as it now is; an update that changes
	// nothing writes nothing. Returns not_found if no inquiry has the
	// reference, invalid when upd.Validate fails. In the console, those
	// with inquiries:manage call it.
	UpdateInquiry(ctx context.Context, reference string, upd InquiryUpdate) (*SealedInquiry, error)
}

// InquiryBacklog is what waits in the staff's queue. Each count stops at
// the limit it was asked with: a count equal to the limit means that many
// or more.
type InquiryBacklog struct {
	// Open and Assigned count the inquiries of those statuses.
	Open, Assigned int
	// ReceiptsPending counts the inquiries whose receipt is not mailed.
	ReceiptsPending int
	// OldestOpen is when the oldest open inquiry came in; nil when none
	// is open.
	OldestOpen *time.Time
}

// InquiryUpdate changes an inquiry's place in the staff queue; nil fields
// stay as they are.
type InquiryUpdate struct {
	Status *InquiryStatus
	// AssignedTo is the login of the staff member who handles it; ""
	// leaves it to anyone.
	AssignedTo *string
}

// InquiryAssigneeLimit is the longest assignee, in bytes: the longest
// login StaffUser.Validate accepts.
const InquiryAssigneeLimit = 254

// Normalized returns upd with its assignee trimmed, on a copy, so that
// the caller's string stays as it was.
func (upd InquiryUpdate) Normalized() InquiryUpdate {
	if upd.AssignedTo != nil {
		assignee := strings.TrimSpace(*upd.AssignedTo)
		upd.AssignedTo = &assignee
	}
	return upd
}

// Validate returns invalid, naming the field, for an unknown status or an
// assignee longer than InquiryAssigneeLimit.
func (upd InquiryUpdate) Validate() error {
	if upd.Status != nil && !slices.Contains(InquiryStatuses(), *upd.Status) {
		return FieldErrorf("status", "%q is not a status of inquiry", *upd.Status)
	}
	if upd.AssignedTo != nil && len(*upd.AssignedTo) > InquiryAssigneeLimit {
		return FieldErrorf("assigned_to", "the assignee is longer than %d bytes", InquiryAssigneeLimit)
	}
	return nil
}

// InquiryStatuses returns every status, in the order of the queue.
func InquiryStatuses() []InquiryStatus {
	return []InquiryStatus{InquiryOpen, InquiryAssigned, InquiryAnswered, InquiryClosed}
}

// AuditInquiryUpdate records a change of an inquiry's status or of who
// handles it.
const AuditInquiryUpdate = "inquiry.update"

// InquiryFilter selects inquiries. Nil fields do not filter.
type InquiryFilter struct {
	IncidentID *int64
	Category   *InquiryCategory
	Status     *InquiryStatus
	EmailIndex []byte
	// ReceiptPending selects the inquiries whose receipt is not mailed yet.
	ReceiptPending bool

	Offset int
	Limit  int
}

// Validate returns an invalid error if the sealed inquiry lacks what every
// inquiry has; the rest was checked on the plaintext, which stores never
// see. i numbers it within a batch.
func (q *SealedInquiry) Validate(i int) error {
	switch {
	case q == nil:
		return Errorf(EInvalid, "Inquiry %d is missing.", i)
	case q.Category == "":
		return FieldErrorf("category", "inquiry %d has no category", i)
	case !slices.Contains(InquiryCategories(), q.Category):
		return FieldErrorf("category", "inquiry %d: %q is not a category of inquiry", i, q.Category)
	case len(q.Name) == 0:
		return FieldErrorf("name", "inquiry %d has no sealed name", i)
	case len(q.Email) == 0:
		return FieldErrorf("email", "inquiry %d has no sealed e-mail address", i)
	case len(q.Message) == 0:
		return FieldErrorf("message", "inquiry %d has no sealed message", i)
	}
	return nil
}

// Start sets what a new inquiry starts with at now: open, not assigned,
// no receipt yet, a deadline for a data-subject request, and a reference
// when it has none.
func (q *SealedInquiry) Start(now time.Time) {
	q.Status, q.AssignedTo, q.ReceiptSentAt = InquiryOpen, "", nil
	q.DueAt = nil
	if q.Category == InquiryDataRequest {
		due := DataRequestDue(now)
		q.DueAt = &due
	}
	q.CreatedAt, q.UpdatedAt = now, now
	if q.Reference == "" {
		q.Reference = NewInquiryReference()
	}
}
