package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/assess"
	"github.com/breachdesk/breachdesk/rules"
	"github.com/spf13/cobra"
)

// assessIncident gathers what an assessment needs and runs it.
func (m *Main) assessIncident(ctx context.Context, id int64, rulesDir string) (*assess.Result, error) {
	set, err := rules.Load(rulesDir)
	if err != nil {
		return nil, err
	}
	s, err := m.openStore(ctx)
	if err != nil {
		return nil, err
	}
	in, err := assess.Gather(ctx, s.assessStores(), id, set, m.Now())
	if err != nil {
		return nil, err
	}
	return assess.Run(in), nil
}

// incidentAssessor assesses incidents for the console's pages, with the
// rules loaded once when serve starts.
type incidentAssessor struct {
	store *store
	rules *rules.Set
	now   func() time.Time
}

// AssessIncident gathers the incident's facts and runs the assessment.
func (a incidentAssessor) AssessIncident(ctx context.Context, id int64) (*assess.Result, error) {
	in, err := assess.Gather(ctx, a.store.assessStores(), id, a.rules, a.now())
	if err != nil {
		return nil, err
	}
	return assess.Run(in), nil
}

func rulesFlag(cmd *cobra.Command, dir *string) {
	cmd.Flags().StringVar(dir, "rules", "", "a directory of rule files that override or extend the built-in ones (see docs/rules.md)")
}

