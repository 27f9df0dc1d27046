package breachdesk

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RiskLevel is the GDPR-style conclusion about the risk a breach poses to
// people's rights and freedoms.
type RiskLevel string

// Risk levels, from the lowest.
const (
	NoRisk   RiskLevel = "no_risk"
	Risk     RiskLevel = "risk"
	HighRisk RiskLevel = "high_risk"
)

// RiskLevels returns the risk levels from the lowest.
func RiskLevels() []RiskLevel { return []RiskLevel{NoRisk, Risk, HighRisk} }

// AtLeast reports whether r is level or higher.
func (r RiskLevel) AtLeast(level RiskLevel) bool {
	return slices.Index(RiskLevels(), r) >= slices.Index(RiskLevels(), level)
}

// Factors of an assessment that a user can override, with a reason. The
// ENISA factors take numbers; risk takes a RiskLevel; the Art. 34(3)
// exceptions take "met" or "not_met".
const (
	FactorDPC               = "dpc"
	FactorEI                = "ei"
	FactorCBConfidentiality = "cb_confidentiality"
	FactorCBIntegrity       = "cb_integrity"
	FactorCBAvailability    = "cb_availability"
	FactorCBMalicious       = "cb_malicious"
	FactorRisk              = "risk"
	FactorArt34Encrypted    = "art34_3a"
	FactorArt34Measures     = "art34_3b"
	FactorArt34Effort       = "art34_3c"
)

// OverridableFactors returns the factors an AssessmentOverride may name.
func OverridableFactors() []string {
	return []string{FactorDPC, FactorEI, FactorCBConfidentiality, FactorCBIntegrity, FactorCBAvailability,
		FactorCBMalicious, FactorRisk, FactorArt34Encrypted, FactorArt34Measures, FactorArt34Effort}
}

// Values the Art. 34(3) exception factors take.
const (
	ExceptionMet    = "met"
	ExceptionNotMet = "not_met"
)

// AssessmentOverride is a user's decision to replace one computed factor,
// with the reason, kept in the audit log. An empty Value removes an
// earlier override.
type AssessmentOverride struct {
	IncidentID int64     `json:"incident_id"`
	Factor     string    `json:"factor"`
	Value      string    `json:"value"`
	Reason     string    `json:"reason"`
	Actor      string    `json:"actor"`
	CreatedAt  time.Time `json:"created_at"`
}

// Validate returns an invalid error naming the field that is wrong.
func (o *AssessmentOverride) Validate() error {
	if !slices.Contains(OverridableFactors(), o.Factor) {
		return FieldErrorf("factor", "%q is not a factor that can be overridden (one of %s)", o.Factor, strings.Join(OverridableFactors(), ", "))
	}
	if strings.TrimSpace(o.Reason) == "" {
		return FieldErrorf("reason", "an override needs a reason; it is kept in the audit log")
	}
	if o.Value == "" {
		return nil
	}
	switch o.Factor {
	case FactorDPC:
		return checkNumber(o.Value, 1, 4, "dpc")
	case FactorEI:
		return checkNumber(o.Value, 0.25, 1, "ei")
	case FactorCBConfidentiality, FactorCBIntegrity, FactorCBAvailability:
		return checkNumber(o.Value, 0, 0.5, o.Factor)
	case FactorCBMalicious:
		if o.Value != "0" && o.Value != "0.5" {
			return FieldErrorf("value", "cb_malicious is 0 or 0.5, not %q", o.Value)
		}
	case FactorRisk:
		if !slices.Contains(RiskLevels(), RiskLevel(o.Value)) {
			return FieldErrorf("value", "risk is no_risk, risk or high_risk, not %q", o.Value)
		}
	default:
		if o.Value != ExceptionMet && o.Value != ExceptionNotMet {
			return FieldErrorf("value", "%s is met or not_met, not %q", o.Factor, o.Value)
		}
	}
	return nil
}

func checkNumber(s string, lowest, highest float64, factor string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < lowest || v > highest {
		return FieldErrorf("value", "%s is a number from %g to %g, not %q", factor, lowest, highest, s)
	}
	return nil
}

// Statuses of an obligation.
const (
	ObligationPending = "pending"
	ObligationDone    = "done"
	ObligationWaived  = "waived"
)

