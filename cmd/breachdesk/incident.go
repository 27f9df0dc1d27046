package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/decode"
	bdhttp "github.com/breachdesk/breachdesk/http"
	"github.com/breachdesk/breachdesk/jsonschema"
	"github.com/spf13/cobra"
)

func (m *Main) incidentCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "incident",
		Short: "Create, list, show and update incidents",
	}
	cmd.AddCommand(m.incidentCreateCommand(), m.incidentListCommand(), m.incidentShowCommand(), m.incidentUpdateCommand(),
		m.incidentEventCommand(), m.incidentTimelineCommand(), m.incidentPageCommand())
	return cmd
}

// readIncidentFile reads the incident file named by -f ("-" for stdin)
// into v, an Incident or an IncidentUpdate (partial, where every field is
// optional), refusing the fields breachdesk sets itself and checking it
// against the published JSON Schema. It returns the document to locate
// later errors in.
func (m *Main) readIncidentFile(path string, v any, partial bool) (*decode.Document, error) {
	if path == "" {
		// cobra checks required flags only after the command has started,
		// too late to report a usage error.
		return nil, usageErrorf("-f FILE is required (a JSON or YAML incident file, or - for standard input)")
	}
	doc, err := m.readDocument(path)
	if err != nil {
		return nil, err
	}
	if err := doc.Reject(breachdesk.IncidentReadOnlyFields()...); err != nil {
		return nil, err
	}
	// Decoding first reports unknown fields and wrong types with
	// suggestions; the schema then checks values as editors do.
	if err := doc.Decode(v); err != nil {
		return nil, err
	}
	schema, err := jsonschema.NewIncidentValidator()
	if err != nil {
		return nil, err
	}
	return doc, schema.Validate(doc, partial)
}

