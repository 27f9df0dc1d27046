package main

import (
	"log/slog"

	bdhttp "github.com/breachdesk/breachdesk/http"
	"github.com/spf13/cobra"
)

func (m *Main) serveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the staff console and API, and the public pages",
		Long: `serve listens on two addresses: --addr for the staff console and the JSON API
under /api/v1, and --public-addr for the pages affected people use. Both answer
GET /healthz. It stops gracefully on SIGINT or SIGTERM, finishing requests in
flight.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := m.openStore(ctx)
			if err != nil {
				return err
			}
			srv := bdhttp.NewServer()
			srv.Addr, srv.PublicAddr = m.Config.Addr, m.Config.PublicAddr
			srv.Logger = m.logger
			srv.Now = m.Now
			srv.OrganizationService = s.Organizations
			srv.IncidentService = s.Incidents
			srv.IncidentEventService = s.Events
			srv.AuditService = s.Audit
			srv.APITokenService = s.Tokens
			srv.RegulatorReportService = s.Reports
			if srv.ReportGenerator, err = m.reportGenerator(s, ""); err != nil {
				return err
			}
			if err := srv.Open(); err != nil {
				return err
			}
			m.logger.Info("breachdesk serving",
				slog.String("version", buildVersion()), slog.String("backend", s.backend),
				slog.String("console", srv.URL()), slog.String("public", srv.PublicURL()))
			if m.Started != nil {
				m.Started(srv)
			}
			<-ctx.Done()
			m.logger.Info("shutting down")
			return srv.Close()
		},
	}
	m.Config.registerServeFlags(cmd.Flags())
	return cmd
}
