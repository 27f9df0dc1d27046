// Package jsonschema checks incident files against the published JSON
// Schema (docs/incident.schema.json), the same file editors use, and
// reports the first problem by file, line and field in words a DPO
// understands.
package jsonschema

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/breachdesk/breachdesk/decode"
	"github.com/breachdesk/breachdesk/docs"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Validator checks incident documents against the incident schema. It is
// safe for concurrent use.
type Validator struct {
	full    *sjs.Schema // incident create: title required
	partial *sjs.Schema // incident update: every field optional
	fields  []string    // the schema's property names, for suggestions
	times   []string    // the properties with "format": "date-time"
}

// NewIncidentValidator compiles docs.IncidentSchema twice, with date-time
// formats asserted: as published, and without its top-level "required"
// for update files, where every field is optional. The schema stays one
// file and both forms check values alike.
func NewIncidentValidator() (*Validator, error) {
	var meta struct {
		Properties map[string]struct {
			Format string `json:"format"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(docs.IncidentSchema(), &meta); err != nil {
		return nil, fmt.Errorf("incident schema: %w", err)
	}
	v := &Validator{}
	for name, p := range meta.Properties {
		v.fields = append(v.fields, name)
		if p.Format == "date-time" {
			v.times = append(v.times, name)
		}
	}
	slices.Sort(v.fields)
	var err error
	if v.full, err = compile(false); err != nil {
		return nil, err
	}
	if v.partial, err = compile(true); err != nil {
		return nil, err
	}
	return v, nil
}

func compile(partial bool) (*sjs.Schema, error) {
	doc, err := sjs.UnmarshalJSON(bytes.NewReader(docs.IncidentSchema()))
	if err != nil {
		return nil, fmt.Errorf("incident schema: %w", err)
	}
	if partial {
		m, ok := doc.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("incident schema: not an object")
		}
		// Only the top level: a nested object given in an update would
		// still need its own required fields.
		delete(m, "required")
	}
	const url = "incident.schema.json"
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

// Validate checks doc against the schema; partial is for update files,
// where no field is required. It returns nil, or an invalid error about the
// first problem in the order of the file (a missing field first, then by
// field, list item and kind of problem), located like
// "incident.yaml:5: aware_at: must be ...".
func (v *Validator) Validate(doc *decode.Document, partial bool) error {
	data := doc.JSON()
	instance, err := sjs.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("validate incident: %w", err)
	}
	schema := v.full
	if partial {
		schema = v.partial
		// In an update, null sets a field back to unknown: not a value to check.
		if m, ok := instance.(map[string]any); ok {
			for k, val := range m {
				if val == nil {
					delete(m, k)
				}
			}
		}
	}
	err = schema.Validate(instance)
	if err == nil {
		return nil
	}
	verr, ok := err.(*sjs.ValidationError)
	if !ok {
		return fmt.Errorf("validate incident: %w", err)
	}
	// The library visits an object's fields in map order, so problems are
	// sorted here to report the same one every time.
	order := fieldOrder(data)
	var problems []problem
	for _, leaf := range leafErrors(verr) {
		problems = append(problems, v.problems(leaf, instance, order)...)
	}
	if len(problems) == 0 {
		return fmt.Errorf("validate incident: %w", err)
	}
	first := slices.MinFunc(problems, problem.compare)
	return doc.Errorf(first.field, "%s", first.reason)
}

// A problem is one schema error about one top-level field, with what is
// needed to report the first one deterministically.
type problem struct {
	position int // of the field in the document; -1 if it is missing
	item     int // list index the problem is about, -1 for the field itself
	rank     int // of the keyword: basic ones (type) before finer ones
	field    string
	reason   string
}

func (p problem) compare(q problem) int {
	return cmp.Or(
		cmp.Compare(p.position, q.position),
		cmp.Compare(p.item, q.item),
		cmp.Compare(p.rank, q.rank),
		strings.Compare(p.reason, q.reason),
	)
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

// fieldOrder returns the position of each top-level field of the JSON
// object data.
func fieldOrder(data []byte) map[string]int {
	order := make(map[string]int)
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return order
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return order
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return order
		}
		if k, ok := key.(string); ok {
			if _, seen := order[k]; !seen {
				order[k] = len(order)
			}
		}
	}
	return order
}

// keywordRank orders problems on the same field and item: a value of the
// wrong type before one of the right type with the wrong content.
var keywordRank = map[string]int{
	"additionalProperties": 0,
	"required":             0,
	"type":                 1,
	"minLength":            2,
	"pattern":              3,
	"format":               4,
	"maxLength":            5,
	"enum":                 6,
	"minimum":              7,
	"uniqueItems":          8,
}

// problems turns one schema error into problems about top-level fields:
// one per field for a missing or unknown field, otherwise one.
func (v *Validator) problems(e *sjs.ValidationError, instance any, order map[string]int) []problem {
	keyword := ""
	if path := e.ErrorKind.KeywordPath(); len(path) > 0 {
		keyword = path[0]
	}
	rank, ok := keywordRank[keyword]
	if !ok {
		rank = len(keywordRank)
	}
	position := func(field string) int {
		if p, ok := order[field]; ok {
			return p
		}
		return -1
	}
	if len(e.InstanceLocation) == 0 {
		var problems []problem
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			for _, f := range k.Missing {
				problems = append(problems, problem{position: -1, item: -1, rank: rank, field: f, reason: "is required"})
			}
		case *kind.AdditionalProperties:
			for _, f := range k.Properties {
				problems = append(problems, problem{position: position(f), item: -1, rank: rank, field: f, reason: v.unknownField(f)})
			}
		default:
			problems = append(problems, problem{position: -1, item: -1, rank: rank, reason: e.ErrorKind.LocalizedString(message.NewPrinter(language.English))})
		}
		return problems
	}
	field := e.InstanceLocation[0]
	item := -1
	if len(e.InstanceLocation) > 1 {
		if i, err := strconv.Atoi(e.InstanceLocation[1]); err == nil {
			item = i
		}
	}
	value := valueAt(instance, e.InstanceLocation)
	reason := v.describe(e, field, item, value)
	if k, ok := e.ErrorKind.(*kind.UniqueItems); ok {
		item = k.Duplicates[1] // where the repetition is written
	}
	return []problem{{position: position(field), item: item, rank: rank, field: field, reason: reason}}
}

// valueAt returns the part of instance at location, or nil.
func valueAt(instance any, location []string) any {
	for _, step := range location {
		switch x := instance.(type) {
		case map[string]any:
			instance = x[step]
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			instance = x[i]
		default:
			return nil
		}
	}
	return instance
}

const (
	timeReason = "must be an RFC 3339 time with a time zone, such as 2026-11-20T14:30:00Z or 2026-11-20T15:30:00+01:00"
	snakeCase  = `^[a-z][a-z0-9]*(_[a-z0-9]+)*$`
	nonBlank   = `\S`
)

// describe returns a sentence about what is wrong with value, found at item
// (-1 for the field itself) of field. List items are named by their value
// where it tells which one is meant, otherwise by their place counted
// from 1, as a person counts.
func (v *Validator) describe(e *sjs.ValidationError, field string, item int, value any) string {
	subject := ""
	if item >= 0 {
		subject = fmt.Sprintf("item %d ", item+1)
	}
	switch k := e.ErrorKind.(type) {
	case *kind.Type:
		return fmt.Sprintf("%smust be %s, not %s", subject, typeNames(k.Want), valueKind(value))
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = jsonText(w)
		}
		return fmt.Sprintf("%s is not one of %s", jsonText(k.Got), strings.Join(want, ", "))
	case *kind.Format:
		if k.Want == "date-time" {
			return timeReason
		}
		return fmt.Sprintf("%s%s is not a valid %s", subject, jsonText(k.Got), k.Want)
	case *kind.Pattern:
		switch {
		case slices.Contains(v.times, field):
			return timeReason
		case k.Want == nonBlank:
			return "must not be blank"
		case k.Want == snakeCase:
			return fmt.Sprintf("%q must be a snake_case word such as customers or employees", k.Got)
		}
		return fmt.Sprintf("%q does not have the expected form (%s)", k.Got, k.Want)
	case *kind.MinLength:
		return subject + "must not be empty"
	case *kind.MaxLength:
		return fmt.Sprintf("%smust be at most %d characters, not %d", subject, k.Want, k.Got)
	case *kind.Minimum:
		if k.Want.Sign() == 0 {
			return "must not be negative"
		}
		return "must be at least " + ratText(k.Want)
	case *kind.UniqueItems:
		if list, ok := value.([]any); ok && k.Duplicates[0] < len(list) {
			return fmt.Sprintf("lists %s twice", jsonText(list[k.Duplicates[0]]))
		}
		return fmt.Sprintf("lists the same value twice (items %d and %d)", k.Duplicates[0]+1, k.Duplicates[1]+1)
	}
	return subject + e.ErrorKind.LocalizedString(message.NewPrinter(language.English))
}

// unknownField names the field of the schema that f is probably a typo
// of, like the decoder does.
func (v *Validator) unknownField(f string) string {
	if best := decode.Closest(f, v.fields); best != "" {
		return fmt.Sprintf("is not a known field (did you mean %q?)", best)
	}
	return "is not a known field (see docs/incident-file.md for the fields)"
}

func jsonText(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

func ratText(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	return r.FloatString(3)
}

// typeNames names JSON Schema types in the words of the field reference.
func typeNames(types []string) string {
	names := make([]string, len(types))
	for i, t := range types {
		switch t {
		case "string":
			names[i] = "text"
		case "integer":
			names[i] = "a whole number"
		case "number":
			names[i] = "a number"
		case "boolean":
			names[i] = "true or false"
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

// valueKind names what a value given in a file is.
func valueKind(value any) string {
	switch x := value.(type) {
	case nil:
		return "empty (leave the field out while it is not known)"
	case string:
		return "text"
	case bool:
		return "true or false"
	case json.Number:
		if r, ok := new(big.Rat).SetString(x.String()); ok && !r.IsInt() {
			return "a number with a fraction"
		}
		return "a whole number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", value)
}
