package jsonschema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/decode"
	"github.com/breachdesk/breachdesk/jsonschema"
)

func validator(t *testing.T) *jsonschema.Validator {
	t.Helper()
	v, err := jsonschema.NewIncidentValidator()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestValidateOK(t *testing.T) {
	v := validator(t)
	data, err := os.ReadFile(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := decode.Parse("full.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(doc, false); err != nil {
		t.Fatalf("Validate(full.yaml) = %v", err)
	}
	// The same as JSON.
	jsonDoc, err := decode.Parse("full.json", doc.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(jsonDoc, false); err != nil {
		t.Fatalf("Validate(full.json) = %v", err)
	}
}

func TestValidateErrors(t *testing.T) {
	v := validator(t)
	for _, tt := range []struct {
		name    string
		content string
		partial bool
		field   string
		want    string // the message after "incident.yaml:"
	}{
		{"ErrUnknownField", "title: x\nshoe_size: 44\n", false, "shoe_size", "2: shoe_size: is not a field of an incident"},
		{"ErrUnknownCategory", "title: x\ndata_categories: [email, shoe_size]\n", false, "data_categories", `2: data_categories: item 1 "shoe_size" is not one of "name", "email"`},
		{"ErrTimeWithoutZone", "title: x\naware_at: \"2026-11-20T10:00:00\"\n", false, "aware_at", "2: aware_at: must be an RFC 3339 time with a time zone"},
		{"ErrDateOnly", "title: x\ndetected_at: 2026-11-20\n", false, "detected_at", "2: detected_at: must be an RFC 3339 time"},
		{"ErrNegativeCount", "title: x\napprox_subjects: -5\n", false, "approx_subjects", "2: approx_subjects: must not be negative"},
		{"ErrFraction", "title: x\napprox_records: 2.5\n", false, "approx_records", "2: approx_records: must be a whole number, not a number with a fraction"},
		{"ErrBlankTitle", "title: \"   \"\n", false, "title", "1: title: must not be blank"},
		{"ErrEmptyTitle", "title: \"\"\n", false, "title", "1: title: must not be empty"},
		{"ErrMissingTitle", "summary: s\n", false, "title", " title: is required"},
		{"ErrWrongType", "title: x\nmalicious: \"yes\"\n", false, "malicious", "2: malicious: must be true or false, not text"},
		{"ErrDuplicate", "title: x\nnature: [integrity, integrity]\n", false, "nature", "2: nature: lists the same value twice"},
		{"ErrSubjectCategory", "title: x\nsubject_categories: [Customers]\n", false, "subject_categories", "2: subject_categories: item 0 must be a snake_case word"},
		{"ErrLongTitle", "title: " + strings.Repeat("é", 201) + "\n", false, "title", "1: title: must be at most 200 characters, not 201"},
		{"ErrFirstInFileOrder", "title: x\ncause: gremlins\nstatus: done\n", false, "cause", "2: cause: \"gremlins\" is not one of"},
		{"ErrPartialStillChecksValues", "status: done\n", true, "status", `1: status: "done" is not one of "open"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := decode.Parse("incident.yaml", []byte(tt.content))
			if err != nil {
				t.Fatal(err)
			}
			err = v.Validate(doc, tt.partial)
			if breachdesk.ErrorCode(err) != breachdesk.EInvalid || breachdesk.ErrorField(err) != tt.field {
				t.Fatalf("Validate() = %v (field %q), want invalid on %q", err, breachdesk.ErrorField(err), tt.field)
			}
			if msg := breachdesk.ErrorMessage(err); !strings.HasPrefix(msg, "incident.yaml:"+tt.want) {
				t.Errorf("message = %q, want it to start with %q", msg, "incident.yaml:"+tt.want)
			}
		})
	}
	t.Run("OKPartialWithoutTitle", func(t *testing.T) {
		doc, err := decode.Parse("update.yaml", []byte("status: closed\n"))
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Validate(doc, true); err != nil {
			t.Fatalf("Validate(partial) = %v, want nil", err)
		}
	})
}
