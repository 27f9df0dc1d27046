package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/campaign"
	"github.com/breachdesk/breachdesk/metrics"
	"github.com/breachdesk/breachdesk/notice"
	"github.com/breachdesk/breachdesk/pdf"
	"github.com/spf13/cobra"

	bdhttp "github.com/breachdesk/breachdesk/http"
)

func (m *Main) campaignCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "campaign",
		Short: "Notify the affected people: create, preview, send and follow campaigns",
		Long: `A campaign tells a chosen set of an incident's affected people about the
breach, one notice each, in their language, with the sections the laws of
where they live require and a verification code they can check on the public
verification page. Notices wait in an outbox in the database: a campaign
survives a crash, can be paused and resumed, and can be sent from several
worker processes sharing one PostgreSQL database. See docs/campaigns.md.

  breachdesk campaign create 1                 # prints the campaign id, e.g. 1
  breachdesk campaign preview 1 --subject C-1001
  breachdesk campaign send 1 --smtp smtp://relay.example:587
  breachdesk campaign status 1`,
	}
	cmd.AddCommand(m.campaignCreateCommand(), m.campaignListCommand(), m.campaignPreviewCommand(),
		m.campaignSendCommand(), m.campaignStatusCommand(),
		m.campaignSetStatusCommand("pause", breachdesk.CampaignPaused),
		m.campaignSetStatusCommand("resume", breachdesk.CampaignActive))
	return cmd
}

// parseCampaignID reads a campaign id argument.
func parseCampaignID(arg string) (int64, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErrorf("campaign id %q: must be a positive whole number", arg)
	}
	return id, nil
}

// openForCampaign reads a campaign id argument and opens the store.
func (m *Main) openForCampaign(ctx context.Context, arg string) (int64, *store, error) {
	id, err := parseCampaignID(arg)
	if err != nil {
		return 0, nil, err
	}
	s, err := m.openStore(ctx)
	return id, s, err
}

// parseAudience reads --filter key=value[,value...] flags.
func parseAudience(filters []string) (breachdesk.CampaignAudience, error) {
	var a breachdesk.CampaignAudience
	for _, f := range filters {
		key, value, ok := strings.Cut(f, "=")
		values := strings.Split(value, ",")
		if !ok || value == "" || slices.Contains(values, "") {
			return a, usageErrorf("--filter %q: use KEY=VALUE[,VALUE...] with KEY country, region, language or external_id", f)
		}
		switch strings.TrimSpace(key) {
		case "country":
			a.Countries = append(a.Countries, values...)
		case "region":
			a.Regions = append(a.Regions, values...)
		case "language":
			a.Languages = append(a.Languages, values...)
		case "external_id":
			a.ExternalIDs = append(a.ExternalIDs, values...)
		default:
			return a, usageErrorf("--filter %q: %q is not country, region, language or external_id", f, key)
		}
	}
	return a, nil
}

