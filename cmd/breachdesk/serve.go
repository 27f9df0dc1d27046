package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/metrics"
	"github.com/breachdesk/breachdesk/smtp"

	bdhttp "github.com/breachdesk/breachdesk/http"
	"github.com/breachdesk/breachdesk/rules"
	"github.com/spf13/cobra"
)

func (m *Main) serveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the staff console and API, and the public pages",
		Long: `serve listens on two addresses: --addr for the staff console and the JSON API
under /api/v1, and --public-addr for the pages affected people use. Both answer
GET /healthz. Staff sign in to the console with the accounts that
"breachdesk user add" makes. With --smtp-addr it also takes the delivery status notifications
that come back to the notices' return paths, and marks those notices bounced.

The public pages verify notices' codes, show each incident's published page,
answer "am I affected?" and take questions, claims, data-subject requests and
complaints. Inquiries are sealed with the key of --key-file (required with
PostgreSQL) and stored before the person is told their reference; their
receipts, and the notices an affected address asks for again, go through
--smtp, From --mail-from (default: the organization's DPO address), signed
with the --dkim-* settings. Until the organization is set up serve stores
inquiries and mails nothing, then mails from the moment it is.

It stops gracefully on SIGINT or SIGTERM, finishing requests in flight and
storing every inquiry handed in.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := m.openStore(ctx)
			if err != nil {
				return err
			}
			srv := bdhttp.NewServer()
			srv.Addr, srv.PublicAddr = m.Config.Addr, m.Config.PublicAddr
			if m.Config.SecureCookies != "" {
				if srv.SecureCookies, err = strconv.ParseBool(m.Config.SecureCookies); err != nil {
					return usageErrorf("--secure-cookies: true or false, not %q", m.Config.SecureCookies)
				}
			}
			srv.Logger = m.logger
			srv.Now = m.Now
			reg := metrics.New()
			srv.Metrics = reg
			if err := reg.Register(&metrics.State{Incidents: s.Incidents, Inquiries: s.Inquiries, Campaigns: s.Campaigns,
				Logger: m.logger, Now: m.Now}); err != nil {
				return err
			}
			srv.OrganizationService = s.Organizations
			srv.IncidentService = s.Incidents
			srv.IncidentEventService = s.Events
			srv.AuditService = s.Audit
			srv.APITokenService = s.Tokens
			srv.StaffService = s.Staff
			srv.InquiryService, srv.InquiryReplyService = s.Inquiries, s.InquiryReplies
			srv.TalkingPointsService = s.TalkingPoints
			srv.CampaignService = s.Campaigns
			srv.AssessmentService = s.Assessments
			set, err := rules.Load("")
			if err != nil {
				return err
			}
			srv.Assessor = incidentAssessor{store: s, rules: set, now: m.Now}
			srv.RegulatorReportService = s.Reports
			if srv.ReportGenerator, err = m.reportGenerator(s, ""); err != nil {
				return err
			}
			collectLessGarbage()
			stopPublic, err := m.startPublic(ctx, s, srv, reg)
			if err != nil {
				return err
			}
			if err := srv.Open(); err != nil {
				stopPublic()
				return err
			}
			if m.Config.SMTPAddr != "" {
				bounces, err := m.bounceServer(ctx, s, reg)
				if err != nil {
					srv.Close()
					stopPublic()
					return err
				}
				defer bounces.Stop()
			}
			m.logger.Info("breachdesk serving",
				slog.String("version", buildVersion()), slog.String("backend", s.backend),
				slog.String("console", srv.URL()), slog.String("public", srv.PublicURL()))
			if m.Started != nil {
				m.Started(srv)
			}
			<-ctx.Done()
			m.logger.Info("shutting down")
			// The pages first, so that every inquiry a person was told is
			// received is handed in before the intake stops.
			err = srv.Close()
			stopPublic()
			return err
		},
	}
	m.Config.registerServeFlags(cmd.Flags())
	return cmd
}

// bounceServer starts the inbound SMTP listener that records bounces, and
// counts them in reg.
func (m *Main) bounceServer(ctx context.Context, s *store, reg *metrics.Registry) (*smtp.BounceServer, error) {
	k, err := m.openKeyring(ctx, s)
	if err != nil {
		return nil, err
	}
	domain := m.Config.BounceDomain
	if domain == "" {
		org, err := s.Organizations.FindOrganization(ctx)
		if err != nil {
			return nil, err
		}
		from, err := m.mailFrom(org)
		if err != nil {
			return nil, err
		}
		if _, domain, err = fromAddress(from); err != nil {
			return nil, err
		}
	}
	actor := breachdesk.NewContextWithActor(context.WithoutCancel(ctx), breachdesk.Actor{Kind: breachdesk.ActorSystem, Name: "bounces"})
	bs := &smtp.BounceServer{Addr: m.Config.SMTPAddr, Domain: domain, Key: k.Derive("verp"), Logger: m.logger,
		OnBounce: func(_ context.Context, b smtp.Bounce) error {
			ignored, err := s.Campaigns.RecordNoticeOutcomes(actor, "", []breachdesk.NoticeOutcome{{
				NoticeID: b.NoticeID, State: breachdesk.NoticeBounced, Error: b.Status + " " + b.Diagnostic, At: m.Now()}})
			if err == nil && ignored == 0 {
				reg.NoticeOutcome(breachdesk.NoticeBounced)
			}
			return err
		}}
	if err := bs.Start(ctx); err != nil {
		return nil, fmt.Errorf("--smtp-addr: %w", err)
	}
	m.logger.Info("taking bounces", slog.String("smtp", bs.ListenAddr()), slog.String("domain", domain))
	return bs, nil
}
