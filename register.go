package breachdesk

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// RegisterEntry is one incident as GDPR Art. 33(5) requires the controller
// to document it, notified or not: the facts of the breach, its effects,
// the remedial action taken and the decisions made, with their reasons.
type RegisterEntry struct {
	IncidentID         int64      `json:"incident_id"`
	Title              string     `json:"title"`
	Status             string     `json:"status"`
	Summary            string     `json:"summary"`
	Nature             []string   `json:"nature"`
	Cause              string     `json:"cause"`
	OccurredFrom       *time.Time `json:"occurred_from"`
	OccurredTo         *time.Time `json:"occurred_to"`
	DetectedAt         *time.Time `json:"detected_at"`
	AwareAt            *time.Time `json:"aware_at"`
	ContainedAt        *time.Time `json:"contained_at"`
	DataCategories     []string   `json:"data_categories"`
	SubjectCategories  []string   `json:"subject_categories"`
	ApproxSubjects     *int64     `json:"approx_subjects"`
	ApproxRecords      *int64     `json:"approx_records"`
	LikelyConsequences string     `json:"likely_consequences"`
	MeasuresTaken      string     `json:"measures_taken"`
	MeasuresPlanned    string     `json:"measures_planned"`

	AuthorityNotifiedAt   *time.Time `json:"authority_notified_at"`
	IndividualsNotifiedAt *time.Time `json:"individuals_notified_at"`
	// NotifiedWithin72h is nil while the authority has not been notified
	// or the moment of awareness is unknown.
	NotifiedWithin72h *bool `json:"notified_within_72h"`

	Decisions []RegisterDecision `json:"decisions"`
}

// RegisterDecision is a decision recorded on the timeline, with its reason.
type RegisterDecision struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Note  string    `json:"note"`
}

// NewRegisterEntry builds the register entry of inc from its timeline.
func NewRegisterEntry(inc *Incident, events []*IncidentEvent) RegisterEntry {
	e := RegisterEntry{
		IncidentID: inc.ID, Title: inc.Title, Status: string(inc.Status), Summary: inc.Summary,
		Nature: nonNil(inc.Nature), Cause: inc.Cause,
		OccurredFrom: inc.OccurredFrom, OccurredTo: inc.OccurredTo, DetectedAt: inc.DetectedAt,
		AwareAt: inc.AwareAt, ContainedAt: inc.ContainedAt,
		DataCategories: nonNil(inc.DataCategories), SubjectCategories: nonNil(inc.SubjectCategories),
		ApproxSubjects: inc.ApproxSubjects, ApproxRecords: inc.ApproxRecords,
		LikelyConsequences: inc.LikelyConsequences, MeasuresTaken: inc.MeasuresTaken, MeasuresPlanned: inc.MeasuresPlanned,
		AuthorityNotifiedAt: inc.AuthorityNotifiedAt, IndividualsNotifiedAt: inc.IndividualsNotifiedAt,
		Decisions: []RegisterDecision{},
	}
	if inc.AwareAt != nil && inc.AuthorityNotifiedAt != nil {
		within := !inc.AuthorityNotifiedAt.After(inc.AwareAt.Add(NotificationWindow))
		e.NotifiedWithin72h = &within
	}
	for _, ev := range events {
		if ev.Kind == EventDecision {
			e.Decisions = append(e.Decisions, RegisterDecision{At: ev.At, Actor: ev.Actor, Note: ev.Note})
		}
	}
	return e
}

func nonNil(values []string) []string {
	if values == nil {
		return []string{}
	}
	return values
}

// BuildRegister returns the register entry of every incident, oldest
// first, with the decisions from each timeline.
func BuildRegister(ctx context.Context, incidents IncidentService, events IncidentEventService) ([]RegisterEntry, error) {
	list, _, err := incidents.FindIncidents(ctx, IncidentFilter{})
	if err != nil {
		return nil, err
	}
	entries := make([]RegisterEntry, 0, len(list))
	decision := EventDecision
	for i := len(list) - 1; i >= 0; i-- {
		decisions, _, err := events.FindIncidentEvents(ctx, IncidentEventFilter{IncidentID: list[i].ID, Kind: &decision})
		if err != nil {
			return nil, err
		}
		entries = append(entries, NewRegisterEntry(list[i], decisions))
	}
	return entries, nil
}

// RegisterCSVHeader lists the columns of WriteRegisterCSV.
func RegisterCSVHeader() []string {
	return []string{"incident_id", "title", "status", "summary", "nature", "cause",
		"occurred_from", "occurred_to", "detected_at", "aware_at", "contained_at",
		"data_categories", "subject_categories", "approx_subjects", "approx_records",
		"likely_consequences", "measures_taken", "measures_planned",
		"authority_notified_at", "individuals_notified_at", "notified_within_72h", "decisions"}
}

// WriteRegisterCSV writes entries as CSV with a header row. Lists are
// joined with ";", decisions with " | " as "time (actor): note", unknown
// values are empty. Free text that a spreadsheet would run as a formula
// gets a leading apostrophe.
func WriteRegisterCSV(w io.Writer, entries []RegisterEntry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(RegisterCSVHeader()); err != nil {
		return err
	}
	for _, e := range entries {
		decisions := make([]string, len(e.Decisions))
		for i, d := range e.Decisions {
			decisions[i] = fmt.Sprintf("%s (%s): %s", d.At.UTC().Format(time.RFC3339), d.Actor, d.Note)
		}
		within := ""
		if e.NotifiedWithin72h != nil {
			within = strconv.FormatBool(*e.NotifiedWithin72h)
		}
		row := []string{strconv.FormatInt(e.IncidentID, 10), text(e.Title), e.Status, text(e.Summary),
			strings.Join(e.Nature, ";"), e.Cause,
			csvTime(e.OccurredFrom), csvTime(e.OccurredTo), csvTime(e.DetectedAt), csvTime(e.AwareAt), csvTime(e.ContainedAt),
			strings.Join(e.DataCategories, ";"), strings.Join(e.SubjectCategories, ";"), csvCount(e.ApproxSubjects), csvCount(e.ApproxRecords),
			text(e.LikelyConsequences), text(e.MeasuresTaken), text(e.MeasuresPlanned),
			csvTime(e.AuthorityNotifiedAt), csvTime(e.IndividualsNotifiedAt), within, text(strings.Join(decisions, " | "))}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func csvCount(n *int64) string {
	if n == nil {
		return ""
	}
	return strconv.FormatInt(*n, 10)
}

// text guards a free-text cell against formula injection in spreadsheets.
func text(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
