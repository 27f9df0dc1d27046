package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyRotate(t *testing.T) {
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			key := c.keyArgs()
			id := strings.TrimSpace(c.mustRun("title: Theft\n", "incident", "create", "-f", "-"))
			c.mustRun("", append(key, "subjects", "import", id, c.file("people.csv", knownPeople))...)
			before, _ := os.ReadFile(key[1])

			out := c.mustRun("", append(key, "key", "rotate", "--new-data-key")...)
			if !strings.Contains(out, "now holds master key mk-") {
				t.Fatalf("key rotate: %q", out)
			}
			after, _ := os.ReadFile(key[1])
			if string(before) == string(after) {
				t.Fatal("the key file did not change")
			}
			olds, _ := filepath.Glob(key[1] + ".old-mk-*")
			if len(olds) != 1 {
				t.Fatalf("old key files kept: %v, want 1", olds)
			}
			// Data imported before the rotation opens with the new key...
			if out := c.mustRun("", append(key, "subjects", "find", "--email", "zebulon.quixotic@example.org", "--reveal")...); !strings.Contains(out, "Zebulon Quixotic") {
				t.Fatalf("find after rotation:\n%s", out)
			}
			// ...and the old key file no longer opens the database.
			r := c.run("", "--key-file", olds[0], "subjects", "find", "--email", "zebulon.quixotic@example.org")
			if r.code != ExitInvalid || !strings.Contains(r.stderr, "is wrapped by master key") {
				t.Fatalf("find with the old key file: exit %d, %q", r.code, r.stderr)
			}
			if !strings.Contains(c.mustRun("", "audit", "list"), "data_key.rewrap") {
				t.Fatal("the rotation is not in the audit log")
			}
		})
	}
}

func TestKeyFileMissing(t *testing.T) {
	c := backends(t)["SQLite"]
	key := c.keyArgs()
	id := strings.TrimSpace(c.mustRun("title: Theft\n", "incident", "create", "-f", "-"))
	c.mustRun("", append(key, "subjects", "import", id, c.file("people.csv", knownPeople))...)
	if err := os.Rename(key[1], key[1]+".elsewhere"); err != nil {
		t.Fatal(err)
	}
	r := c.run("", append(key, "subjects", "import", id, c.file("people.csv", knownPeople))...)
	if r.code != ExitInvalid || !strings.Contains(r.stderr, "is missing, and this database holds personal data") {
		t.Fatalf("import without the key file: exit %d, %q", r.code, r.stderr)
	}
	if _, err := os.Stat(key[1]); !os.IsNotExist(err) {
		t.Fatal("a new key file was made for a database whose data needs the old one")
	}
}

func TestPostgresNeedsKeyFile(t *testing.T) {
	c, ok := backends(t)["PostgreSQL"]
	if !ok {
		t.Skip("PostgreSQL not configured")
	}
	id := strings.TrimSpace(c.mustRun("title: Theft\n", "incident", "create", "-f", "-"))
	r := c.run("", "subjects", "import", id, c.file("people.csv", knownPeople))
	if r.code != ExitInvalid || !strings.Contains(r.stderr, "--key-file is required with PostgreSQL") {
		t.Fatalf("import on PostgreSQL without --key-file: exit %d, %q", r.code, r.stderr)
	}
}
