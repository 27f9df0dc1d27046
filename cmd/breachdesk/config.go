package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/breachdesk/breachdesk"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Config is breachdesk's configuration. Each setting comes from its flag,
// else its environment variable, else the default. Settings that can hold a
// secret also read a file named by the variable with a _FILE suffix.
type Config struct {
	// DB is a SQLite file path or sqlite: DSN, or a postgres:// URL.
	DB string `json:"db"`
	// KeyFile holds the key that encrypts affected people's personal data.
	// On SQLite it defaults to breachdesk.key beside the database file.
	KeyFile string `json:"key_file"`
	// Addr is the staff console and API listener.
	Addr string `json:"addr"`
	// PublicAddr is the listener of the pages for affected people.
	PublicAddr string `json:"public_addr"`
	// LogFormat is text or json.
	LogFormat string `json:"log_format"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `json:"log_level"`
}

// DefaultConfig returns the configuration of a fresh install: a SQLite
// file in the working directory and both listeners on the loopback.
func DefaultConfig() Config {
	return Config{
		DB:         "breachdesk.db",
		Addr:       "127.0.0.1:8080",
		PublicAddr: "127.0.0.1:8081",
		LogFormat:  "text",
		LogLevel:   "info",
	}
}

// setting ties a flag to its environment variable and config field.
type setting struct {
	flag, env, usage string
	field            func(*Config) *string
	secret           bool // may be read from $ENV_FILE, masked in dumps
	persistent       bool // a flag of every command, not only serve
}

func settings() []setting {
	return []setting{
		{flag: "db", env: "BREACHDESK_DB", persistent: true, secret: true,
			usage: "database: a SQLite file path or sqlite: DSN, or a postgres:// URL",
			field: func(c *Config) *string { return &c.DB }},
		{flag: "key-file", env: "BREACHDESK_KEY_FILE", persistent: true,
			usage: "file holding the key that encrypts personal data (default: breachdesk.key beside a SQLite database)",
			field: func(c *Config) *string { return &c.KeyFile }},
		{flag: "log-format", env: "BREACHDESK_LOG_FORMAT", persistent: true,
			usage: "log format: text or json", field: func(c *Config) *string { return &c.LogFormat }},
		{flag: "log-level", env: "BREACHDESK_LOG_LEVEL", persistent: true,
			usage: "log level: debug, info, warn or error", field: func(c *Config) *string { return &c.LogLevel }},
		{flag: "addr", env: "BREACHDESK_ADDR",
			usage: "address of the staff console and API", field: func(c *Config) *string { return &c.Addr }},
		{flag: "public-addr", env: "BREACHDESK_PUBLIC_ADDR",
			usage: "address of the public pages for affected people", field: func(c *Config) *string { return &c.PublicAddr }},
	}
}

// registerFlags adds the settings that every command takes.
func (c *Config) registerFlags(flags *pflag.FlagSet) {
	for _, s := range settings() {
		if s.persistent {
			flags.StringVar(s.field(c), s.flag, *s.field(c), s.usage+" [$"+s.env+"]")
		}
	}
}

// registerServeFlags adds the settings only serve takes.
func (c *Config) registerServeFlags(flags *pflag.FlagSet) {
	for _, s := range settings() {
		if !s.persistent {
			flags.StringVar(s.field(c), s.flag, *s.field(c), s.usage+" [$"+s.env+"]")
		}
	}
}

// load fills each setting whose flag was not given from its environment
// variable or, for secrets, the file its _FILE variable names; then checks
// the result.
func (c *Config) load(flags *pflag.FlagSet, getenv func(string) string) error {
	for _, s := range settings() {
		if f := flags.Lookup(s.flag); f != nil && f.Changed {
			continue
		}
		if v := getenv(s.env); v != "" {
			*s.field(c) = v
		} else if path := getenv(s.env + "_FILE"); path != "" && s.secret {
			data, err := os.ReadFile(path)
			if err != nil {
				return breachdesk.Errorf(breachdesk.EInvalid, "%s_FILE: %v", s.env, err)
			}
			*s.field(c) = strings.TrimSpace(string(data))
		}
	}
	if c.KeyFile == "" && !isPostgres(c.DB) {
		c.KeyFile = filepath.Join(filepath.Dir(sqlitePath(c.DB)), "breachdesk.key")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return breachdesk.Errorf(breachdesk.EInvalid, "--log-format: %q is not text or json", c.LogFormat)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return breachdesk.Errorf(breachdesk.EInvalid, "--log-level: %q is not debug, info, warn or error", c.LogLevel)
	}
	return nil
}

// logger returns the structured logger the configuration asks for.
func (c *Config) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// Masked returns a copy safe to print: the password of a database URL is
// replaced by asterisks.
func (c Config) Masked() Config {
	c.DB = maskDSN(c.DB)
	return c
}

func maskDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
		return dsn
	}
	// key=value DSNs: mask password=...
	fields := strings.Fields(dsn)
	for i, f := range fields {
		if strings.HasPrefix(f, "password=") {
			fields[i] = "password=xxxxx"
		}
	}
	return strings.Join(fields, " ")
}

func (m *Main) configCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print the effective configuration, secrets masked",
		Long: `config prints the settings breachdesk would use, after flags, environment
variables and defaults, with passwords masked. Each setting:

` + settingsHelp(),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c := m.Config.Masked()
			if asJSON {
				return m.printJSON(c)
			}
			for _, s := range settings() {
				fmt.Fprintf(m.Stdout, "%-12s %s\n", s.flag, *s.field(&c))
			}
			return nil
		},
	}
	m.Config.registerServeFlags(cmd.Flags())
	jsonFlag(cmd, &asJSON)
	return cmd
}

func settingsHelp() string {
	var b strings.Builder
	for _, s := range settings() {
		fmt.Fprintf(&b, "  --%-12s $%s", s.flag, s.env)
		if s.secret {
			fmt.Fprintf(&b, " or $%s_FILE", s.env)
		}
		b.WriteString("\n")
	}
	return b.String()
}
