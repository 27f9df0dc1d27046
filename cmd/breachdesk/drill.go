package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/assess"
	"github.com/breachdesk/breachdesk/drill"
	"github.com/breachdesk/breachdesk/intake"
	"github.com/breachdesk/breachdesk/internal/safefile"
	"github.com/breachdesk/breachdesk/rules"
	"github.com/spf13/cobra"
)

func (m *Main) drillCommand() *cobra.Command {
	var people int
	var timeLimit, poll time.Duration
	var asJSON bool
	var output string
	cmd := &cobra.Command{
		Use:   "drill [--people N] [--time-limit 3h] [--poll 2s] [--json] [-o report.md]",
		Short: "Rehearse the response: a timed tabletop exercise on a made-up incident",
		Long: `drill creates a made-up incident (an intrusion into the customer database),
aware now, writes its affected people to a CSV file beside the database, and
prints what is known and the eight steps of the response, each with how to do
it in the console and on the command line. The team then does them in
breachdesk for real; the drill looks at the database every --poll, prints each
step as it is done and records it on the incident's timeline:

  1 record the facts          5 notify the authority
  2 scope the people          6 tell the people
  3 assess risk/obligations   7 ready customer service
  4 contain the breach        8 answer the first inquiry

Once the people are told, the drill sends a data-subject request through the
same intake as the public contact form, for the team to answer.

Type a step's number and Enter to mark it done by hand (for a step done
outside breachdesk), status for where each stands, end to stop. The drill ends
when every step is done, at --time-limit, on end or on Ctrl-C; the end of
standard input does not end it. It then prints a readiness report: each step's
time after awareness against the legal clocks the rules engine finds for the
incident, with the margin left, a verdict per step, and ready or not ready with
the reasons. --json prints the report as JSON (the progress goes to standard
error), -o writes it as Markdown too.

The drill's incident enters the breach register and the audit log like any
other, so the drill refuses a database that holds an incident it did not
create: run it on a database of its own (--db drill.db). On a database without
an organization it sets up an example one. See docs/drill.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case people < 1 || people > 1_000_000:
				return usageErrorf("--people: %d is not a number of people from 1 to 1,000,000", people)
			case timeLimit <= 0:
				return usageErrorf("--time-limit: give a duration above 0, such as 3h or 90m")
			case poll <= 0:
				return usageErrorf("--poll: give a duration above 0, such as 2s")
			}
			if output != "" {
				if err := checkWritableDir(filepath.Dir(output)); err != nil {
					return breachdesk.Errorf(breachdesk.EInvalid, "-o %s: %v", output, err)
				}
			}
			ctx := cmd.Context()
			s, err := m.openStore(ctx)
			if err != nil {
				return err
			}
			ds := drillStore{s.Organizations, s.Incidents, s.Events, s.People, s.Assessments, s.Reports,
				s.Campaigns, s.IncidentPages, s.TalkingPoints, s.InquiryReplies}
			// Checked before the key file is made beside a database that is
			// not the drill's.
			if err := drill.CheckDatabase(ctx, ds); err != nil {
				return err
			}
			set, err := rules.Load("")
			if err != nil {
				return err
			}
			keys, err := m.openKeyring(ctx, s)
			if err != nil {
				return err
			}
			in := &intake.Intake{Inquiries: s.Inquiries, Keyring: keys, Logger: m.logger}
			in.Start(ctx)
			defer in.Close()

			progress := m.Stdout
			if asJSON {
				progress = m.Stderr
			}
			d := &drill.Drill{
				Store: ds,
				Assess: func(ctx context.Context, id int64) (*assess.Result, error) {
					input, err := assess.Gather(ctx, s.assessStores(), id, set, m.Now())
					if err != nil {
						return nil, err
					}
					return assess.Run(input), nil
				},
				Inquire: in.SubmitInquiry,
				Now:     m.Now, Out: progress,
				People: people, PeopleDir: m.drillDir(), TimeLimit: timeLimit, Poll: poll,
				ConsoleURL: consoleURL(m.Config.Addr), CLI: m.drillCLI(),
			}
			if err := d.Start(ctx); err != nil {
				return err
			}
			rep, err := d.Run(ctx, m.Stdin)
			if err != nil {
				return err
			}
			if output != "" {
				var buf bytes.Buffer
				if err := rep.WriteMarkdown(&buf); err != nil {
					return err
				}
				if err := safefile.WriteFile(output, buf.Bytes(), 0o640); err != nil {
					return breachdesk.Errorf(breachdesk.EInvalid, "-o: %v", err)
				}
				fmt.Fprintf(m.Stderr, "The report is written to %s.\n", output)
			}
			if asJSON {
				return m.printJSON(rep)
			}
			fmt.Fprintln(m.Stdout)
			return rep.WriteText(m.Stdout)
		},
	}
	cmd.Flags().IntVar(&people, "people", drill.DefaultPeople, "how many made-up people the incident affects")
	cmd.Flags().DurationVar(&timeLimit, "time-limit", drill.DefaultTimeLimit, "when the drill ends if the team has not done every step")
	cmd.Flags().DurationVar(&poll, "poll", drill.DefaultPoll, "how often the drill looks at the database")
	cmd.Flags().StringVarP(&output, "output", "o", "", "also write the report to this file, as Markdown")
	jsonFlag(cmd, &asJSON)
	return cmd
}

// drillStore is the store as the drill sees it.
type drillStore struct {
	breachdesk.OrganizationService
	breachdesk.IncidentService
	breachdesk.IncidentEventService
	breachdesk.AffectedPersonService
	breachdesk.AssessmentService
	breachdesk.RegulatorReportService
	breachdesk.CampaignService
	breachdesk.IncidentPageService
	breachdesk.TalkingPointsService
	breachdesk.InquiryReplyService
}

var _ drill.Store = drillStore{}

// drillDir is where the drill writes its people's file: beside a SQLite
// database, else in the working directory.
func (m *Main) drillDir() string {
	if isPostgres(m.Config.DB) {
		return "."
	}
	return filepath.Dir(sqlitePath(m.Config.DB))
}

// drillCLI is how the players run breachdesk on the drill's database, for
// the commands the drill prints. A PostgreSQL URL is left out, since it
// may hold a password: the players set BREACHDESK_DB.
func (m *Main) drillCLI() string {
	cli := "breachdesk"
	if !isPostgres(m.Config.DB) && m.Config.DB != DefaultConfig().DB {
		cli += " --db " + shellWord(m.Config.DB)
	}
	if !isPostgres(m.Config.DB) && m.Config.KeyFile == filepath.Join(filepath.Dir(sqlitePath(m.Config.DB)), "breachdesk.key") {
		return cli
	}
	return cli + " --key-file " + shellWord(m.Config.KeyFile)
}

// consoleURL is the address to open the console at when serve listens on
// addr: the loopback when it listens on every interface.
func consoleURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// shellWord quotes s for a POSIX shell when it needs it.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
