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

	// SMTP is the mail relay notices go through, as a URL:
	// smtp://[user:password@]host:port (STARTTLS when offered), smtps://...
	// or smtp+insecure://... (never STARTTLS).
	SMTP string `json:"smtp"`
	// MailFrom is the From of the notices; default: the organization's
	// name and DPO address.
	MailFrom string `json:"mail_from"`
	// BounceDomain receives the delivery status notifications at VERP
	// addresses; default: the domain of MailFrom.
	BounceDomain string `json:"bounce_domain"`
	// SMTPAddr is where serve listens for those notifications; empty: off.
	SMTPAddr string `json:"smtp_addr"`
	// MetricsAddr is where worker answers GET /metrics and /healthz;
	// empty: off. serve answers /metrics on Addr.
	MetricsAddr string `json:"metrics_addr"`
	// PublicURL is the address people type to reach the public pages, as
	// printed in the notices; default: http:// and PublicAddr.
	PublicURL string `json:"public_url"`
	// DKIMKey is a PEM RSA key file (2048 bits or more) that signs the
	// notices for DKIMDomain with DKIMSelector; DKIMEd25519Key an optional
	// Ed25519 key file for a second signature with DKIMEd25519Selector.
	DKIMKey             string `json:"dkim_key"`
	DKIMSelector        string `json:"dkim_selector"`
	DKIMDomain          string `json:"dkim_domain"`
	DKIMEd25519Key      string `json:"dkim_ed25519_key"`
	DKIMEd25519Selector string `json:"dkim_ed25519_selector"`

	// PublicClientRate and PublicRate are the requests per second the
	// public pages take from one client and from all; empty: the
	// defaults, "inf": no limit. TrustedProxies lists the reverse proxies
	// (addresses or prefixes, comma-separated) whose X-Forwarded-For names
	// the client.
	PublicClientRate string `json:"public_client_rate"`
	PublicRate       string `json:"public_rate"`
	TrustedProxies   string `json:"trusted_proxies"`
	// SecureCookies is "true" when a proxy in front terminates TLS: both
	// listeners' cookies are then Secure, with the __Host- prefix, though
	// the requests reach breachdesk in plain HTTP.
	SecureCookies string `json:"secure_cookies"`
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
		SMTP:       "smtp://127.0.0.1:25",
	}
}