func (m *Main) assessCommand() *cobra.Command {
	var asJSON, all bool
	var rulesDir, reason string
	var overrides []string
	cmd := &cobra.Command{
		Use:   "assess INCIDENT [--json] [--override FACTOR=VALUE --reason TEXT]",
		Short: "Severity (ENISA), risk level, Art. 34(3) exceptions and the obligations that appear to apply",
		Long: `assess scores the incident's severity with ENISA's method (SE = DPC x EI + CB),
each factor with the fact that set it; derives the GDPR-style risk level with
its reasoning; evaluates the Art. 34(3) exceptions; and lists the obligations
that appear to apply to the affected population, with deadlines and reasons.

--override replaces a factor (dpc, ei, cb_confidentiality, cb_integrity,
cb_availability, cb_malicious, risk, art34_3a, art34_3b, art34_3c) with a
value; --reason is required and goes to the audit log. An empty value
(--override dpc=) removes an override. See docs/rules.md.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			if len(overrides) > 0 {
				s, err := m.openStore(ctx)
				if err != nil {
					return err
				}
				for _, o := range overrides {
					factor, value, ok := strings.Cut(o, "=")
					if !ok {
						return breachdesk.Errorf(breachdesk.EInvalid, "--override %q: write FACTOR=VALUE, such as dpc=3", o)
					}
					err := s.Assessments.SetAssessmentOverride(ctx, &breachdesk.AssessmentOverride{IncidentID: id, Factor: factor, Value: value, Reason: reason})
					if err != nil {
						return fmt.Errorf("--override %s: %w", o, err)
					}
				}
			}
			res, err := m.assessIncident(ctx, id, rulesDir)
			if err != nil {
				return err
			}
			if !all {
				res.NotApplicable = nil
			}
			if asJSON {
				return m.printJSON(res)
			}
			m.printAssessment(res, all)
			return nil
		},
	}
	jsonFlag(cmd, &asJSON)
	rulesFlag(cmd, &rulesDir)
	cmd.Flags().BoolVar(&all, "all", false, "also list the rules considered that do not apply, with the reason")
	cmd.Flags().StringArrayVar(&overrides, "override", nil, "replace a factor: FACTOR=VALUE (repeatable)")
	cmd.Flags().StringVar(&reason, "reason", "", "why the override is right (required with --override)")
	return cmd
}

func (m *Main) printAssessment(res *assess.Result, all bool) {
	w := m.Stdout
	fmt.Fprintf(w, "Incident %d, assessed %s\n%s\n\n", res.IncidentID, res.AssessedAt.Format("2006-01-02 15:04 UTC"), res.Disclaimer)
	fmt.Fprintf(w, "People: %s (%s without any contact)\n\n", groupThousands(res.People), groupThousands(res.WithoutContact))
	fmt.Fprintf(w, "Severity (ENISA): %.2f, %s\n", res.Severity.Score, strings.ReplaceAll(res.Severity.Band, "_", " "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range res.Severity.Factors {
		reason := f.Reason
		if f.Override != nil {
			reason = fmt.Sprintf("overridden by %s: %s (computed: %s)", f.Override.Actor, f.Override.Reason, f.Reason)
		}
		fmt.Fprintf(tw, "  %s\t%g\t%s\n", f.Name, f.Value, reason)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nRisk: %s\n", res.Risk.Level)
	for _, r := range res.Risk.Reasons {
		fmt.Fprintf(w, "  - %s\n", r)
	}
	fmt.Fprintln(w, "\nArt. 34(3) exceptions:")
	for _, e := range res.Exceptions {
		met := "not met"
		if e.Met {
			met = "met"
		}
		fmt.Fprintf(w, "  %s: %s - %s\n", e.Title, met, e.Reason)
	}
	if len(res.Gaps) > 0 {
		fmt.Fprintln(w, "\nScoping gaps:")
		for _, g := range res.Gaps {
			fmt.Fprintf(w, "  ! %s\n", g)
		}
	}
	fmt.Fprintln(w)
	m.printObligations(res, all)
}

func (m *Main) printObligations(res *assess.Result, all bool) {
	w := m.Stdout
	fmt.Fprintf(w, "Obligations (%d), by deadline:\n", len(res.Obligations))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tRECIPIENT\tDEADLINE\tLEFT\tSTATUS\tPEOPLE")
	for _, o := range res.Obligations {
		deadline := "no fixed time"
		if o.Deadline != nil {
			deadline = formatTime(o.Deadline)
			if o.Provisional {
				deadline += " (provisional)"
			}
		}
		status := o.Status
		if o.StatusAt != nil {
			status += " " + formatTime(o.StatusAt)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", o.ID, recipientText(o), deadline, timeLeft(o), status, groupThousands(o.Subjects))
	}
	tw.Flush()
	for _, o := range res.Obligations {
		fmt.Fprintf(w, "\n%s  %s (%s)\n  when: %s\n  why: %s\n  source: %s [confidence %s, verified %s]\n", o.ID, o.Law, o.Jurisdiction, o.DeadlineText, o.Reason, o.Citation, o.Confidence, o.LastVerified)
		if o.StatusNote != "" {
			fmt.Fprintf(w, "  note: %s\n", o.StatusNote)
		}
	}
	if all && len(res.NotApplicable) > 0 {
		fmt.Fprintf(w, "\nConsidered, not applying (%d):\n", len(res.NotApplicable))
		for _, o := range res.NotApplicable {
			fmt.Fprintf(w, "  %s (%s): %s\n", o.ID, o.Law, o.Reason)
		}
	}
}

func recipientText(o *assess.Obligation) string {
	if o.Authority == "" {
		return o.Recipient
	}
	return o.Recipient + ": " + o.Authority
}

func timeLeft(o *assess.Obligation) string {
	if o.SecondsLeft == nil {
		return "-"
	}
	d := time.Duration(*o.SecondsLeft) * time.Second
	if d < 0 {
		return "OVERDUE by " + roughDuration(-d)
	}
	return roughDuration(d)
}

// roughDuration writes 50h12m as "2d 2h", 3h20m as "3h 20m".
func roughDuration(d time.Duration) string {
	days, hours, minutes := int(d.Hours())/24, int(d.Hours())%24, int(d.Minutes())%60
	if days > 0 {
		return fmt.Sprintf("%dd %dh", days, hours)
	}
	return fmt.Sprintf("%dh %dm", hours, minutes)
}

func (m *Main) obligationsCommand() *cobra.Command {
	var asJSON, all bool
	var rulesDir string
	cmd := &cobra.Command{
		Use:   "obligations INCIDENT [--json] [--all]",
		Short: "The deadline board: every obligation that appears to apply, by deadline, with time left",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			res, err := m.assessIncident(cmd.Context(), id, rulesDir)
			if err != nil {
				return err
			}
			if asJSON {
				out := struct {
					IncidentID    int64                `json:"incident_id"`
					Disclaimer    string               `json:"disclaimer"`
					Risk          breachdesk.RiskLevel `json:"risk"`
					Obligations   []*assess.Obligation `json:"obligations"`
					NotApplicable []*assess.Obligation `json:"not_applicable,omitempty"`
					Gaps          []string             `json:"gaps,omitempty"`
				}{res.IncidentID, res.Disclaimer, res.Risk.Level, res.Obligations, nil, res.Gaps}
				if all {
					out.NotApplicable = res.NotApplicable
				}
				return m.printJSON(out)
			}
			fmt.Fprintf(m.Stdout, "Incident %d - risk %s\n%s\n\n", res.IncidentID, res.Risk.Level, res.Disclaimer)
			for _, g := range res.Gaps {
				fmt.Fprintf(m.Stdout, "! %s\n", g)
			}
			m.printObligations(res, all)
			return nil
		},
	}
	jsonFlag(cmd, &asJSON)
	rulesFlag(cmd, &rulesDir)
	cmd.Flags().BoolVar(&all, "all", false, "also list the rules considered that do not apply, with the reason")
	cmd.AddCommand(m.obligationStatusCommand(breachdesk.ObligationDone), m.obligationStatusCommand(breachdesk.ObligationWaived),
		m.obligationStatusCommand(breachdesk.ObligationPending))
	return cmd
}

func (m *Main) obligationStatusCommand(status string) *cobra.Command {
	var at, note, rulesDir string
	use, short := "done INCIDENT ID [--at TIME] [--note TEXT]", "Mark an obligation fulfilled, at the time it was"
	switch status {
	case breachdesk.ObligationWaived:
		use, short = "waive INCIDENT ID --note REASON", "Waive an obligation, with the reason (counsel decided it does not apply)"
	case breachdesk.ObligationPending:
		use, short = "reopen INCIDENT ID --note REASON", "Set an obligation back to pending"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			res, err := m.assessIncident(ctx, id, rulesDir)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(res.Obligations, func(o *assess.Obligation) bool { return o.ID == args[1] }) {
				return breachdesk.Errorf(breachdesk.ENotFound, "incident %d has no obligation %q that applies (see `breachdesk obligations %d`)", id, args[1], id)
			}
			st := &breachdesk.ObligationStatus{IncidentID: id, ObligationID: args[1], Status: status, Note: note}
			if status == breachdesk.ObligationDone {
				t := m.Now()
				if at != "" {
					if t, err = time.Parse(time.RFC3339, at); err != nil {
						return breachdesk.FieldErrorf("at", "%q is not an RFC 3339 time such as 2026-11-20T14:00:00Z", at)
					}
				}
				st.At = &t
			}
			s, err := m.openStore(ctx)
			if err != nil {
				return err
			}
			if err := s.Assessments.SetObligationStatus(ctx, st); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "Obligation %s of incident %d is now %s.\n", args[1], id, status)
			return nil
		},
	}
	rulesFlag(cmd, &rulesDir)
	cmd.Flags().StringVar(&note, "note", "", "what was done, or why")
	if status == breachdesk.ObligationDone {
		cmd.Flags().StringVar(&at, "at", "", "when it was done (RFC 3339; default now)")
	}
	return cmd
}

// assessStores are the services an assessment reads.
func (s *store) assessStores() assess.Stores {
	return assess.Stores{Incidents: s.Incidents, Organizations: s.Organizations, Assessments: s.Assessments}
}
