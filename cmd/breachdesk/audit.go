package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/breachdesk/breachdesk"
	bdhttp "github.com/breachdesk/breachdesk/http"
	"github.com/spf13/cobra"
)

func (m *Main) auditCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read and verify the tamper-evident audit log",
	}
	cmd.AddCommand(m.auditVerifyCommand(), m.auditListCommand())
	return cmd
}

func (m *Main) auditVerifyCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the whole audit chain and name the first broken entry",
		Long: `verify recomputes the hash of every audit entry and checks that each follows
the one before. It exits 0 when the chain holds and 5 when it is broken,
naming the first broken entry.

It prints the hash of the last entry: keep it somewhere breachdesk cannot
write (a ticket, a signed e-mail). A later verify that ends on a different
hash at that position shows that entries were removed from the end.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			v, err := s.Audit.VerifyAuditLog(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				if err := m.printJSON(v); err != nil {
					return err
				}
			} else if v.OK() {
				fmt.Fprintf(m.Stdout, "Audit log intact: %d entries, last hash %s\n", v.Entries, v.Head)
			}
			if !v.OK() {
				return &checkFailedError{fmt.Sprintf("audit log broken at entry %d: %s (%d entries before it are intact)", *v.FirstBroken, v.Problem, v.Entries)}
			}
			return nil
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (m *Main) auditListCommand() *cobra.Command {
	var asJSON bool
	var entity, entityID string
	var limit, offset int
	cmd := &cobra.Command{
		Use:   "list [--entity incident --entity-id ID]",
		Short: "List audit entries, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			filter := breachdesk.AuditFilter{Limit: limit, Offset: offset}
			if entity != "" {
				filter.Entity = &entity
			}
			if entityID != "" {
				filter.EntityID = &entityID
			}
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			entries, total, err := s.Audit.FindAuditEntries(cmd.Context(), filter)
			if err != nil {
				return err
			}
			if asJSON {
				if entries == nil {
					entries = []*breachdesk.AuditEntry{}
				}
				return m.printJSON(bdhttp.AuditListResponse{Entries: entries, Total: total})
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "#\tWHEN\tWHO\tACTION\tON\tHASH")
			for _, e := range entries {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s %s\t%s\n", e.ID, e.At.UTC().Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Entity, e.EntityID, e.Hash[:12])
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&entity, "entity", "", "only entries about this kind of thing: incident, organization, api_token")
	cmd.Flags().StringVar(&entityID, "entity-id", "", "only entries about this one")
	cmd.Flags().IntVar(&limit, "limit", 0, "show at most this many (default all)")
	cmd.Flags().IntVar(&offset, "offset", 0, "skip this many first")
	jsonFlag(cmd, &asJSON)
	return cmd
}
