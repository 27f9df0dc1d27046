// Package drill runs a tabletop exercise on a made-up incident. The team
// handles the incident in breachdesk for real, in the console or on the
// command line; the drill watches the database, records on the incident's
// timeline when each step of the response is done, and ends with a
// readiness report that sets each step against the legal clocks the rules
// engine finds for the incident.
//
// A drill writes an incident, its timeline and audit entries like any
// other, so it runs only on a database of its own: Start refuses one that
// holds an incident it did not create.
package drill

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/assess"
)

// Store is what a drill reads and writes, a narrow view of the domain
// services that every backend implements.
// Each method does what the domain service of the same name documents.
type Store interface {
	// FindOrganization and SetOrganization: the controller, set up with an
	// example one when there is none (breachdesk.OrganizationService).
	FindOrganization(ctx context.Context) (*breachdesk.Organization, error)
	SetOrganization(ctx context.Context, org *breachdesk.Organization) error

	// The incidents and their timelines: the drill's incident is created
	// and its steps recorded as notes (breachdesk.IncidentService,
	// breachdesk.IncidentEventService).
	FindIncidents(ctx context.Context, filter breachdesk.IncidentFilter) ([]*breachdesk.Incident, int, error)
	FindIncidentByID(ctx context.Context, id int64) (*breachdesk.Incident, error)
	CreateIncident(ctx context.Context, inc *breachdesk.Incident) error
	CreateIncidentEvent(ctx context.Context, e *breachdesk.IncidentEvent) error
	FindIncidentEvents(ctx context.Context, filter breachdesk.IncidentEventFilter) ([]*breachdesk.IncidentEvent, int, error)

	// What the team's work leaves, read to see the steps done.
	CountAffectedPeople(ctx context.Context, incidentID int64, by string) (*breachdesk.PopulationCount, error)
	FindAssessmentOverrides(ctx context.Context, incidentID int64) ([]*breachdesk.AssessmentOverride, error)
	FindObligationStatuses(ctx context.Context, incidentID int64) ([]*breachdesk.ObligationStatus, error)
	FindRegulatorReports(ctx context.Context, filter breachdesk.RegulatorReportFilter) ([]*breachdesk.RegulatorReport, int, error)
	FindCampaigns(ctx context.Context, filter breachdesk.CampaignFilter) ([]*breachdesk.Campaign, int, error)
	FindIncidentPage(ctx context.Context, filter breachdesk.IncidentPageFilter) (*breachdesk.IncidentPage, error)
	FindTalkingPoints(ctx context.Context, incidentID int64) (*breachdesk.TalkingPoints, error)
	FindInquiryReplies(ctx context.Context, inquiryID int64) ([]*breachdesk.SealedInquiryReply, error)
}

// TitlePrefix starts the title of every incident a drill creates.
const TitlePrefix = "DRILL"

// Marker starts the note a drill puts first on its incident's timeline.
// The timeline is append-only, so the note stays whatever the team does to
// the incident's facts: with the title, it tells a drill's incident from a
// real one.
const Marker = "breachdesk drill: this incident is an exercise"

// Defaults of a drill.
const (
	DefaultPeople    = 500
	DefaultTimeLimit = 3 * time.Hour
	DefaultPoll      = 2 * time.Second
)

// Why a drill ended.
const (
	EndAllDone     = "every step done"
	EndTimeLimit   = "time limit reached"
	EndFacilitator = "stopped by the facilitator"
	EndInterrupted = "interrupted"
)

// Drill is one exercise. Set the fields, call Start, then Run.
type Drill struct {
	Store Store
	// Assess runs the assessment of an incident, whose obligations give
	// the report its legal clocks; nil leaves the clocks out.
	Assess func(ctx context.Context, incidentID int64) (*assess.Result, error)
	// Inquire hands an inquiry to the intake the public contact form uses.
	Inquire func(ctx context.Context, q *breachdesk.Inquiry) error
	// Now is the drill's clock.
	Now func() time.Time
	// Out receives what the facilitator reads as the drill goes.
	Out io.Writer

	// People is how many made-up people the incident affects; PeopleDir
	// where their file is written.
	People    int
	PeopleDir string
	TimeLimit time.Duration
	// Poll is how often the drill looks at the database.
	Poll time.Duration
	// ConsoleURL is the staff console's address, such as
	// http://127.0.0.1:8080; CLI how the players run breachdesk,
	// such as "breachdesk --db drill.db". Both go into the instructions.
	ConsoleURL string
	CLI        string

	// Incident is the drill's incident, as last read; Organization the
	// controller, made up by Start when the database had none
	// (OrganizationCreated). PeopleFile is the file of the affected people.
	Incident            *breachdesk.Incident
	Organization        *breachdesk.Organization
	OrganizationCreated bool
	PeopleFile          string

	start   time.Time
	steps   []*step
	inquiry *breachdesk.Inquiry
	// reportAt is when the drill first saw a regulator report version,
	// reportName which.
	reportAt   *time.Time
	reportName string
	ended      string
	end        time.Time
}

