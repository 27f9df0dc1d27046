package breachdesk

import (
	"context"
	"time"
)

// Verification is what the public verification page tells about a genuine
// notice: enough for its recipient to recognise it, nothing a stranger
// holding the code could use.
type Verification struct {
	Code string `json:"code"`
	// Organization is the controller's name, as printed on the notice.
	Organization string `json:"organization"`
	// IncidentTitle is the incident's public title in the language asked
	// for when its page has one, else in the page's first language, else
	// the incident's own title. IncidentSlug addresses its public page;
	// empty when the incident has no published page.
	IncidentTitle string `json:"incident_title"`
	IncidentSlug  string `json:"incident_slug,omitempty"`
	// Channel is ChannelEmail or ChannelLetter.
	Channel string `json:"channel"`
	// Recipient is the masked address the notice went to (m***@example.com),
	// or the masked name on a letter.
	Recipient string `json:"recipient"`
	// State is the notice's state; a notice is genuine from the moment it
	// is handed over (in flight), so that a person reading it while the
	// server's reply is being recorded is not told it is fake.
	State  NoticeState `json:"state"`
	SentAt *time.Time  `json:"sent_at,omitempty"`
}

// VerifyRequest asks whether a code is genuine.
type VerifyRequest struct {
	// Code is the code, in the canonical form of ParseNoticeCode.
	Code string
	// NoticeID is the notice the code designates when it is decoded by
	// the keyring's permutation (keyring.NoticeID), so that a store may
	// read the notice by its primary key; 0 when unknown. It is only a
	// hint: the notice must carry Code, and a code it does not fit (one
	// made before codes were a permutation, or a forgery) is looked up by
	// itself.
	NoticeID int64
	// Language is the language to give the incident's public title in.
	Language string
}

// VerificationService checks verification codes. It is reached from the
// public pages, by anyone: it reveals only what Verification holds.
type VerificationService interface {
	// VerifyNotice returns the verification of the notice that carries
	// req.Code. Returns not_found if no notice carries it or the notice
	// was never handed over.
	VerifyNotice(ctx context.Context, req VerifyRequest) (*Verification, error)
}
