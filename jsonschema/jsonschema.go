// Package jsonschema checks incident files against the published JSON
// Schema (docs/incident.schema.json), the same file editors use, and
// reports the first problem by file, line and field.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/breachdesk/breachdesk/decode"
	"github.com/breachdesk/breachdesk/docs"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Validator checks incident documents against the schema.
type Validator struct {
	full    *sjs.Schema // incident create: title required
	partial *sjs.Schema // incident update: every field optional
	printer *message.Printer
}

// NewIncidentValidator compiles the incident schema twice: as published,
// and without "required" for update files, where every field is optional.
func NewIncidentValidator() (*Validator, error) {
	full, err := compile(docs.IncidentSchema(), false)
	if err != nil {
		return nil, err
	}
	partial, err := compile(docs.IncidentSchema(), true)
	if err != nil {
		return nil, err
	}
	return &Validator{full: full, partial: partial, printer: message.NewPrinter(language.English)}, nil
}

func compile(schema []byte, partial bool) (*sjs.Schema, error) {
	doc, err := sjs.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, fmt.Errorf("incident schema: %w", err)
	}
	const url = "incident.schema.json"
	if partial {
		m, ok := doc.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("incident schema: not an object")
		}
		delete(m, "required")
		delete(m, "$id") // the two compiled forms must not claim one id
	}
	c := sjs.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("incident schema: %w", err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("incident schema: %w", err)
	}
	return s, nil
}

// Validate checks doc; partial is for update files, where no field is
// required. It returns nil, or an invalid error naming the first problem in
// the order of the file.
func (v *Validator) Validate(doc *decode.Document, partial bool) error {
	instance, err := sjs.UnmarshalJSON(bytes.NewReader(doc.JSON()))
	if err != nil {
		return doc.Errorf("", "%v", err)
	}
	schema := v.full
	if partial {
		schema = v.partial
	}
	err = schema.Validate(instance)
	if err == nil {
		return nil
	}
	verr, ok := err.(*sjs.ValidationError)
	if !ok {
		return doc.Errorf("", "%v", err)
	}
	leaves := leafErrors(verr)
	slices.SortStableFunc(leaves, func(a, b *sjs.ValidationError) int {
		return lineOf(doc, a) - lineOf(doc, b)
	})
	first := leaves[0]
	field, reason := v.describe(first)
	return doc.Errorf(field, "%s", reason)
}

// leafErrors returns the most specific errors of the tree.
func leafErrors(e *sjs.ValidationError) []*sjs.ValidationError {
	if len(e.Causes) == 0 {
		return []*sjs.ValidationError{e}
	}
	var leaves []*sjs.ValidationError
	for _, c := range e.Causes {
		leaves = append(leaves, leafErrors(c)...)
	}
	return leaves
}

// lineOf orders errors by where their field is written; errors about the
// whole document (a missing field) come first.
func lineOf(doc *decode.Document, e *sjs.ValidationError) int {
	field, _ := topField(e)
	return doc.Line(field)
}

// topField returns the top-level field an error is about, and the rest of
// its location (such as a list index).
func topField(e *sjs.ValidationError) (string, []string) {
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		if len(e.InstanceLocation) == 0 && len(k.Properties) > 0 {
			return k.Properties[0], nil
		}
	case *kind.Required:
		if len(e.InstanceLocation) == 0 && len(k.Missing) > 0 {
			return k.Missing[0], nil
		}
	}
	if len(e.InstanceLocation) == 0 {
		return "", nil
	}
	return e.InstanceLocation[0], e.InstanceLocation[1:]
}

// describe turns a schema error into the field and a sentence a DPO
// understands.
func (v *Validator) describe(e *sjs.ValidationError) (string, string) {
	field, rest := topField(e)
	item := ""
	if len(rest) > 0 {
		item = "item " + strings.Join(rest, ".") + " "
	}
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		return field, "is required"
	case *kind.AdditionalProperties:
		return field, "is not a field of an incident (see docs/incident-file.md)"
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = fmt.Sprintf("%q", w)
		}
		return field, fmt.Sprintf("%s%s is not one of %s", item, jsonText(k.Got), strings.Join(want, ", "))
	case *kind.Type:
		return field, fmt.Sprintf("%smust be %s, not %s", item, typeNames(k.Want), typeNames([]string{k.Got}))
	case *kind.Format, *kind.Pattern:
		if field == "title" {
			return field, "must not be blank"
		}
		if field == "subject_categories" {
			return field, fmt.Sprintf("%smust be a snake_case word such as customers or employees", item)
		}
		return field, "must be an RFC 3339 time with a time zone, such as 2026-11-20T14:30:00Z or 2026-11-20T15:30:00+01:00"
	case *kind.Minimum:
		return field, "must not be negative"
	case *kind.MinLength:
		return field, "must not be empty"
	case *kind.MaxLength:
		return field, fmt.Sprintf("must be at most %d characters, not %d", k.Want, k.Got)
	case *kind.UniqueItems:
		return field, fmt.Sprintf("lists the same value twice (items %d and %d)", k.Duplicates[0], k.Duplicates[1])
	}
	return field, e.ErrorKind.LocalizedString(v.printer)
}

func jsonText(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

func typeNames(types []string) string {
	names := make([]string, len(types))
	for i, t := range types {
		switch t {
		case "string":
			names[i] = "text"
		case "number":
			names[i] = "a number with a fraction"
		case "null":
			names[i] = "null"
		case "boolean":
			names[i] = "true or false"
		case "integer":
			names[i] = "a whole number"
		case "array":
			names[i] = "a list"
		case "object":
			names[i] = "an object"
		default:
			names[i] = t
		}
	}
	return strings.Join(names, " or ")
}
