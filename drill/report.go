package drill

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/assess"
	"github.com/breachdesk/breachdesk/rules"
)

// Verdicts of a step.
const (
	VerdictOnTime  = "done on time"
	VerdictLate    = "late"
	VerdictNotDone = "not done"
	VerdictByHand  = "marked by hand"
)

// Report is how ready the drill showed the team to be.
type Report struct {
	IncidentID int64  `json:"incident_id"`
	Title      string `json:"title"`
	// AwareAt is when the legal clocks started: the incident's aware_at.
	AwareAt         time.Time `json:"aware_at"`
	StartedAt       time.Time `json:"started_at"`
	EndedAt         time.Time `json:"ended_at"`
	DurationSeconds int64     `json:"duration_seconds"`
	// Ended says why the drill ended: one of the End* constants.
	Ended     string        `json:"ended"`
	Steps     []*StepResult `json:"steps"`
	StepsDone int           `json:"steps_done"`
	// Ready is true when every step was done and none late.
	Ready bool `json:"ready"`
	// Summary is the verdict in a line, such as "not ready: 0 of 8 steps
	// done"; Reasons says why the team is not ready.
	Summary string   `json:"summary"`
	Reasons []string `json:"reasons"`
	// Authority says when the authority was notified, against the
	// 72-hour clock of GDPR Art. 33.
	Authority string `json:"authority"`
	// Slowest is the step that took the longest after the one done
	// before it; nil when no step was done.
	Slowest *Slowest `json:"slowest,omitempty"`
	// Notes are what the verdict leaves out: steps marked by hand, the
	// assessment's gaps, what a drill does not show.
	Notes []string `json:"notes"`
}

// StepResult is one step of the report.
type StepResult struct {
	Number int    `json:"number"`
	Name   string `json:"name"`
	Done   bool   `json:"done"`
	ByHand bool   `json:"by_hand"`
	// At is when the drill saw the step done (or it was marked by hand),
	// AfterAwarenessSeconds how long after awareness that was.
	At                    *time.Time `json:"at,omitempty"`
	AfterAwarenessSeconds *int64     `json:"after_awareness_seconds,omitempty"`
	// Detail is what the drill saw, or for a step not done what was
	// missing when the drill ended.
	Detail string `json:"detail,omitempty"`
	// Clocks are the legal deadlines the step serves, with the margin.
	Clocks  []*Clock `json:"clocks"`
	Late    bool     `json:"late"`
	Verdict string   `json:"verdict"`
}

// Clock is a deadline a step serves, from the obligations the rules
// engine finds for the drill's incident, or one of the drill's own (the
// talking points before the notices, the month to answer a request).
type Clock struct {
	// Obligation is the id `breachdesk obligations` lists; "" for the
	// drill's own clocks.
	Obligation   string     `json:"obligation,omitempty"`
	Law          string     `json:"law"`
	Deadline     *time.Time `json:"deadline"`
	DeadlineText string     `json:"deadline_text,omitempty"`
	Provisional  bool       `json:"provisional,omitempty"`
	// MarginSeconds runs from the step done, or from the end of the
	// drill for a step not done, to the deadline: negative once past it.
	MarginSeconds *int64 `json:"margin_seconds,omitempty"`
}

// Slowest is the step that took the longest.
type Slowest struct {
	Step    int    `json:"step"`
	Name    string `json:"name"`
	Seconds int64  `json:"seconds"`
	// After is what the time counts from: the step done before it, or the
	// start of the drill.
	After string `json:"after"`
}

