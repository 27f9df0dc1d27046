package drill

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
)

// The steps of a drill, by number.
const (
	stepFacts = 1 + iota
	stepScope
	stepAssess
	stepContain
	stepAuthority
	stepPeople
	stepService
	stepInquiry
)

// Steps is how many steps a drill has.
const Steps = stepInquiry

// clockGroup says which legal clocks a step serves.
type clockGroup int

const (
	// clocksAuthority: the notifications to supervisory authorities.
	clocksAuthority clockGroup = iota
	// clocksAll: every notification, to whomever.
	clocksAll
	// clocksIndividuals: the notices to the affected people.
	clocksIndividuals
	// clocksBeforeNotices: no law of its own, but needed before the
	// people are told (step 6), who will call.
	clocksBeforeNotices
	// clocksInquiry: the month a data-subject request is answered in.
	clocksInquiry
)

// step is one step of the response and where it stands.
type step struct {
	Number int
	Name   string
	// Goal says what the team does and what the drill looks for.
	Goal   string
	clocks clockGroup
	// detect reports whether the step is done, with what was seen, or
	// else what is missing.
	detect func(ctx context.Context, d *Drill, inc *breachdesk.Incident) (bool, string, error)
	// console and cli say how to do it.
	console, cli func(d *Drill) string

	At      *time.Time
	ByHand  bool
	Detail  string
	waiting string
}

func newSteps() []*step {
	return []*step{
		{Number: stepFacts, Name: "record the facts", clocks: clocksAuthority,
			Goal:   "what GDPR Art. 33(3) asks the notification to give: the nature and cause, the categories of data and of people, the approximate numbers of people and records, the likely consequences, the measures",
			detect: detectFacts,
			console: func(d *Drill) string {
				return fmt.Sprintf("%s/incidents/%d/facts (people, data, measures, consequences; the form has no nature, cause, categories of people or number of records: give those on the command line)", d.ConsoleURL, d.Incident.ID)
			},
			cli: func(d *Drill) string {
				return fmt.Sprintf("%s incident update %d -f facts.yaml  (nature, cause, data_categories, subject_categories, approx_subjects, approx_records, likely_consequences, measures_taken: see docs/incident-file.md)", d.CLI, d.Incident.ID)
			}},
		{Number: stepScope, Name: "scope the people", clocks: clocksAll,
			Goal:   "import the affected people from the engineers' file",
			detect: detectScope,
			console: func(d *Drill) string {
				return fmt.Sprintf("%s/incidents/%d/people, upload %s", d.ConsoleURL, d.Incident.ID, d.PeopleFile)
			},
			cli: func(d *Drill) string {
				return fmt.Sprintf("%s subjects import %d %s", d.CLI, d.Incident.ID, d.PeopleFile)
			}},
		{Number: stepAssess, Name: "assess risk and obligations", clocks: clocksAll,
			Goal:   "the DPO reviews the risk and the obligations and records a conclusion: the status set to assessed, or a factor overridden with its reason",
			detect: detectAssess,
			console: func(d *Drill) string {
				return fmt.Sprintf("%s/incidents/%d (read the assessment; override a factor with a reason, or set the status to assessed in the facts)", d.ConsoleURL, d.Incident.ID)
			},
			cli: func(d *Drill) string {
				return fmt.Sprintf("%[1]s assess %[2]d, then %[1]s assess %[2]d --override risk=high_risk --reason \"...\" or: echo 'status: assessed' | %[1]s incident update %[2]d -f -", d.CLI, d.Incident.ID)
			}},
		{Number: stepContain, Name: "contain the breach", clocks: clocksAuthority,
			Goal:   "close the attacker's access, and record when (contained_at)",
			detect: detectContain,
			console: func(d *Drill) string {
				return fmt.Sprintf("%s/incidents/%d/facts (contained at)", d.ConsoleURL, d.Incident.ID)
			},
			cli: func(d *Drill) string {
				return fmt.Sprintf("echo \"contained_at: $(date -u +%%FT%%TZ)\" | %s incident update %d -f -", d.CLI, d.Incident.ID)
			}},
		{Number: stepAuthority, Name: "notify the authority", clocks: clocksAuthority,
			Goal:   "store the notification to the supervisory authority as a report version, then mark the GDPR Art. 33 obligation done (the authority notified)",
			detect: detectAuthority,
			console: func(d *Drill) string {
				return fmt.Sprintf("%s/incidents/%d (download the draft to check it; mark the GDPR Art. 33 obligation done on the board; the version filed is stored on the command line)", d.ConsoleURL, d.Incident.ID)
			},
			cli: func(d *Drill) string {
				return fmt.Sprintf("%[1]s report %[2]d --authority %[3]s -o notification.pdf, then %[1]s obligations done %[2]d %[4]s", d.CLI, d.Incident.ID, d.authority(), d.art33())
			}},
		{Number: stepPeople, Name: "tell the people", clocks: clocksIndividuals,
			Goal:   "create the campaign that notifies the affected people, and start it (sending needs a mail relay: the drill looks for the start)",
			detect: detectPeople,
			console: func(d *Drill) string {
				return fmt.Sprintf("%s/incidents/%d (create a campaign, then \"Start sending\" on its page)", d.ConsoleURL, d.Incident.ID)
			},
			cli: func(d *Drill) string {
				return fmt.Sprintf("%[1]s campaign create %[2]d, then %[1]s campaign send CAMPAIGN --smtp smtp://RELAY:25 (or, to start it for a worker to send: %[1]s campaign resume CAMPAIGN)", d.CLI, d.Incident.ID)
			}},
		{Number: stepService, Name: "ready customer service", clocks: clocksBeforeNotices,
			Goal:   "before people call, write the talking points for the agents, or publish the incident's public page",
			detect: detectService,
			console: func(d *Drill) string {
				return fmt.Sprintf("%s/incidents/%d/talking-points", d.ConsoleURL, d.Incident.ID)
			},
			cli: func(d *Drill) string {
				return fmt.Sprintf("%s incident page set %d -f page.yaml  (with published: true; see %s incident page --help)", d.CLI, d.Incident.ID, d.CLI)
			}},
		{Number: stepInquiry, Name: "answer the first inquiry", clocks: clocksInquiry,
			Goal:   "once the people are told, the drill sends a data-subject request through the public form, as a person would: find it in the queue, look the sender up, answer",
			detect: detectInquiry,
			console: func(d *Drill) string {
				return fmt.Sprintf("%s/inquiries", d.ConsoleURL)
			},
			cli: func(d *Drill) string { return "none: answers are written in the console" }},
	}
}

