// Package decode reads the objects people give breachdesk, as JSON or YAML
// files or request bodies, strictly: an unknown field, a value of the wrong
// type or a malformed time is an invalid error that names the file, the line
// and the field, before anything is stored.
package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
	"go.yaml.in/yaml/v3"
)

// Document is one JSON object or YAML mapping, its top-level fields kept in
// the order and on the lines where they were written.
type Document struct {
	// Name is the file name, or a description such as "request body",
	// used to prefix every error.
	Name   string
	fields []field
}

type field struct {
	key  string
	line int
	raw  json.RawMessage
}

// Parse reads data as YAML when name ends in .yaml or .yml, as JSON when it
// ends in .json, and otherwise as JSON if it starts with "{" and YAML if not.
func Parse(name string, data []byte) (*Document, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return ParseJSON(name, data)
	case ".yaml", ".yml":
		return ParseYAML(name, data)
	}
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		return ParseJSON(name, data)
	}
	return ParseYAML(name, data)
}

// ParseJSON reads data as one JSON object.
func ParseJSON(name string, data []byte) (*Document, error) {
	doc := &Document{Name: name}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	syntaxError := func(err error) error {
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &syn):
			return doc.errorAt(lineAt(data, syn.Offset), "", "malformed JSON: %s", strings.TrimPrefix(syn.Error(), "json: "))
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return doc.errorAt(lineAt(data, int64(len(data))), "", "malformed JSON: the object is not closed")
		}
		return doc.errorAt(lineAt(data, dec.InputOffset()), "", "malformed JSON: %v", err)
	}
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil, doc.errorAt(0, "", "is empty: expected a JSON object")
	} else if err != nil {
		return nil, syntaxError(err)
	}
	if tok != json.Delim('{') {
		return nil, doc.errorAt(lineAt(data, dec.InputOffset()), "", "must be a JSON object ({ ... })")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(err)
		}
		key := tok.(string) // inside an object, json only yields string keys here
		line := lineAt(data, dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxError(err)
		}
		if err := doc.add(key, line, raw); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntaxError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, doc.errorAt(lineAt(data, dec.InputOffset()), "", "malformed JSON: unexpected data after the object")
	}
	return doc, nil
}

// yamlLine finds the line number that yaml.v3 puts in its error messages.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// ParseYAML reads data as one YAML mapping. Scalars keep their written
// form where JSON has no equivalent, so a date or a time is checked by the
// field it goes into, not silently converted.
func ParseYAML(name string, data []byte) (*Document, error) {
	doc := &Document{Name: name}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		msg := err.Error()
		line := 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		}
		return nil, doc.errorAt(line, "", "malformed YAML: %s", strings.TrimPrefix(msg, "yaml: "))
	}
	if root.Kind == 0 {
		return nil, doc.errorAt(0, "", "is empty: expected a YAML mapping")
	}
	mapping := root.Content[0]
	if mapping.Kind != yaml.MappingNode {
		return nil, doc.errorAt(mapping.Line, "", "must be a YAML mapping of field: value lines")
	}
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		k, v := mapping.Content[i], mapping.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, doc.errorAt(k.Line, "", "field names must be plain words")
		}
		value, err := yamlValue(v)
		if err != nil {
			return nil, doc.errorAt(v.Line, k.Value, "%v", err)
		}
		raw, err := json.Marshal(value)
		if err != nil {
			return nil, doc.errorAt(v.Line, k.Value, "%v", err)
		}
		if err := doc.add(k.Value, k.Line, raw); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// yamlValue converts a YAML node to the value JSON would carry.
func yamlValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.AliasNode:
		return yamlValue(n.Alias)
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := yamlValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		err := n.Decode(&b)
		return b, err
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			return nil, fmt.Errorf("%q is not a whole number this program can hold", n.Value)
		}
		return json.Number(strconv.FormatInt(i, 10)), nil
	case "!!float":
		var f float64
		err := n.Decode(&f)
		return f, err
	}
	return n.Value, nil
}

func (doc *Document) add(key string, line int, raw json.RawMessage) error {
	for _, f := range doc.fields {
		if f.key == key {
			return doc.errorAt(line, key, "is given twice (first on line %d)", f.line)
		}
	}
	doc.fields = append(doc.fields, field{key: key, line: line, raw: raw})
	return nil
}