// setting ties a flag to its environment variable and config field.
type setting struct {
	flag, env, usage string
	field            func(*Config) *string
	secret           bool // may be read from $ENV_FILE, masked in dumps
	persistent       bool // a flag of every command, not only serve
	mail             bool // a flag of the commands that send mail: serve, worker, campaign
	serveOnly        bool // a flag of serve alone
	workerOnly       bool // a flag of worker alone
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
		{flag: "smtp-addr", env: "BREACHDESK_SMTP_ADDR", serveOnly: true,
			usage: "address of the inbound SMTP listener for bounces (delivery status notifications); empty: off",
			field: func(c *Config) *string { return &c.SMTPAddr }},
		{flag: "metrics-addr", env: "BREACHDESK_METRICS_ADDR", workerOnly: true,
			usage: "address where worker answers GET /metrics (Prometheus) and /healthz; empty: off (serve answers /metrics on --addr)",
			field: func(c *Config) *string { return &c.MetricsAddr }},
		{flag: "public-client-rate", env: "BREACHDESK_PUBLIC_CLIENT_RATE", serveOnly: true,
			usage: "requests per second the public pages take from one client (IPv4 address or IPv6 /64), or inf (default 10, bursts of 50)",
			field: func(c *Config) *string { return &c.PublicClientRate }},
		{flag: "public-rate", env: "BREACHDESK_PUBLIC_RATE", serveOnly: true,
			usage: "requests per second the public pages take from all clients together, or inf (default 5000)",
			field: func(c *Config) *string { return &c.PublicRate }},
		{flag: "trusted-proxies", env: "BREACHDESK_TRUSTED_PROXIES", serveOnly: true,
			usage: "reverse proxies in front of the public pages, whose X-Forwarded-For names the client: addresses or prefixes, comma-separated",
			field: func(c *Config) *string { return &c.TrustedProxies }},
		{flag: "secure-cookies", env: "BREACHDESK_SECURE_COOKIES", serveOnly: true,
			usage: "true when a proxy in front terminates TLS: cookies are then marked Secure even over plain HTTP",
			field: func(c *Config) *string { return &c.SecureCookies }},
		{flag: "smtp", env: "BREACHDESK_SMTP", mail: true, secret: true,
			usage: "mail relay: smtp://[user:password@]host:port (STARTTLS when offered), smtps://... or smtp+insecure://...",
			field: func(c *Config) *string { return &c.SMTP }},
		{flag: "mail-from", env: "BREACHDESK_MAIL_FROM", mail: true,
			usage: "From of the notices, such as \"ACME Privacy <privacy@acme.example>\" (default: the organization's name and DPO address)",
			field: func(c *Config) *string { return &c.MailFrom }},
		{flag: "bounce-domain", env: "BREACHDESK_BOUNCE_DOMAIN", mail: true,
			usage: "domain of the return paths whose mail reaches --smtp-addr (default: the domain of --mail-from)",
			field: func(c *Config) *string { return &c.BounceDomain }},
		{flag: "public-url", env: "BREACHDESK_PUBLIC_URL", mail: true,
			usage: "address of the public pages as printed in notices (default: http:// and --public-addr)",
			field: func(c *Config) *string { return &c.PublicURL }},
		{flag: "dkim-key", env: "BREACHDESK_DKIM_KEY", mail: true,
			usage: "PEM file of the RSA key (2048 bits or more) that signs notices with DKIM",
			field: func(c *Config) *string { return &c.DKIMKey }},
		{flag: "dkim-selector", env: "BREACHDESK_DKIM_SELECTOR", mail: true,
			usage: "DKIM selector of --dkim-key", field: func(c *Config) *string { return &c.DKIMSelector }},
		{flag: "dkim-domain", env: "BREACHDESK_DKIM_DOMAIN", mail: true,
			usage: "domain the DKIM signatures are made for (default: the domain of --mail-from)",
			field: func(c *Config) *string { return &c.DKIMDomain }},
		{flag: "dkim-ed25519-key", env: "BREACHDESK_DKIM_ED25519_KEY", mail: true,
			usage: "PEM file of an Ed25519 key for a second DKIM signature (RFC 8463)",
			field: func(c *Config) *string { return &c.DKIMEd25519Key }},
		{flag: "dkim-ed25519-selector", env: "BREACHDESK_DKIM_ED25519_SELECTOR", mail: true,
			usage: "DKIM selector of --dkim-ed25519-key", field: func(c *Config) *string { return &c.DKIMEd25519Selector }},
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

// registerServeFlags adds the settings only serve takes, with the mail
// settings.
func (c *Config) registerServeFlags(flags *pflag.FlagSet) {
	for _, s := range settings() {
		if !s.persistent && !s.workerOnly {
			flags.StringVar(s.field(c), s.flag, *s.field(c), s.usage+" [$"+s.env+"]")
		}
	}
}

// registerWorkerFlags adds the settings only worker takes.
func (c *Config) registerWorkerFlags(flags *pflag.FlagSet) {
	for _, s := range settings() {
		if s.workerOnly {
			flags.StringVar(s.field(c), s.flag, *s.field(c), s.usage+" [$"+s.env+"]")
		}
	}
}

// registerMailFlags adds the mail settings, for the commands that send.
func (c *Config) registerMailFlags(flags *pflag.FlagSet) {
	for _, s := range settings() {
		if s.mail {
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
	c.SMTP = maskDSN(c.SMTP)
	return c
}

func maskDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		if u.User != nil {
			if _, ok := u.User.Password(); ok {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			}
		}
		// libpq and pgx also take the password as a query parameter.
		if q := u.Query(); q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
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
				fmt.Fprintf(m.Stdout, "%-22s %s\n", s.flag, *s.field(&c))
			}
			return nil
		},
	}
	m.Config.registerServeFlags(cmd.Flags())
	m.Config.registerWorkerFlags(cmd.Flags())
	jsonFlag(cmd, &asJSON)
	return cmd
}

func settingsHelp() string {
	var b strings.Builder
	for _, s := range settings() {
		fmt.Fprintf(&b, "  --%-22s $%s", s.flag, s.env)
		if s.secret {
			fmt.Fprintf(&b, " or $%s_FILE", s.env)
		}
		b.WriteString("\n")
	}
	return b.String()
}