func (m *Main) campaignCreateCommand() *cobra.Command {
	var channel, template string
	var filters []string
	var followUp int64
	var unreached bool
	cmd := &cobra.Command{
		Use:   "create INCIDENT [--channel email|letter] [--template notice|update] [--filter KEY=VALUE,...] [--follow-up CAMPAIGN [--unreached]]",
		Short: "Create a campaign as a draft and print its id",
		Long: `create queues one notice per selected person and prints only the campaign's id
on standard output; a summary goes to standard error. The campaign is a draft
until it is sent: preview it first.

By default every affected person with an e-mail address is selected. --filter
narrows by country, region, language or external_id (repeat it; values are
comma-separated). --channel letter selects the people with a postal address
and no usable e-mail address (none, or every earlier e-mail notice failed or
bounced) and renders print-ready PDFs when sent.

A follow-up names an earlier campaign: with --unreached it targets only the
people that campaign did not reach (failed or bounced), with the first
notice again; without, everyone selected gets an update (--template update)
with the incident's facts as they are now.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			incidentID, err := parseID(args[0])
			if err != nil {
				return err
			}
			audience, err := parseAudience(filters)
			if err != nil {
				return err
			}
			c := &breachdesk.Campaign{IncidentID: incidentID, Channel: channel, Template: template, Filter: audience, Unreached: unreached}
			if followUp > 0 {
				c.FollowUpOf = &followUp
			}
			s, err := m.openStore(ctx)
			if err != nil {
				return err
			}
			if err := s.Campaigns.CreateCampaign(ctx, c); err != nil {
				return err
			}
			fmt.Fprintln(m.Stdout, c.ID)
			fmt.Fprintf(m.Stderr, "Campaign %d of incident %d: %s notices by %s queued as a draft (template %s).\n",
				c.ID, c.IncidentID, groupThousands(c.Recipients), c.Channel, c.Template)
			if c.Skipped > 0 {
				reason := "no e-mail address"
				if c.Channel == breachdesk.ChannelLetter {
					reason = "no postal address, or an e-mail address that works"
				}
				fmt.Fprintf(m.Stderr, "%s selected people were left out: %s.\n", groupThousands(c.Skipped), reason)
			}
			fmt.Fprintf(m.Stderr, "Preview: breachdesk campaign preview %d --subject EXTERNAL_ID\nSend:    breachdesk campaign send %d\n", c.ID, c.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&channel, "channel", breachdesk.ChannelEmail, "email, or letter for printed notices")
	cmd.Flags().StringVar(&template, "template", "", "notice (a first notice) or update (news after an earlier notice); default: update for a follow-up to everyone, notice otherwise")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, "select people: country=FR,DE, region=US-CA, language=fr or external_id=C-1,C-2 (repeatable)")
	cmd.Flags().Int64Var(&followUp, "follow-up", 0, "the earlier campaign this one follows up")
	cmd.Flags().BoolVar(&unreached, "unreached", false, "with --follow-up: only the people it did not reach (failed or bounced)")
	return cmd
}

func (m *Main) campaignListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list INCIDENT [--json]",
		Short: "List an incident's campaigns",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			incidentID, err := parseID(args[0])
			if err != nil {
				return err
			}
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			campaigns, _, err := s.Campaigns.FindCampaigns(cmd.Context(), breachdesk.CampaignFilter{IncidentID: &incidentID})
			if err != nil {
				return err
			}
			if asJSON {
				if campaigns == nil {
					campaigns = []*breachdesk.Campaign{}
				}
				return m.printJSON(map[string]any{"campaigns": campaigns})
			}
			if len(campaigns) == 0 {
				fmt.Fprintf(m.Stdout, "Incident %d has no campaign yet (breachdesk campaign create %d).\n", incidentID, incidentID)
				return nil
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCHANNEL\tTEMPLATE\tSTATUS\tRECIPIENTS\tCREATED\tSTARTED\tCOMPLETED")
			for _, c := range campaigns {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Channel, c.Template, c.Status,
					groupThousands(c.Recipients), formatTime(&c.CreatedAt), formatTimeOr(c.StartedAt, "-"), formatTimeOr(c.CompletedAt, "-"))
			}
			return tw.Flush()
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

func formatTimeOr(t *time.Time, otherwise string) string {
	if t == nil {
		return otherwise
	}
	return formatTime(t)
}

// claimedNotice finds the notice of the person with externalID in a
// campaign, as a sender would claim it.
func (m *Main) claimedNotice(ctx context.Context, s *store, c *breachdesk.Campaign, externalID string) (*breachdesk.ClaimedNotice, error) {
	notices, _, err := s.Campaigns.FindNotices(ctx, breachdesk.NoticeFilter{CampaignID: &c.ID, ExternalID: &externalID})
	if err != nil {
		return nil, err
	}
	if len(notices) == 0 {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "Campaign %d has no notice for person %q.", c.ID, externalID)
	}
	people, err := s.People.FindSealedPeople(ctx, breachdesk.SealedPersonFilter{IncidentID: &c.IncidentID, ExternalID: &externalID})
	if err != nil {
		return nil, err
	}
	if len(people) == 0 {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "Incident %d has no person %q.", c.IncidentID, externalID)
	}
	return &breachdesk.ClaimedNotice{Notice: notices[0], Person: people[0], Campaign: c}, nil
}

func (m *Main) campaignPreviewCommand() *cobra.Command {
	var subject, format, output string
	cmd := &cobra.Command{
		Use:   "preview CAMPAIGN --subject EXTERNAL_ID [--format text|html|eml|pdf] [-o FILE]",
		Short: "Render one person's notice as it will be sent",
		Long: `preview renders the notice of one person of the campaign, named by the
external id of the import, exactly as it will be sent: in their language, with
their data categories and their verification code. --format text (the
default) shows the header and the plain-text part; html the HTML part; eml the
whole signed message; pdf the letter (-o FILE required). The preview shows the
person's personal data: it is recorded in the audit log.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			id, err := parseCampaignID(args[0])
			if err != nil {
				return err
			}
			if subject == "" {
				return usageErrorf("--subject is required: the external id of a person of the campaign")
			}
			if !slices.Contains([]string{"text", "html", "eml", "pdf"}, format) {
				return usageErrorf("--format: %q is not text, html, eml or pdf", format)
			}
			if format == "pdf" && (output == "" || output == "-") {
				return usageErrorf("a PDF is not for the terminal: give -o FILE")
			}
			s, err := m.openStore(ctx)
			if err != nil {
				return err
			}
			c, err := s.Campaigns.FindCampaignByID(ctx, id)
			if err != nil {
				return err
			}
			n, err := m.claimedNotice(ctx, s, c, subject)
			if err != nil {
				return err
			}
			k, err := m.openKeyring(ctx, s)
			if err != nil {
				return err
			}
			person, err := k.OpenPerson(n.Person)
			if err != nil {
				return err
			}
			if err := s.Audit.RecordAccess(ctx, breachdesk.AuditPeopleReveal, "affected_person", fmt.Sprintf("%d/%s", c.IncidentID, subject)); err != nil {
				return err
			}
			out := m.Stdout
			if output != "" && output != "-" {
				f, err := os.OpenFile(output, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
				if err != nil {
					return breachdesk.Errorf(breachdesk.EInvalid, "-o: %v", unwrapPathError(err))
				}
				defer f.Close()
				out = f
			}
			if format == "pdf" {
				return m.previewLetter(ctx, s, c, person, k.NoticeCode(n.Notice.ID), out)
			}
			composer, err := m.mailComposer(ctx, s, k)
			if err != nil {
				return err
			}
			if format == "eml" {
				if person.Email == "" {
					return breachdesk.Errorf(breachdesk.EInvalid, "Person %q has no e-mail address.", subject)
				}
				mail, err := composer.Compose(ctx, n)
				if err != nil {
					return err
				}
				_, err = out.Write(mail.Raw)
				return err
			}
			msg, mail, err := composer.Render(ctx, n, person)
			if err != nil {
				return err
			}
			if format == "html" {
				_, err = io.WriteString(out, msg.HTML)
				return err
			}
			fmt.Fprintf(out, "From: %s\nTo: %s\nSubject: %s\nMessage-ID: %s\nLanguage: %s\nLaws: %s\nCode: %s\n\n%s",
				composer.From, person.Email, msg.Subject, mail.MessageID, msg.Language, strings.Join(msg.Laws, ", "), mail.Code, msg.Text)
			return nil
		},
	}
	cmd.Flags().StringVar(&subject, "subject", "", "external id of the person whose notice to render")
	cmd.Flags().StringVar(&format, "format", "text", "text, html, eml or pdf")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	m.Config.registerMailFlags(cmd.Flags())
	return cmd
}

