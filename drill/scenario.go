package drill

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/synthetic"
)

// writePeople writes n made-up people as an import file, the same for the
// same incident.
func writePeople(w io.Writer, incidentID int64, n int) error {
	g, err := synthetic.New(uint64(incidentID), synthetic.DefaultPlaces())
	if err != nil {
		return err
	}
	return g.WriteCSV(w, n)
}

// inquiryFrom returns the data-subject request the drill sends: from the
// first English-speaking person of the incident's file, so that staff can
// look the sender up and find them affected.
func inquiryFrom(incidentID int64) *breachdesk.Inquiry {
	g, _ := synthetic.New(uint64(incidentID), synthetic.DefaultPlaces()) // the default places are valid
	row := g.Person(0)
	for i := 1; i < 100 && !strings.HasPrefix(row[7], "en"); i++ {
		row = g.Person(i)
	}
	id := incidentID
	return &breachdesk.Inquiry{
		IncidentID: &id, Category: breachdesk.InquiryDataRequest, RequestKind: breachdesk.RequestAccess,
		Name: row[1], Email: row[2], Language: row[7],
		Message: "Hello, I received your e-mail about the data breach. Which of my data was taken? " +
			"Under Article 15 of the GDPR, please also send me a copy of the personal data you hold about me.",
	}
}

func (d *Drill) printBrief() {
	inc := d.Incident
	d.printf("breachdesk drill: a tabletop exercise on a made-up incident\n\n")
	if d.OrganizationCreated {
		o := d.Organization
		d.printf("No organisation was set up in this database: the drill set up an example one,\n%s (%s), DPO %s <%s>. Change it with: %s org set --name NAME --country CC\n\n",
			o.Name, o.Country, o.DPOName, o.DPOEmail, d.CLI)
	}
	d.printf("Incident %d: %q\n", inc.ID, inc.Title)
	d.printf("Aware at %s: the legal clocks start now. The 72-hour clock of GDPR Art. 33 ends at %s.\n",
		d.start.Format("2006-01-02 15:04:05 UTC"), d.start.Add(breachdesk.NotificationWindow).Format("2006-01-02 15:04 UTC"))
	d.printf("The affected people are in %s (%s made-up people).\n\n", d.PeopleFile, groupThousands(int64(d.People)))

	places := synthetic.DefaultPlaces()
	d.printf(`WHAT WE KNOW SO FAR
- At %s UTC the security team saw an unknown process exporting the customers table
  of the production database. The logs show it ran for about six hours overnight,
  through an administrator's account whose password was phished last week. The
  account is still active.
- The table holds names, e-mail addresses, phone numbers, postal addresses, the
  last four digits of the cards on file, and passwords hashed with unsalted SHA-1.
  Full card numbers live on a separate payment server, which shows no sign of access.
- The export went to a server abroad: nobody knows who holds the data now.
- The engineers extracted the %s customers in the table: %s.
  They live in %s and %s.
- A journalist has asked the press office for comment. Customers will call and write
  once they are told.

`, d.start.Format("15:04"), groupThousands(int64(d.People)), d.PeopleFile, strings.Join(places[:len(places)-1], ", "), places[len(places)-1])

	d.printf("THE STEPS: do each in breachdesk, in the console or on the command line; the drill sees it done.\n")
	d.printf("The console is at %s: start it with `%s serve`, and give each player an account\n(`%s user add --login LOGIN --name NAME --role dpo|responder|agent`).\n\n", d.ConsoleURL, d.CLI, d.CLI)
	for _, s := range d.steps {
		d.printf("%d. %s: %s.\n   console: %s\n   command: %s\n", s.Number, capitalize(s.Name), s.Goal, s.console(d), s.cli(d))
	}
	d.printf("\n")
	d.printHelp()
	d.printf("The drill ends when every step is done, at the time limit (%s), or on end.\n\n", d.timeLimitEnd())
}

func (d *Drill) printHelp() {
	d.printf("Type a step's number and Enter to mark it done by hand (for a step done outside breachdesk),\nstatus to see where each step stands, end to stop the drill.\n")
}

func (d *Drill) printStatus() {
	now := d.Now().UTC()
	done := 0
	for _, s := range d.steps {
		if s.At != nil {
			done++
		}
	}
	d.printf("[%s] %d of %d steps done; the time limit is in %s.\n", d.clock(now), done, len(d.steps), short(d.start.Add(d.TimeLimit).Sub(now)))
	tw := tabwriter.NewWriter(d.Out, 0, 0, 2, ' ', 0)
	for _, s := range d.steps {
		state := "waiting"
		switch {
		case s.At != nil && s.ByHand:
			state = "marked done by hand at " + d.elapsed(*s.At)
		case s.At != nil:
			state = "done at " + d.elapsed(*s.At) + ": " + s.Detail
		case s.waiting != "":
			state += ": " + s.waiting
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\n", s.Number, s.Name, state)
	}
	tw.Flush()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
