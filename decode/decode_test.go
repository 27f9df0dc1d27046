package decode_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/decode"
)

// sample is a small target with the kinds of fields incidents have.
type sample struct {
	Title          string     `json:"title"`
	Nature         []string   `json:"nature"`
	Cause          string     `json:"cause"`
	Malicious      *bool      `json:"malicious"`
	ApproxSubjects *int64     `json:"approx_subjects"`
	AwareAt        *time.Time `json:"aware_at"`
	Anchor         string     `json:"anchor"`
}

func parseFile(t *testing.T, name string) (*decode.Document, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return decode.Parse(name, data)
}

func TestDecodeOK(t *testing.T) {
	t.Run("YAMLAnchorsAndUnderscores", func(t *testing.T) {
		doc, err := parseFile(t, "anchors.yaml")
		if err != nil {
			t.Fatal(err)
		}
		var got sample
		if err := doc.Decode(&got); err != nil {
			t.Fatal(err)
		}
		aware := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		if got.Title != "Laptop lost" || got.Cause != "other" || *got.ApproxSubjects != 1200 || *got.Malicious ||
			!got.AwareAt.Equal(aware) || len(got.Nature) != 1 {
			t.Fatalf("Decode() = %+v", got)
		}
	})
	t.Run("JSONWithTabs", func(t *testing.T) {
		doc, err := parseFile(t, "tabs.json")
		if err != nil {
			t.Fatal(err)
		}
		var got sample
		if err := doc.Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got.Title != "Tabs are fine in JSON" || *got.ApproxSubjects != 12 {
			t.Fatalf("Decode() = %+v", got)
		}
	})
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range []struct {
		file  string
		field string
		want  string
	}{
		{"two-objects.json", "", "two-objects.json:1: malformed JSON: unexpected data after the object"},
		{"bad-indent.yaml", "", "bad-indent.yaml:2: malformed YAML"},
		{"sequence.yaml", "", "sequence.yaml:1: must be a YAML mapping"},
		{"overflow.yaml", "approx_subjects", "overflow.yaml:2: approx_subjects:"},
		{"scalar-for-list.json", "nature", "scalar-for-list.json:1: nature: must be a list of texts, not a string"},
		{"fraction.json", "approx_subjects", "fraction.json:1: approx_subjects: must be a whole number, not the number 1.5"},
		{"dup.yaml", "", "dup.yaml:"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			doc, err := parseFile(t, tt.file)
			if err == nil {
				var v sample
				err = doc.Decode(&v)
			}
			if breachdesk.ErrorCode(err) != breachdesk.EInvalid {
				t.Fatalf("error = %v, want invalid", err)
			}
			if msg := breachdesk.ErrorMessage(err); !strings.HasPrefix(msg, tt.want) {
				t.Errorf("message = %q, want it to start with %q", msg, tt.want)
			}
			if tt.field != "" && breachdesk.ErrorField(err) != tt.field {
				t.Errorf("field = %q, want %q", breachdesk.ErrorField(err), tt.field)
			}
		})
	}
}

func TestLocate(t *testing.T) {
	doc, err := decode.Parse("incident.yaml", []byte("summary: s\ntitle: \"\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"FieldInDocument", breachdesk.FieldErrorf("title", "a title is required"), "incident.yaml:2: title: a title is required"},
		{"FieldNotInDocument", breachdesk.FieldErrorf("status", "bad"), "incident.yaml: status: bad"},
		{"NotInvalidUnchanged", breachdesk.Errorf(breachdesk.ENotFound, "gone"), "gone"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := breachdesk.ErrorMessage(doc.Locate(tt.err)); got != tt.want {
				t.Fatalf("Locate() message = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReject(t *testing.T) {
	doc, err := decode.ParseJSON("body", []byte("{\"title\": \"x\",\n\"created_at\": \"2026-01-01T00:00:00Z\"}"))
	if err != nil {
		t.Fatal(err)
	}
	err = doc.Reject("id", "created_at")
	if breachdesk.ErrorField(err) != "created_at" || !strings.HasPrefix(breachdesk.ErrorMessage(err), "body:2: created_at:") {
		t.Fatalf("Reject() = %v", err)
	}
	if err := doc.Reject("id"); err != nil {
		t.Fatalf("Reject(id) = %v, want nil", err)
	}
}
