package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk/rules"
)

func TestBuiltInRulesCarryCitationsAndDates(t *testing.T) {
	set, err := rules.Load("")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range set.Files {
		for _, r := range f.Rules {
			n++
			if r.Citation == "" || r.EffectiveFrom.IsZero() || r.LastVerified.IsZero() {
				t.Errorf("%s:%d: %s lacks a citation or a date", f.Path, r.Line, r.ID)
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d rules loaded", n)
	}
}

func TestDirectoryOverridesAndExtends(t *testing.T) {
	dir := t.TempDir()
	builtin, err := os.ReadFile("us-tx.yaml")
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(builtin), "days: 60", "days: 45", 1)
	os.WriteFile(filepath.Join(dir, "us-tx.yaml"), []byte(changed), 0o600)
	os.WriteFile(filepath.Join(dir, "us-xx.yaml"), []byte(strings.ReplaceAll(strings.ReplaceAll(string(builtin), "US-TX", "US-XX"), "us-tx-", "us-xx-")), 0o600)
	set, err := rules.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var tx, xx int
	for _, f := range set.Files {
		for _, r := range f.Rules {
			if r.ID == "us-tx-individuals" {
				tx = r.Deadline.Days
			}
			if r.ID == "us-xx-individuals" {
				xx++
			}
		}
	}
	if tx != 45 || xx != 1 {
		t.Errorf("us-tx-individuals days %d (want 45 from the directory), us-xx rules %d (want 1)", tx, xx)
	}
}

func TestBadFilesNameFileLineAndField(t *testing.T) {
	for _, tt := range []struct{ name, edit, want string }{
		{"UnknownField", "    clock: determined_at\n    deadline:\n      days: 60", "    clock: determined_at\n    colour: red\n    deadline:\n      days: 60"},
		{"UnknownCategory", "[name, ssn|", "[name, shoe_size|"},
		{"MissingCitation", "    citation: Tex. Bus. & Com. Code §521.053(b)\n", ""},
		{"BadClock", "clock: determined_at", "clock: decided_at"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			builtin, _ := os.ReadFile("us-tx.yaml")
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "us-tx.yaml"), []byte(strings.Replace(string(builtin), tt.edit, tt.want, 1)), 0o600)
			_, err := rules.Load(dir)
			if err == nil {
				t.Fatal("a bad rule file loaded")
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, "us-tx.yaml")+":") || !strings.ContainsAny(err.Error(), "0123456789") {
				t.Errorf("error %q does not name the file and line", err)
			}
			t.Log(err)
		})
	}
}
