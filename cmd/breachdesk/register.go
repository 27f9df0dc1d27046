package main

import (
	"io"
	"os"

	"github.com/breachdesk/breachdesk"
	bdhttp "github.com/breachdesk/breachdesk/http"
	"github.com/spf13/cobra"
)

func (m *Main) registerCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "register",
		Short: "The GDPR Art. 33(5) breach register",
	}
	cmd.AddCommand(m.registerExportCommand())
	return cmd
}

func (m *Main) registerExportCommand() *cobra.Command {
	var format, output string
	cmd := &cobra.Command{
		Use:   "export [--format csv|json] [-o FILE]",
		Short: "Export every incident, notified or not, with its facts, effects, remedial action and decisions",
		Long: `export writes the breach register GDPR Art. 33(5) requires: every incident,
notified or not, with the facts of the breach, its effects, the remedial action
taken, when the authority and the people were told, whether the authority was
told within 72 hours, and the decisions recorded on the timeline
('breachdesk incident event ID --kind decision --note ...') with their reasons.
See docs/register.md for the columns.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "csv" && format != "json" {
				return usageErrorf("--format: %q is not csv or json", format)
			}
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			entries, err := breachdesk.BuildRegister(cmd.Context(), s.Incidents, s.Events)
			if err != nil {
				return err
			}
			var w io.Writer = m.Stdout
			if output != "" && output != "-" {
				f, err := os.OpenFile(output, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
				if err != nil {
					return breachdesk.Errorf(breachdesk.EInvalid, "-o: %v", unwrapPathError(err))
				}
				defer f.Close()
				w = f
			}
			if format == "csv" {
				return breachdesk.WriteRegisterCSV(w, entries)
			}
			prev := m.Stdout
			m.Stdout = w
			defer func() { m.Stdout = prev }()
			return m.printJSON(bdhttp.RegisterResponse{Incidents: entries})
		},
	}
	cmd.Flags().StringVar(&format, "format", "csv", "csv or json")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	return cmd
}
