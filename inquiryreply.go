package breachdesk

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// InquiryReply is a staff member's answer to an inquiry, mailed to the
// person in the language of their inquiry, in plaintext. It is stored
// sealed (SealedInquiryReply) and mailed from the store, as an outbox: a
// reply is stored in the same transaction as its inquiry's status
// "answered", and mailed after, at least once.
type InquiryReply struct {
	ID        int64 `json:"id"`
	InquiryID int64 `json:"inquiry_id"`
	// Reference is the inquiry's reference, which the sealed body is
	// bound to.
	Reference string `json:"reference"`
	// Template names the templated reply the text started from
	// (notice.ReplyTemplates), "" when it was written from scratch.
	Template string `json:"template,omitempty"`
	// Language is the language of the reply: the inquiry's.
	Language string `json:"language"`
	// Body is what the staff member wrote, between the greeting and the
	// signature the mail adds.
	Body string `json:"body"`
	// Author is the login of the staff member who sent it.
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
	// SentAt is when the reply was handed to the mail relay, or refused
	// by it for good; Refusal is then the relay's answer.
	SentAt  *time.Time `json:"sent_at,omitempty"`
	Refusal string     `json:"refusal,omitempty"`
}

// SealedInquiryReply is an InquiryReply as stored: its body sealed.
type SealedInquiryReply struct {
	ID        int64
	InquiryID int64
	Reference string
	Template  string
	Language  string
	Body      []byte
	Author    string
	CreatedAt time.Time
	SentAt    *time.Time
	Refusal   string
}

// Limits of a reply.
const (
	// InquiryReplyLimit is the longest body, in characters.
	InquiryReplyLimit = 10000
	// InquiryReplyTemplateLimit is the longest template name, in bytes.
	InquiryReplyTemplateLimit = 64
)

// AuditInquiryAnswer records a reply stored to be mailed. The entry's
// digests cover the reply as stored, its body sealed.
const AuditInquiryAnswer = "inquiry.answer"

// Normalize trims the body and the template name.
func (r *InquiryReply) Normalize() {
	r.Body = strings.TrimSpace(r.Body)
	r.Template = strings.TrimSpace(r.Template)
}

// Validate returns an invalid error naming the first field that is wrong,
// with a sentence the console's form can show.
func (r *InquiryReply) Validate() error {
	switch {
	case r.Body == "":
		return FieldErrorf("body", "write the answer")
	case utf8.RuneCountInString(r.Body) > InquiryReplyLimit:
		return FieldErrorf("body", "the answer is longer than %d characters", InquiryReplyLimit)
	case len(r.Template) > InquiryReplyTemplateLimit:
		return FieldErrorf("template", "the template name is longer than %d bytes", InquiryReplyTemplateLimit)
	case r.Language != "" && !IsLanguageTag(r.Language):
		return FieldErrorf("language", "%q is not a language tag", r.Language)
	case r.Author == "":
		return FieldErrorf("author", "a reply needs its author")
	}
	return nil
}

// Validate returns an invalid error if the sealed reply lacks what every
// reply has; the rest was checked on the plaintext, which stores never see.
func (r *SealedInquiryReply) Validate() error {
	switch {
	case r == nil:
		return Errorf(EInvalid, "The reply is missing.")
	case len(r.Body) == 0:
		return FieldErrorf("body", "the reply has no sealed body")
	case r.Author == "":
		return FieldErrorf("author", "a reply needs its author")
	case len(r.Author) > InquiryAssigneeLimit:
		return FieldErrorf("author", "the author is longer than %d bytes", InquiryAssigneeLimit)
	case len(r.Template) > InquiryReplyTemplateLimit:
		return FieldErrorf("template", "the template name is longer than %d bytes", InquiryReplyTemplateLimit)
	case r.Language != "" && !IsLanguageTag(r.Language):
		return FieldErrorf("language", "%q is not a language tag", r.Language)
	}
	return nil
}

// InquiryReplyService stores the staff's replies to inquiries and hands
// them to the mailer.
type InquiryReplyService interface {
	// AnswerInquiry stores reply to the inquiry with reference, to be
	// mailed, and marks the inquiry answered, assigned to the reply's
	// author when it was nobody's, in one transaction, with the audit
	// entries of both (AuditInquiryAnswer, and AuditInquiryUpdate when the
	// inquiry changes) under the actor in ctx. It fills in reply's ID,
	// InquiryID, Reference and CreatedAt (SentAt stays nil) and returns
	// the inquiry as it now is. Returns not_found if no inquiry has the
	// reference and invalid when reply.Validate fails; nothing is stored
	// then.
	AnswerInquiry(ctx context.Context, reference string, reply *SealedInquiryReply) (*SealedInquiry, error)

	// FindInquiryReplies returns the replies to an inquiry, oldest first;
	// none for an unknown inquiry.
	FindInquiryReplies(ctx context.Context, inquiryID int64) ([]*SealedInquiryReply, error)

	// FindPendingReplies returns up to limit replies not mailed yet,
	// oldest first.
	FindPendingReplies(ctx context.Context, limit int) ([]*SealedInquiryReply, error)

	// MarkRepliesSent records that replies were mailed at at; a reply
	// marked already keeps its first time, and unknown IDs are ignored.
	MarkRepliesSent(ctx context.Context, ids []int64, at time.Time) error

	// MarkReplyRefused records that the mail relay refused a reply for
	// good at at, with its answer (trimmed by TrimReply), so that the
	// reply leaves the outbox and staff see it was not delivered. A reply
	// marked already is left as it is.
	MarkReplyRefused(ctx context.Context, id int64, at time.Time, refusal string) error
}
