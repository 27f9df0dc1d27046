package breachdesk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"
)

// RegulatorReport is one stored version of a notification to a supervisory
// authority or attorney general: the facts it gave, in which phase, and
// when. Versions are numbered 1, 2, 3... per incident and authority, and
// are never changed or deleted (GDPR Art. 33(4) notifications in phases;
// Art. 33(5) documentation).
type RegulatorReport struct {
	ID         int64 `json:"id"`
	IncidentID int64 `json:"incident_id"`
	// Authority is the code of the report's layout, such as CNIL or ICO.
	Authority string `json:"authority"`
	// Phase is one of the ReportPhase* constants.
	Phase   string `json:"phase"`
	Version int    `json:"version"`
	// Language is the BCP 47 tag of the report's labels.
	Language string `json:"language"`
	// CaseReference is the authority's own reference for the case, once it
	// has given one; follow-ups quote it.
	CaseReference string `json:"case_reference,omitempty"`
	// Content is the report's facts as JSON; Digest is the SHA-256 of
	// Content in hex, set by the store.
	Content json.RawMessage `json:"content,omitempty"`
	Digest  string          `json:"digest"`

	// Actor is who generated the version, as kind:name.
	Actor     string    `json:"actor"`
	CreatedAt time.Time `json:"created_at"`
}

// Phases of a regulator notification.
const (
	// ReportPhaseInitial is the first notification, within 72 hours, with
	// what is known then.
	ReportPhaseInitial = "initial"
	// ReportPhaseFollowUp adds or corrects facts (Art. 33(4)).
	ReportPhaseFollowUp = "followup"
	// ReportPhaseFinal is the complete notification.
	ReportPhaseFinal = "final"
)

// ReportPhases returns the phases in the order they are filed.
func ReportPhases() []string {
	return []string{ReportPhaseInitial, ReportPhaseFollowUp, ReportPhaseFinal}
}

// EventReportGenerated is the timeline event breachdesk records when a new
// version of a regulator report is stored.
const EventReportGenerated = "report_generated"

// AuditReportGenerate is the audit action of storing a report version.
const AuditReportGenerate = "report.generate"

var authorityCode = regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$`)

// ReportDigest returns the SHA-256 of content in hex: the digest a report
// version carries.
func ReportDigest(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// Normalize sets the digest from the content. Stores call it before
// Validate.
func (r *RegulatorReport) Normalize() {
	r.Digest = ReportDigest(r.Content)
}

// Validate returns an invalid error naming the field that is wrong.
func (r *RegulatorReport) Validate() error {
	switch {
	case !authorityCode.MatchString(r.Authority):
		return FieldErrorf("authority", "%q is not an authority code such as CNIL or ICO", r.Authority)
	case !slices.Contains(ReportPhases(), r.Phase):
		return FieldErrorf("phase", "%q is not one of %s", r.Phase, joinQuoted(ReportPhases()))
	case !IsLanguageTag(r.Language):
		return FieldErrorf("language", "%q is not a BCP 47 language tag", r.Language)
	case utf8.RuneCountInString(r.CaseReference) > 200:
		return FieldErrorf("case_reference", "must be at most 200 characters")
	case !json.Valid(r.Content):
		return FieldErrorf("content", "is not valid JSON")
	case !utf8.Valid(r.Content):
		// json.Valid lets invalid UTF-8 through; PostgreSQL would refuse it
		// where SQLite stores it, and a regulator's portal would mangle it.
		return FieldErrorf("content", "is not valid UTF-8")
	}
	return nil
}

// EventNote is the note of the timeline event that records the version.
func (r *RegulatorReport) EventNote() string {
	return fmt.Sprintf("%s report, %s, version %d, sha256 %s", r.Authority, r.Phase, r.Version, r.Digest)
}

// RegulatorReportService stores the versions of regulator reports.
type RegulatorReportService interface {
	// CreateRegulatorReport stores r as the next version of the incident's
	// report to r.Authority, with a report_generated event on the timeline
	// and an audit entry, all in one transaction; it sets ID, Version,
	// Digest, Actor and CreatedAt. When the latest version for the same
	// authority has the same phase, case reference and digest, nothing is
	// stored and r is filled from that version instead, so that rendering
	// one report in several formats makes one version.
	// Returns not_found if the incident does not exist and invalid if r
	// does not validate.
	CreateRegulatorReport(ctx context.Context, r *RegulatorReport) error

	// FindRegulatorReports returns the versions that match filter, by
	// authority then version, and how many match in all.
	// Returns not_found if the incident does not exist.
	FindRegulatorReports(ctx context.Context, filter RegulatorReportFilter) ([]*RegulatorReport, int, error)
}

// RegulatorReportFilter selects report versions of one incident. Nil
// fields do not filter.
type RegulatorReportFilter struct {
	IncidentID int64   `json:"incident_id"`
	Authority  *string `json:"authority,omitempty"`
	Version    *int    `json:"version,omitempty"`

	Offset int `json:"offset,omitempty"`
	Limit  int `json:"limit,omitempty"`
}
