package docs_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/docs"
	"github.com/google/go-cmp/cmp"
)

type property struct {
	Enum  []string `json:"enum"`
	Items struct {
		Enum []string `json:"enum"`
	} `json:"items"`
	Description string `json:"description"`
}

// TestIncidentSchemaMatchesDomain keeps the published schema and the Go
// vocabulary from drifting apart.
func TestIncidentSchemaMatchesDomain(t *testing.T) {
	var schema struct {
		Required   []string            `json:"required"`
		Properties map[string]property `json:"properties"`
	}
	if err := json.Unmarshal(docs.IncidentSchema(), &schema); err != nil {
		t.Fatal(err)
	}

	var fields []string
	for _, f := range reflect.VisibleFields(reflect.TypeFor[breachdesk.Incident]()) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !slices.Contains(breachdesk.IncidentReadOnlyFields(), name) {
			fields = append(fields, name)
		}
	}
	var properties []string
	for name, p := range schema.Properties {
		properties = append(properties, name)
		if p.Description == "" {
			t.Errorf("property %s has no description", name)
		}
	}
	slices.Sort(fields)
	slices.Sort(properties)
	if diff := cmp.Diff(fields, properties); diff != "" {
		t.Errorf("schema properties differ from the Incident's writable fields (-go +schema):\n%s", diff)
	}
	if !slices.Equal(schema.Required, []string{"title"}) {
		t.Errorf("required = %v, want [title]", schema.Required)
	}

	statuses := make([]string, 0)
	for _, s := range breachdesk.IncidentStatuses() {
		statuses = append(statuses, string(s))
	}
	for field, want := range map[string][]string{
		"status": statuses, "cause": breachdesk.Causes(),
		"recipients": breachdesk.RecipientKinds(), "encryption": breachdesk.EncryptionStates(),
	} {
		if diff := cmp.Diff(want, schema.Properties[field].Enum); diff != "" {
			t.Errorf("%s enum differs (-go +schema):\n%s", field, diff)
		}
	}
	for field, want := range map[string][]string{"nature": breachdesk.Natures(), "data_categories": breachdesk.DataCategories()} {
		if diff := cmp.Diff(want, schema.Properties[field].Items.Enum); diff != "" {
			t.Errorf("%s items enum differs (-go +schema):\n%s", field, diff)
		}
	}
}

func TestIncidentSchemaIsACopy(t *testing.T) {
	a := docs.IncidentSchema()
	a[0] = 'X'
	if docs.IncidentSchema()[0] == 'X' {
		t.Fatal("IncidentSchema() returns the embedded bytes: a caller could change them")
	}
}
