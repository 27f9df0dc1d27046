// Command breachdesk records and answers personal-data breaches: the
// incident record, the legal clocks, the regulator notification and the
// notices to affected people. Run `breachdesk help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"os/user"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/breachdesk/breachdesk"
	bdhttp "github.com/breachdesk/breachdesk/http"
	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	code := m.Run(ctx, os.Args[1:])
	m.Close()
	os.Exit(code)
}

// Exit codes, one per kind of outcome, so that scripts can tell them apart.
const (
	ExitOK       = 0
	ExitInternal = 1
	ExitUsage    = 2
	ExitInvalid  = 3
	ExitNotFound = 4
	// ExitCheckFailed means a check ran and found a problem, such as a
	// broken audit chain.
	ExitCheckFailed = 5
)

// exitCodes maps application error codes to exit codes; anything else is
// ExitInternal. It is the only such table.
var exitCodes = map[string]int{
	breachdesk.EInvalid:  ExitInvalid,
	breachdesk.EConflict: ExitInvalid,
	breachdesk.ENotFound: ExitNotFound,
}

// Main is the program: its configuration, its standard streams and the
// resources a command opened. Tests build one directly and call Run.
type Main struct {
	Config Config

	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Getenv reads the environment; tests replace it.
	Getenv func(string) string
	// Actor is who the commands act as: the operating-system user.
	Actor breachdesk.Actor
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Started, when set, is called by serve once both listeners are open.
	Started func(*bdhttp.Server)

	// commandStarted is set once cobra has parsed the command line, so
	// that errors before it are usage errors.
	commandStarted bool
	store          *store
	logger         *slog.Logger
}

// NewMain returns a Main on the process's standard streams and environment.
func NewMain() *Main {
	return &Main{
		Config: DefaultConfig(),
		Stdin:  os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv: os.Getenv,
		Actor:  breachdesk.Actor{Kind: breachdesk.ActorCLI, Name: osUser()},
		Now:    time.Now,
	}
}

// osUser names the person at the command line for the audit log.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if name := os.Getenv("USER"); name != "" {
		return name
	}
	return "unknown"
}

// Run executes the command line args and returns the exit code. Errors are
// printed on Stderr.
func (m *Main) Run(ctx context.Context, args []string) int {
	root := m.rootCommand()
	root.SetArgs(args)
	root.SetIn(m.Stdin)
	root.SetOut(m.Stdout)
	root.SetErr(m.Stderr)
	err := root.ExecuteContext(breachdesk.NewContextWithActor(ctx, m.Actor))
	if err == nil {
		return ExitOK
	}
	var failed *checkFailedError
	if errors.As(err, &failed) {
		fmt.Fprintf(m.Stderr, "breachdesk: %v\n", err)
		return ExitCheckFailed
	}
	if !m.commandStarted || errorsAsUsage(err) {
		fmt.Fprintf(m.Stderr, "breachdesk: %v\nRun 'breachdesk help' for usage.\n", err)
		return ExitUsage
	}
	code := breachdesk.ErrorCode(err)
	if code == breachdesk.EInternal {
		// The operator running the command is the one who needs the details.
		fmt.Fprintf(m.Stderr, "breachdesk: %v\n", err)
		return ExitInternal
	}
	fmt.Fprintf(m.Stderr, "breachdesk: %s\n", breachdesk.ErrorMessage(err))
	if c, ok := exitCodes[code]; ok {
		return c
	}
	return ExitInternal
}

// Close releases what the command opened. It is safe to call twice.
func (m *Main) Close() error {
	if m.store == nil {
		return nil
	}
	err := m.store.Close()
	m.store = nil
	return err
}

func (m *Main) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "breachdesk",
		Short: "Respond to a personal-data breach: record it, know every deadline, notify on time",
		Long: `breachdesk records a personal-data breach, scopes who is affected, tells which
laws apply and every deadline, files the regulator notification and notifies
the people, with every step on record.

The database is a SQLite file by default (breachdesk.db in the working
directory); give a postgres:// URL with --db for large breaches.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			m.commandStarted = true
			if err := m.Config.load(cmd.Flags(), m.Getenv); err != nil {
				return err
			}
			var err error
			m.logger, err = m.Config.logger(m.Stderr)
			return err
		},
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return err })
	m.Config.registerFlags(root.PersistentFlags())
	root.AddCommand(
		m.versionCommand(),
		m.configCommand(),
		m.migrateCommand(),
		m.serveCommand(),
		m.orgCommand(),
		m.incidentCommand(),
		m.auditCommand(),
		m.registerCommand(),
		m.tokenCommand(),
		m.userCommand(),
		m.subjectsCommand(),
		m.genCommand(),
		m.keyCommand(),
		m.assessCommand(),
		m.obligationsCommand(),
		m.reportCommand(),
		m.campaignCommand(),
		m.workerCommand(),
		m.demoCommand(),
		m.drillCommand(),
	)
	return root
}

func (m *Main) versionCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print breachdesk's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := buildVersion()
			if asJSON {
				return m.printJSON(map[string]string{"version": v})
			}
			fmt.Fprintln(m.Stdout, "breachdesk", v)
			return nil
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

// buildVersion returns the version set at link time, else the module
// version or VCS revision Go recorded, else "dev".
func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

func (m *Main) migrateCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the database schema",
		Long: `migrate applies the schema migrations this breachdesk carries. Every command
does this when it opens the database; migrate does only that and reports the
version, for upgrades run by hand before starting the servers.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			v, err := s.Version(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return m.printJSON(map[string]any{"backend": s.backend, "schema_version": v})
			}
			fmt.Fprintf(m.Stdout, "%s database is at schema version %d.\n", s.backend, v)
			return nil
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

// usageErrorf returns an error that Run reports as a usage error, for
// argument checks that run inside a command.
func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

type usageError struct{ msg string }

// checkFailedError is a check that ran and failed; Run exits with
// ExitCheckFailed.
type checkFailedError struct{ msg string }

func (e *checkFailedError) Error() string { return e.msg }

func (e *usageError) Error() string { return e.msg }

// errorsAsUsage reports whether err is a usage error.
func errorsAsUsage(err error) bool {
	var u *usageError
	return errors.As(err, &u)
}