// readDocument reads a JSON or YAML file ("-" for stdin).
func (m *Main) readDocument(path string) (*decode.Document, error) {
	var data []byte
	var err error
	name := path
	if path == "-" {
		name = "stdin"
		data, err = io.ReadAll(m.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "%s: %v", name, unwrapPathError(err))
	}
	return decode.Parse(name, data)
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func (m *Main) incidentCreateCommand() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "create -f FILE",
		Short: "Create an incident from a JSON or YAML file and print its id",
		Long: `create reads an incident from a JSON or YAML file (- for standard input) and
prints only the new incident's id on standard output. Facts that look out of
order are printed as warnings on standard error. A file with an unknown field,
a value of the wrong type or a malformed time is rejected with its line and
field, and nothing is stored. See docs/incident-file.md for the fields.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var inc breachdesk.Incident
			doc, err := m.readIncidentFile(file, &inc, false)
			if err != nil {
				return err
			}
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			if err := s.Incidents.CreateIncident(cmd.Context(), &inc); err != nil {
				return doc.Locate(err)
			}
			m.printWarnings(inc.Warnings())
			fmt.Fprintln(m.Stdout, inc.ID)
			return nil
		},
	}
	fileFlag(cmd, &file)
	return cmd
}

func fileFlag(cmd *cobra.Command, file *string) {
	cmd.Flags().StringVarP(file, "file", "f", "", "incident file, JSON or YAML (- for standard input); required")
}

func (m *Main) incidentListCommand() *cobra.Command {
	var asJSON bool
	var status string
	var limit, offset int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List incidents, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			filter := breachdesk.IncidentFilter{Limit: limit, Offset: offset}
			if status != "" {
				st := breachdesk.IncidentStatus(status)
				filter.Status = &st
			}
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			incidents, total, err := s.Incidents.FindIncidents(cmd.Context(), filter)
			if err != nil {
				return err
			}
			if asJSON {
				resp := bdhttp.IncidentListResponse{Incidents: []bdhttp.IncidentResponse{}, Total: total}
				now := m.Now()
				for _, inc := range incidents {
					resp.Incidents = append(resp.Incidents, bdhttp.NewIncidentResponse(inc, now))
				}
				return m.printJSON(resp)
			}
			if total == 0 {
				fmt.Fprintln(m.Stdout, "No incidents.")
				return nil
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATUS\tAWARE AT\tTITLE")
			for _, inc := range incidents {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", inc.ID, inc.Status, formatTime(inc.AwareAt), inc.Title)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if len(incidents) < total {
				fmt.Fprintf(m.Stdout, "(%d of %d shown)\n", len(incidents), total)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only incidents with this status")
	cmd.Flags().IntVar(&limit, "limit", 0, "show at most this many (default all)")
	cmd.Flags().IntVar(&offset, "offset", 0, "skip this many first")
	jsonFlag(cmd, &asJSON)
	return cmd
}

// parseID reads an incident id argument.
func parseID(arg string) (int64, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErrorf("incident id %q: must be a positive whole number", arg)
	}
	return id, nil
}

func (m *Main) incidentShowCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show an incident",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			inc, err := s.Incidents.FindIncidentByID(cmd.Context(), id)
			if err != nil {
				return err
			}
			return m.printIncident(inc, asJSON)
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (m *Main) incidentUpdateCommand() *cobra.Command {
	var file string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "update ID -f FILE",
		Short: "Change the fields an incident file gives; the others stay",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			var upd breachdesk.IncidentUpdate
			doc, err := m.readIncidentFile(file, &upd, true)
			if err != nil {
				return err
			}
			upd.Clear = doc.Nulls()
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			inc, err := s.Incidents.UpdateIncident(cmd.Context(), id, upd)
			if err != nil {
				return doc.Locate(err)
			}
			return m.printIncident(inc, asJSON)
		},
	}
	fileFlag(cmd, &file)
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (m *Main) printIncident(inc *breachdesk.Incident, asJSON bool) error {
	resp := bdhttp.NewIncidentResponse(inc, m.Now())
	if asJSON {
		return m.printJSON(resp)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	row := func(label, value string) { fmt.Fprintf(tw, "%s:\t%s\n", label, value) }
	row("Incident", strconv.FormatInt(inc.ID, 10))
	row("Title", inc.Title)
	row("Status", string(inc.Status))
	if inc.Summary != "" {
		row("Summary", inc.Summary)
	}
	row("Nature", formatList(inc.Nature))
	row("Cause", orUnknown(inc.Cause))
	row("Malicious", formatBool(inc.Malicious))
	row("Occurred", formatTime(inc.OccurredFrom)+" to "+formatTime(inc.OccurredTo))
	row("Detected", formatTime(inc.DetectedAt))
	row("Aware", formatTime(inc.AwareAt))
	if c := resp.NotificationClock; c != nil {
		row("72-hour clock", "deadline "+formatTime(&c.Deadline)+": "+c.Text)
	} else {
		row("72-hour clock", "not started: set aware_at, the moment you became aware that personal data was affected")
	}
	if inc.AuthorityNotifiedAt != nil || inc.IndividualsNotifiedAt != nil {
		row("Authority notified", formatTime(inc.AuthorityNotifiedAt))
		row("Individuals notified", formatTime(inc.IndividualsNotifiedAt))
	}
	row("Determined", formatTime(inc.DeterminedAt))
	row("Contained", formatTime(inc.ContainedAt))
	row("Data categories", formatList(inc.DataCategories))
	row("Subject categories", formatList(inc.SubjectCategories))
	row("People (approx.)", formatCount(inc.ApproxSubjects))
	row("Records (approx.)", formatCount(inc.ApproxRecords))
	row("Recipients", orUnknown(inc.Recipients))
	row("Encryption", orUnknown(inc.Encryption))
	row("Backup available", formatBool(inc.BackupAvailable))
	row("Data recovered", formatBool(inc.DataRecovered))
	row("Cross-border", formatBool(inc.CrossBorder))
	row("Measures taken", orUnknown(inc.MeasuresTaken))
	row("Measures planned", orUnknown(inc.MeasuresPlanned))
	row("Likely consequences", orUnknown(inc.LikelyConsequences))
	row("Discovery", orUnknown(inc.Discovery))
	row("Delay reasons", orUnknown(inc.DelayReasons))
	row("Individuals told", orUnknown(inc.IndividualsCommunication))
	row("Law enforcement told", formatBool(inc.LawEnforcement))
	row("Created", inc.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	row("Updated", inc.UpdatedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	if err := tw.Flush(); err != nil {
		return err
	}
	m.printWarnings(resp.Warnings)
	return nil
}
