package main

import (
	"fmt"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/keyring"
	"github.com/spf13/cobra"
)

func (m *Main) keyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Manage the key that encrypts personal data",
	}
	cmd.AddCommand(m.keyRotateCommand())
	return cmd
}

func (m *Main) keyRotateCommand() *cobra.Command {
	var newDataKey bool
	cmd := &cobra.Command{
		Use:   "rotate [--new-data-key]",
		Short: "Replace the master key in the key file, re-wrapping the data keys",
		Long: `rotate makes a new master key, re-wraps the data keys stored in the database
with it in one transaction, and replaces the key file; the old file is kept
beside it as KEYFILE.old-ID until you have backed up the new one and destroy
it. Personal data is not re-encrypted, so this takes a moment whatever the
size of the breach. With --new-data-key, data written from now on is also
sealed with a new data key (the old one stays, to read older data).

Stop other breachdesk processes first: they hold the old key until restarted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if m.Config.KeyFile == "" {
				return breachdesk.Errorf(breachdesk.EInvalid, "--key-file is required with PostgreSQL")
			}
			s, err := m.openStore(ctx)
			if err != nil {
				return err
			}
			if _, err := m.openKeyring(ctx, s); err != nil { // proves the current key opens the data keys
				return err
			}
			mk, err := keyring.Rotate(ctx, m.Config.KeyFile, s.DataKeys, newDataKey, m.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "The key file %s now holds master key %s.\n", m.Config.KeyFile, mk.ID)
			fmt.Fprintln(m.Stderr, "Back up the new key file now. The old one was kept beside it (.old-...): destroy it once the backup is safe.")
			return nil
		},
	}
	cmd.Flags().BoolVar(&newDataKey, "new-data-key", false, "also seal data written from now on with a new data key")
	return cmd
}