// MissingFacts lists, by field name, the facts GDPR Art. 33(3) asks a
// notification to give that inc does not record yet: the nature of the
// breach (what was lost, and how), the categories and approximate numbers
// of people and records, the likely consequences and the measures.
func MissingFacts(inc *breachdesk.Incident) []string {
	var missing []string
	for _, f := range []struct {
		name  string
		known bool
	}{
		{"nature", len(inc.Nature) > 0},
		{"cause", inc.Cause != ""},
		{"data_categories", len(inc.DataCategories) > 0},
		{"subject_categories", len(inc.SubjectCategories) > 0},
		{"approx_subjects", inc.ApproxSubjects != nil},
		{"approx_records", inc.ApproxRecords != nil},
		{"likely_consequences", strings.TrimSpace(inc.LikelyConsequences) != ""},
		{"measures_taken", strings.TrimSpace(inc.MeasuresTaken) != "" || strings.TrimSpace(inc.MeasuresPlanned) != ""},
	} {
		if !f.known {
			missing = append(missing, f.name)
		}
	}
	return missing
}

func detectFacts(ctx context.Context, d *Drill, inc *breachdesk.Incident) (bool, string, error) {
	if missing := MissingFacts(inc); len(missing) > 0 {
		return false, "not recorded yet: " + strings.Join(missing, ", "), nil
	}
	return true, "the facts Art. 33(3) asks for are recorded", nil
}

func detectScope(ctx context.Context, d *Drill, inc *breachdesk.Incident) (bool, string, error) {
	count, err := d.Store.CountAffectedPeople(ctx, inc.ID, "")
	if err != nil {
		return false, "", err
	}
	switch count.Total {
	case 0:
		return false, "no people imported yet", nil
	case 1:
		return true, "1 person imported", nil
	}
	return true, groupThousands(count.Total) + " people imported", nil
}

func detectAssess(ctx context.Context, d *Drill, inc *breachdesk.Incident) (bool, string, error) {
	if slices.Index(breachdesk.IncidentStatuses(), inc.Status) >= slices.Index(breachdesk.IncidentStatuses(), breachdesk.IncidentAssessed) {
		return true, "status set to " + string(inc.Status), nil
	}
	overrides, err := d.Store.FindAssessmentOverrides(ctx, inc.ID)
	if err != nil {
		return false, "", err
	}
	if len(overrides) > 0 {
		o := overrides[0]
		return true, fmt.Sprintf("%s overridden by %s, with the reason", o.Factor, o.Actor), nil
	}
	statuses, err := d.Store.FindObligationStatuses(ctx, inc.ID)
	if err != nil {
		return false, "", err
	}
	for _, s := range statuses {
		if s.Status == breachdesk.ObligationWaived {
			return true, fmt.Sprintf("obligation %s waived by %s, with the reason", s.ObligationID, s.Actor), nil
		}
	}
	return false, fmt.Sprintf("status %s, no factor overridden", inc.Status), nil
}