// Report builds the readiness report from the steps and the obligations
// of the incident as it now stands.
func (d *Drill) Report(ctx context.Context) (*Report, error) {
	inc, err := d.Store.FindIncidentByID(ctx, d.Incident.ID)
	if err != nil {
		return nil, fmt.Errorf("read the drill's incident: %w", err)
	}
	d.Incident = inc
	end := d.end
	if end.IsZero() {
		end = d.Now().UTC()
	}
	rep := &Report{IncidentID: inc.ID, Title: inc.Title, AwareAt: d.start, StartedAt: d.start, EndedAt: end,
		DurationSeconds: int64(end.Sub(d.start) / time.Second), Ended: d.ended, Reasons: []string{}, Notes: []string{}}
	if inc.AwareAt != nil && !inc.AwareAt.Equal(d.start) {
		rep.AwareAt = inc.AwareAt.UTC()
		rep.Notes = append(rep.Notes, fmt.Sprintf("aware_at was changed during the drill to %s: the times after awareness and the clocks count from it.", rep.AwareAt.Format("2006-01-02 15:04:05 UTC")))
	}
	var obligations []*assess.Obligation
	if d.Assess != nil {
		res, err := d.Assess(ctx, inc.ID)
		if err != nil {
			rep.Notes = append(rep.Notes, "The legal clocks are missing: the assessment failed: "+err.Error())
		} else {
			obligations = res.Obligations
			for _, g := range res.Gaps {
				rep.Notes = append(rep.Notes, "The assessment says: "+g)
			}
		}
	}

	late, byHand := 0, 0
	for _, s := range d.steps {
		r := &StepResult{Number: s.Number, Name: s.Name, Done: s.At != nil, ByHand: s.ByHand, At: s.At, Detail: s.Detail}
		moment := end
		if r.Done {
			moment = *s.At
			after := int64(s.At.Sub(rep.AwareAt) / time.Second)
			r.AfterAwarenessSeconds = &after
			rep.StepsDone++
		} else {
			r.Detail = s.waiting
		}
		r.Clocks = d.clocks(s, obligations, moment)
		for _, c := range r.Clocks {
			if r.Done && c.Deadline != nil && s.At.After(*c.Deadline) {
				r.Late = true
			}
		}
		switch {
		case !r.Done:
			r.Verdict = VerdictNotDone
			rep.Reasons = append(rep.Reasons, notDoneReason(r))
		case r.Late && r.ByHand:
			r.Verdict = VerdictLate + " (" + VerdictByHand + ")"
		case r.Late:
			r.Verdict = VerdictLate
		case r.ByHand:
			r.Verdict = VerdictByHand
		default:
			r.Verdict = VerdictOnTime
		}
		if r.Late {
			late++
			rep.Reasons = append(rep.Reasons, lateReason(r, rep.AwareAt))
		}
		if r.ByHand {
			byHand++
			rep.Notes = append(rep.Notes, fmt.Sprintf("Step %d (%s) was marked done by hand: breachdesk did not see it done.", r.Number, r.Name))
		}
		rep.Steps = append(rep.Steps, r)
	}
	rep.Ready = rep.StepsDone == len(rep.Steps) && late == 0
	if rep.Ready {
		rep.Summary = fmt.Sprintf("ready: all %d steps done, none late", len(rep.Steps))
		if byHand > 0 {
			rep.Summary += fmt.Sprintf(" (%d marked by hand)", byHand)
		}
	} else {
		rep.Summary = fmt.Sprintf("not ready: %d of %d steps done", rep.StepsDone, len(rep.Steps))
		if late > 0 {
			rep.Summary += fmt.Sprintf(", %d late", late)
		}
	}
	rep.Authority = d.authorityText(rep, obligations)
	rep.Slowest = slowest(rep)
	rep.Notes = append(rep.Notes, fmt.Sprintf("The drill lasted %s: it shows what the team did in that time and no more. It did not rehearse what comes after: delivering the notices, a surge of inquiries, the follow-up notifications.", short(end.Sub(d.start))))
	return rep, nil
}

