package breachdesk

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Incident is a personal-data breach as the controller knows it: what
// happened, when, to which data and people, and what was done about it.
// Facts not yet known are left empty (nil for times, counts and yes/no
// facts) so that reports can list them as to be provided later.
type Incident struct {
	ID      int64          `json:"id"`
	Title   string         `json:"title"`
	Summary string         `json:"summary,omitempty"`
	Status  IncidentStatus `json:"status"`

	// Nature lists the security properties lost: confidentiality,
	// integrity and/or availability (EDPB Guidelines 9/2022).
	Nature []string `json:"nature,omitempty"`
	// Cause is one of the Cause* constants.
	Cause string `json:"cause,omitempty"`
	// Malicious tells whether someone acted on purpose; nil while unknown.
	Malicious *bool `json:"malicious,omitempty"`

	OccurredFrom *time.Time `json:"occurred_from,omitempty"`
	OccurredTo   *time.Time `json:"occurred_to,omitempty"`
	// DetectedAt is when the breach was discovered.
	DetectedAt *time.Time `json:"detected_at,omitempty"`
	// AwareAt is when the controller became aware with reasonable
	// certainty that personal data was affected: the GDPR 72-hour clock.
	AwareAt *time.Time `json:"aware_at,omitempty"`
	// DeterminedAt is when the breach was determined to have occurred:
	// the clock of laws such as Texas, Florida and Canada.
	DeterminedAt *time.Time `json:"determined_at,omitempty"`
	ContainedAt  *time.Time `json:"contained_at,omitempty"`

	// DataCategories uses the vocabulary of DataCategories().
	DataCategories []string `json:"data_categories,omitempty"`
	// SubjectCategories are snake_case words such as customers, employees
	// or children.
	SubjectCategories []string `json:"subject_categories,omitempty"`
	ApproxSubjects    *int64   `json:"approx_subjects,omitempty"`
	ApproxRecords     *int64   `json:"approx_records,omitempty"`

	// Recipients is one of the Recipients* constants: who got the data.
	Recipients string `json:"recipients,omitempty"`
	// Encryption is one of the Encryption* constants.
	Encryption      string `json:"encryption,omitempty"`
	BackupAvailable *bool  `json:"backup_available,omitempty"`
	DataRecovered   *bool  `json:"data_recovered,omitempty"`

	MeasuresTaken      string `json:"measures_taken,omitempty"`
	MeasuresPlanned    string `json:"measures_planned,omitempty"`
	LikelyConsequences string `json:"likely_consequences,omitempty"`
	// CrossBorder tells whether people in more than one EEA state are
	// affected, or processing is cross-border in the GDPR sense.
	CrossBorder *bool `json:"cross_border,omitempty"`
	// Discovery says how the breach came to light: found by the
	// controller, reported by a processor, a customer, a researcher, the
	// press...
	Discovery string `json:"discovery,omitempty"`
	// DelayReasons gives the reasons the authority was, or will be,
	// notified more than 72 hours after awareness (GDPR Art. 33(1)).
	DelayReasons string `json:"delay_reasons,omitempty"`
	// IndividualsCommunication says what the affected people have been or
	// will be told, by which means and when (Art. 34).
	IndividualsCommunication string `json:"individuals_communication,omitempty"`
	// LawEnforcement tells whether the police or prosecutors were told of
	// the breach; nil while unknown.
	LawEnforcement *bool `json:"law_enforcement,omitempty"`

	// AuthorityNotifiedAt and IndividualsNotifiedAt are the times of the
	// first authority_notified and individuals_notified events on the
	// timeline. They are read from the timeline, never set directly.
	AuthorityNotifiedAt   *time.Time `json:"authority_notified_at,omitempty"`
	IndividualsNotifiedAt *time.Time `json:"individuals_notified_at,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// IncidentReadOnlyFields returns the incident fields that breachdesk sets
// itself and that an incident file may not give.
func IncidentReadOnlyFields() []string {
	return []string{"id", "authority_notified_at", "individuals_notified_at", "created_at", "updated_at"}
}

// IncidentStatus is where an incident stands in the response.
type IncidentStatus string

// Incident statuses, in the order a response usually moves through them.
const (
	IncidentOpen       IncidentStatus = "open"
	IncidentAssessed   IncidentStatus = "assessed"
	IncidentNotifying  IncidentStatus = "notifying"
	IncidentMonitoring IncidentStatus = "monitoring"
	IncidentClosed     IncidentStatus = "closed"
)

// Natures of a breach.
const (
	NatureConfidentiality = "confidentiality"
	NatureIntegrity       = "integrity"
	NatureAvailability    = "availability"
)

// Causes of a breach.
const (
	CauseTechnicalError     = "technical_error"
	CauseMaliciousAttack    = "malicious_attack"
	CauseInternalMisuse     = "internal_misuse"
	CauseLostOrStolenDevice = "lost_or_stolen_device"
	CauseMisdelivery        = "misdelivery"
	CauseOther              = "other"
)

// Who received the data.
const (
	RecipientsNoneEvidenced = "none_evidenced"
	RecipientsKnownTrusted  = "known_trusted"
	RecipientsKnownLimited  = "known_limited"
	RecipientsUnknown       = "unknown"
	RecipientsPublic        = "public"
)

// Whether the data was protected by encryption.
const (
	EncryptionNone                    = "none"
	EncryptionEncryptedKeySafe        = "encrypted_key_safe"
	EncryptionEncryptedKeyCompromised = "encrypted_key_compromised"
)

// IncidentStatuses returns the valid statuses in order.
func IncidentStatuses() []IncidentStatus {
	return []IncidentStatus{IncidentOpen, IncidentAssessed, IncidentNotifying, IncidentMonitoring, IncidentClosed}
}

// Natures returns the valid natures of a breach.
func Natures() []string {
	return []string{NatureConfidentiality, NatureIntegrity, NatureAvailability}
}

// Causes returns the valid causes of a breach.
func Causes() []string {
	return []string{CauseTechnicalError, CauseMaliciousAttack, CauseInternalMisuse, CauseLostOrStolenDevice, CauseMisdelivery, CauseOther}
}

// RecipientKinds returns the valid values of Incident.Recipients.
func RecipientKinds() []string {
	return []string{RecipientsNoneEvidenced, RecipientsKnownTrusted, RecipientsKnownLimited, RecipientsUnknown, RecipientsPublic}
}

// EncryptionStates returns the valid values of Incident.Encryption.
func EncryptionStates() []string {
	return []string{EncryptionNone, EncryptionEncryptedKeySafe, EncryptionEncryptedKeyCompromised}
}

// DataCategories returns the vocabulary of personal-data categories, from
// the least to the most sensitive families. Rules and severity scoring refer
// to these names.
func DataCategories() []string {
	return []string{
		"name", "email", "phone", "postal_address", "date_of_birth", "username", "online_identifier", "location",
		"password_plain", "password_hash_weak", "password_hash_strong", "security_qa", "auth_token",
		"payment_card_full", "payment_card_last4", "bank_account", "financial_transactions", "income",
		"ssn", "national_id", "passport", "driver_license", "tax_id",
		"health", "health_insurance", "genetic", "biometric",
		"racial_ethnic", "political", "religious", "trade_union", "sex_life", "sexual_orientation", "criminal",
		"communications_content",
	}
}

// Limits on incident text, generous for what a DPO writes and small enough
// to keep a hostile request from filling the database.
const (
	maxTitleLength = 200
	maxTextLength  = 20000
)

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// Normalize fills in defaults (an empty status becomes open) and puts every
// time in UTC at the microsecond precision that both stores keep. Stores
// call it before Validate.
func (inc *Incident) Normalize() {
	if inc.Status == "" {
		inc.Status = IncidentOpen
	}
	for _, t := range []**time.Time{&inc.OccurredFrom, &inc.OccurredTo, &inc.DetectedAt, &inc.AwareAt, &inc.DeterminedAt, &inc.ContainedAt} {
		if *t != nil {
			u := (*t).UTC().Truncate(time.Microsecond)
			*t = &u
		}
	}
}

// Validate returns an invalid error naming the first field that is missing,
// unknown or impossible. Facts that are merely out of the usual order are
// not errors; see Warnings.
func (inc *Incident) Validate() error {
	if strings.TrimSpace(inc.Title) == "" {
		return FieldErrorf("title", "a title is required")
	}
	if utf8.RuneCountInString(inc.Title) > maxTitleLength {
		return FieldErrorf("title", "must be at most %d characters", maxTitleLength)
	}
	if !slices.Contains(IncidentStatuses(), inc.Status) {
		return FieldErrorf("status", "%q is not one of %s", inc.Status, joinQuoted(IncidentStatuses()))
	}
	if err := checkList("nature", inc.Nature, Natures()); err != nil {
		return err
	}
	if err := checkOne("cause", inc.Cause, Causes()); err != nil {
		return err
	}
	if inc.OccurredFrom != nil && inc.OccurredTo != nil && inc.OccurredTo.Before(*inc.OccurredFrom) {
		return FieldErrorf("occurred_to", "%s is before occurred_from %s", inc.OccurredTo.Format(time.RFC3339), inc.OccurredFrom.Format(time.RFC3339))
	}
	if err := checkList("data_categories", inc.DataCategories, DataCategories()); err != nil {
		return err
	}
	for _, c := range inc.SubjectCategories {
		if !snakeCase.MatchString(c) {
			return FieldErrorf("subject_categories", "%q must be a snake_case word such as customers or employees", c)
		}
	}
	if hasDuplicate(inc.SubjectCategories) {
		return FieldErrorf("subject_categories", "a category is listed twice")
	}
	if inc.ApproxSubjects != nil && *inc.ApproxSubjects < 0 {
		return FieldErrorf("approx_subjects", "must not be negative")
	}
	if inc.ApproxRecords != nil && *inc.ApproxRecords < 0 {
		return FieldErrorf("approx_records", "must not be negative")
	}
	if err := checkOne("recipients", inc.Recipients, RecipientKinds()); err != nil {
		return err
	}
	if err := checkOne("encryption", inc.Encryption, EncryptionStates()); err != nil {
		return err
	}
	for field, text := range map[string]string{
		"summary": inc.Summary, "measures_taken": inc.MeasuresTaken,
		"measures_planned": inc.MeasuresPlanned, "likely_consequences": inc.LikelyConsequences,
		"discovery": inc.Discovery, "delay_reasons": inc.DelayReasons,
		"individuals_communication": inc.IndividualsCommunication,
	} {
		if utf8.RuneCountInString(text) > maxTextLength {
			return FieldErrorf(field, "must be at most %d characters", maxTextLength)
		}
	}
	return nil
}

// Warnings lists facts that are possible but out of the usual order, such
// as becoming aware before detecting, so that a person can check them.
func (inc *Incident) Warnings() []string {
	var warnings []string
	before := func(a, b *time.Time, text string) {
		if a != nil && b != nil && a.Before(*b) {
			warnings = append(warnings, text)
		}
	}
	before(inc.AwareAt, inc.DetectedAt, "aware_at is before detected_at: the controller became aware before the breach was detected")
	before(inc.DetectedAt, inc.OccurredFrom, "detected_at is before occurred_from: the breach was detected before it began")
	before(inc.ContainedAt, inc.OccurredFrom, "contained_at is before occurred_from: the breach was contained before it began")
	before(inc.DeterminedAt, inc.DetectedAt, "determined_at is before detected_at: the breach was determined before it was detected")
	return warnings
}

// NotificationWindow is the GDPR Art. 33(1) time limit for notifying the
// supervisory authority: 72 hours from becoming aware.
const NotificationWindow = 72 * time.Hour

// NotificationClock is the state of the 72-hour window at one moment.
type NotificationClock struct {
	AwareAt  time.Time `json:"aware_at"`
	Deadline time.Time `json:"deadline"`
	// SecondsLeft is the time left until the deadline at the moment the
	// clock was read; negative when the deadline has passed.
	SecondsLeft int64 `json:"seconds_left"`
	// NotifiedAt is when the authority was notified, from the timeline.
	NotifiedAt *time.Time `json:"notified_at,omitempty"`
	// Late is true when the deadline passed before the authority was
	// notified; Art. 33(1) then requires the reasons for the delay.
	Late bool `json:"late"`
	// Text says the same in words, such as "41h12m left".
	Text string `json:"text"`
}

// NotificationClock returns the 72-hour clock at now, or nil while the
// moment of awareness is unknown.
func (inc *Incident) NotificationClock(now time.Time) *NotificationClock {
	if inc.AwareAt == nil {
		return nil
	}
	c := &NotificationClock{AwareAt: *inc.AwareAt, Deadline: inc.AwareAt.Add(NotificationWindow), NotifiedAt: inc.AuthorityNotifiedAt}
	left := c.Deadline.Sub(now).Truncate(time.Second)
	c.SecondsLeft = int64(left / time.Second)
	switch {
	case c.NotifiedAt != nil:
		took := c.NotifiedAt.Sub(c.AwareAt).Truncate(time.Minute)
		c.Late = c.NotifiedAt.After(c.Deadline)
		if c.Late {
			c.Text = fmt.Sprintf("authority notified %s after awareness, %s late: give the reasons for the delay", formatHours(took), formatHours(c.NotifiedAt.Sub(c.Deadline)))
		} else {
			c.Text = fmt.Sprintf("authority notified %s after awareness, within 72 hours", formatHours(took))
		}
	case left >= 0:
		c.Text = formatHours(left) + " left to notify the authority"
	default:
		c.Late = true
		c.Text = "overdue by " + formatHours(-left) + ": notify the authority now and give the reasons for the delay"
	}
	return c
}

// formatHours writes a duration as hours and minutes, such as 41h12m.
func formatHours(d time.Duration) string {
	d = d.Truncate(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// IncidentChanges returns a field_changed event for each field that differs
// between before and after, in field order. Fields breachdesk sets itself
// are not compared.
func IncidentChanges(before, after *Incident) []*IncidentEvent {
	b, a := incidentFields(before), incidentFields(after)
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var events []*IncidentEvent
	for _, k := range keys {
		if slices.Contains(IncidentReadOnlyFields(), k) || string(a[k]) == string(b[k]) {
			continue
		}
		events = append(events, &IncidentEvent{IncidentID: after.ID, Kind: EventFieldChanged, Field: k, Before: string(b[k]), After: string(a[k])})
	}
	return events
}

func incidentFields(inc *Incident) map[string]json.RawMessage {
	data, _ := json.Marshal(inc) // an Incident always marshals
	var fields map[string]json.RawMessage
	json.Unmarshal(data, &fields)
	return fields
}

func checkOne(field, value string, allowed []string) error {
	if value == "" || slices.Contains(allowed, value) {
		return nil
	}
	return FieldErrorf(field, "%q is not one of %s", value, joinQuoted(allowed))
}

func checkList(field string, values, allowed []string) error {
	for _, v := range values {
		if !slices.Contains(allowed, v) {
			return FieldErrorf(field, "%q is not one of %s", v, joinQuoted(allowed))
		}
	}
	if hasDuplicate(values) {
		return FieldErrorf(field, "a value is listed twice")
	}
	return nil
}

func hasDuplicate(values []string) bool {
	seen := make(map[string]bool, len(values))
	for _, v := range values {
		if seen[v] {
			return true
		}
		seen[v] = true
	}
	return false
}

func joinQuoted[S ~string](values []S) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(quoted, ", ")
}

// IncidentService stores incidents.
type IncidentService interface {
	// FindIncidentByID returns one incident.
	// Returns not_found if it does not exist.
	FindIncidentByID(ctx context.Context, id int64) (*Incident, error)

	// FindIncidents returns the incidents matching filter, newest first, and
	// how many match in all regardless of Limit and Offset.
	FindIncidents(ctx context.Context, filter IncidentFilter) ([]*Incident, int, error)

	// CreateIncident stores a new incident and sets its ID and timestamps.
	// An empty status becomes open. Returns invalid if it does not validate.
	CreateIncident(ctx context.Context, inc *Incident) error

	// UpdateIncident applies the fields set in upd and returns the result.
	// Returns not_found if the incident does not exist and invalid if the
	// result does not validate; nothing is written then.
	UpdateIncident(ctx context.Context, id int64, upd IncidentUpdate) (*Incident, error)
}

// IncidentFilter selects incidents. Nil fields do not filter.
type IncidentFilter struct {
	ID     *int64          `json:"id,omitempty"`
	Status *IncidentStatus `json:"status,omitempty"`

	Offset int `json:"offset,omitempty"`
	Limit  int `json:"limit,omitempty"`
}

// IncidentUpdate holds the incident fields to change; nil fields stay as
// they are.
type IncidentUpdate struct {
	Title   *string         `json:"title,omitempty"`
	Summary *string         `json:"summary,omitempty"`
	Status  *IncidentStatus `json:"status,omitempty"`

	Nature    *[]string `json:"nature,omitempty"`
	Cause     *string   `json:"cause,omitempty"`
	Malicious *bool     `json:"malicious,omitempty"`

	OccurredFrom *time.Time `json:"occurred_from,omitempty"`
	OccurredTo   *time.Time `json:"occurred_to,omitempty"`
	DetectedAt   *time.Time `json:"detected_at,omitempty"`
	AwareAt      *time.Time `json:"aware_at,omitempty"`
	DeterminedAt *time.Time `json:"determined_at,omitempty"`
	ContainedAt  *time.Time `json:"contained_at,omitempty"`

	DataCategories    *[]string `json:"data_categories,omitempty"`
	SubjectCategories *[]string `json:"subject_categories,omitempty"`
	ApproxSubjects    *int64    `json:"approx_subjects,omitempty"`
	ApproxRecords     *int64    `json:"approx_records,omitempty"`

	Recipients      *string `json:"recipients,omitempty"`
	Encryption      *string `json:"encryption,omitempty"`
	BackupAvailable *bool   `json:"backup_available,omitempty"`
	DataRecovered   *bool   `json:"data_recovered,omitempty"`

	MeasuresTaken      *string `json:"measures_taken,omitempty"`
	MeasuresPlanned    *string `json:"measures_planned,omitempty"`
	LikelyConsequences *string `json:"likely_consequences,omitempty"`
	CrossBorder        *bool   `json:"cross_border,omitempty"`

	Discovery                *string `json:"discovery,omitempty"`
	DelayReasons             *string `json:"delay_reasons,omitempty"`
	IndividualsCommunication *string `json:"individuals_communication,omitempty"`
	LawEnforcement           *bool   `json:"law_enforcement,omitempty"`

	// Clear names fields (by their json names) to set back to unknown, as
	// an update file does with "field: null".
	Clear []string `json:"-"`
}

// Validate checks the fields to clear: they must be incident fields that
// may be unknown; title and status always have a value.
func (upd IncidentUpdate) Validate() error {
	for _, name := range upd.Clear {
		switch {
		case name == "title" || name == "status":
			return FieldErrorf(name, "cannot be cleared: an incident always has a %s", name)
		case slices.Contains(IncidentReadOnlyFields(), name):
			return FieldErrorf(name, "is set by breachdesk and cannot be given")
		case incidentFieldIndex(name) == nil:
			return FieldErrorf(name, "is not a field of an incident")
		}
	}
	return nil
}

// incidentFieldIndex returns the index of the Incident field with the json
// name, or nil.
func incidentFieldIndex(name string) []int {
	for _, f := range reflect.VisibleFields(reflect.TypeFor[Incident]()) {
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			return f.Index
		}
	}
	return nil
}

// Apply copies the fields set in upd onto inc, then clears the fields
// named in Clear.
func (upd IncidentUpdate) Apply(inc *Incident) {
	defer func() {
		for _, name := range upd.Clear {
			if index := incidentFieldIndex(name); index != nil {
				v := reflect.ValueOf(inc).Elem().FieldByIndex(index)
				v.SetZero()
			}
		}
	}()
	set(&inc.Title, upd.Title)
	set(&inc.Summary, upd.Summary)
	set(&inc.Status, upd.Status)
	set(&inc.Nature, upd.Nature)
	set(&inc.Cause, upd.Cause)
	setPtr(&inc.Malicious, upd.Malicious)
	setPtr(&inc.OccurredFrom, upd.OccurredFrom)
	setPtr(&inc.OccurredTo, upd.OccurredTo)
	setPtr(&inc.DetectedAt, upd.DetectedAt)
	setPtr(&inc.AwareAt, upd.AwareAt)
	setPtr(&inc.DeterminedAt, upd.DeterminedAt)
	setPtr(&inc.ContainedAt, upd.ContainedAt)
	set(&inc.DataCategories, upd.DataCategories)
	set(&inc.SubjectCategories, upd.SubjectCategories)
	setPtr(&inc.ApproxSubjects, upd.ApproxSubjects)
	setPtr(&inc.ApproxRecords, upd.ApproxRecords)
	set(&inc.Recipients, upd.Recipients)
	set(&inc.Encryption, upd.Encryption)
	setPtr(&inc.BackupAvailable, upd.BackupAvailable)
	setPtr(&inc.DataRecovered, upd.DataRecovered)
	set(&inc.MeasuresTaken, upd.MeasuresTaken)
	set(&inc.MeasuresPlanned, upd.MeasuresPlanned)
	set(&inc.LikelyConsequences, upd.LikelyConsequences)
	setPtr(&inc.CrossBorder, upd.CrossBorder)
	set(&inc.Discovery, upd.Discovery)
	set(&inc.DelayReasons, upd.DelayReasons)
	set(&inc.IndividualsCommunication, upd.IndividualsCommunication)
	setPtr(&inc.LawEnforcement, upd.LawEnforcement)
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// setPtr stores a copy so that the incident never aliases the update.
func setPtr[T any](dst **T, src *T) {
	if src != nil {
		v := *src
		*dst = &v
	}
}