// CheckDatabase returns a conflict error when the store holds an incident
// that no drill created: a drill's incident would join the real ones in
// the Art. 33(5) register and the audit log.
func CheckDatabase(ctx context.Context, s Store) error {
	const page = 200
	for offset := 0; ; offset += page {
		incidents, _, err := s.FindIncidents(ctx, breachdesk.IncidentFilter{Offset: offset, Limit: page})
		if err != nil {
			return fmt.Errorf("check the database: %w", err)
		}
		for _, inc := range incidents {
			ok, err := IsDrillIncident(ctx, s, inc)
			if err != nil {
				return fmt.Errorf("check the database: %w", err)
			}
			if !ok {
				return breachdesk.Errorf(breachdesk.EConflict,
					"This database holds incident %d, which breachdesk drill did not create: the drill's made-up incident would join the real ones in the breach register and the audit log. Run the drill on a database of its own, such as --db drill.db.", inc.ID)
			}
		}
		if len(incidents) < page {
			return nil
		}
	}
}

// IsDrillIncident reports whether a drill created inc: its title starts
// with TitlePrefix and its timeline holds the Marker note.
func IsDrillIncident(ctx context.Context, s Store, inc *breachdesk.Incident) (bool, error) {
	if !strings.HasPrefix(inc.Title, TitlePrefix) {
		return false, nil
	}
	kind := breachdesk.EventNote
	notes, _, err := s.FindIncidentEvents(ctx, breachdesk.IncidentEventFilter{IncidentID: inc.ID, Kind: &kind})
	if err != nil {
		return false, err
	}
	for _, e := range notes {
		if strings.HasPrefix(e.Note, Marker) {
			return true, nil
		}
	}
	return false, nil
}

// ExampleOrganization is the controller a drill sets up on a database
// that has none.
func ExampleOrganization() *breachdesk.Organization {
	return &breachdesk.Organization{Name: "Example Shop SAS", Country: "FR", DPOName: "Camille Drill",
		DPOEmail: "dpo@example.com", Language: "en"}
}

// Start checks the database, sets up the example organization when there
// is none, creates the incident (aware now), writes the people's file and
// prints the brief and the steps.
func (d *Drill) Start(ctx context.Context) error {
	if d.People <= 0 {
		d.People = DefaultPeople
	}
	if d.TimeLimit <= 0 {
		d.TimeLimit = DefaultTimeLimit
	}
	if d.Poll <= 0 {
		d.Poll = DefaultPoll
	}
	if d.CLI == "" {
		d.CLI = "breachdesk"
	}
	if err := CheckDatabase(ctx, d.Store); err != nil {
		return err
	}
	org, err := d.Store.FindOrganization(ctx)
	if breachdesk.ErrorCode(err) == breachdesk.ENotFound {
		org = ExampleOrganization()
		if err = d.Store.SetOrganization(ctx, org); err != nil {
			return fmt.Errorf("set up the example organization: %w", err)
		}
		d.OrganizationCreated = true
	}
	if err != nil {
		return err
	}
	d.Organization = org

	now := d.Now().UTC().Truncate(time.Second)
	inc := &breachdesk.Incident{Title: TitlePrefix + ": intrusion into the customer database (exercise)", DetectedAt: &now, AwareAt: &now}
	if err := d.Store.CreateIncident(ctx, inc); err != nil {
		return fmt.Errorf("create the drill's incident: %w", err)
	}
	d.Incident, d.start = inc, now
	marker := &breachdesk.IncidentEvent{IncidentID: inc.ID, Kind: breachdesk.EventNote, At: now,
		Note: Marker + ", made up by `breachdesk drill` to rehearse the response; it is not a real breach. Nothing about it is to be filed with an authority or sent to anyone outside the exercise."}
	if err := d.Store.CreateIncidentEvent(ctx, marker); err != nil {
		return fmt.Errorf("mark the drill's incident: %w", err)
	}
	if err := d.writePeople(); err != nil {
		return err
	}
	d.steps = newSteps()
	d.printBrief()
	return nil
}