// clocks returns the deadlines step s serves, with the margins at moment.
func (d *Drill) clocks(s *step, obligations []*assess.Obligation, moment time.Time) []*Clock {
	var out []*Clock
	switch s.clocks {
	case clocksAuthority:
		out = pickClocks(obligations, func(o *assess.Obligation) bool { return o.Recipient == rules.RecipientAuthority })
		if len(out) == 0 && s.Number == stepAuthority {
			// The rules engine finds nothing before the facts are known;
			// the incident's own 72-hour clock runs all the same.
			deadline := d.awareAt().Add(breachdesk.NotificationWindow)
			out = []*Clock{{Law: "GDPR Art. 33(1), the incident's 72-hour clock", Deadline: &deadline}}
		}
	case clocksAll:
		out = pickClocks(obligations, func(o *assess.Obligation) bool { return o.Recipient != rules.RecipientOther })
	case clocksIndividuals:
		out = pickClocks(obligations, func(o *assess.Obligation) bool { return o.Recipient == rules.RecipientIndividuals })
	case clocksBeforeNotices:
		c := &Clock{Law: "before the people are told in step 6", DeadlineText: "when the notices go out"}
		if at := d.steps[stepPeople-1].At; at != nil {
			c.Deadline = at
		}
		out = []*Clock{c}
	case clocksInquiry:
		c := &Clock{Law: "GDPR Art. 12(3)", DeadlineText: "one month from receipt"}
		if d.inquiry != nil && d.inquiry.DueAt != nil {
			due := d.inquiry.DueAt.UTC()
			c.Deadline = &due
		}
		out = []*Clock{c}
	}
	for _, c := range out {
		if c.Deadline != nil {
			margin := int64(c.Deadline.Sub(moment) / time.Second)
			c.MarginSeconds = &margin
		}
	}
	return out
}

// awareAt is when the drill's incident's clocks started.
func (d *Drill) awareAt() time.Time {
	if d.Incident.AwareAt != nil {
		return d.Incident.AwareAt.UTC()
	}
	return d.start
}

// pickClocks chooses, among the obligations that match and are not
// waived, up to two to show: the GDPR or UK GDPR Art. 33 one (the
// 72-hour clock), the one with the earliest deadline, and one without a
// fixed time ("without undue delay").
func pickClocks(obligations []*assess.Obligation, match func(*assess.Obligation) bool) []*Clock {
	var art33, earliest, undue *assess.Obligation
	for _, o := range obligations {
		if !match(o) || o.Status == breachdesk.ObligationWaived {
			continue
		}
		rule, _, _ := strings.Cut(o.ID, "/")
		if art33 == nil && slices.Contains(breachdesk.ClockRules(), rule) {
			art33 = o
		}
		if o.Deadline != nil && (earliest == nil || o.Deadline.Before(*earliest.Deadline)) {
			earliest = o
		}
		if o.Deadline == nil && undue == nil {
			undue = o
		}
	}
	var out []*Clock
	for _, o := range []*assess.Obligation{art33, earliest, undue} {
		if o == nil || len(out) == 2 || slices.ContainsFunc(out, func(c *Clock) bool { return c.Obligation == o.ID }) {
			continue
		}
		c := &Clock{Obligation: o.ID, Law: o.Law, DeadlineText: shortText(o.DeadlineText), Provisional: o.Provisional}
		if o.Deadline != nil {
			t := o.Deadline.UTC()
			c.Deadline = &t
		}
		out = append(out, c)
	}
	return out
}

// shortText keeps the first clause of a rule's deadline text.
func shortText(s string) string {
	s, _, _ = strings.Cut(s, ";")
	s, _, _ = strings.Cut(s, " - ")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	return s
}

func notDoneReason(r *StepResult) string {
	reason := fmt.Sprintf("step %d (%s) not done", r.Number, r.Name)
	if r.Detail != "" {
		reason += ": " + r.Detail
	}
	for _, c := range r.Clocks {
		if c.MarginSeconds != nil && *c.MarginSeconds < 0 {
			reason += fmt.Sprintf("; its deadline (%s) passed %s before the drill ended", c.name(), hm(time.Duration(-*c.MarginSeconds)*time.Second))
			break
		}
	}
	return reason
}

func lateReason(r *StepResult, aware time.Time) string {
	reason := fmt.Sprintf("step %d (%s) late: done at T+%s", r.Number, r.Name, short(r.At.Sub(aware)))
	for _, c := range r.Clocks {
		if c.MarginSeconds != nil && *c.MarginSeconds < 0 {
			reason += fmt.Sprintf(", %s after its deadline (%s)", hm(time.Duration(-*c.MarginSeconds)*time.Second), c.name())
			break
		}
	}
	return reason
}