// previewLetter writes one person's letter as a PDF.
func (m *Main) previewLetter(ctx context.Context, s *store, c *breachdesk.Campaign, person *breachdesk.AffectedPerson, code string, out io.Writer) error {
	org, err := s.Organizations.FindOrganization(ctx)
	if err != nil {
		return err
	}
	inc, err := s.Incidents.FindIncidentByID(ctx, c.IncidentID)
	if err != nil {
		return err
	}
	renderer, err := notice.NewRenderer()
	if err != nil {
		return err
	}
	doc, err := renderer.Letters([]*notice.Data{{Organization: org, Incident: inc, Person: person, Template: c.Template,
		Code: code, VerifyURL: m.verifyURL(), Date: m.Now()}})
	if err != nil {
		return err
	}
	return pdf.Render(out, doc)
}

// senderFlags are the tuning flags of campaign send and worker.
type senderFlags struct {
	concurrency, domainConcurrency, maxAttempts int
	rate, domainRate                            float64
	retryBase                                   time.Duration
}

func (f *senderFlags) register(cmd *cobra.Command) {
	cmd.Flags().IntVar(&f.concurrency, "concurrency", 8, "messages handed over at once: the SMTP connections kept open")
	cmd.Flags().Float64Var(&f.rate, "rate", 0, "at most this many messages per second from this process (0: no limit)")
	cmd.Flags().IntVar(&f.domainConcurrency, "domain-concurrency", 0, "at most this many messages at once to one recipient domain (0: no limit)")
	cmd.Flags().Float64Var(&f.domainRate, "domain-rate", 0, "at most this many messages per second to one recipient domain (0: no limit)")
	cmd.Flags().IntVar(&f.maxAttempts, "max-attempts", 8, "attempts before a notice fails on temporary errors")
	cmd.Flags().DurationVar(&f.retryBase, "retry-base", time.Minute, "wait after a first temporary failure; it doubles each time, up to an hour")
}

