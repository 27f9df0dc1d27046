package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/importer"
	"github.com/breachdesk/breachdesk/lookup"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func (m *Main) subjectsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "subjects",
		Short: "Import, count and find the people a breach affected",
	}
	cmd.AddCommand(m.subjectsImportCommand(), m.subjectsCountCommand(), m.subjectsFindCommand())
	return cmd
}

func (m *Main) subjectsImportCommand() *cobra.Command {
	var format, rejectsPath string
	var commitEvery int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "import INCIDENT FILE [--format csv|jsonl] [--rejects FILE]",
		Short: "Import the affected people of an incident from a CSV or JSON Lines file",
		Long: `import streams FILE (- for standard input) into the incident, in batches, with
bounded memory whatever the file's size. Names, e-mail addresses, phone numbers
and postal addresses are stored only encrypted. Rows with a problem are written
to the rejects file (default FILE.rejects.csv) with their line, field and
reason; the good rows are imported. Running the same import again imports only
what is missing: after an interruption, run it again.

It prints one line: read, imported, duplicates (external id already imported),
rejected. See docs/subjects-file.md for the columns.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			path := args[1]
			if format == "" {
				format = importer.FormatOf(path)
			}
			var in io.Reader = m.Stdin
			var size int64
			if path != "-" {
				f, err := os.Open(path)
				if err != nil {
					return breachdesk.Errorf(breachdesk.EInvalid, "%s: %v", path, unwrapPathError(err))
				}
				defer f.Close()
				if info, err := f.Stat(); err == nil {
					size = info.Size()
				}
				in = f
			}
			if rejectsPath == "" {
				rejectsPath = "rejects.csv"
				if path != "-" {
					rejectsPath = path + ".rejects.csv"
				}
			}
			s, err := m.openStore(ctx)
			if err != nil {
				return err
			}
			if _, err := s.Incidents.FindIncidentByID(ctx, id); err != nil {
				return err
			}
			keys, err := m.openKeyring(ctx, s)
			if err != nil {
				return err
			}
			rejects, err := os.OpenFile(rejectsPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
			if err != nil {
				return breachdesk.Errorf(breachdesk.EInvalid, "--rejects: %v", unwrapPathError(err))
			}
			defer rejects.Close()
			if m.Getenv("GOMEMLIMIT") == "" {
				// Keep the heap small whatever the file's size; the import
				// streams, so a busier collector costs little.
				debug.SetMemoryLimit(importMemoryLimit)
			}
			imp := &importer.Importer{People: s.People, Keyring: keys, CommitSize: commitEvery}
			if m.stdoutIsTerminal() {
				imp.Progress = newProgressBar(m.Stderr, size, m.Now)
			}
			sum, err := imp.Import(ctx, id, path, bufio.NewReaderSize(in, 1<<20), format, rejects)
			if imp.Progress != nil {
				fmt.Fprintln(m.Stderr)
			}
			if err != nil {
				return err
			}
			if sum.Rejected == 0 {
				rejects.Close()
				os.Remove(rejectsPath)
			}
			if asJSON {
				return m.printJSON(sum)
			}
			fmt.Fprintf(m.Stdout, "read %d, imported %d, duplicates %d, rejected %d\n", sum.Read, sum.Imported, sum.Duplicates, sum.Rejected)
			if sum.Rejected > 0 {
				fmt.Fprintf(m.Stderr, "The rejected rows are listed in %s with their line, field and reason.\n", rejectsPath)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "csv or jsonl (default: from the file name, else csv)")
	cmd.Flags().StringVar(&rejectsPath, "rejects", "", "where to list rejected rows (default FILE.rejects.csv)")
	cmd.Flags().IntVar(&commitEvery, "commit-every", 0, "rows stored per transaction: fewer lose less work to a crash, more import faster (default 50000)")
	jsonFlag(cmd, &asJSON)
	return cmd
}

// importMemoryLimit is the Go heap's soft limit during an import. With
// SQLite's 64 MiB page cache, it keeps the process under 256 MiB.
const importMemoryLimit = 96 << 20

// stdoutIsTerminal tells whether a person is watching, for progress bars.
func (m *Main) stdoutIsTerminal() bool {
	f, ok := m.Stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newProgressBar returns a progress reporter that redraws one line on w:
// rows, rows per second and, when the file size is known, the time left.
func newProgressBar(w io.Writer, size int64, now func() time.Time) func(importer.Progress) {
	start := now()
	return func(p importer.Progress) {
		elapsed := now().Sub(start).Seconds()
		rate := float64(p.Read) / max(elapsed, 0.001)
		line := fmt.Sprintf("\r%d rows, %.0f rows/s", p.Read, rate)
		if size > 0 && p.BytesRead > 0 {
			done := float64(p.BytesRead) / float64(size)
			left := time.Duration(elapsed/done*(1-done)) * time.Second
			line += fmt.Sprintf(", %3.0f%%, %s left", 100*done, left.Round(time.Second))
		}
		fmt.Fprintf(w, "%-70s", line)
	}
}

func (m *Main) subjectsCountCommand() *cobra.Command {
	var by string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "count INCIDENT [--by country|region|language|category]",
		Short: "Count an incident's affected people, in all or by one attribute",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			if by != "" && !slices.Contains([]string{breachdesk.CountByCountry, breachdesk.CountByRegion, breachdesk.CountByLanguage, breachdesk.CountByCategory}, by) {
				return usageErrorf("--by: %q is not country, region, language or category", by)
			}
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			count, err := s.People.CountAffectedPeople(cmd.Context(), id, by)
			if err != nil {
				return err
			}
			if asJSON {
				return m.printJSON(count)
			}
			fmt.Fprintf(m.Stdout, "Total: %s\n", groupThousands(count.Total))
			if by == "" {
				return nil
			}
			values := make([]string, 0, len(count.Counts))
			for v := range count.Counts {
				values = append(values, v)
			}
			slices.SortFunc(values, func(a, b string) int {
				if d := count.Counts[b] - count.Counts[a]; d != 0 {
					return int(d)
				}
				return strings.Compare(a, b)
			})
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
			for _, v := range values {
				label := v
				if label == "" {
					label = "(none)"
				}
				fmt.Fprintf(tw, "%s\t%s\t\n", label, groupThousands(count.Counts[v]))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "count per country, region, language or category")
	jsonFlag(cmd, &asJSON)
	return cmd
}

// PersonMatch is one incident a looked-up person is in, as find shows it.
type PersonMatch struct {
	IncidentID     int64    `json:"incident_id"`
	IncidentTitle  string   `json:"incident_title"`
	ExternalID     string   `json:"external_id"`
	Name           string   `json:"name,omitempty"`
	Email          string   `json:"email,omitempty"`
	Phone          string   `json:"phone,omitempty"`
	PostalAddress  string   `json:"postal_address,omitempty"`
	Country        string   `json:"country"`
	Region         string   `json:"region,omitempty"`
	Language       string   `json:"language"`
	DataCategories []string `json:"data_categories"`
	Masked         bool     `json:"masked"`
}

func (m *Main) subjectsFindCommand() *cobra.Command {
	var email, phone string
	var reveal, asJSON bool
	cmd := &cobra.Command{
		Use:   "find --email ADDR | --phone +CCNUMBER [--reveal]",
		Short: "Find a person in every incident by e-mail address or phone number",
		Long: `find looks a person up through the blind index, without decrypting anyone
else, and lists every incident they are in with their affected data
categories. Contact data is masked (m***@example.com); --reveal shows it in
plaintext and is recorded in the audit log.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if (email == "") == (phone == "") {
				return usageErrorf("give either --email or --phone")
			}
			s, err := m.openStore(ctx)
			if err != nil {
				return err
			}
			keys, err := m.openKeyring(ctx, s)
			if err != nil {
				return err
			}
			finder := &lookup.Finder{People: s.People, Incidents: s.Incidents, Keys: keys}
			found, err := finder.Find(ctx, lookup.Query{Email: email, Phone: phone})
			if err != nil {
				return flagError(err)
			}
			matches := []PersonMatch{}
			for _, f := range found {
				p := f.Person
				match := PersonMatch{IncidentID: p.IncidentID, IncidentTitle: f.Incident.Title, ExternalID: p.ExternalID,
					Country: p.Country, Region: p.Region, Language: p.Language, DataCategories: p.DataCategories, Masked: !reveal}
				if reveal {
					match.Name, match.Email, match.Phone, match.PostalAddress = p.Name, p.Email, p.Phone, p.PostalAddress
				} else {
					match.Name, match.Email, match.Phone = breachdesk.MaskName(p.Name), breachdesk.MaskEmail(p.Email), breachdesk.MaskPhone(p.Phone)
					if p.PostalAddress != "" {
						match.PostalAddress = "***"
					}
				}
				matches = append(matches, match)
			}
			if reveal {
				for _, match := range matches {
					if err := s.Audit.RecordAccess(ctx, breachdesk.AuditPeopleReveal, "affected_person", fmt.Sprintf("%d/%s", match.IncidentID, match.ExternalID)); err != nil {
						return err
					}
				}
			}
			if asJSON {
				return m.printJSON(map[string]any{"matches": matches})
			}
			if len(matches) == 0 {
				fmt.Fprintln(m.Stdout, "Not found in any incident.")
				return nil
			}
			for _, match := range matches {
				fmt.Fprintf(m.Stdout, "Incident %d: %s\n", match.IncidentID, match.IncidentTitle)
				tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
				for _, row := range [][2]string{
					{"Person", match.ExternalID}, {"Name", orUnknown(match.Name)}, {"E-mail", orUnknown(match.Email)},
					{"Phone", orUnknown(match.Phone)}, {"Postal address", orUnknown(match.PostalAddress)},
					{"Country", strings.TrimSpace(match.Country + " " + match.Region)}, {"Language", match.Language},
					{"Data affected", formatList(match.DataCategories)},
				} {
					fmt.Fprintf(tw, "  %s:\t%s\n", row[0], row[1])
				}
				tw.Flush()
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "the e-mail address to look up")
	cmd.Flags().StringVar(&phone, "phone", "", "the phone number to look up, with its country code")
	cmd.Flags().BoolVar(&reveal, "reveal", false, "show contact data in plaintext (recorded in the audit log)")
	jsonFlag(cmd, &asJSON)
	return cmd
}