// name is how the report names the clock: its obligation's id, or its law.
func (c *Clock) name() string {
	if c.Obligation != "" {
		return c.Obligation + ", " + c.Law
	}
	return c.Law
}

// authorityText sets the notification of the authority (step 5) against
// the 72-hour clock of GDPR Art. 33.
func (d *Drill) authorityText(rep *Report, obligations []*assess.Obligation) string {
	deadline, clock := rep.AwareAt.Add(breachdesk.NotificationWindow), "the 72-hour clock of GDPR Art. 33"
	for _, o := range obligations {
		rule, _, _ := strings.Cut(o.ID, "/")
		if slices.Contains(breachdesk.ClockRules(), rule) && o.Deadline != nil {
			deadline, clock = o.Deadline.UTC(), fmt.Sprintf("the 72-hour clock of %s (%s)", o.Law, o.ID)
			break
		}
	}
	s := rep.Steps[stepAuthority-1]
	var b strings.Builder
	if d.reportAt != nil {
		fmt.Fprintf(&b, "The notification was ready at T+%s (%s). ", short(d.reportAt.Sub(rep.AwareAt)), d.reportName)
	}
	switch {
	case !s.Done:
		left := deadline.Sub(rep.EndedAt)
		if left >= 0 {
			fmt.Fprintf(&b, "The authority was not notified during the drill: when it ended, at T+%s, %s were left on %s.", short(rep.EndedAt.Sub(rep.AwareAt)), hm(left), clock)
		} else {
			fmt.Fprintf(&b, "The authority was not notified during the drill, and %s had run out %s before it ended.", clock, hm(-left))
		}
	case s.At.After(deadline):
		fmt.Fprintf(&b, "The authority was notified at T+%s, %s after the end of %s: the notification must give the reasons for the delay.", short(s.At.Sub(rep.AwareAt)), hm(s.At.Sub(deadline)), clock)
	default:
		how := "notified"
		if s.ByHand {
			how = "marked notified by hand"
		}
		fmt.Fprintf(&b, "The authority was %s at T+%s, with %s left on %s.", how, short(s.At.Sub(rep.AwareAt)), hm(deadline.Sub(*s.At)), clock)
	}
	return b.String()
}

// slowest finds the step that took the longest after the step done
// before it.
func slowest(rep *Report) *Slowest {
	var done []*StepResult
	for _, s := range rep.Steps {
		if s.Done {
			done = append(done, s)
		}
	}
	slices.SortStableFunc(done, func(a, b *StepResult) int { return a.At.Compare(*b.At) })
	var out *Slowest
	prev, after := rep.StartedAt, "the start of the drill"
	for _, s := range done {
		took := int64(s.At.Sub(prev) / time.Second)
		if out == nil || took > out.Seconds {
			out = &Slowest{Step: s.Number, Name: s.Name, Seconds: took, After: after}
		}
		prev, after = *s.At, fmt.Sprintf("step %d", s.Number)
	}
	return out
}

// WriteText writes the report for a terminal. Its table names each
// obligation by its id only; the JSON and Markdown forms give the law.
func (rep *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("READINESS REPORT\nIncident %d: %q\n", rep.IncidentID, rep.Title)
	ew.printf("Aware at %s. The drill ran %s, to %s: %s.\n\n", rep.AwareAt.Format("2006-01-02 15:04:05 UTC"),
		short(time.Duration(rep.DurationSeconds)*time.Second), rep.EndedAt.Format("2006-01-02 15:04:05 UTC"), rep.Ended)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  STEP\tDONE AT\tVERDICT\tLEGAL CLOCK\tDEADLINE\tMARGIN")
	for _, s := range rep.Steps {
		first := fmt.Sprintf("  %d %s\t%s\t%s", s.Number, s.Name, s.doneAt(), s.Verdict)
		if len(s.Clocks) == 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t-\n", first)
		}
		for i, c := range s.Clocks {
			if i > 0 {
				first = "\t\t"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", first, cmp.Or(c.Obligation, c.Law), c.deadline(), c.margin(s.Done))
		}
	}
	tw.Flush()
	ew.printf("\nVerdict: %s.\n", rep.Summary)
	for _, r := range rep.Reasons {
		ew.printf("  - %s\n", r)
	}
	ew.printf("%s\n", rep.Authority)
	if rep.Slowest != nil {
		ew.printf("Slowest step: %d (%s), %s after %s.\n", rep.Slowest.Step, rep.Slowest.Name, short(time.Duration(rep.Slowest.Seconds)*time.Second), rep.Slowest.After)
	}
	if len(rep.Notes) > 0 {
		ew.printf("Notes:\n")
		for _, n := range rep.Notes {
			ew.printf("  - %s\n", n)
		}
	}
	return ew.err
}