func detectContain(ctx context.Context, d *Drill, inc *breachdesk.Incident) (bool, string, error) {
	if inc.ContainedAt == nil {
		return false, "contained_at not recorded yet", nil
	}
	return true, "contained at " + inc.ContainedAt.UTC().Format("2006-01-02 15:04 UTC"), nil
}

func detectAuthority(ctx context.Context, d *Drill, inc *breachdesk.Incident) (bool, string, error) {
	reports, total, err := d.Store.FindRegulatorReports(ctx, breachdesk.RegulatorReportFilter{IncidentID: inc.ID})
	if err != nil {
		return false, "", err
	}
	if total > 0 && d.reportAt == nil && len(reports) > 0 {
		now := d.Now().UTC()
		r := reports[0]
		d.reportAt, d.reportName = &now, fmt.Sprintf("%s report version %d", r.Authority, r.Version)
		d.printf("[%s] step %d under way: the notification is ready (%s stored)\n", d.clock(now), stepAuthority, d.reportName)
	}
	switch {
	case d.reportAt != nil && inc.AuthorityNotifiedAt != nil:
		return true, "authority notified; " + d.reportName + " stored", nil
	case d.reportAt != nil:
		return false, d.reportName + " stored; the authority is not marked notified yet", nil
	case inc.AuthorityNotifiedAt != nil:
		return false, "the authority is marked notified, but no report version is stored", nil
	}
	return false, "no report version stored; the authority is not marked notified", nil
}

func detectPeople(ctx context.Context, d *Drill, inc *breachdesk.Incident) (bool, string, error) {
	id := inc.ID
	campaigns, _, err := d.Store.FindCampaigns(ctx, breachdesk.CampaignFilter{IncidentID: &id})
	if err != nil {
		return false, "", err
	}
	for _, c := range campaigns {
		if c.Status != breachdesk.CampaignDraft {
			return true, fmt.Sprintf("campaign %d started: %s notices by %s", c.ID, groupThousands(c.Recipients), c.Channel), nil
		}
	}
	if len(campaigns) > 0 {
		return false, fmt.Sprintf("campaign %d is a draft: start it", campaigns[0].ID), nil
	}
	return false, "no campaign yet", nil
}

func detectService(ctx context.Context, d *Drill, inc *breachdesk.Incident) (bool, string, error) {
	id := inc.ID
	page, err := d.Store.FindIncidentPage(ctx, breachdesk.IncidentPageFilter{IncidentID: &id})
	if err != nil && breachdesk.ErrorCode(err) != breachdesk.ENotFound {
		return false, "", err
	}
	if page != nil && page.Published {
		return true, "public page /incidents/" + page.Slug + " published", nil
	}
	tp, err := d.Store.FindTalkingPoints(ctx, inc.ID)
	if err != nil && breachdesk.ErrorCode(err) != breachdesk.ENotFound {
		return false, "", err
	}
	if tp != nil && tp.Text != "" {
		return true, "talking points written by " + tp.UpdatedBy, nil
	}
	if page != nil {
		return false, "the page /incidents/" + page.Slug + " is a draft, and there are no talking points", nil
	}
	return false, "no talking points, no published page", nil
}

func detectInquiry(ctx context.Context, d *Drill, inc *breachdesk.Incident) (bool, string, error) {
	q := d.inquiry
	if q == nil {
		return false, "the drill sends an inquiry once the people are told (step 6)", nil
	}
	replies, err := d.Store.FindInquiryReplies(ctx, q.ID)
	if err != nil {
		return false, "", err
	}
	if len(replies) == 0 {
		return false, "inquiry " + q.Reference + " waits for an answer", nil
	}
	return true, fmt.Sprintf("inquiry %s answered by %s", q.Reference, replies[0].Author), nil
}

// authority is the code of the report to write for the organization's
// lead authority.
func (d *Drill) authority() string {
	switch d.Organization.Country {
	case "FR":
		return "CNIL"
	case "GB":
		return "ICO"
	case "IT":
		return "GARANTE"
	case "US":
		return "US-AG"
	}
	return "EDPB"
}

// art33 is the id of the GDPR Art. 33 obligation of the organization's
// lead authority, as `breachdesk obligations` lists it.
func (d *Drill) art33() string {
	if d.Organization.Country == "GB" {
		return "gb-ukgdpr-33"
	}
	return "eu-gdpr-33/" + d.Organization.Country
}

// groupThousands writes 24000000 as 24,000,000.
func groupThousands(n int64) string {
	s := fmt.Sprint(n)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String()
}
