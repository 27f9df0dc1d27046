package breachdesk

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxTalkingPointsLength bounds a script: a few pages an agent can read
// while on the phone.
const MaxTalkingPointsLength = 20000

// TalkingPoints is the script customer service follows about one
// incident: what happened, what to tell callers, how to confirm that a
// notice is genuine. The DPO writes it; agents read it beside the look-up.
type TalkingPoints struct {
	IncidentID int64     `json:"incident_id"`
	Text       string    `json:"text"`
	UpdatedAt  time.Time `json:"updated_at"`
	// UpdatedBy is the actor who wrote this version, as kind:name.
	UpdatedBy string `json:"updated_by"`
}

// Normalize trims the script and gives it Unix line ends.
func (tp *TalkingPoints) Normalize() {
	tp.Text = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(tp.Text, "\r\n", "\n"), "\r", "\n"))
}

// Validate checks a script before it is stored. An empty one is allowed:
// it clears the script, and is shown as none.
func (tp *TalkingPoints) Validate() error {
	if len(tp.Text) > MaxTalkingPointsLength {
		return FieldErrorf("text", "the talking points are at most %d bytes", MaxTalkingPointsLength)
	}
	if !utf8.ValidString(tp.Text) || strings.ContainsRune(tp.Text, 0) {
		return FieldErrorf("text", "the talking points must be text: UTF-8, without NUL characters")
	}
	return nil
}

// AuditTalkingPointsSet records a new version of an incident's talking
// points.
const AuditTalkingPointsSet = "talking_points.set"

// TalkingPointsService stores the talking points of incidents. In the
// console, those with talking_points:edit write them, and those with
// incidents:view or people:lookup read them.
type TalkingPointsService interface {
	// FindTalkingPoints returns the talking points of an incident.
	// Returns not_found if the incident has none yet, or does not exist.
	FindTalkingPoints(ctx context.Context, incidentID int64) (*TalkingPoints, error)

	// SetTalkingPoints replaces the talking points of tp.IncidentID,
	// setting UpdatedAt and UpdatedBy from the clock and the actor in
	// ctx, and records it in the audit log. Returns not_found if the
	// incident does not exist, invalid if the text is too long.
	SetTalkingPoints(ctx context.Context, tp *TalkingPoints) error
}
