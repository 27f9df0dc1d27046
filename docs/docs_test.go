package docs_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/docs"
	"github.com/google/go-cmp/cmp"
)

type property struct {
	Type        string   `json:"type"`
	Description string   `json:"description"`
	Enum        []string `json:"enum"`
	Format      string   `json:"format"`
	Pattern     string   `json:"pattern"`
	Minimum     *int     `json:"minimum"`
	UniqueItems bool     `json:"uniqueItems"`
	Items       *struct {
		Type    string   `json:"type"`
		Enum    []string `json:"enum"`
		Pattern string   `json:"pattern"`
	} `json:"items"`
}

type schema struct {
	Schema               string              `json:"$schema"`
	Required             []string            `json:"required"`
	AdditionalProperties *bool               `json:"additionalProperties"`
	Properties           map[string]property `json:"properties"`
}

func mustSchema(t *testing.T) schema {
	t.Helper()
	var s schema
	if err := json.Unmarshal(docs.IncidentSchema(), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// writableFields returns the json names and types of the Incident fields
// an incident file may give: all but those breachdesk sets itself.
func writableFields() map[string]reflect.Type {
	fields := make(map[string]reflect.Type)
	for _, f := range reflect.VisibleFields(reflect.TypeFor[breachdesk.Incident]()) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || slices.Contains(breachdesk.IncidentReadOnlyFields(), name) {
			continue
		}
		fields[name] = f.Type
	}
	return fields
}

// TestIncidentSchema keeps the published schema from drifting from the Go
// code: the same fields, of matching types, with the same vocabularies.
func TestIncidentSchema(t *testing.T) {
	s := mustSchema(t)
	fields := writableFields()

	t.Run("OKTopLevel", func(t *testing.T) {
		if got, want := s.Schema, "https://json-schema.org/draft/2020-12/schema"; got != want {
			t.Errorf("$schema = %q, want %q", got, want)
		}
		if diff := cmp.Diff([]string{"title"}, s.Required); diff != "" {
			t.Errorf("required differs (-want +got):\n%s", diff)
		}
		if s.AdditionalProperties == nil || *s.AdditionalProperties {
			t.Errorf("additionalProperties = %v, want false", s.AdditionalProperties)
		}
	})

	t.Run("OKFieldNames", func(t *testing.T) {
		var want, got []string
		for name := range fields {
			want = append(want, name)
		}
		for name := range s.Properties {
			got = append(got, name)
		}
		slices.Sort(want)
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("schema properties differ from the Incident's writable json tags (-go +schema):\n%s", diff)
		}
	})

	t.Run("OKFieldTypes", func(t *testing.T) {
		timeType := reflect.TypeFor[time.Time]()
		for name, p := range s.Properties {
			typ, ok := fields[name]
			if !ok {
				continue // reported by OKFieldNames
			}
			if p.Description == "" {
				t.Errorf("%s: no description", name)
			}
			for typ.Kind() == reflect.Pointer {
				typ = typ.Elem()
			}
			switch {
			case typ == timeType:
				if p.Type != "string" || p.Format != "date-time" || !strings.HasSuffix(p.Pattern, `(Z|[+-]\d{2}:\d{2})$`) {
					t.Errorf("%s: type %q, format %q, pattern %q; want a date-time string whose pattern requires a zone", name, p.Type, p.Format, p.Pattern)
				}
			case typ.Kind() == reflect.Int64:
				if p.Type != "integer" || p.Minimum == nil || *p.Minimum != 0 {
					t.Errorf("%s: type %q; want integer with minimum 0", name, p.Type)
				}
			case typ.Kind() == reflect.Bool:
				if p.Type != "boolean" {
					t.Errorf("%s: type %q, want boolean", name, p.Type)
				}
			case typ.Kind() == reflect.String:
				if p.Type != "string" {
					t.Errorf("%s: type %q, want string", name, p.Type)
				}
			case typ.Kind() == reflect.Slice && typ.Elem().Kind() == reflect.String:
				if p.Type != "array" || !p.UniqueItems || p.Items == nil || p.Items.Type != "string" {
					t.Errorf("%s: want an array of unique strings", name)
				}
			default:
				t.Errorf("%s: Go type %s has no rule in this test", name, typ)
			}
		}
	})

	t.Run("OKVocabularies", func(t *testing.T) {
		var statuses []string
		for _, st := range breachdesk.IncidentStatuses() {
			statuses = append(statuses, string(st))
		}
		for field, want := range map[string][]string{
			"status":     statuses,
			"cause":      breachdesk.Causes(),
			"recipients": breachdesk.RecipientKinds(),
			"encryption": breachdesk.EncryptionStates(),
		} {
			if diff := cmp.Diff(want, s.Properties[field].Enum); diff != "" {
				t.Errorf("%s enum differs (-go +schema):\n%s", field, diff)
			}
			checkDescribed(t, field, s.Properties[field].Description, want)
		}
		for field, want := range map[string][]string{
			"nature":          breachdesk.Natures(),
			"data_categories": breachdesk.DataCategories(),
		} {
			p := s.Properties[field]
			if p.Items == nil {
				t.Errorf("%s: no items", field)
				continue
			}
			if diff := cmp.Diff(want, p.Items.Enum); diff != "" {
				t.Errorf("%s items enum differs (-go +schema):\n%s", field, diff)
			}
			checkDescribed(t, field, p.Description, want)
		}
	})
}

// checkDescribed reports a vocabulary value that the description, which an
// editor shows on hover, does not mention.
func checkDescribed(t *testing.T, field, description string, values []string) {
	t.Helper()
	words := strings.FieldsFunc(description, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	for _, v := range values {
		if !slices.Contains(words, v) {
			t.Errorf("%s: description does not mention %q", field, v)
		}
	}
}

func TestIncidentSchemaIsACopy(t *testing.T) {
	a := docs.IncidentSchema()
	a[0] = 'X'
	if got := docs.IncidentSchema()[0]; got == 'X' {
		t.Fatal("IncidentSchema() returns the embedded bytes: a caller could change them")
	}
}
