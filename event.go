package breachdesk

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// IncidentEvent is one entry of an incident's timeline. The timeline is
// append-only: events are never changed or deleted.
type IncidentEvent struct {
	ID         int64  `json:"id"`
	IncidentID int64  `json:"incident_id"`
	Kind       string `json:"kind"`
	// At is when the event happened, which may be before it was recorded.
	At   time.Time `json:"at"`
	Note string    `json:"note,omitempty"`
	// Field, Before and After describe a field_changed event: the field and
	// its values as compact JSON ("" when unset).
	Field  string `json:"field,omitempty"`
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`

	// Actor is who recorded the event, as kind:name.
	Actor      string    `json:"actor"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Kinds of timeline event a person records.
const (
	EventDetected            = "detected"
	EventContained           = "contained"
	EventAuthorityNotified   = "authority_notified"
	EventIndividualsNotified = "individuals_notified"
	// EventDecision records a decision and its reason, such as not
	// notifying the authority because the breach is unlikely to result in
	// a risk (GDPR Art. 33(5) requires documenting it).
	EventDecision = "decision"
	EventNote     = "note"
)

// Kinds of timeline event breachdesk records by itself.
const (
	EventCreated      = "created"
	EventFieldChanged = "field_changed"
)

// EventKinds returns the kinds a person may record.
func EventKinds() []string {
	return []string{EventDetected, EventContained, EventAuthorityNotified, EventIndividualsNotified, EventDecision, EventNote}
}

// Normalize sets an empty At to now and puts At in UTC at the
// microsecond precision both stores keep. Stores call it before Validate.
func (e *IncidentEvent) Normalize(now time.Time) {
	if e.At.IsZero() {
		e.At = now
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
}

// Validate checks an event a person records.
func (e *IncidentEvent) Validate() error {
	if !slices.Contains(EventKinds(), e.Kind) {
		return FieldErrorf("kind", "%q is not one of %s", e.Kind, joinQuoted(EventKinds()))
	}
	if (e.Kind == EventDecision || e.Kind == EventNote) && strings.TrimSpace(e.Note) == "" {
		return FieldErrorf("note", "a %s needs a note saying what and why", e.Kind)
	}
	if utf8.RuneCountInString(e.Note) > maxTextLength {
		return FieldErrorf("note", "must be at most %d characters", maxTextLength)
	}
	if e.At.IsZero() {
		return FieldErrorf("at", "the time of the event is required")
	}
	return nil
}

// IncidentEventService records and lists timeline events.
type IncidentEventService interface {
	// CreateIncidentEvent appends an event to an incident's timeline. An
	// empty At becomes now. Returns not_found if the incident does not exist
	// and invalid if the event does not validate.
	CreateIncidentEvent(ctx context.Context, e *IncidentEvent) error

	// FindIncidentEvents returns an incident's timeline in the order events
	// happened (then the order recorded), and the total that match.
	// Returns not_found if the incident does not exist.
	FindIncidentEvents(ctx context.Context, filter IncidentEventFilter) ([]*IncidentEvent, int, error)
}

// IncidentEventFilter selects timeline events of one incident.
type IncidentEventFilter struct {
	IncidentID int64   `json:"incident_id"`
	Kind       *string `json:"kind,omitempty"`

	Offset int `json:"offset,omitempty"`
	Limit  int `json:"limit,omitempty"`
}