// ObligationStatus records that an obligation was fulfilled (done, at a
// time) or waived (with a reason). The latest status of an obligation
// counts; earlier ones stay on record.
type ObligationStatus struct {
	IncidentID   int64      `json:"incident_id"`
	ObligationID string     `json:"obligation_id"`
	Status       string     `json:"status"`
	At           *time.Time `json:"at,omitempty"`
	Note         string     `json:"note,omitempty"`
	Actor        string     `json:"actor"`
	CreatedAt    time.Time  `json:"created_at"`
}

// ClockRules lists the rules whose obligation is the notification to the
// supervisory authority that the 72-hour clock (NotificationWindow)
// counts down to: GDPR and UK GDPR Art. 33(1).
func ClockRules() []string { return []string{"eu-gdpr-33", "gb-ukgdpr-33"} }

// AuthorityNotifiedEvent returns the event that marking the obligation
// done records on inc's timeline, so that the 72-hour clock stops: an
// authority_notified event at the time it was done. It returns nil when
// s does not stop the clock: s is not done, its obligation is not of one
// of ClockRules (an obligation's ID is its rule's, with "/" and a
// jurisdiction when the rule fans out), or inc's authority is notified
// already.
func (s *ObligationStatus) AuthorityNotifiedEvent(inc *Incident) *IncidentEvent {
	rule, _, _ := strings.Cut(s.ObligationID, "/")
	if s.Status != ObligationDone || s.At == nil || inc.AuthorityNotifiedAt != nil || !slices.Contains(ClockRules(), rule) {
		return nil
	}
	return &IncidentEvent{IncidentID: inc.ID, Kind: EventAuthorityNotified, At: *s.At,
		Note: fmt.Sprintf("Obligation %s marked done.", s.ObligationID)}
}

// Validate returns an invalid error naming the field that is wrong.
func (s *ObligationStatus) Validate() error {
	switch {
	case strings.TrimSpace(s.ObligationID) == "":
		return FieldErrorf("obligation_id", "an obligation id is required (see `breachdesk obligations INCIDENT`)")
	case s.Status == ObligationDone && s.At == nil:
		return FieldErrorf("at", "the time the obligation was fulfilled is required")
	case s.Status == ObligationWaived && strings.TrimSpace(s.Note) == "":
		return FieldErrorf("note", "waiving an obligation needs a reason")
	case s.Status != ObligationDone && s.Status != ObligationWaived && s.Status != ObligationPending:
		return FieldErrorf("status", "%q is not done, waived or pending", s.Status)
	case len(s.Note) > maxTextLength:
		return FieldErrorf("note", "must be at most %d characters", maxTextLength)
	}
	return nil
}

// PopulationProfile counts an incident's people who share a place and a
// list of data categories (empty: the incident's list applies).
type PopulationProfile struct {
	Country        string   `json:"country"`
	Region         string   `json:"region,omitempty"`
	DataCategories []string `json:"data_categories,omitempty"`
	People         int64    `json:"people"`
	// WithoutContact counts those with no e-mail, phone or postal address,
	// who cannot be told directly.
	WithoutContact int64 `json:"without_contact"`
}

// AssessmentService stores what users decide about an assessment.
type AssessmentService interface {
	// SetAssessmentOverride records an override and audits it. Returns
	// not_found if the incident does not exist.
	SetAssessmentOverride(ctx context.Context, o *AssessmentOverride) error
	// FindAssessmentOverrides returns the overrides in force for an
	// incident: the latest per factor, removals left out.
	FindAssessmentOverrides(ctx context.Context, incidentID int64) ([]*AssessmentOverride, error)
	// SetObligationStatus records a status and audits it. Returns
	// not_found if the incident does not exist.
	SetObligationStatus(ctx context.Context, s *ObligationStatus) error
	// FindObligationStatuses returns the latest status per obligation.
	FindObligationStatuses(ctx context.Context, incidentID int64) ([]*ObligationStatus, error)
	// FindPopulationProfiles counts the incident's people by country,
	// region and data categories.
	FindPopulationProfiles(ctx context.Context, incidentID int64) ([]*PopulationProfile, error)
}

// Audit actions for assessments.
const (
	AuditAssessmentOverride = "assessment.override"
	AuditObligationStatus   = "obligation.status"
)