// Decode stores the document's fields into the struct v points to, by
// their json tags. The first unknown field or value of the wrong type is
// returned as an invalid error; v may then be partly filled.
func (doc *Document) Decode(v any) error {
	target := reflect.ValueOf(v)
	if target.Kind() != reflect.Pointer || target.Elem().Kind() != reflect.Struct {
		panic("decode: Decode needs a pointer to a struct")
	}
	fields := jsonFields(target.Elem().Type())
	for _, f := range doc.fields {
		index, ok := fields[f.key]
		if !ok {
			return doc.unknownField(f, fields)
		}
		dst := target.Elem().FieldByIndex(index)
		dec := json.NewDecoder(bytes.NewReader(f.raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(dst.Addr().Interface()); err != nil {
			return doc.errorAt(f.line, f.key, "%s", describe(dst.Type(), err))
		}
	}
	return nil
}

// JSON returns the document as one JSON object, fields in their order.
func (doc *Document) JSON() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range doc.fields {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(f.key) // a string always marshals
		b.Write(key)
		b.WriteByte(':')
		b.Write(f.raw)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// Nulls returns the fields given as null (in YAML also as "~" or an empty
// value), in document order: fields a person means to clear.
func (doc *Document) Nulls() []string {
	var keys []string
	for _, f := range doc.fields {
		if string(f.raw) == "null" {
			keys = append(keys, f.key)
		}
	}
	return keys
}

// Line returns the line where the field key is written, or 0.
func (doc *Document) Line(key string) int {
	for _, f := range doc.fields {
		if f.key == key {
			return f.line
		}
	}
	return 0
}

// Errorf returns an invalid error about the field key, located at its line
// like the document's own errors.
func (doc *Document) Errorf(key, format string, args ...any) error {
	return doc.errorAt(doc.Line(key), key, format, args...)
}

// Reject returns an invalid error for the first of keys the document gives:
// fields such as id and created_at that breachdesk sets itself.
func (doc *Document) Reject(keys ...string) error {
	for _, f := range doc.fields {
		for _, k := range keys {
			if f.key == k {
				return doc.errorAt(f.line, k, "is set by breachdesk and cannot be given")
			}
		}
	}
	return nil
}

// Locate returns err with the document's name and the line of the field it
// names put in front of its message, so that a validation error found after
// decoding points into the file like a decoding error does. Errors that name
// no field of the document get the name alone.
func (doc *Document) Locate(err error) error {
	var e *breachdesk.Error
	if !errors.As(err, &e) || e.Code != breachdesk.EInvalid {
		return err
	}
	for _, f := range doc.fields {
		if f.key == e.Field {
			return &breachdesk.Error{Code: e.Code, Field: e.Field, Message: fmt.Sprintf("%s:%d: %s", doc.Name, f.line, e.Message)}
		}
	}
	return &breachdesk.Error{Code: e.Code, Field: e.Field, Message: doc.Name + ": " + e.Message}
}

// Closest returns the candidate a mistyped name most probably meant, or ""
// when none is within three edits.
func Closest(name string, candidates []string) string {
	best, bestDistance := "", 4
	for _, c := range candidates {
		if d := distance(name, c); d < bestDistance || (d == bestDistance && c < best) {
			best, bestDistance = c, d
		}
	}
	return best
}

func (doc *Document) unknownField(f field, known map[string][]int) error {
	names := make([]string, 0, len(known))
	for name := range known {
		names = append(names, name)
	}
	if best := Closest(f.key, names); best != "" {
		return doc.errorAt(f.line, f.key, "is not a known field (did you mean %q?)", best)
	}
	return doc.errorAt(f.line, f.key, "is not a known field")
}

func (doc *Document) errorAt(line int, key, format string, args ...any) error {
	where := doc.Name
	if line > 0 {
		where += ":" + strconv.Itoa(line)
	}
	msg := fmt.Sprintf(format, args...)
	if key != "" {
		msg = key + ": " + msg
	}
	return &breachdesk.Error{Code: breachdesk.EInvalid, Field: key, Message: where + ": " + msg}
}

// jsonFields maps each json name of t's exported fields to its index.
func jsonFields(t reflect.Type) map[string][]int {
	fields := make(map[string][]int)
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		fields[name] = f.Index
	}
	return fields
}

var timeType = reflect.TypeFor[time.Time]()

// describe turns a json decoding error into a sentence about what the field
// must hold.
func describe(t reflect.Type, err error) string {
	want := expected(t)
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field != "" && !strings.Contains(want, "RFC 3339") {
			return fmt.Sprintf("%s: must be %s, not %s", typeErr.Field, expected(typeErr.Type), article(typeErr.Value))
		}
		return fmt.Sprintf("must be %s, not %s", want, article(typeErr.Value))
	}
	if strings.HasPrefix(err.Error(), "json: unknown field ") {
		return strings.TrimPrefix(err.Error(), "json: ") + " in this object"
	}
	return "must be " + want
}

func expected(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return "an RFC 3339 time with a time zone, such as 2026-11-20T14:30:00Z or 2026-11-20T15:30:00+01:00"
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list of " + plural(expected(t.Elem()))
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}

func plural(s string) string {
	switch s {
	case "text":
		return "texts"
	case "a whole number":
		return "whole numbers"
	case "a number":
		return "numbers"
	}
	return s
}

func article(jsonKind string) string {
	if strings.HasPrefix(jsonKind, "number ") {
		return "the " + jsonKind // json reports "number 1.5" for a fraction
	}
	switch jsonKind {
	case "array", "object":
		return "an " + jsonKind
	case "number", "string":
		return "a " + jsonKind
	}
	return jsonKind
}

// lineAt returns the 1-based line of byte offset in data.
func lineAt(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// distance is the Levenshtein edit distance, used to suggest the field a
// person probably meant.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