func (f *senderFlags) config() campaign.Config {
	return campaign.Config{Concurrency: f.concurrency, Rate: f.rate, DomainConcurrency: f.domainConcurrency,
		DomainRate: f.domainRate, MaxAttempts: f.maxAttempts, RetryBase: f.retryBase}
}

// newSender builds a sender of e-mail notices from the configuration; the
// caller closes the pool.
func (m *Main) newSender(ctx context.Context, s *store, cfg campaign.Config) (*campaign.Sender, io.Closer, error) {
	k, err := m.openKeyring(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	composer, err := m.mailComposer(ctx, s, k)
	if err != nil {
		return nil, nil, err
	}
	pool, err := m.smtpPool(cfg.Concurrency)
	if err != nil {
		return nil, nil, err
	}
	collectLessGarbage()
	return &campaign.Sender{Config: cfg, Campaigns: s.Campaigns, Composer: composer, Messenger: pool,
		Logger: m.logger, Now: m.Now}, pool, nil
}

// collectLessGarbage makes the garbage collector run a quarter as often.
// A sender allocates each message, and a server each page, and both keep
// little of it: this saves a tenth of their CPU for a few MiB. GOGC, which
// the runtime reads from the process's own environment, still decides
// when it is set.
func collectLessGarbage() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// reportProgress prints the sender's counts on standard error every
// interval until ctx ends.
func (m *Main) reportProgress(ctx context.Context, sender *campaign.Sender, interval time.Duration) {
	start, last := time.Now(), campaign.Stats{}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			st := sender.Stats()
			rate := float64(st.Sent-last.Sent) / interval.Seconds()
			fmt.Fprintf(m.Stderr, "%s sent, %s to retry, %s failed; %.0f/s (%s elapsed)\n",
				groupThousands(st.Sent), groupThousands(st.Retried), groupThousands(st.Failed), rate, time.Since(start).Round(time.Second))
			last = st
		}
	}
}

