package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/internal/safefile"
	"github.com/breachdesk/breachdesk/report"
	"github.com/breachdesk/breachdesk/rules"
	"github.com/spf13/cobra"
)

// reportGenerator returns the generator over the opened store.
func (m *Main) reportGenerator(s *store, rulesDir string) (*report.Generator, error) {
	set, err := rules.Load(rulesDir)
	if err != nil {
		return nil, err
	}
	return &report.Generator{Stores: s.assessStores(), Reports: s.Reports, Rules: set, Now: m.Now}, nil
}

func (m *Main) reportCommand() *cobra.Command {
	var authority, format, output, phase, caseRef, rulesDir string
	var draft bool
	var version int
	cmd := &cobra.Command{
		Use:   "report INCIDENT --authority CODE [--format md|json|pdf] [-o FILE] [--phase initial|followup|final]",
		Short: "Write the notification to a supervisory authority or attorney general, and keep it as a version",
		Long: `report writes the incident's notification to an authority, in the order of
the authority's form and in its language: CNIL (French), ICO (English),
GARANTE (Italian), EDPB (the EDPB common template, English), US-AG (a cover
letter to state attorneys general, with a sample notice to individuals) and
US-TX-AG (the Texas attorney general's online form). Every report carries the
GDPR Art. 33(3) content; facts not known yet are listed as to be provided in
a follow-up (Art. 33(4)).

Each report is stored as a version (phase, time, SHA-256 of its content) on
the incident's timeline. The first is the initial notification; later ones are
follow-ups that show what changed since the version before. The same facts in
the same phase make no new version, so writing one report as Markdown and then
as PDF gives one version. --draft writes without storing; --version N writes
a stored version again, exactly as it was.

The format is md (the default), json or pdf, or taken from the -o file name.
A summary goes to standard error. See docs/reports.md.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			if authority == "" {
				return usageErrorf("--authority is required: one of %s", authorityCodes())
			}
			if format == "" {
				format = strings.TrimPrefix(filepath.Ext(output), ".")
				if !slices.Contains(report.Formats(), format) {
					format = "md"
				}
			}
			if !slices.Contains(report.Formats(), format) {
				return usageErrorf("--format: %q is not one of md, json, pdf", format)
			}
			toStdout := output == "" || output == "-"
			if format == "pdf" && toStdout && m.stdoutIsTerminal() {
				return usageErrorf("a PDF is not for the terminal: give -o FILE")
			}
			// A version is stored before it is written out: make sure first
			// that it can be written where asked.
			if !toStdout {
				if err := checkWritableDir(filepath.Dir(output)); err != nil {
					return breachdesk.Errorf(breachdesk.EInvalid, "-o %s: %v", output, err)
				}
			}
			s, err := m.openStore(ctx)
			if err != nil {
				return err
			}
			g, err := m.reportGenerator(s, rulesDir)
			if err != nil {
				return err
			}
			r, err := g.Generate(ctx, id, report.Options{Authority: authority, Phase: phase, CaseReference: caseRef, Draft: draft, Version: version})
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := r.Write(&buf, format); err != nil {
				return err
			}
			if toStdout {
				if _, err := m.Stdout.Write(buf.Bytes()); err != nil {
					return err
				}
				if format == "md" {
					fmt.Fprintln(m.Stdout)
				}
			} else if err := safefile.WriteFile(output, buf.Bytes(), 0o640); err != nil {
				return breachdesk.Errorf(breachdesk.EInvalid, "-o: %v", err)
			}
			m.printReportSummary(r, output, version > 0)
			return nil
		},
	}
	cmd.Flags().StringVar(&authority, "authority", "", "CNIL, ICO, GARANTE, EDPB, US-AG or US-TX-AG")
	cmd.Flags().StringVar(&format, "format", "", "md, json or pdf (default: from the -o file name, else md)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	cmd.Flags().StringVar(&phase, "phase", "", "initial, followup or final (default: initial for the first version, followup after)")
	cmd.Flags().StringVar(&caseRef, "case-ref", "", "the authority's reference for the case, once it has given one (kept for later versions)")
	cmd.Flags().BoolVar(&draft, "draft", false, "write the report without storing a version")
	cmd.Flags().IntVar(&version, "version", 0, "write stored version N again, as it was")
	rulesFlag(cmd, &rulesDir)
	cmd.AddCommand(m.reportListCommand(), m.reportAuthoritiesCommand())
	return cmd
}

// printReportSummary tells, on standard error, which version was written
// and what it still lacks.
func (m *Main) printReportSummary(r *report.Report, output string, stored bool) {
	w := m.Stderr
	switch {
	case r.Draft:
		fmt.Fprintf(w, "%s report of incident %d: draft, not stored (sha256 %s).\n", r.Authority, r.IncidentID, r.Digest)
	case stored:
		fmt.Fprintf(w, "%s report of incident %d: version %d (%s) of %s, as stored.\n", r.Authority, r.IncidentID, r.Version, r.Phase, formatTime(&r.GeneratedAt))
	case r.Unchanged:
		fmt.Fprintf(w, "%s report of incident %d: version %d (%s), unchanged since %s (sha256 %s).\n", r.Authority, r.IncidentID, r.Version, r.Phase, formatTime(&r.GeneratedAt), r.Digest)
	default:
		fmt.Fprintf(w, "%s report of incident %d: version %d (%s) stored on the timeline (sha256 %s).\n", r.Authority, r.IncidentID, r.Version, r.Phase, r.Digest)
	}
	if r.Previous != nil {
		fmt.Fprintf(w, "Facts changed since version %d: %d.\n", r.Previous.Version, len(r.Changes))
	}
	if output != "" && output != "-" {
		fmt.Fprintf(w, "Written to %s.\n", output)
	}
	if len(r.Pending) > 0 {
		var labels []string
		for _, p := range r.Pending {
			labels = append(labels, p.Key)
		}
		fmt.Fprintf(w, "Facts to be provided in a follow-up (%d): %s\n", len(r.Pending), strings.Join(labels, ", "))
		if r.Phase == breachdesk.ReportPhaseFinal {
			fmt.Fprintln(w, "warning: a final notification should leave nothing to be provided later")
		}
	}
}

// checkWritableDir tells whether a file can be created in dir.
func checkWritableDir(dir string) error {
	probe, err := os.CreateTemp(dir, ".breachdesk-probe-*")
	if err != nil {
		return unwrapPathError(err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

func authorityCodes() string {
	var codes []string
	for _, a := range report.Authorities() {
		codes = append(codes, a.Code)
	}
	return strings.Join(codes, ", ")
}

func (m *Main) reportListCommand() *cobra.Command {
	var authority string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list INCIDENT [--authority CODE] [--json]",
		Short: "List the stored versions of an incident's reports",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			filter := breachdesk.RegulatorReportFilter{IncidentID: id}
			if authority != "" {
				a, err := report.FindAuthority(authority)
				if err != nil {
					return err
				}
				filter.Authority = &a.Code
			}
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			versions, _, err := s.Reports.FindRegulatorReports(cmd.Context(), filter)
			if err != nil {
				return err
			}
			for _, v := range versions {
				v.Content = nil
			}
			if asJSON {
				if versions == nil {
					versions = []*breachdesk.RegulatorReport{}
				}
				return m.printJSON(map[string]any{"reports": versions})
			}
			if len(versions) == 0 {
				fmt.Fprintf(m.Stdout, "Incident %d has no stored report yet (breachdesk report %d --authority CODE).\n", id, id)
				return nil
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "AUTHORITY\tVERSION\tPHASE\tGENERATED\tBY\tCASE REF\tSHA-256")
			for _, v := range versions {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", v.Authority, v.Version, v.Phase, formatTime(&v.CreatedAt), v.Actor, orValue(v.CaseReference, "-"), v.Digest)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&authority, "authority", "", "only this authority's versions")
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (m *Main) reportAuthoritiesCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "authorities [--json]",
		Short: "List the authorities breachdesk writes reports for",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				return m.printJSON(map[string]any{"authorities": report.Authorities()})
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "CODE\tLANGUAGE\tTIMES IN\tADDRESSEE")
			for _, a := range report.Authorities() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Code, a.Language, a.Zone, a.Name)
			}
			return tw.Flush()
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}