// writePeople writes the made-up people beside the database.
func (d *Drill) writePeople() error {
	d.PeopleFile = filepath.Join(d.PeopleDir, fmt.Sprintf("drill-%d-people.csv", d.Incident.ID))
	f, err := os.OpenFile(d.PeopleFile, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return breachdesk.Errorf(breachdesk.EInvalid, "write the drill's people: %v", err)
	}
	w := bufio.NewWriter(f)
	err = writePeople(w, d.Incident.ID, d.People)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return breachdesk.Errorf(breachdesk.EInvalid, "write the drill's people to %s: %v", d.PeopleFile, err)
	}
	return nil
}

// Run watches the database and reads the facilitator's commands from in,
// one a line, until every step is done, the time limit passes, the
// facilitator types end or ctx ends. The end of in does not end the drill,
// so that it can run with standard input closed. It records the end on
// the timeline and returns the readiness report.
func (d *Drill) Run(ctx context.Context, in io.Reader) (*Report, error) {
	lines := make(chan string)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-stop:
				return
			}
		}
	}()
	ticker := time.NewTicker(d.Poll)
	defer ticker.Stop()
	d.poll(ctx)
	for d.ended == "" {
		switch {
		case d.allDone():
			d.ended = EndAllDone
			continue
		case d.Now().Sub(d.start) >= d.TimeLimit:
			d.ended = EndTimeLimit
			continue
		}
		select {
		case <-ctx.Done():
			d.ended = EndInterrupted
		case line, ok := <-lines:
			if !ok {
				lines = nil
				d.printf("Standard input is closed: the drill watches on until every step is done or the time limit passes (%s).\n", d.timeLimitEnd())
			} else if d.Command(ctx, line) {
				d.ended = EndFacilitator
			}
		case <-ticker.C:
			d.poll(ctx)
		}
	}
	d.end = d.Now().UTC()
	// The report and the last event are written whatever ended the drill,
	// an interruption included.
	ctx = context.WithoutCancel(ctx)
	rep, err := d.Report(ctx)
	if err != nil {
		return nil, err
	}
	d.printf("[%s] drill ended: %s.\n", d.clock(d.end), d.ended)
	d.record(ctx, d.end, fmt.Sprintf("Drill ended (%s): %s.", d.ended, rep.Summary))
	return rep, nil
}

// poll looks at the database once and prints, rather than returns, a
// failure: a drill in progress goes on after a database hiccup.
func (d *Drill) poll(ctx context.Context) {
	if err := d.Look(ctx); err != nil && ctx.Err() == nil {
		d.printf("warning: %v\n", err)
	}
}

// Look looks at the database once: it marks done the steps whose work it
// finds, and sends the drill's inquiry once the people are told.
func (d *Drill) Look(ctx context.Context) error {
	inc, err := d.Store.FindIncidentByID(ctx, d.Incident.ID)
	if err != nil {
		return fmt.Errorf("read the drill's incident: %w", err)
	}
	d.Incident = inc
	for _, s := range d.steps {
		if s.At != nil {
			continue
		}
		done, detail, err := s.detect(ctx, d, inc)
		if err != nil {
			return fmt.Errorf("step %d: %w", s.Number, err)
		}
		if done {
			d.complete(ctx, s, detail, false)
		} else {
			s.waiting = detail
		}
	}
	return d.inquire(ctx)
}

// Command carries out one line the facilitator typed and reports whether
// it ends the drill.
func (d *Drill) Command(ctx context.Context, line string) bool {
	word := strings.ToLower(strings.TrimSpace(line))
	switch word {
	case "":
		return false
	case "end", "quit", "exit":
		return true
	case "status":
		d.printStatus()
		return false
	case "help", "?":
		d.printHelp()
		return false
	}
	n, err := strconv.Atoi(word)
	if err != nil || n < 1 || n > len(d.steps) {
		d.printf("%q is not a command: type a step's number (1-%d) to mark it done by hand, status, help or end.\n", line, len(d.steps))
		return false
	}
	s := d.steps[n-1]
	if s.At != nil {
		d.printf("Step %d is done already, at %s.\n", n, d.elapsed(*s.At))
		return false
	}
	d.complete(ctx, s, "marked done by hand by the facilitator", true)
	if err := d.inquire(ctx); err != nil {
		d.printf("warning: %v\n", err)
	}
	return false
}

