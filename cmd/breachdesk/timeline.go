package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/breachdesk/breachdesk"
	bdhttp "github.com/breachdesk/breachdesk/http"
	"github.com/spf13/cobra"
)

func (m *Main) incidentEventCommand() *cobra.Command {
	var kind, note, at string
	cmd := &cobra.Command{
		Use:   "event ID --kind KIND [--note TEXT] [--at TIME]",
		Short: "Record an event on an incident's timeline and print its id",
		Long: `event appends an event to the incident's timeline. The timeline is
append-only: an event cannot be changed or removed, only followed by another.

Kinds: ` + strings.Join(breachdesk.EventKinds(), ", ") + `.
A decision (for example not to notify the authority, and why) and a note need
--note. --at is when it happened, RFC 3339 with a zone (default now).

Recording authority_notified stops the 72-hour clock in 'incident show'.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			e := &breachdesk.IncidentEvent{IncidentID: id, Kind: kind, Note: note}
			if at != "" {
				if e.At, err = time.Parse(time.RFC3339, at); err != nil {
					return breachdesk.Errorf(breachdesk.EInvalid, "--at: %q is not an RFC 3339 time with a zone, such as 2026-11-20T14:30:00Z", at)
				}
			}
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			if err := s.Events.CreateIncidentEvent(cmd.Context(), e); err != nil {
				return flagError(err)
			}
			fmt.Fprintln(m.Stdout, e.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "what happened: "+strings.Join(breachdesk.EventKinds(), ", "))
	cmd.Flags().StringVar(&note, "note", "", "what and why, in words")
	cmd.Flags().StringVar(&at, "at", "", "when it happened, RFC 3339 (default now)")
	return cmd
}

func (m *Main) incidentTimelineCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "timeline ID",
		Short: "Show an incident's timeline in the order things happened, with who recorded each",
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
			events, total, err := s.Events.FindIncidentEvents(cmd.Context(), breachdesk.IncidentEventFilter{IncidentID: id})
			if err != nil {
				return err
			}
			if asJSON {
				if events == nil {
					events = []*breachdesk.IncidentEvent{}
				}
				return m.printJSON(bdhttp.EventListResponse{Events: events, Total: total})
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "WHEN\tWHAT\tWHO\tDETAIL")
			for _, e := range events {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", formatTime(&e.At), e.Kind, e.Actor, eventDetail(e))
			}
			return tw.Flush()
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

// eventDetail describes an event in one line.
func eventDetail(e *breachdesk.IncidentEvent) string {
	if e.Kind == breachdesk.EventFieldChanged {
		return fmt.Sprintf("%s: %s → %s", e.Field, orNone(e.Before), orNone(e.After))
	}
	return strings.ReplaceAll(e.Note, "\n", " ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
