// Package report turns an incident and its assessment into the notification
// a supervisory authority or attorney general receives: in the order of the
// authority's form and in its language, as Markdown, JSON or PDF. Facts not
// known yet are listed as to be provided in a follow-up (GDPR Art. 33(4)),
// never left out; a follow-up shows what changed since the version before.
package report

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	// Authorities' time zones must not depend on the machine's tzdata.
	_ "time/tzdata"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/assess"
)

// Input is what a report is written from.
type Input struct {
	Incident     *breachdesk.Incident
	Organization *breachdesk.Organization // nil when not set up
	Profiles     []*breachdesk.PopulationProfile
	Assessment   *assess.Result
	// Now is when the report is written: a notification not yet made is
	// late if now is past the 72 hours.
	Now time.Time
}

// Body is what a report says to the authority: the same in every format,
// stored as the content of a version, and digested.
type Body struct {
	Authority string `json:"authority"`
	Language  string `json:"language"`
	Title     string `json:"title"`
	Addressee string `json:"addressee"`
	// Letter is the cover letter's paragraphs, for authorities that expect one.
	Letter   []string  `json:"letter,omitempty"`
	Sections []Section `json:"sections"`
	// Pending lists the facts to be provided in a follow-up.
	Pending     []Pending    `json:"pending"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Section is one part of an authority's form.
type Section struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	Items []Item `json:"items"`
}

// Item is one fact the form asks for. Value is the fact as data (times in
// RFC 3339, counts as numbers, vocabulary as codes); Text is how the
// report shows it in its language, and Lines the same when it is a list.
type Item struct {
	Key     string   `json:"key"`
	Label   string   `json:"label"`
	Value   any      `json:"value"`
	Text    string   `json:"text"`
	Lines   []string `json:"lines,omitempty"`
	Pending bool     `json:"pending,omitempty"`
}

// Pending is a fact not known yet.
type Pending struct {
	Key     string `json:"key"`
	Label   string `json:"label"`
	Section string `json:"section"`
}

// Attachment is a document sent with the report, such as a sample of the
// notice to individuals.
type Attachment struct {
	Title    string    `json:"title"`
	Passages []Passage `json:"passages"`
}

// Passage is a heading and its paragraphs.
type Passage struct {
	Heading    string   `json:"heading"`
	Paragraphs []string `json:"paragraphs"`
}

// Build writes the body of the report to authority a.
func Build(a *Authority, in Input) *Body {
	b, _ := build(a, in)
	return b
}

// build writes the body and returns the language it used, which knows
// which labels it lacked.
func build(a *Authority, in Input) (*Body, *lang) {
	l := newLang(a.Language)
	f := &facts{in: in, a: a, l: l, loc: a.location()}
	b := &Body{Authority: a.Code, Language: a.Language, Title: l.T("title." + a.Code), Addressee: a.Name, Pending: []Pending{}}
	for i, s := range a.sections {
		number := s.number
		if number == "" {
			number = strconv.Itoa(i + 1)
		}
		sec := Section{Key: s.key, Title: number + ". " + l.T("section."+a.Code+"."+s.key)}
		for _, key := range s.items {
			it := f.item(key)
			sec.Items = append(sec.Items, it)
			if it.Pending {
				b.Pending = append(b.Pending, Pending{Key: key, Label: it.Label, Section: sec.Title})
			}
		}
		b.Sections = append(b.Sections, sec)
	}
	if a.letter {
		b.Letter = f.letter(b)
	}
	if a.notice {
		b.Attachments = append(b.Attachments, f.sampleNotice())
	}
	return b, l
}

// Content returns the body as the JSON a version stores and digests.
func (b *Body) Content() []byte {
	data, err := json.Marshal(b)
	if err != nil { // a Body holds only strings, numbers, booleans, lists and string maps
		panic(err)
	}
	return data
}

// Report is a body with the version it is: the phase, when it was
// generated, its digest, and for a follow-up what changed since the
// version before.
type Report struct {
	*Body
	IncidentID int64 `json:"incident_id"`
	// Reference is the controller's reference for the incident.
	Reference  string `json:"reference"`
	Controller string `json:"controller"`
	Phase      string `json:"phase"`
	// Version is 0 for a draft, which is not stored.
	Version       int       `json:"version"`
	Draft         bool      `json:"draft,omitempty"`
	GeneratedAt   time.Time `json:"generated_at"`
	Digest        string    `json:"digest"`
	CaseReference string    `json:"case_reference,omitempty"`
	// Previous is the version this one follows, if any.
	Previous *PreviousVersion `json:"previous,omitempty"`
	// Changes are the facts that differ from Previous.
	Changes []Change `json:"changes,omitempty"`
	// Unchanged is true when the facts were those of the latest stored
	// version, which is shown again instead of storing a new one.
	Unchanged bool `json:"-"`
}

// PreviousVersion identifies the version a follow-up follows.
type PreviousVersion struct {
	Version     int       `json:"version"`
	Phase       string    `json:"phase"`
	GeneratedAt time.Time `json:"generated_at"`
	Digest      string    `json:"digest"`
}

// Change is one fact that differs between two versions, as shown in each.
type Change struct {
	Key     string `json:"key"`
	Label   string `json:"label"`
	Before  string `json:"before"`
	After   string `json:"after"`
	Section string `json:"section"`
}

// IncidentReference is how reports refer to an incident.
func IncidentReference(id int64) string {
	return "INC-" + strconv.FormatInt(id, 10)
}

// New returns the report of a stored version, with the changes since
// previous (nil for the first).
func New(v *breachdesk.RegulatorReport, previous *breachdesk.RegulatorReport) (*Report, error) {
	body, err := decodeBody(v)
	if err != nil {
		return nil, err
	}
	r := &Report{Body: body, IncidentID: v.IncidentID, Reference: IncidentReference(v.IncidentID), Phase: v.Phase,
		Version: v.Version, GeneratedAt: v.CreatedAt, Digest: v.Digest, CaseReference: v.CaseReference}
	r.Controller = body.controller()
	if previous != nil {
		before, err := decodeBody(previous)
		if err != nil {
			return nil, err
		}
		r.Previous = &PreviousVersion{Version: previous.Version, Phase: previous.Phase, GeneratedAt: previous.CreatedAt, Digest: previous.Digest}
		r.Changes = Diff(before, body)
	}
	return r, nil
}

func decodeBody(v *breachdesk.RegulatorReport) (*Body, error) {
	var b Body
	if err := json.Unmarshal(v.Content, &b); err != nil {
		return nil, fmt.Errorf("report %s version %d: %w", v.Authority, v.Version, err)
	}
	return &b, nil
}

// controller is the controller's name as the body gives it.
func (b *Body) controller() string {
	for _, s := range b.Sections {
		for _, it := range s.Items {
			if it.Key == "controller.name" && !it.Pending {
				return it.Text
			}
		}
	}
	return ""
}

// Diff returns the facts whose text differs between two bodies, in the
// order of after's sections, then the facts after no longer has.
func Diff(before, after *Body) []Change {
	old := map[string]Item{}
	for _, s := range before.Sections {
		for _, it := range s.Items {
			old[it.Key] = it
		}
	}
	changes := []Change{}
	seen := map[string]bool{}
	for _, s := range after.Sections {
		for _, it := range s.Items {
			seen[it.Key] = true
			was, ok := old[it.Key]
			if ok && was.Text == it.Text {
				continue
			}
			changes = append(changes, Change{Key: it.Key, Label: it.Label, Before: was.Text, After: it.Text, Section: s.Title})
		}
	}
	for _, s := range before.Sections {
		for _, it := range s.Items {
			if !seen[it.Key] {
				changes = append(changes, Change{Key: it.Key, Label: it.Label, Before: it.Text, Section: s.Title})
			}
		}
	}
	return changes
}