// complete marks s done now, prints it and records it on the timeline.
func (d *Drill) complete(ctx context.Context, s *step, detail string, byHand bool) {
	now := d.Now().UTC()
	s.At, s.Detail, s.ByHand, s.waiting = &now, detail, byHand, ""
	if byHand {
		d.printf("[%s] step %d marked done by hand (%s)\n", d.clock(now), s.Number, s.Name)
		d.record(ctx, now, fmt.Sprintf("Drill: step %d (%s) marked done by hand at %s after awareness, not seen in breachdesk.", s.Number, s.Name, d.elapsed(now)))
		return
	}
	d.printf("[%s] step %d done: %s\n", d.clock(now), s.Number, detail)
	d.record(ctx, now, fmt.Sprintf("Drill: step %d (%s) done at %s after awareness: %s.", s.Number, s.Name, d.elapsed(now), detail))
}

// record puts a note on the drill incident's timeline; a failure is
// printed, not fatal.
func (d *Drill) record(ctx context.Context, at time.Time, note string) {
	e := &breachdesk.IncidentEvent{IncidentID: d.Incident.ID, Kind: breachdesk.EventNote, At: at, Note: note}
	if err := d.Store.CreateIncidentEvent(ctx, e); err != nil {
		d.printf("warning: could not record on the timeline: %v\n", err)
	}
}

// inquire sends the drill's inquiry, once, after step 6: a person who got
// the notice writes in through the public form.
func (d *Drill) inquire(ctx context.Context) error {
	if d.inquiry != nil || d.Inquire == nil || d.steps[stepPeople-1].At == nil {
		return nil
	}
	q := inquiryFrom(d.Incident.ID)
	q.Normalize()
	if err := q.Validate(); err != nil {
		return fmt.Errorf("the drill's inquiry: %w", err)
	}
	if err := d.Inquire(ctx, q); err != nil {
		return fmt.Errorf("send the drill's inquiry (tried again at the next look): %w", err)
	}
	d.inquiry = q
	now := d.Now().UTC()
	d.printf("[%s] a person wrote in through the public form: data-subject request %s (access, %s). Step 8: answer it at %s/inquiries/%s\n",
		d.clock(now), q.Reference, breachdesk.MaskEmail(q.Email), d.ConsoleURL, q.Reference)
	d.record(ctx, now, fmt.Sprintf("Drill: the drill sent inquiry %s, as an affected person would through the public form.", q.Reference))
	return nil
}

// Inquiry returns the inquiry the drill sent, nil until it has.
func (d *Drill) Inquiry() *breachdesk.Inquiry { return d.inquiry }

func (d *Drill) allDone() bool {
	for _, s := range d.steps {
		if s.At == nil {
			return false
		}
	}
	return true
}

func (d *Drill) printf(format string, args ...any) {
	fmt.Fprintf(d.Out, format, args...)
}

// clock writes the time since the start of the drill as +HH:MM:SS.
func (d *Drill) clock(t time.Time) string {
	return "+" + hms(t.Sub(d.start))
}

// elapsed writes the time since awareness as T+H:MM:SS.
func (d *Drill) elapsed(t time.Time) string {
	return "T+" + short(t.Sub(d.start))
}

func (d *Drill) timeLimitEnd() string {
	return fmt.Sprintf("%s, at %s", d.TimeLimit, d.start.Add(d.TimeLimit).Format("2006-01-02 15:04 UTC"))
}

// hms writes d as HH:MM:SS, hours past 99 as they are.
func hms(d time.Duration) string {
	if d < 0 {
		return "-" + hms(-d)
	}
	d = d.Truncate(time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second))
}

// short writes d as H:MM:SS.
func short(d time.Duration) string {
	if d < 0 {
		return "-" + short(-d)
	}
	d = d.Truncate(time.Second)
	return fmt.Sprintf("%d:%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second))
}

// hm writes d as 71h22m.
func hm(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Truncate(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
