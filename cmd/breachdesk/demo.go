package main

import (
	"context"
	"crypto/rand"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/assess"
	"github.com/breachdesk/breachdesk/campaign"
	"github.com/breachdesk/breachdesk/demo"
	"github.com/breachdesk/breachdesk/importer"
	"github.com/breachdesk/breachdesk/intake"
	"github.com/breachdesk/breachdesk/keyring"
	"github.com/breachdesk/breachdesk/notice"
	"github.com/breachdesk/breachdesk/password"
	"github.com/breachdesk/breachdesk/report"
	"github.com/breachdesk/breachdesk/synthetic"
	"github.com/spf13/cobra"
)

// demoKeep is how many of the messages sent the demo keeps as files.
const demoKeep = 2000

func (m *Main) demoCommand() *cobra.Command {
	var people int
	var mailDir string
	cmd := &cobra.Command{
		Use:   "demo [--people N] [--mail-dir DIR]",
		Short: "Fill a new database with a sample organisation, two breaches and their response, to try breachdesk",
		Long: `demo fills a new, empty database (--db) with made-up data that shows every part
of breachdesk at work: an organisation, one staff account per role, and the two
breaches breachdesk was made for, each with its facts, timeline, N synthetic
affected people spread over France, the UK, Italy, Germany, Spain, India and
several US states, its assessment and obligations, the notifications to the
authorities, a campaign of notices sent, a public page, the agents' talking
points, and inquiries people sent, some answered.

The notices, receipts and replies are really sent, through breachdesk's SMTP
client, to a mail server that demo runs itself on a loopback port for the
time it runs: it refuses a few addresses, as real servers do, and keeps the
messages in --mail-dir as .eml files, as the recipients would get them.

It prints the staff accounts' passwords (once: only their hashes are stored)
and what to open once "breachdesk serve" runs with the same --db. It refuses
a database that holds anything already.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if people < 10 || people > 1_000_000 {
				return usageErrorf("--people: between 10 and 1000000, not %d", people)
			}
			if mailDir == "" {
				mailDir = "demo-mail"
				if !isPostgres(m.Config.DB) {
					mailDir = filepath.Join(filepath.Dir(sqlitePath(m.Config.DB)), "demo-mail")
				}
			}
			return m.runDemo(cmd.Context(), people, mailDir)
		},
	}
	cmd.Flags().IntVar(&people, "people", 2000, "how many synthetic affected people, shared between the two breaches")
	cmd.Flags().StringVar(&mailDir, "mail-dir", "", "where to keep the messages sent, as .eml files (default demo-mail beside the database)")
	return cmd
}

// demoRun holds what the demo's steps share.
type demoRun struct {
	m      *Main
	s      *store
	k      *keyring.Keyring
	now    time.Time
	people int
	// staff maps a role to the login of its demo account.
	staff map[breachdesk.Role]string
	// samples are a few affected people of each case, as import rows,
	// who write inquiries.
	samples [][][]string
}

// as returns ctx acting as the demo account of role.
func (d *demoRun) as(ctx context.Context, role breachdesk.Role) context.Context {
	return breachdesk.NewContextWithActor(ctx, breachdesk.Actor{Kind: breachdesk.ActorUser, Name: d.staff[role]})
}

func (m *Main) runDemo(ctx context.Context, people int, mailDir string) (err error) {
	s, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	if err := checkEmptyDatabase(ctx, s, m.Config.DB); err != nil {
		return err
	}
	if entries, err := os.ReadDir(mailDir); err == nil && len(entries) > 0 {
		return breachdesk.Errorf(breachdesk.EInvalid, "--mail-dir %s already holds files: give an empty or new directory.", mailDir)
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("the demo stopped half-way, leaving %s partly filled: remove it (and its key file) before running demo again: %w", m.Config.Masked().DB, err)
		}
	}()
	box := &demo.Mailbox{Dir: mailDir, Keep: demoKeep, Refuse: refusedByDemo}
	if err := box.Start(); err != nil {
		return err
	}
	defer box.Stop()
	m.Config.SMTP = box.URL()

	d := &demoRun{m: m, s: s, now: m.Now(), people: people, staff: make(map[breachdesk.Role]string)}
	fmt.Fprintf(m.Stderr, "Filling %s with the demo (%d synthetic people)...\n", m.Config.Masked().DB, people)
	if err := s.Organizations.SetOrganization(ctx, demo.Organization()); err != nil {
		return err
	}
	passwords, err := d.addStaff(ctx)
	if err != nil {
		return err
	}
	if d.k, err = m.openKeyring(ctx, s); err != nil {
		return err
	}
	cases := []*demo.Case{demo.Marketplace(d.now), demo.Intrusion(d.now)}
	ids := make([]int64, len(cases))
	for i, c := range cases {
		if ids[i], err = d.recordCase(ctx, i, c); err != nil {
			return fmt.Errorf("demo case %d: %w", i+1, err)
		}
	}
	codes, err := d.sendCampaigns(ctx, ids)
	if err != nil {
		return err
	}
	if err := d.inquiries(ctx, ids); err != nil {
		return err
	}
	d.printSummary(passwords, box, ids, codes)
	return nil
}

// checkEmptyDatabase refuses a database that holds an organisation, an
// incident or a staff account: the demo never mixes with real data.
func checkEmptyDatabase(ctx context.Context, s *store, db string) error {
	refuse := func(what string) error {
		return breachdesk.Errorf(breachdesk.EInvalid, "%s already holds %s: demo fills a new database only. Give it another, such as --db demo.db, and serve that one.", db, what)
	}
	if _, err := s.Organizations.FindOrganization(ctx); err == nil {
		return refuse("an organisation")
	} else if breachdesk.ErrorCode(err) != breachdesk.ENotFound {
		return err
	}
	if _, n, err := s.Incidents.FindIncidents(ctx, breachdesk.IncidentFilter{Limit: 1}); err != nil {
		return err
	} else if n > 0 {
		return refuse("incidents")
	}
	if users, err := s.Staff.FindStaffUsers(ctx); err != nil {
		return err
	} else if len(users) > 0 {
		return refuse("staff accounts")
	}
	return nil
}

// refusedByDemo picks about one address in forty for the demo's mail
// server to refuse, always the same ones.
func refusedByDemo(rcpt string) bool {
	h := fnv.New32a()
	io.WriteString(h, strings.ToLower(rcpt))
	return h.Sum32()%40 == 0
}

// addStaff creates the demo's accounts and returns their passwords, in
// the order of demo.Staff.
func (d *demoRun) addStaff(ctx context.Context) ([]string, error) {
	var passwords []string
	for _, member := range demo.Staff() {
		u := &breachdesk.StaffUser{Login: member.Login, Name: member.Name, Role: member.Role, Language: member.Language}
		u.Normalize()
		secret := rand.Text()
		hash, err := password.Hash(secret)
		if err != nil {
			return nil, err
		}
		if err := d.s.Staff.CreateStaffUser(ctx, u, hash); err != nil {
			return nil, err
		}
		if _, ok := d.staff[member.Role]; !ok {
			d.staff[member.Role] = member.Login
		}
		passwords = append(passwords, secret)
	}
	return passwords, nil
}

// recordCase records case i as the team would have: the incident and its
// timeline, the affected people, the assessment's override, the
// notifications to authorities, the public page and the talking points.
func (d *demoRun) recordCase(ctx context.Context, i int, c *demo.Case) (int64, error) {
	n := d.people * c.Share / 100
	inc := c.Incident
	approx := int64(n)
	inc.ApproxSubjects = &approx
	responder, dpo := d.as(ctx, breachdesk.RoleResponder), d.as(ctx, breachdesk.RoleDPO)
	if err := d.s.Incidents.CreateIncident(responder, inc); err != nil {
		return 0, err
	}
	for _, e := range c.Events {
		e.IncidentID = inc.ID
		if err := d.s.Events.CreateIncidentEvent(responder, e); err != nil {
			return 0, err
		}
	}
	if err := d.importPeople(responder, i, inc.ID, n); err != nil {
		return 0, err
	}
	if c.Override != nil {
		c.Override.IncidentID = inc.ID
		if err := d.s.Assessments.SetAssessmentOverride(dpo, c.Override); err != nil {
			return 0, err
		}
	}
	if err := d.report(dpo, c, inc); err != nil {
		return 0, err
	}
	status := breachdesk.IncidentAssessed
	if c.AuthorityNotifiedAfter > 0 {
		status = breachdesk.IncidentNotifying
	}
	if _, err := d.s.Incidents.UpdateIncident(dpo, inc.ID, breachdesk.IncidentUpdate{Status: &status}); err != nil {
		return 0, err
	}
	c.Page.IncidentID = inc.ID
	if err := d.s.IncidentPages.SetIncidentPage(dpo, c.Page); err != nil {
		return 0, err
	}
	if err := d.s.TalkingPoints.SetTalkingPoints(dpo, &breachdesk.TalkingPoints{IncidentID: inc.ID, Text: c.TalkingPoints}); err != nil {
		return 0, err
	}
	return inc.ID, nil
}

// importPeople imports n synthetic people into the incident through the
// importer, as a file would be, and keeps the first few as samples.
func (d *demoRun) importPeople(ctx context.Context, i int, incidentID int64, n int) error {
	g, err := synthetic.New(uint64(42+i), synthetic.DefaultPlaces())
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	var samples [][]string
	go func() {
		w := csv.NewWriter(pw)
		w.Write([]string{"external_id", "name", "email", "phone", "postal_address", "country", "region", "language", "data_categories"})
		for j := range n {
			row := g.Person(j)
			// The ids of the two cases differ: they are two companies' records.
			row[0] = fmt.Sprintf("%c%s", "MS"[i], row[0][1:])
			if len(samples) < 20 {
				samples = append(samples, row)
			}
			w.Write(row)
		}
		w.Flush()
		pw.CloseWithError(w.Error())
	}()
	imp := &importer.Importer{People: d.s.People, Keyring: d.k}
	sum, err := imp.Import(ctx, incidentID, fmt.Sprintf("demo-people-%d.csv", i+1), pr, "csv", io.Discard)
	if err != nil {
		return err
	}
	if sum.Rejected > 0 {
		return fmt.Errorf("the synthetic people of incident %d: %d rows rejected", incidentID, sum.Rejected)
	}
	d.samples = append(d.samples, samples)
	return nil
}

// report writes the notifications to the authorities of the incident's
// people: the initial one, and for a case whose authority was notified,
// marks Art. 33 done at that time and writes a follow-up.
func (d *demoRun) report(ctx context.Context, c *demo.Case, inc *breachdesk.Incident) error {
	g, err := d.m.reportGenerator(d.s, "")
	if err != nil {
		return err
	}
	authorities := []string{"CNIL"}
	if c.AuthorityNotifiedAfter > 0 {
		authorities = append(authorities, "ICO")
	}
	for _, authority := range authorities {
		if _, err := g.Generate(ctx, inc.ID, report.Options{Authority: authority}); err != nil {
			return fmt.Errorf("report to %s: %w", authority, err)
		}
	}
	// CERT-In's six hours, from detection, were met for both.
	if err := d.markDone(ctx, inc.ID, inc.DetectedAt.Add(4*time.Hour), "Reported to CERT-In in its format.", func(o *assess.Obligation) bool {
		return o.RuleID == "in-cert-in"
	}); err != nil {
		return err
	}
	if c.AuthorityNotifiedAfter == 0 {
		return nil
	}
	err = d.markDone(ctx, inc.ID, inc.AwareAt.Add(c.AuthorityNotifiedAfter), "Filed on the authority's online form; initial notification, follow-up to come.",
		func(o *assess.Obligation) bool { return slices.Contains(breachdesk.ClockRules(), o.RuleID) })
	if err != nil {
		return err
	}
	// What the team learned since: how many records, and the case number.
	records := int64(d.people * c.Share / 100 * 3)
	if _, err := d.s.Incidents.UpdateIncident(ctx, inc.ID, breachdesk.IncidentUpdate{ApproxRecords: &records}); err != nil {
		return err
	}
	_, err = g.Generate(ctx, inc.ID, report.Options{Authority: "CNIL", Phase: "followup", CaseReference: "DEMO-2026-000123"})
	return err
}

// markDone marks the incident's obligations that match done at a time.
func (d *demoRun) markDone(ctx context.Context, incidentID int64, at time.Time, note string, match func(*assess.Obligation) bool) error {
	res, err := d.m.assessIncident(ctx, incidentID, "")
	if err != nil {
		return err
	}
	for _, o := range res.Obligations {
		if !match(o) {
			continue
		}
		st := &breachdesk.ObligationStatus{IncidentID: incidentID, ObligationID: o.ID, Status: breachdesk.ObligationDone, At: &at, Note: note}
		if err := d.s.Assessments.SetObligationStatus(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// sendCampaigns sends each incident's notices to the demo's mailbox and
// returns, per incident, the verification code of one notice sent.
func (d *demoRun) sendCampaigns(ctx context.Context, ids []int64) ([]string, error) {
	composer, err := d.m.mailComposer(ctx, d.s, d.k)
	if err != nil {
		return nil, err
	}
	pool, err := d.m.smtpPool(8)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	codes := make([]string, len(ids))
	for i, id := range ids {
		dpo := d.as(ctx, breachdesk.RoleDPO)
		c := &breachdesk.Campaign{IncidentID: id, Channel: breachdesk.ChannelEmail}
		if err := d.s.Campaigns.CreateCampaign(dpo, c); err != nil {
			return nil, err
		}
		if _, err := d.s.Campaigns.SetCampaignStatus(dpo, c.ID, breachdesk.CampaignActive); err != nil {
			return nil, err
		}
		sender := &campaign.Sender{Config: campaign.Config{CampaignID: &c.ID, Concurrency: 8, MaxAttempts: 3, RetryBase: time.Second},
			Campaigns: d.s.Campaigns, Composer: composer, Messenger: pool, Logger: d.m.logger, Now: d.m.Now}
		if err := sender.Run(ctx); err != nil {
			return nil, fmt.Errorf("send the notices of incident %d: %w", id, err)
		}
		sent := breachdesk.NoticeSent
		notices, _, err := d.s.Campaigns.FindNotices(ctx, breachdesk.NoticeFilter{CampaignID: &c.ID, State: &sent, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(notices) > 0 {
			codes[i] = d.k.NoticeCode(notices[0].ID)
		}
		if i == 1 {
			note := fmt.Sprintf("Notice e-mailed in every person's language (campaign %d); letters queued for those it did not reach; the attorneys general told the same day.", c.ID)
			told := func(o *assess.Obligation) bool {
				return o.Recipient == "individuals" || o.Recipient == "attorney_general"
			}
			if err := d.markDone(dpo, id, d.m.Now(), note, told); err != nil {
				return nil, err
			}
			// The people the e-mail did not reach get a letter: queued, to print.
			letters := &breachdesk.Campaign{IncidentID: id, Channel: breachdesk.ChannelLetter, FollowUpOf: &c.ID, Unreached: true}
			if err := d.s.Campaigns.CreateCampaign(dpo, letters); err != nil {
				return nil, err
			}
		}
	}
	return codes, nil
}

// inquiries sends the demo's inquiries through the intake, as the public
// form does, answers some of them from the templates as agents do, and
// mails the receipts and replies.
func (d *demoRun) inquiries(ctx context.Context, ids []int64) error {
	public := breachdesk.NewContextWithActor(ctx, breachdesk.Actor{Kind: breachdesk.ActorSystem, Name: "public-pages"})
	in := &intake.Intake{Inquiries: d.s.Inquiries, Keyring: d.k, Logger: d.m.logger}
	work, stop := context.WithCancel(public)
	defer stop()
	in.Start(work)
	renderer, err := notice.NewRenderer()
	if err != nil {
		return err
	}
	type answer struct{ reference, template, language string }
	var answers []answer
	for j, di := range demo.Inquiries() {
		q := &breachdesk.Inquiry{IncidentID: &ids[di.Case], Category: di.Category, RequestKind: di.Kind, Message: di.Message, Language: di.Language}
		if row := d.samples[di.Case][j%len(d.samples[di.Case])]; di.Affected {
			q.Name, q.Email = row[1], row[2]
		} else {
			q.Name, q.Email = "Lucia Bianchi", fmt.Sprintf("lucia.bianchi.%d@example.org", j)
		}
		if err := in.SubmitInquiry(public, q); err != nil {
			in.Close()
			return fmt.Errorf("demo inquiry %d: %w", j+1, err)
		}
		if di.Answer != "" {
			answers = append(answers, answer{q.Reference, di.Answer, q.Language})
		}
	}
	in.Close()
	for j, a := range answers {
		role := breachdesk.RoleAgent
		if j%3 == 2 {
			role = breachdesk.RoleResponder
		}
		text, lang, _ := renderer.ReplyTemplate(a.language, a.template)
		reply := &breachdesk.InquiryReply{Reference: a.reference, Template: a.template, Language: lang, Body: text, Author: d.staff[role]}
		reply.Normalize()
		if err := reply.Validate(); err != nil {
			return err
		}
		if _, err := d.s.InquiryReplies.AnswerInquiry(d.as(ctx, role), a.reference, d.k.SealInquiryReply(reply)); err != nil {
			return err
		}
	}
	return d.mailInquiries(ctx)
}

// mailInquiries mails the receipts and replies waiting, as serve does,
// and returns once none waits.
func (d *demoRun) mailInquiries(ctx context.Context) error {
	composer, err := d.m.mailComposer(ctx, d.s, d.k)
	if err != nil {
		return err
	}
	pool, err := d.m.smtpPool(2)
	if err != nil {
		return err
	}
	defer pool.Close()
	mailer := &intake.Mailer{Store: inquiryMailStore{d.s.Inquiries, d.s.InquiryReplies}, Organizations: d.s.Organizations, Keyring: d.k,
		VerifyURL: d.m.verifyURL(), Logger: d.m.logger, Now: d.m.Now, Poll: 100 * time.Millisecond}
	mailVia(mailer, composer, pool)
	mailer.Init()
	work, stop := context.WithCancel(breachdesk.NewContextWithActor(ctx, breachdesk.Actor{Kind: breachdesk.ActorSystem, Name: "mailer"}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		mailer.Run(work)
	}()
	defer func() { stop(); <-done }()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		receipts, _, err := d.s.Inquiries.FindInquiries(ctx, breachdesk.InquiryFilter{ReceiptPending: true, Limit: 1})
		if err != nil {
			return err
		}
		replies, err := d.s.InquiryReplies.FindPendingReplies(ctx, 1)
		if err != nil {
			return err
		}
		if len(receipts) == 0 && len(replies) == 0 {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the receipts and replies of the demo's inquiries were not all mailed within a minute")
}

// printSummary tells what the demo made, the passwords, and what to open.
func (d *demoRun) printSummary(passwords []string, box *demo.Mailbox, ids []int64, codes []string) {
	m := d.m
	received, refused := box.Counts()
	w := m.Stdout
	fmt.Fprintf(w, "\nThe demo is ready in %s: the organisation %q, %d staff accounts, and two breaches:\n", m.Config.Masked().DB, demo.Organization().Name, len(passwords))
	fmt.Fprintf(w, "  incident %d: seller names and e-mail addresses shown to buyers (aware 30 hours ago: the 72-hour clock runs)\n", ids[0])
	fmt.Fprintf(w, "  incident %d: customer records stolen in an intrusion (aware 9 days ago: authority notified, people told, claims coming in)\n", ids[1])
	fmt.Fprintf(w, "%d messages were sent to the demo's mail server, %d addresses refused by it; the first %d messages are in %s.\n\n",
		received, refused, min(received, demoKeep), box.Dir)
	fmt.Fprintln(w, "Staff accounts (the passwords are shown only now; only their hashes are stored):")
	for i, member := range demo.Staff() {
		fmt.Fprintf(w, "  %-10s %-32s %s\n", member.Role, member.Login, passwords[i])
	}
	serve := "breachdesk serve"
	if m.Config.DB != DefaultConfig().DB {
		serve = "breachdesk --db " + m.Config.Masked().DB + " serve"
	}
	fmt.Fprintf(w, "\nNow run:\n  %s\nthen open:\n", serve)
	fmt.Fprintf(w, "  http://%s/                          the staff console: sign in as dpo@demo-market.example\n", m.Config.Addr)
	fmt.Fprintf(w, "  http://%s/incidents/2026-seller-details   the first breach's public page\n", m.Config.PublicAddr)
	for i, code := range codes {
		if code == "" {
			continue
		}
		fmt.Fprintf(w, "  %s?code=%s   a notice of incident %d, checked as its recipient would\n", m.verifyURL(), code, ids[i])
	}
	for _, msg := range box.Kept() {
		if msg.Code != "" && msg.Code == codes[0] {
			fmt.Fprintf(w, "The notice with the first code is %s.\n", msg.File)
			break
		}
	}
}
