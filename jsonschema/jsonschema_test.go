package jsonschema_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/decode"
	"github.com/breachdesk/breachdesk/jsonschema"
)

func mustValidator(t *testing.T) *jsonschema.Validator {
	t.Helper()
	v, err := jsonschema.NewIncidentValidator()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustParse(t *testing.T, name string, data []byte) *decode.Document {
	t.Helper()
	doc, err := decode.Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestValidate(t *testing.T) {
	v := mustValidator(t)
	full, err := os.ReadFile(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("OK", func(t *testing.T) {
		doc := mustParse(t, "full.yaml", full)
		if err := v.Validate(doc, false); err != nil {
			t.Fatalf("Validate(full.yaml) = %v, want nil", err)
		}
		// Every field, so the schema is known to accept each one.
		var inc breachdesk.Incident
		if err := doc.Decode(&inc); err != nil {
			t.Fatal(err)
		}
		if err := inc.Validate(); err != nil {
			t.Fatalf("full.yaml is not a valid Incident: %v", err)
		}
	})

	t.Run("OKJSON", func(t *testing.T) {
		var indented bytes.Buffer
		if err := json.Indent(&indented, mustParse(t, "full.yaml", full).JSON(), "", "  "); err != nil {
			t.Fatal(err)
		}
		if err := v.Validate(mustParse(t, "full.json", indented.Bytes()), false); err != nil {
			t.Fatalf("Validate(full.json) = %v, want nil", err)
		}
	})

	t.Run("OKPartialWithoutTitle", func(t *testing.T) {
		doc := mustParse(t, "update.yaml", []byte("status: closed\n"))
		if err := v.Validate(doc, true); err != nil {
			t.Fatalf("Validate(partial) = %v, want nil", err)
		}
	})

	t.Run("OKPartialEmpty", func(t *testing.T) {
		doc := mustParse(t, "update.json", []byte("{}"))
		if err := v.Validate(doc, true); err != nil {
			t.Fatalf("Validate(partial) = %v, want nil", err)
		}
	})

	for _, tt := range []struct {
		name    string
		file    string // "incident.yaml" unless given
		content string
		partial bool
		field   string
		want    string // the start of the message
	}{
		{name: "ErrUnknownField", content: "title: x\nshoe_size: 44\n",
			field: "shoe_size", want: "incident.yaml:2: shoe_size: is not a known field (see docs/incident-file.md"},
		{name: "ErrUnknownFieldTypo", content: "title: x\nawre_at: 2026-11-20T14:30:00Z\n",
			field: "awre_at", want: `incident.yaml:2: awre_at: is not a known field (did you mean "aware_at"?)`},
		{name: "ErrFirstUnknownField", content: "title: x\nshoe: 1\nhat: 2\nsock: 3\n",
			field: "shoe", want: "incident.yaml:2: shoe: is not a known field"},
		{name: "ErrReadOnlyField", content: "title: x\nauthority_notified_at: 2026-11-20T14:30:00Z\n",
			field: "authority_notified_at", want: "incident.yaml:2: authority_notified_at: is not a known field"},
		{name: "ErrUnknownCategory", content: "title: x\ndata_categories: [email, shoe_size]\n",
			field: "data_categories", want: `incident.yaml:2: data_categories: "shoe_size" is not one of "name", "email", "phone"`},
		{name: "ErrUnknownStatus", content: "status: done\ntitle: x\n",
			field: "status", want: `incident.yaml:1: status: "done" is not one of "open", "assessed", "notifying", "monitoring", "closed"`},
		{name: "ErrTimeWithoutZone", content: "title: x\naware_at: \"2026-11-20T10:00:00\"\n",
			field: "aware_at", want: "incident.yaml:2: aware_at: must be an RFC 3339 time with a time zone, such as 2026-11-20T14:30:00Z"},
		{name: "ErrDateOnly", content: "title: x\ndetected_at: 2026-11-20\n",
			field: "detected_at", want: "incident.yaml:2: detected_at: must be an RFC 3339 time with a time zone"},
		{name: "ErrTimeInJSON", file: "incident.json", content: "{\n  \"title\": \"x\",\n  \"contained_at\": \"2026-11-20\"\n}\n",
			field: "contained_at", want: "incident.json:3: contained_at: must be an RFC 3339 time with a time zone"},
		{name: "ErrNegativeCount", content: "title: x\napprox_subjects: -5\n",
			field: "approx_subjects", want: "incident.yaml:2: approx_subjects: must not be negative"},
		{name: "ErrFraction", content: "title: x\napprox_records: 2.5\n",
			field: "approx_records", want: "incident.yaml:2: approx_records: must be a whole number, not a number with a fraction"},
		{name: "ErrBlankTitle", content: "title: \"   \"\n",
			field: "title", want: "incident.yaml:1: title: must not be blank"},
		{name: "ErrEmptyTitle", content: "title: \"\"\n",
			field: "title", want: "incident.yaml:1: title: must not be empty"},
		{name: "ErrLongTitle", content: "title: " + strings.Repeat("é", 201) + "\n",
			field: "title", want: "incident.yaml:1: title: must be at most 200 characters, not 201"},
		{name: "ErrLongSummary", content: "title: x\nsummary: " + strings.Repeat("a", 20001) + "\n",
			field: "summary", want: "incident.yaml:2: summary: must be at most 20000 characters, not 20001"},
		{name: "ErrMissingTitle", content: "summary: s\n",
			field: "title", want: "incident.yaml: title: is required"},
		{name: "ErrMissingTitleFirst", content: "summary: s\ncause: gremlins\n",
			field: "title", want: "incident.yaml: title: is required"},
		{name: "ErrWrongType", content: "title: x\nmalicious: \"yes\"\n",
			field: "malicious", want: "incident.yaml:2: malicious: must be true or false, not text"},
		{name: "ErrWholeNumberForBool", content: "title: x\ncross_border: 1\n",
			field: "cross_border", want: "incident.yaml:2: cross_border: must be true or false, not a whole number"},
		{name: "ErrNull", content: "title: x\nsummary:\n",
			field: "summary", want: "incident.yaml:2: summary: must be text, not empty (leave the field out while it is not known)"},
		{name: "ErrListNotList", content: "title: x\nnature: confidentiality\n",
			field: "nature", want: "incident.yaml:2: nature: must be a list, not text"},
		{name: "ErrListItemType", content: "title: x\ndata_categories: [email, 5]\n",
			field: "data_categories", want: "incident.yaml:2: data_categories: item 2 must be text, not a whole number"},
		{name: "ErrDuplicate", content: "title: x\nnature: [integrity, integrity]\n",
			field: "nature", want: `incident.yaml:2: nature: lists "integrity" twice`},
		{name: "ErrDuplicateSubject", content: "title: x\nsubject_categories: [customers, customers]\n",
			field: "subject_categories", want: `incident.yaml:2: subject_categories: lists "customers" twice`},
		{name: "ErrSubjectCategory", content: "title: x\nsubject_categories: [customers, Loyalty Members]\n",
			field: "subject_categories", want: `incident.yaml:2: subject_categories: "Loyalty Members" must be a snake_case word such as customers or employees`},
		{name: "ErrFirstInFileOrder", content: "title: x\ncause: gremlins\nstatus: done\n",
			field: "cause", want: `incident.yaml:2: cause: "gremlins" is not one of`},
		{name: "ErrFirstOnOneLine", file: "incident.json", content: `{"title":"x","recipients":"d","cause":"a","status":"b","encryption":"c","bogus":1}`,
			field: "recipients", want: `incident.json:1: recipients: "d" is not one of`},
		{name: "ErrFirstItem", content: "title: x\ndata_categories: [email, hat, email, 5]\n",
			field: "data_categories", want: `incident.yaml:2: data_categories: "hat" is not one of`},
		{name: "ErrPartialStillChecksValues", content: "status: done\n", partial: true,
			field: "status", want: `incident.yaml:1: status: "done" is not one of "open"`},
		{name: "ErrPartialBlankTitle", content: "title: \" \"\n", partial: true,
			field: "title", want: "incident.yaml:1: title: must not be blank"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if file == "" {
				file = "incident.yaml"
			}
			doc := mustParse(t, file, []byte(tt.content))
			err := v.Validate(doc, tt.partial)
			if got := breachdesk.ErrorCode(err); got != breachdesk.EInvalid {
				t.Fatalf("Validate() = %v, code %q, want %q", err, got, breachdesk.EInvalid)
			}
			if got := breachdesk.ErrorField(err); got != tt.field {
				t.Errorf("ErrorField() = %q, want %q", got, tt.field)
			}
			msg := breachdesk.ErrorMessage(err)
			if !strings.HasPrefix(msg, tt.want) {
				t.Errorf("ErrorMessage() = %q, want it to start with %q", msg, tt.want)
			}
			// The library visits fields in map order; the report must not.
			for range 20 {
				if again := breachdesk.ErrorMessage(v.Validate(doc, tt.partial)); again != msg {
					t.Fatalf("ErrorMessage() = %q, then %q: not deterministic", msg, again)
				}
			}
		})
	}
}

// TestValidateTimes checks that the schema accepts exactly the times that
// breachdesk can read, so that an editor's check and the command line agree.
func TestValidateTimes(t *testing.T) {
	v := mustValidator(t)
	for _, tt := range []struct {
		name  string
		value string
		ok    bool
	}{
		{"OKUTC", "2026-11-20T14:30:00Z", true},
		{"OKOffset", "2026-11-20T15:30:00+01:00", true},
		{"OKNegativeOffset", "2026-11-20T09:30:00-05:00", true},
		{"OKFraction", "2026-11-20T14:30:00.123456Z", true},
		{"ErrNoZone", "2026-11-20T14:30:00", false},
		{"ErrDateOnly", "2026-11-20", false},
		{"ErrNoSeconds", "2026-11-20T14:30Z", false},
		{"ErrSpace", "2026-11-20 14:30:00Z", false},
		{"ErrLowercase", "2026-11-20t14:30:00z", false},
		{"ErrOffsetWithoutColon", "2026-11-20T14:30:00+0100", false},
		{"ErrMonth13", "2026-13-01T00:00:00Z", false},
		{"ErrFebruary30", "2026-02-30T10:00:00Z", false},
		{"ErrHour24", "2026-11-20T24:00:00Z", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var parsed time.Time
			goErr := json.Unmarshal([]byte(strconv.Quote(tt.value)), &parsed)
			if (goErr == nil) != tt.ok {
				t.Fatalf("json.Unmarshal(%q) into time.Time = %v, want ok %v", tt.value, goErr, tt.ok)
			}
			doc := mustParse(t, "incident.json", []byte(`{"title":"x","aware_at":`+strconv.Quote(tt.value)+`}`))
			err := v.Validate(doc, false)
			if (err == nil) != tt.ok {
				t.Fatalf("Validate(aware_at %q) = %v, want ok %v", tt.value, err, tt.ok)
			}
			if err != nil && breachdesk.ErrorField(err) != "aware_at" {
				t.Errorf("ErrorField() = %q, want aware_at", breachdesk.ErrorField(err))
			}
		})
	}
}
