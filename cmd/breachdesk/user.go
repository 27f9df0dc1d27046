package main

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/password"
)

func (m *Main) userCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Add and list the staff accounts of the console, set their passwords",
	}
	cmd.AddCommand(m.userAddCommand(), m.userListCommand(), m.userPasswordCommand())
	return cmd
}

func (m *Main) userAddCommand() *cobra.Command {
	var u breachdesk.StaffUser
	var role string
	var fromStdin bool
	cmd := &cobra.Command{
		Use:   "add --login EMAIL --name NAME --role ROLE",
		Short: "Add a staff account and print its password, once",
		Long: `add creates an account for the console. The role says what it may do:

  admin      everything, the staff accounts included
  dpo        the response: facts, assessment, obligations, reports, campaigns,
             the agents' talking points
  responder  facts, timeline, campaigns, inquiries
  agent      customer service: the look-up of a person and the inquiries,
             with personal data masked
  auditor    reads everything, the audit log included, changes nothing

A random password is printed on standard output, once: only its argon2id hash
is stored. With --password-stdin the first line of standard input is the
password instead (at least 12 characters).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			u.Role = breachdesk.Role(role)
			u.Normalize()
			if err := u.Validate(); err != nil {
				return flagError(err)
			}
			secret, hash, err := m.newPassword(fromStdin, u.Login)
			if err != nil {
				return err
			}
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			if err := s.Staff.CreateStaffUser(cmd.Context(), &u, hash); err != nil {
				return flagError(err)
			}
			if !fromStdin {
				fmt.Fprintln(m.Stdout, secret)
			}
			fmt.Fprintf(m.Stderr, "Account %s (%s) added.", u.Login, u.Role)
			if !fromStdin {
				fmt.Fprint(m.Stderr, " Hand over the password now: it will not be shown again.")
			}
			fmt.Fprintln(m.Stderr)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&u.Login, "login", "", "the user's e-mail address, with which they sign in")
	f.StringVar(&u.Name, "name", "", "the user's name, as the console and the timeline show it")
	f.StringVar(&role, "role", "", "admin, dpo, responder, agent or auditor")
	f.StringVar(&u.Language, "language", "en", "the console's language for the user: en or fr")
	f.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input instead of making one")
	return cmd
}

func (m *Main) userListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the staff accounts (passwords are never shown)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			users, err := s.Staff.FindStaffUsers(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return m.printJSON(users)
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "LOGIN\tNAME\tROLE\tLANGUAGE\tLAST SIGN-IN\tSTATE")
			for _, u := range users {
				state := "active"
				switch {
				case u.DisabledAt != nil:
					state = "disabled"
				case u.Locked(m.Now()):
					state = "locked until " + formatTime(u.LockedUntil)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Login, u.Name, u.Role, u.Language, formatTimeOr(u.LastSignInAt, "never"), state)
			}
			return tw.Flush()
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (m *Main) userPasswordCommand() *cobra.Command {
	var fromStdin bool
	cmd := &cobra.Command{
		Use:   "password LOGIN",
		Short: "Set a new password for an account, unlock it and end its sessions",
		Long: `password replaces the password of the account with LOGIN by a random one,
printed once on standard output, or by the first line of standard input with
--password-stdin. The account is unlocked, and signed out everywhere.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			login := breachdesk.NormalizeLogin(args[0])
			secret, hash, err := m.newPassword(fromStdin, login)
			if err != nil {
				return err
			}
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			if err := s.Staff.SetStaffPassword(cmd.Context(), login, hash); err != nil {
				return err
			}
			if !fromStdin {
				fmt.Fprintln(m.Stdout, secret)
			}
			fmt.Fprintf(m.Stderr, "Password of %s set; the account is unlocked and signed out everywhere.\n", login)
			return nil
		},
	}
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input instead of making one")
	return cmd
}

// newPassword reads a password from the first line of standard input, or
// makes a random one (26 characters of base32, 130 bits), and hashes it.
func (m *Main) newPassword(fromStdin bool, login string) (secret, hash string, err error) {
	if fromStdin {
		line, err := bufio.NewReader(m.Stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", "", fmt.Errorf("read the password: %w", err)
		}
		secret = strings.TrimRight(line, "\r\n")
		if err := breachdesk.ValidatePassword(secret, login); err != nil {
			return "", "", breachdesk.Errorf(breachdesk.EInvalid, "standard input: %s", breachdesk.ErrorMessage(err))
		}
	} else {
		secret = rand.Text()
	}
	hash, err = password.Hash(secret)
	return secret, hash, err
}
