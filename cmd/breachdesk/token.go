package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func (m *Main) tokenCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list and revoke API tokens",
	}
	cmd.AddCommand(m.tokenCreateCommand(), m.tokenListCommand(), m.tokenRevokeCommand())
	return cmd
}

func (m *Main) tokenCreateCommand() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create an API token and print its secret, once",
		Long: `create makes a token for the JSON API and prints its secret on standard
output. Only a hash is stored: the secret cannot be shown again. Send it as
"Authorization: Bearer SECRET". Every change made with it is recorded under
token:NAME in the timeline and the audit log.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" {
				return usageErrorf("--name is required")
			}
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			_, secret, err := s.Tokens.CreateAPIToken(cmd.Context(), name)
			if err != nil {
				return flagError(err)
			}
			fmt.Fprintln(m.Stdout, secret)
			fmt.Fprintf(m.Stderr, "Token %q created. Store the secret now: it will not be shown again.\n", name)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "what the token is for, such as ticketing-system")
	return cmd
}

func (m *Main) tokenListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List API tokens, revoked ones included (secrets are never shown)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			tokens, err := s.Tokens.FindAPITokens(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return m.printJSON(tokens)
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tPREFIX\tCREATED\tBY\tREVOKED")
			for _, t := range tokens {
				revoked := "-"
				if t.RevokedAt != nil {
					revoked = formatTime(t.RevokedAt)
				}
				fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\t%s\n", t.Name, t.Prefix, formatTime(&t.CreatedAt), t.CreatedBy, revoked)
			}
			return tw.Flush()
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (m *Main) tokenRevokeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME",
		Short: "Revoke an API token: requests with it are refused from now on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			if err := s.Tokens.RevokeAPIToken(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(m.Stderr, "Token %q revoked.\n", args[0])
			return nil
		},
	}
}