func (m *Main) campaignSendCommand() *cobra.Command {
	var flags senderFlags
	var out string
	cmd := &cobra.Command{
		Use:   "send CAMPAIGN [--smtp URL] [--concurrency N] [--rate N] [--dkim-key FILE --dkim-selector S --dkim-domain D] [--out DIR|FILE.pdf]",
		Short: "Start a campaign and send its notices until none is left",
		Long: `send makes the campaign active and sends its notices from this process until
every one has ended sent or failed, or the campaign is paused. Workers
(breachdesk worker) sharing the database send it too. Run it again after a
stop or a crash: it goes on where it was; notices that were being handed over
when a process died are sent again and counted as uncertain.

Each notice is marked in flight before it is handed to the relay and sent
after the relay's 250. A temporary failure (4xx, a broken connection) is
retried with back-off; a permanent one (5xx) fails the notice with the relay's
reply. Bounces come back to the VERP return path and are recorded by serve
--smtp-addr.

A letter campaign writes print-ready PDFs instead: --out DIR for one file per
person, --out FILE.pdf for one file with every letter.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			id, s, err := m.openForCampaign(ctx, args[0])
			if err != nil {
				return err
			}
			c, err := s.Campaigns.FindCampaignByID(ctx, id)
			if err != nil {
				return err
			}
			if c.Channel == breachdesk.ChannelLetter {
				return m.sendLetters(ctx, s, c, out)
			}
			cfg := flags.config()
			cfg.CampaignID = &id
			sender, pool, err := m.newSender(ctx, s, cfg)
			if err != nil {
				return err
			}
			defer pool.Close()
			if c, err = s.Campaigns.SetCampaignStatus(ctx, id, breachdesk.CampaignActive); err != nil {
				return err
			}
			progressCtx, stopProgress := context.WithCancel(ctx)
			progressDone := make(chan struct{})
			go func() {
				defer close(progressDone)
				m.reportProgress(progressCtx, sender, 5*time.Second)
			}()
			runErr := sender.Run(ctx)
			stopProgress()
			<-progressDone
			st := sender.Stats()
			fmt.Fprintf(m.Stderr, "This run: %s sent, %s to retry, %s failed.\n", groupThousands(st.Sent), groupThousands(st.Retried), groupThousands(st.Failed))
			if st.Uncertain > 0 {
				fmt.Fprintf(m.Stderr, "%s notices were being handed over when an earlier sender stopped: sent again, and counted as uncertain.\n", groupThousands(st.Uncertain))
			}
			switch {
			case errors.Is(runErr, campaign.ErrPaused):
				fmt.Fprintf(m.Stderr, "Campaign %d is paused. Resume it with: breachdesk campaign resume %d && breachdesk campaign send %d\n", id, id, id)
			case runErr != nil:
				return runErr
			case ctx.Err() != nil:
				fmt.Fprintf(m.Stderr, "Stopped. Run breachdesk campaign send %d again to go on.\n", id)
			}
			return m.printCampaignProgress(context.WithoutCancel(ctx), s, id, false)
		},
	}
	flags.register(cmd)
	cmd.Flags().StringVar(&out, "out", "", "letter campaigns: a directory for one PDF per person, or a FILE.pdf for all letters")
	m.Config.registerMailFlags(cmd.Flags())
	return cmd
}

// sendLetters renders a letter campaign's notices as PDF files.
func (m *Main) sendLetters(ctx context.Context, s *store, c *breachdesk.Campaign, out string) error {
	if out == "" {
		return usageErrorf("--out is required for a letter campaign: a directory, or a FILE.pdf")
	}
	w := &campaign.LetterWriter{CampaignID: c.ID, Campaigns: s.Campaigns, Incidents: s.Incidents, VerifyURL: m.verifyURL(), Now: m.Now}
	if strings.EqualFold(filepath.Ext(out), ".pdf") {
		w.File = out
		if err := checkWritableDir(filepath.Dir(out)); err != nil {
			return breachdesk.Errorf(breachdesk.EInvalid, "--out %s: %v", out, err)
		}
	} else {
		w.Dir = out
		if err := os.MkdirAll(out, 0o700); err != nil {
			return breachdesk.Errorf(breachdesk.EInvalid, "--out %s: %v", out, unwrapPathError(err))
		}
	}
	k, err := m.openKeyring(ctx, s)
	if err != nil {
		return err
	}
	if w.Organization, err = s.Organizations.FindOrganization(ctx); err != nil {
		return err
	}
	if w.Renderer, err = notice.NewRenderer(); err != nil {
		return err
	}
	w.Keyring = k
	if _, err := s.Campaigns.SetCampaignStatus(ctx, c.ID, breachdesk.CampaignActive); err != nil {
		return err
	}
	n, err := w.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "%s letters written to %s.\n", groupThousands(int64(n)), out)
	return m.printCampaignProgress(ctx, s, c.ID, false)
}

func (m *Main) campaignStatusCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status CAMPAIGN [--json]",
		Short: "Count a campaign's notices by state, language and country",
		Long: `status counts the campaign's notices: queued (waiting, or waiting for a
retry), claimed and in flight (being sent), sent, failed and bounced, in all
and by language and country. Uncertain counts the notices that were being
handed over when a sender died: they were sent again and the person may have
received two.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, s, err := m.openForCampaign(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return m.printCampaignProgress(cmd.Context(), s, id, asJSON)
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

// printCampaignProgress prints a campaign's counts on standard output.
func (m *Main) printCampaignProgress(ctx context.Context, s *store, id int64, asJSON bool) error {
	p, err := s.Campaigns.CampaignProgress(ctx, id)
	if err != nil {
		return err
	}
	if asJSON {
		return m.printJSON(p)
	}
	states := breachdesk.NoticeStates()
	fmt.Fprintf(m.Stdout, "Campaign %d: %s, %s notices.\n", p.CampaignID, p.Status, groupThousands(p.Total))
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "\t"
	for _, st := range states {
		header += string(st) + "\t"
	}
	fmt.Fprintln(tw, header)
	row := func(label string, counts map[breachdesk.NoticeState]int64) {
		line := label + "\t"
		for _, st := range states {
			line += groupThousands(counts[st]) + "\t"
		}
		fmt.Fprintln(tw, line)
	}
	row("all", p.States)
	for _, group := range []struct {
		name   string
		counts map[string]map[breachdesk.NoticeState]int64
	}{{"language", p.ByLanguage}, {"country", p.ByCountry}} {
		keys := make([]string, 0, len(group.counts))
		for k := range group.counts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			row(group.name+" "+orValue(k, "-"), group.counts[k])
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "uncertain: %s (sent again after a sender died while handing them over; may have arrived twice)\n", groupThousands(p.Uncertain))
	if p.Waiting > 0 {
		fmt.Fprintf(m.Stdout, "waiting for a retry: %s\n", groupThousands(p.Waiting))
	}
	if p.FirstSentAt != nil {
		fmt.Fprintf(m.Stdout, "sent from %s to %s\n", formatTime(p.FirstSentAt), formatTime(p.LastSentAt))
	}
	return nil
}

func (m *Main) campaignSetStatusCommand(verb string, status breachdesk.CampaignStatus) *cobra.Command {
	short := map[string]string{
		"pause":  "Pause a campaign: no more notices are handed over until it is resumed",
		"resume": "Resume a paused campaign: workers and campaign send go on with it",
	}[verb]
	return &cobra.Command{
		Use:   verb + " CAMPAIGN",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, s, err := m.openForCampaign(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			c, err := s.Campaigns.SetCampaignStatus(cmd.Context(), id, status)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "Campaign %d is %s.\n", c.ID, c.Status)
			return nil
		},
	}
}

func (m *Main) workerCommand() *cobra.Command {
	var flags senderFlags
	cmd := &cobra.Command{
		Use:   "worker [--smtp URL] [--concurrency N] [--rate N] [--dkim-key FILE ...]",
		Short: "Send the notices of every active campaign, alongside other workers",
		Long: `worker sends the notices of every active campaign until it is stopped
(SIGINT or SIGTERM: it finishes the messages being handed over and gives the
rest back). Start several, on one machine or many, against one PostgreSQL
database: each claims its own notices, and when one dies the others take its
notices over (within 30 seconds, at once on the same machine).

With --metrics-addr it answers GET /metrics there for Prometheus (the
notices it sent, retried and failed, and the relay's time to answer) and
GET /healthz. See docs/metrics.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := m.openStore(ctx)
			if err != nil {
				return err
			}
			sender, pool, err := m.newSender(ctx, s, flags.config())
			if err != nil {
				return err
			}
			defer pool.Close()
			if m.Config.MetricsAddr != "" {
				reg := metrics.New()
				sender.Observer = reg
				ms := &bdhttp.MetricsServer{Addr: m.Config.MetricsAddr, Metrics: reg, Logger: m.logger}
				if err := ms.Open(); err != nil {
					return fmt.Errorf("--metrics-addr: %w", err)
				}
				defer ms.Close()
				m.logger.Info("serving metrics", "url", ms.URL()+"/metrics")
			}
			m.logger.Info("worker started", "backend", s.backend)
			err = sender.Run(ctx)
			st := sender.Stats()
			m.logger.Info("worker stopped", "sent", st.Sent, "retried", st.Retried, "failed", st.Failed)
			return err
		},
	}
	flags.register(cmd)
	m.Config.registerMailFlags(cmd.Flags())
	m.Config.registerWorkerFlags(cmd.Flags())
	return cmd
}
