package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/password"
)

// TestUserCommands adds accounts, lists them and sets a password, on each
// backend, and checks that what is stored is a hash of the password
// given, never the password.
func TestUserCommands(t *testing.T) {
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			checkPassword := func(login, want string) {
				t.Helper()
				_, hash, err := c.openStore().Staff.FindStaffCredentials(context.Background(), login)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(hash, want) {
					t.Fatalf("the stored hash %q holds the password", hash)
				}
				if ok, err := password.Check(hash, want); err != nil || !ok {
					t.Fatalf("password.Check(stored hash of %s) = %v, %v, want true", login, ok, err)
				}
			}

			made := strings.TrimSpace(c.mustRun("", "user", "add", "--login", "Dana@Example.com", "--name", "Dana Prot", "--role", "dpo"))
			if len(made) < breachdesk.MinPasswordLength || strings.ContainsAny(made, " \n") {
				t.Fatalf("user add printed %q, want one random password", made)
			}
			checkPassword("dana@example.com", made)

			given := "correct horse battery staple"
			if out := c.mustRun(given+"\n", "user", "add", "--login", "ali@example.com", "--name", "Ali", "--role", "agent",
				"--language", "fr", "--password-stdin"); out != "" {
				t.Fatalf("user add --password-stdin printed %q, want nothing", out)
			}
			checkPassword("ali@example.com", given)

			var users []*breachdesk.StaffUser
			if err := json.Unmarshal([]byte(c.mustRun("", "user", "list", "--json")), &users); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range users {
				got = append(got, u.Login+" "+string(u.Role)+" "+u.Language)
			}
			if want := "ali@example.com agent fr,dana@example.com dpo en"; strings.Join(got, ",") != want {
				t.Fatalf("user list = %v, want %s", got, want)
			}
			if out := c.mustRun("", "user", "list"); strings.Contains(out, "argon2") || !strings.Contains(out, "never") {
				t.Fatalf("user list shows a hash or misses the last sign-in:\n%s", out)
			}

			again := strings.TrimSpace(c.mustRun("", "user", "password", "ALI@example.com"))
			checkPassword("ali@example.com", again)

			for _, tt := range []struct {
				name, stdin string
				args        []string
				code        int
				stderr      string
			}{
				{"ErrLoginTaken", "", []string{"user", "add", "--login", "dana@example.com", "--name", "D", "--role", "agent"}, ExitInvalid, "dana@example.com"},
				{"ErrUnknownRole", "", []string{"user", "add", "--login", "x@example.com", "--name", "X", "--role", "boss"}, ExitInvalid, "--role"},
				{"ErrLoginNotAnAddress", "", []string{"user", "add", "--login", "x", "--name", "X", "--role", "agent"}, ExitInvalid, "--login"},
				{"ErrShortPassword", "short\n", []string{"user", "add", "--login", "y@example.com", "--name", "Y", "--role", "agent", "--password-stdin"}, ExitInvalid, "12 characters"},
				{"ErrNoSuchAccount", "", []string{"user", "password", "nobody@example.com"}, ExitNotFound, "nobody@example.com"},
			} {
				t.Run(tt.name, func(t *testing.T) {
					r := c.run(tt.stdin, tt.args...)
					if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
						t.Fatalf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tt.code, tt.stderr)
					}
				})
			}
		})
	}
}
