package main

import (
	"bufio"
	"strconv"
	"strings"

	"github.com/breachdesk/breachdesk/synthetic"
	"github.com/spf13/cobra"
)

func (m *Main) genCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "gen",
		Short: "Make up synthetic data for drills and benchmarks",
	}
	cmd.AddCommand(m.genSubjectsCommand())
	return cmd
}

func (m *Main) genSubjectsCommand() *cobra.Command {
	var seed uint64
	var places string
	cmd := &cobra.Command{
		Use:   "subjects N [--seed S] [--countries FR,US-CA,...]",
		Short: "Write N made-up affected people as an import CSV on standard output",
		Long: `subjects writes N synthetic people, spread evenly over the countries and
regions given, as a CSV that 'breachdesk subjects import' reads: names and
languages that fit each country, e-mail addresses on the reserved example.com,
example.net and example.org domains (they can never reach anyone), and valid
mobile numbers. The same seed gives the same people.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 0 {
				return usageErrorf("N must be a whole number of people, not %q", args[0])
			}
			list := synthetic.DefaultPlaces()
			if places != "" {
				list = strings.Split(places, ",")
			}
			g, err := synthetic.New(seed, list)
			if err != nil {
				return err
			}
			w := bufio.NewWriterSize(m.Stdout, 1<<20)
			if err := g.WriteCSV(w, n); err != nil {
				return err
			}
			return w.Flush()
		},
	}
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the random choices")
	cmd.Flags().StringVar(&places, "countries", "", "comma-separated countries or regions (default "+strings.Join(synthetic.DefaultPlaces(), ",")+")")
	return cmd
}