// WriteMarkdown writes the report as a Markdown document.
func (rep *Report) WriteMarkdown(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("# Drill readiness report: incident %d\n\n", rep.IncidentID)
	ew.printf("%s. Aware at %s; the drill ran %s, to %s: %s.\n\n", mdCell(rep.Title), rep.AwareAt.Format("2006-01-02 15:04:05 UTC"),
		short(time.Duration(rep.DurationSeconds)*time.Second), rep.EndedAt.Format("2006-01-02 15:04:05 UTC"), rep.Ended)
	ew.printf("**Verdict: %s.**\n\n", rep.Summary)
	for _, r := range rep.Reasons {
		ew.printf("- %s\n", r)
	}
	if len(rep.Reasons) > 0 {
		ew.printf("\n")
	}
	ew.printf("%s\n\n", rep.Authority)
	if rep.Slowest != nil {
		ew.printf("Slowest step: %d (%s), %s after %s.\n\n", rep.Slowest.Step, rep.Slowest.Name, short(time.Duration(rep.Slowest.Seconds)*time.Second), rep.Slowest.After)
	}
	ew.printf("## Steps\n\n| # | Step | Done at | Verdict | Legal clock | Deadline | Margin | What the drill saw |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, s := range rep.Steps {
		clocks := s.Clocks
		if len(clocks) == 0 {
			clocks = []*Clock{{Law: "-"}}
		}
		for i, c := range clocks {
			if i == 0 {
				ew.printf("| %d | %s | %s | %s | %s | %s | %s | %s |\n", s.Number, s.Name, s.doneAt(), s.Verdict,
					mdCell(c.name()), mdCell(c.deadline()), c.margin(s.Done), mdCell(s.Detail))
			} else {
				ew.printf("| | | | | %s | %s | %s | |\n", mdCell(c.name()), mdCell(c.deadline()), c.margin(s.Done))
			}
		}
	}
	if len(rep.Notes) > 0 {
		ew.printf("\n## Notes\n\n")
		for _, n := range rep.Notes {
			ew.printf("- %s\n", n)
		}
	}
	return ew.err
}

func (s *StepResult) doneAt() string {
	if !s.Done {
		return "-"
	}
	return "T+" + short(time.Duration(*s.AfterAwarenessSeconds)*time.Second)
}

func (c *Clock) deadline() string {
	if c.Deadline == nil {
		return cmp.Or(c.DeadlineText, "-")
	}
	t := c.Deadline.Format("2006-01-02 15:04 UTC")
	if c.Provisional {
		t += " (provisional)"
	}
	return t
}

// margin writes the margin of a step done, or, for one not done, what was
// left when the drill ended.
func (c *Clock) margin(done bool) string {
	if c.MarginSeconds == nil {
		return "-"
	}
	m := time.Duration(*c.MarginSeconds) * time.Second
	switch {
	case done && m >= 0:
		return hm(m) + " left"
	case done:
		return hm(m) + " late"
	case m >= 0:
		return hm(m) + " left at the end"
	}
	return "overdue by " + hm(m)
}

// mdCell keeps text from breaking a Markdown table.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// errWriter keeps the first write error, so that a report is written
// without checking each line.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}
