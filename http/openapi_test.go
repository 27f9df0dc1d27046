package http

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/assess"
	"github.com/breachdesk/breachdesk/docs"
	"github.com/breachdesk/breachdesk/report"
	"github.com/breachdesk/breachdesk/rules"
	"github.com/breachdesk/breachdesk/sqlite"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// openAPIURL is where the tests place http/openapi.json for the schema
// compiler, so that its "#/components/..." references resolve.
const openAPIURL = "https://breachdesk.invalid/openapi.json"

// openAPISpec is http/openapi.json, parsed, with its Schema Objects
// compiled on demand as JSON Schema 2020-12, formats asserted.
type openAPISpec struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}

func loadOpenAPI(t *testing.T) *openAPISpec {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(openAPIDocument))
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(openAPIURL, doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return &openAPISpec{doc: doc.(map[string]any), compiler: c, compiled: map[string]*jsonschema.Schema{}}
}

// pointerToken escapes one reference token of a JSON pointer.
func pointerToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// at returns the value at a JSON pointer of the document, or nil.
func (o *openAPISpec) at(pointer string) any {
	var v any = o.doc
	for _, tok := range strings.Split(pointer, "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			v = x[tok]
		case []any:
			var i int
			if _, err := fmt.Sscan(tok, &i); err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// object returns the object at pointer, following a $ref to another part
// of the document (as Response, Parameter and Header objects may have),
// and the pointer it was found at.
func (o *openAPISpec) object(t *testing.T, pointer string) (map[string]any, string) {
	t.Helper()
	m, _ := o.at(pointer).(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		target, ok := strings.CutPrefix(ref, "#")
		if !ok {
			t.Fatalf("%s: $ref %q is not within the document", pointer, ref)
		}
		return o.object(t, target)
	}
	return m, pointer
}

// schema compiles the Schema Object at pointer.
func (o *openAPISpec) schema(t *testing.T, pointer string) *jsonschema.Schema {
	t.Helper()
	if s, ok := o.compiled[pointer]; ok {
		return s
	}
	s, err := o.compiler.Compile(openAPIURL + "#" + pointer)
	if err != nil {
		t.Fatalf("compile the schema at %s: %v", pointer, err)
	}
	o.compiled[pointer] = s
	return s
}

// openAPIOperation is one path and method of the document.
type openAPIOperation struct {
	method, path string
	pointer      string
	op           map[string]any
}

func (op openAPIOperation) String() string { return op.method + " " + op.path }

// operations returns the document's operations, sorted.
func (o *openAPISpec) operations() []openAPIOperation {
	var ops []openAPIOperation
	paths, _ := o.doc["paths"].(map[string]any)
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		item, _ := paths[path].(map[string]any)
		for _, method := range []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"} {
			if op, ok := item[method].(map[string]any); ok {
				ops = append(ops, openAPIOperation{method: strings.ToUpper(method), path: path,
					pointer: "/paths/" + pointerToken(path) + "/" + method, op: op})
			}
		}
	}
	return ops
}

// operation returns the operation that answers method on urlPath.
func (o *openAPISpec) operation(t *testing.T, method, urlPath string) openAPIOperation {
	t.Helper()
	for _, op := range o.operations() {
		re := "^" + regexp.MustCompile(`\\\{[a-z_]+\\\}`).ReplaceAllString(regexp.QuoteMeta(op.path), `[^/]+`) + "$"
		if op.method == method && regexp.MustCompile(re).MatchString(urlPath) {
			return op
		}
	}
	t.Fatalf("the document has no operation for %s %s", method, urlPath)
	return openAPIOperation{}
}

// statuses returns the statuses the operation documents.
func (op openAPIOperation) statuses() []string {
	responses, _ := op.op["responses"].(map[string]any)
	return slices.Sorted(maps.Keys(responses))
}

// checkRequestBody validates body against the operation's request schema
// and returns the error, nil when it is valid.
func (o *openAPISpec) checkRequestBody(t *testing.T, op openAPIOperation, body string) error {
	t.Helper()
	pointer := op.pointer + "/requestBody/content/application~1json/schema"
	if o.at(pointer) == nil {
		t.Fatalf("%s takes no JSON body, yet the test sends one", op)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		return err
	}
	return o.schema(t, pointer).Validate(v)
}

// checkResponse checks an answer against what the operation documents for
// its status: the media type, the body's schema and the required headers.
func (o *openAPISpec) checkResponse(t *testing.T, op openAPIOperation, resp *http.Response, body []byte) {
	t.Helper()
	status := fmt.Sprint(resp.StatusCode)
	r, at := o.object(t, op.pointer+"/responses/"+status)
	if r == nil {
		t.Errorf("%s answered %s, which the document does not list (%v); body: %.300s", op, status, op.statuses(), body)
		return
	}
	headers, _ := r["headers"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		h, hAt := o.object(t, at+"/headers/"+pointerToken(name))
		value := resp.Header.Get(name)
		if value == "" {
			if h["required"] == true {
				t.Errorf("%s %s: the header %s is documented as required but missing", op, status, name)
			}
			continue
		}
		if err := o.schema(t, hAt+"/schema").Validate(value); err != nil {
			t.Errorf("%s %s: the header %s: %q does not match the document: %v", op, status, name, value, err)
		}
	}
	content, _ := r["content"].(map[string]any)
	media, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || content[media] == nil {
		t.Errorf("%s %s: Content-Type %q is not among the documented %v", op, status, resp.Header.Get("Content-Type"), slices.Sorted(maps.Keys(content)))
		return
	}
	pointer := at + "/content/" + pointerToken(media) + "/schema"
	if o.at(pointer) == nil {
		return // documented without a schema: binary, such as PDF
	}
	var v any = string(body)
	if media == "application/json" {
		if v, err = jsonschema.UnmarshalJSON(bytes.NewReader(body)); err != nil {
			t.Errorf("%s %s: the body is not JSON: %v", op, status, err)
			return
		}
	}
	if err := o.schema(t, pointer).Validate(v); err != nil {
		t.Errorf("%s %s: the answer does not match the document:\n%v\nbody: %.2000s", op, status, err, body)
	}
}

// apiBundle is a server whose API runs on a real SQLite file, as serve
// wires it, and the secret of one API token.
type apiBundle struct {
	server *Server
	db     *sqlite.DB
	path   string
	secret string
	closed bool
}

func setupAPI(t *testing.T) *apiBundle {
	t.Helper()
	b := &apiBundle{path: filepath.Join(t.TempDir(), "api.db")}
	b.db = sqlite.NewDB(b.path)
	if err := b.db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !b.closed {
			b.db.Close()
		}
	})
	set, err := rules.Load("")
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer()
	s.Addr, s.PublicAddr = "127.0.0.1:0", "127.0.0.1:0"
	s.OrganizationService = sqlite.NewOrganizationService(b.db)
	s.IncidentService = sqlite.NewIncidentService(b.db)
	s.IncidentEventService = sqlite.NewIncidentEventService(b.db)
	s.AuditService = sqlite.NewAuditService(b.db)
	s.APITokenService = sqlite.NewAPITokenService(b.db)
	s.RegulatorReportService = sqlite.NewRegulatorReportService(b.db)
	s.ReportGenerator = &report.Generator{
		Stores:  assess.Stores{Incidents: s.IncidentService, Organizations: s.OrganizationService, Assessments: sqlite.NewAssessmentService(b.db)},
		Reports: s.RegulatorReportService, Rules: set, Now: s.Now}
	ctx := breachdesk.NewContextWithActor(context.Background(), breachdesk.Actor{Kind: breachdesk.ActorCLI, Name: "tester"})
	if _, b.secret, err = s.APITokenService.CreateAPIToken(ctx, "openapi"); err != nil {
		t.Fatal(err)
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	b.server = s
	return b
}

// apiCase is one request to the API and the status it must get.
type apiCase struct {
	name, method, url string
	// token is sent as the bearer token: the bundle's when empty, none
	// when "-".
	token  string
	body   string
	status int
	// refused says the request body is at fault in a way the document's
	// request schema can see: the schema must refuse it too.
	refused bool
}

func (b *apiBundle) do(t *testing.T, c apiCase) (*http.Response, []byte) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, b.server.URL()+c.url, body)
	if err != nil {
		t.Fatal(err)
	}
	switch c.token {
	case "":
		req.Header.Set("Authorization", "Bearer "+b.secret)
	case "-":
	default:
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// exchange sends c, checks its status, and checks the request body and
// the answer against the document. It returns the operation and the body.
func (b *apiBundle) exchange(t *testing.T, spec *openAPISpec, c apiCase) (openAPIOperation, []byte) {
	t.Helper()
	u, _, _ := strings.Cut(c.url, "?")
	op := spec.operation(t, c.method, u)
	if c.body != "" {
		err := spec.checkRequestBody(t, op, c.body)
		switch {
		case c.status < 300 && err != nil:
			t.Errorf("%s: the server takes the body, but the document's request schema refuses it: %v", c.name, err)
		case c.refused && err == nil:
			t.Errorf("%s: the server refuses the body, but the document's request schema takes it", c.name)
		}
	}
	resp, body := b.do(t, c)
	if resp.StatusCode != c.status {
		t.Errorf("%s: %s %s = %d, want %d; body: %.500s", c.name, c.method, c.url, resp.StatusCode, c.status, body)
	}
	spec.checkResponse(t, op, resp, body)
	return op, body
}

// concreteURL fills in an operation's path with an existing incident and
// authority.
func concreteURL(path string) string {
	return strings.NewReplacer("{id}", "1", "{authority}", "CNIL").Replace(path)
}

func TestOpenAPIResponses(t *testing.T) {
	spec := loadOpenAPI(t)
	b := setupAPI(t)
	incident := `{
  "title": "Customer database exposed",
  "summary": "A backup of the customer database was left on a public bucket.",
  "status": "open",
  "nature": ["confidentiality"],
  "cause": "malicious_attack",
  "malicious": true,
  "occurred_from": "2026-11-18T10:00:00Z",
  "occurred_to": "2026-11-19T22:00:00+01:00",
  "detected_at": "2026-11-20T11:30:00Z",
  "aware_at": "2026-11-20T10:00:00Z",
  "determined_at": "2026-11-20T12:00:00Z",
  "data_categories": ["name", "email", "password_hash_strong"],
  "subject_categories": ["customers"],
  "approx_subjects": 1200,
  "approx_records": 1500,
  "recipients": "unknown",
  "encryption": "none",
  "backup_available": true,
  "data_recovered": false,
  "likely_consequences": "Phishing using the names and addresses.",
  "cross_border": false,
  "discovery": "A security researcher wrote to the DPO.",
  "law_enforcement": false
}`
	cases := []apiCase{
		{name: "OpenAPIWithoutToken", method: "GET", url: "/api/v1/openapi.json", token: "-", status: 200},
		{name: "OrganizationErrNotSetUp", method: "GET", url: "/api/v1/organization", status: 404},
		{name: "OrganizationErrBadToken", method: "GET", url: "/api/v1/organization", token: "bdk_forged", status: 401},
		{name: "OrganizationSetErrCountry", method: "PUT", url: "/api/v1/organization", status: 400,
			body: `{"name": "Shop SpA", "country": "Narnia"}`},
		{name: "OrganizationSetErrUnknownField", method: "PUT", url: "/api/v1/organization", status: 400,
			body: `{"name": "Shop SpA", "country": "IT", "vat": "IT123"}`, refused: true},
		{name: "OrganizationSetErrMalformed", method: "PUT", url: "/api/v1/organization", status: 400, body: `{"name": `},
		{name: "OrganizationSetOK", method: "PUT", url: "/api/v1/organization", status: 200,
			body: `{"name": "Shop SpA", "country": "it", "dpo_name": "Dana Rossi", "dpo_email": "dpo@shop.example", "dpo_phone": "+39 02 1234 5678", "sectors": ["ftc_safeguards"]}`},
		{name: "OrganizationOK", method: "GET", url: "/api/v1/organization", status: 200},

		{name: "IncidentsEmpty", method: "GET", url: "/api/v1/incidents", status: 200},
		{name: "IncidentsErrLimit", method: "GET", url: "/api/v1/incidents?limit=many", status: 400},
		{name: "IncidentCreateOK", method: "POST", url: "/api/v1/incidents", status: 201, body: incident},
		{name: "IncidentCreateMinimalOK", method: "POST", url: "/api/v1/incidents", status: 201, body: `{"title": "Laptop stolen"}`},
		{name: "IncidentCreateErrTitle", method: "POST", url: "/api/v1/incidents", status: 400, body: `{"summary": "no title"}`, refused: true},
		{name: "IncidentCreateErrReadOnly", method: "POST", url: "/api/v1/incidents", status: 400, body: `{"id": 5, "title": "x"}`, refused: true},
		{name: "IncidentCreateErrVocabulary", method: "POST", url: "/api/v1/incidents", status: 400,
			body: `{"title": "x", "data_categories": ["shoe_size"]}`, refused: true},
		{name: "IncidentCreateErrTime", method: "POST", url: "/api/v1/incidents", status: 400,
			body: `{"title": "x", "aware_at": "yesterday"}`, refused: true},
		{name: "IncidentCreateErrType", method: "POST", url: "/api/v1/incidents", status: 400,
			body: `{"title": "x", "approx_subjects": "many"}`, refused: true},
		{name: "IncidentCreateErrMalformed", method: "POST", url: "/api/v1/incidents", status: 400, body: `{"title": "x",`},
		{name: "IncidentsOK", method: "GET", url: "/api/v1/incidents?status=open&limit=1&offset=1", status: 200},
		{name: "IncidentOK", method: "GET", url: "/api/v1/incidents/1", status: 200},
		{name: "IncidentErrNotFound", method: "GET", url: "/api/v1/incidents/99", status: 404},
		{name: "IncidentErrBadID", method: "GET", url: "/api/v1/incidents/abc", status: 404},
		{name: "IncidentUpdateOK", method: "PATCH", url: "/api/v1/incidents/1", status: 200,
			body: `{"status": "assessed", "contained_at": "2026-11-20T13:00:00Z", "determined_at": null, "measures_taken": "Bucket made private."}`},
		{name: "IncidentUpdateErrClearTitle", method: "PATCH", url: "/api/v1/incidents/1", status: 400, body: `{"title": null}`, refused: true},
		{name: "IncidentUpdateErrReadOnly", method: "PATCH", url: "/api/v1/incidents/1", status: 400,
			body: `{"created_at": "2026-11-20T13:00:00Z"}`, refused: true},
		{name: "IncidentUpdateErrOrder", method: "PATCH", url: "/api/v1/incidents/1", status: 400,
			body: `{"occurred_to": "2026-11-01T00:00:00Z"}`},
		{name: "IncidentUpdateErrNotFound", method: "PATCH", url: "/api/v1/incidents/99", status: 404, body: `{"status": "closed"}`},

		{name: "EventsOK", method: "GET", url: "/api/v1/incidents/1/events", status: 200},
		{name: "EventsErrNotFound", method: "GET", url: "/api/v1/incidents/99/events", status: 404},
		{name: "EventCreateErrNote", method: "POST", url: "/api/v1/incidents/1/events", status: 400, body: `{"kind": "decision"}`, refused: true},
		{name: "EventCreateErrKind", method: "POST", url: "/api/v1/incidents/1/events", status: 400, body: `{"kind": "field_changed"}`, refused: true},
		{name: "EventCreateErrNotFound", method: "POST", url: "/api/v1/incidents/99/events", status: 404, body: `{"kind": "contained"}`},
		{name: "EventCreateOK", method: "POST", url: "/api/v1/incidents/1/events", status: 201,
			body: `{"kind": "authority_notified", "at": "2026-11-21T10:30:00+01:00", "note": "CNIL notification 2026-000123"}`},
		{name: "EventCreateDecisionOK", method: "POST", url: "/api/v1/incidents/1/events", status: 201,
			body: `{"kind": "decision", "note": "Individuals to be notified (Art. 34): addresses exposed to unknown recipients."}`},
		{name: "EventsDecisionsOK", method: "GET", url: "/api/v1/incidents/1/events?kind=decision", status: 200},

		{name: "ReportsNone", method: "GET", url: "/api/v1/incidents/1/reports", status: 200},
		{name: "ReportsErrAuthority", method: "GET", url: "/api/v1/incidents/1/reports?authority=XYZ", status: 400},
		{name: "ReportsErrNotFound", method: "GET", url: "/api/v1/incidents/99/reports", status: 404},
		{name: "ReportOK", method: "GET", url: "/api/v1/incidents/1/reports/CNIL", status: 200},
		{name: "IncidentUpdateForFollowUp", method: "PATCH", url: "/api/v1/incidents/1", status: 200,
			body: `{"measures_planned": "Review of bucket policies every month."}`},
		{name: "ReportFollowUpOK", method: "GET", url: "/api/v1/incidents/1/reports/cnil?case_ref=CNIL-2026-42", status: 200},
		{name: "ReportMarkdownOK", method: "GET", url: "/api/v1/incidents/1/reports/CNIL?format=md", status: 200},
		{name: "ReportPDFOK", method: "GET", url: "/api/v1/incidents/1/reports/CNIL?format=pdf&version=1", status: 200},
		{name: "ReportDraftLetterOK", method: "GET", url: "/api/v1/incidents/1/reports/US-AG?draft=true", status: 200},
		{name: "ReportVersionOK", method: "GET", url: "/api/v1/incidents/1/reports/CNIL?version=2", status: 200},
		{name: "ReportErrVersion", method: "GET", url: "/api/v1/incidents/1/reports/CNIL?version=9", status: 404},
		{name: "ReportErrAuthority", method: "GET", url: "/api/v1/incidents/1/reports/NOPE", status: 400},
		{name: "ReportErrFormat", method: "GET", url: "/api/v1/incidents/1/reports/CNIL?format=docx", status: 400},
		{name: "ReportErrPhase", method: "GET", url: "/api/v1/incidents/1/reports/ICO?phase=final", status: 400},
		{name: "ReportErrDraft", method: "GET", url: "/api/v1/incidents/1/reports/ICO?draft=perhaps", status: 400},
		{name: "ReportErrNotFound", method: "GET", url: "/api/v1/incidents/99/reports/CNIL", status: 404},
		{name: "ReportsOK", method: "GET", url: "/api/v1/incidents/1/reports?authority=cnil", status: 200},

		{name: "RegisterOK", method: "GET", url: "/api/v1/register", status: 200},
		{name: "AuditOK", method: "GET", url: "/api/v1/audit", status: 200},
		{name: "AuditFilteredOK", method: "GET", url: "/api/v1/audit?entity=incident&entity_id=1&limit=2&offset=1", status: 200},
		{name: "AuditErrOffset", method: "GET", url: "/api/v1/audit?offset=-1", status: 400},
		{name: "AuditVerifyOK", method: "GET", url: "/api/v1/audit/verify", status: 200},
	}
	seen := map[string]bool{} // operation and status
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			op, _ := b.exchange(t, spec, c)
			seen[fmt.Sprint(op, " ", c.status)] = true
		})
	}

	t.Run("AuditVerifyBrokenChain", func(t *testing.T) {
		raw, err := sql.Open("sqlite3", b.path)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET actor = 'cli:someone-else' WHERE id = 2`} {
			if _, err := raw.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		raw.Close()
		_, body := b.exchange(t, spec, apiCase{name: "AuditVerifyBroken", method: "GET", url: "/api/v1/audit/verify", status: 200})
		if !bytes.Contains(body, []byte(`"first_broken": 2`)) {
			t.Errorf("GET /api/v1/audit/verify after tampering = %s, want entry 2 named as broken", body)
		}
	})

	tokenOps := slices.DeleteFunc(spec.operations(), func(op openAPIOperation) bool { return op.op["security"] != nil })
	t.Run("ErrNoToken", func(t *testing.T) {
		for _, op := range tokenOps {
			b.exchange(t, spec, apiCase{name: op.String(), method: op.method, url: concreteURL(op.path), token: "-", status: 401})
			seen[fmt.Sprint(op, " 401")] = true
		}
	})
	t.Run("ErrDatabaseClosed", func(t *testing.T) {
		b.db.Close()
		b.closed = true
		for _, op := range tokenOps {
			b.exchange(t, spec, apiCase{name: op.String(), method: op.method, url: concreteURL(op.path), status: 500})
			seen[fmt.Sprint(op, " 500")] = true
		}
		b.exchange(t, spec, apiCase{name: "OpenAPI", method: "GET", url: "/api/v1/openapi.json", token: "-", status: 200})
	})

	// Every status the document lists is one the tests saw a handler give,
	// but for those that cannot be brought about here.
	notHere := map[string]string{
		"GET /api/v1/incidents/{id}/reports/{authority} 409": "PostgreSQL only: two writers storing the same version at once",
	}
	for _, op := range spec.operations() {
		for _, status := range op.statuses() {
			key := fmt.Sprint(op, " ", status)
			if !seen[key] && notHere[key] == "" {
				t.Errorf("%s: the document lists %s, which no test request got", op, status)
			}
		}
	}
}

func TestOpenAPIRoutes(t *testing.T) {
	spec := loadOpenAPI(t)
	var inTable, inDocument []string
	public := map[string]bool{}
	for _, route := range NewServer().apiRoutes() {
		inTable = append(inTable, route.pattern)
		public[route.pattern] = route.public
	}
	for _, op := range spec.operations() {
		inDocument = append(inDocument, op.String())
		security, given := op.op["security"].([]any)
		if open := given && len(security) == 0; open != public[op.String()] {
			t.Errorf("%s: needs no token in the document: %v; in the routes: %v", op, open, public[op.String()])
		}
	}
	slices.Sort(inTable)
	slices.Sort(inDocument)
	if diff := cmp.Diff(inTable, inDocument); diff != "" {
		t.Errorf("the API routes (-) and the operations of openapi.json (+) differ:\n%s", diff)
	}

	// What the mux does: each documented method of each path reaches a
	// handler, and the other methods fall through to the API's not-found.
	b := setupAPI(t)
	documented := map[string]bool{}
	for _, op := range spec.operations() {
		documented[op.String()] = true
	}
	for path := range spec.doc["paths"].(map[string]any) {
		for _, method := range []string{"GET", "PUT", "POST", "PATCH", "DELETE"} {
			resp, body := b.do(t, apiCase{method: method, url: concreteURL(path), body: "{}"})
			var e ErrorResponse
			json.Unmarshal(body, &e)
			noEndpoint := resp.StatusCode == 404 && strings.HasPrefix(e.Error.Message, "No API endpoint")
			if want := !documented[method+" "+path]; noEndpoint != want {
				t.Errorf("%s %s = %d %.200s; the document lists it: %v", method, path, resp.StatusCode, body, !want)
			}
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	b := setupAPI(t)
	onDisk, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, openAPIDocument) {
		t.Fatal("the embedded document differs from http/openapi.json")
	}
	for _, token := range []string{"-", "bdk_forged", ""} {
		resp, body := b.do(t, apiCase{method: "GET", url: "/api/v1/openapi.json", token: token})
		if resp.StatusCode != 200 {
			t.Errorf("GET /api/v1/openapi.json with token %q = %d, want 200: it needs no token", token, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", ct)
		}
		if !bytes.Equal(body, openAPIDocument) {
			t.Errorf("GET /api/v1/openapi.json served %d bytes that differ from the embedded %d", len(body), len(openAPIDocument))
		}
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil || doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != "http://127.0.0.1:8080" {
		t.Errorf("openapi.json: openapi %q, servers %+v (%v); want 3.1.0 and http://127.0.0.1:8080", doc.OpenAPI, doc.Servers, err)
	}
}

// vocabulary returns the values of a Go vocabulary as a JSON enum holds them.
func vocabulary[S ~string](values []S) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

func TestOpenAPIVocabularies(t *testing.T) {
	spec := loadOpenAPI(t)
	const s = "/components/schemas/"
	param := func(opPointer, name string) string {
		params, _ := spec.at(opPointer + "/parameters").([]any)
		for i, p := range params {
			if p.(map[string]any)["name"] == name {
				return fmt.Sprintf("%s/parameters/%d/schema", opPointer, i)
			}
		}
		t.Fatalf("%s has no parameter %s", opPointer, name)
		return ""
	}
	var authorities []string
	for _, a := range report.Authorities() {
		authorities = append(authorities, a.Code)
	}
	allKinds := append(breachdesk.EventKinds(), breachdesk.EventCreated, breachdesk.EventFieldChanged, breachdesk.EventReportGenerated)
	errorCodes := slices.Sorted(maps.Keys(codes))
	events := "/paths/" + pointerToken("/api/v1/incidents/{id}/events") + "/get"
	reportOp := "/paths/" + pointerToken("/api/v1/incidents/{id}/reports/{authority}") + "/get"
	for _, tt := range []struct {
		pointer string
		want    []any
	}{
		{s + "IncidentFields/properties/status/enum", vocabulary(breachdesk.IncidentStatuses())},
		{s + "IncidentFields/properties/nature/items/enum", vocabulary(breachdesk.Natures())},
		{s + "IncidentFields/properties/cause/enum", vocabulary(breachdesk.Causes())},
		{s + "IncidentFields/properties/data_categories/items/enum", vocabulary(breachdesk.DataCategories())},
		{s + "IncidentFields/properties/recipients/enum", vocabulary(breachdesk.RecipientKinds())},
		{s + "IncidentFields/properties/encryption/enum", vocabulary(breachdesk.EncryptionStates())},
		{s + "EventInput/properties/kind/enum", vocabulary(breachdesk.EventKinds())},
		{s + "Event/properties/kind/enum", vocabulary(allKinds)},
		{param(events, "kind") + "/enum", vocabulary(allKinds)},
		{s + "Organization/properties/sectors/items/enum", vocabulary(breachdesk.Sectors())},
		{s + "OrganizationInput/properties/sectors/items/enum", vocabulary(breachdesk.Sectors())},
		{s + "ReportPhase/enum", vocabulary(breachdesk.ReportPhases())},
		{s + "Authority/enum", vocabulary(authorities)},
		{param(reportOp, "format") + "/enum", vocabulary(report.Formats())},
		{s + "Error/properties/error/properties/code/enum", vocabulary(errorCodes)},
	} {
		got, _ := spec.at(tt.pointer).([]any)
		if tt.pointer == s+"Error/properties/error/properties/code/enum" {
			got = slices.SortedFunc(slices.Values(got), func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s differs from the Go vocabulary (-want +got):\n%s", tt.pointer, diff)
		}
	}

	// The incident's fields are those of the published incident file
	// schema, which docs/docs_test.go keeps equal to breachdesk.Incident.
	var fileSchema struct {
		Properties any `json:"properties"`
	}
	if err := json.Unmarshal(docs.IncidentSchema(), &fileSchema); err != nil {
		t.Fatal(err)
	}
	var fields struct {
		Properties any `json:"properties"`
	}
	var doc struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc.Components.Schemas["IncidentFields"], &fields); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fileSchema.Properties, fields.Properties); diff != "" {
		t.Errorf("IncidentFields differs from docs/incident.schema.json (-file +openapi):\n%s", diff)
	}
}

// jsonFields returns the names a type has in JSON, and those it always
// has (no omitempty).
func jsonFields(typ reflect.Type) (names, always []string) {
	for _, f := range reflect.VisibleFields(typ) {
		tag, hasTag := f.Tag.Lookup("json")
		name, opts, _ := strings.Cut(tag, ",")
		if !f.IsExported() || name == "-" || (f.Anonymous && !hasTag) {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
		if !slices.Contains(strings.Split(opts, ","), "omitempty") {
			always = append(always, name)
		}
	}
	slices.Sort(names)
	slices.Sort(always)
	return names, always
}

// schemaFields returns the properties a schema names, with those of the
// schema its $ref points to, and the properties it requires.
func (o *openAPISpec) schemaFields(t *testing.T, pointer string) (names, required []string) {
	t.Helper()
	m, _ := o.at(pointer).(map[string]any)
	if m == nil {
		t.Fatalf("no schema at %s", pointer)
	}
	props, _ := m["properties"].(map[string]any)
	names = slices.Collect(maps.Keys(props))
	if ref, ok := m["$ref"].(string); ok {
		more, _ := o.schemaFields(t, strings.TrimPrefix(ref, "#"))
		names = append(names, more...)
	}
	req, _ := m["required"].([]any)
	for _, r := range req {
		required = append(required, r.(string))
	}
	slices.Sort(names)
	slices.Sort(required)
	return slices.Compact(names), required
}

// TestOpenAPIFieldsMatchGo compares each schema with the Go type the
// handlers read or write: the same fields, and for answers the fields
// always present are the ones required.
func TestOpenAPIFieldsMatchGo(t *testing.T) {
	spec := loadOpenAPI(t)
	for _, tt := range []struct {
		schema string
		typ    reflect.Type
		answer bool
		// leftOut are Go fields the API never shows or takes.
		leftOut []string
	}{
		{"Organization", reflect.TypeFor[breachdesk.Organization](), true, nil},
		{"OrganizationInput", reflect.TypeFor[breachdesk.Organization](), false, nil},
		{"IncidentInput", reflect.TypeFor[breachdesk.Incident](), false, breachdesk.IncidentReadOnlyFields()},
		{"IncidentPatch", reflect.TypeFor[breachdesk.IncidentUpdate](), false, nil},
		{"Incident", reflect.TypeFor[IncidentResponse](), true, nil},
		{"NotificationClock", reflect.TypeFor[breachdesk.NotificationClock](), true, nil},
		{"IncidentList", reflect.TypeFor[IncidentListResponse](), true, nil},
		{"Event", reflect.TypeFor[breachdesk.IncidentEvent](), true, nil},
		{"EventInput", reflect.TypeFor[EventRequest](), false, nil},
		{"EventList", reflect.TypeFor[EventListResponse](), true, nil},
		// The list leaves each version's content out.
		{"ReportVersion", reflect.TypeFor[breachdesk.RegulatorReport](), true, []string{"content"}},
		{"ReportList", reflect.TypeFor[ReportListResponse](), true, nil},
		{"Report", reflect.TypeFor[report.Report](), true, nil},
		{"ReportSection", reflect.TypeFor[report.Section](), true, nil},
		{"ReportItem", reflect.TypeFor[report.Item](), true, nil},
		{"ReportPending", reflect.TypeFor[report.Pending](), true, nil},
		{"ReportAttachment", reflect.TypeFor[report.Attachment](), true, nil},
		{"ReportAttachment/properties/passages/items", reflect.TypeFor[report.Passage](), true, nil},
		{"PreviousVersion", reflect.TypeFor[report.PreviousVersion](), true, nil},
		{"ReportChange", reflect.TypeFor[report.Change](), true, nil},
		{"RegisterEntry", reflect.TypeFor[breachdesk.RegisterEntry](), true, nil},
		{"RegisterEntry/properties/decisions/items", reflect.TypeFor[breachdesk.RegisterDecision](), true, nil},
		{"Register", reflect.TypeFor[RegisterResponse](), true, nil},
		{"AuditEntry", reflect.TypeFor[breachdesk.AuditEntry](), true, nil},
		{"AuditList", reflect.TypeFor[AuditListResponse](), true, nil},
		{"AuditVerification", reflect.TypeFor[breachdesk.AuditVerification](), true, nil},
		{"Error", reflect.TypeFor[ErrorResponse](), true, nil},
		{"Error/properties/error", reflect.TypeFor[ErrorBody](), true, nil},
	} {
		t.Run(strings.ReplaceAll(tt.schema, "/", "."), func(t *testing.T) {
			names, always := jsonFields(tt.typ)
			names = slices.DeleteFunc(names, func(n string) bool { return slices.Contains(tt.leftOut, n) })
			always = slices.DeleteFunc(always, func(n string) bool { return slices.Contains(tt.leftOut, n) })
			gotNames, gotRequired := spec.schemaFields(t, "/components/schemas/"+tt.schema)
			if diff := cmp.Diff(names, gotNames); diff != "" {
				t.Errorf("the fields of %s differ from %s (-Go +openapi):\n%s", tt.typ, tt.schema, diff)
			}
			if diff := cmp.Diff(always, gotRequired); tt.answer && diff != "" {
				t.Errorf("the fields %s always has differ from those %s requires (-Go +openapi):\n%s", tt.typ, tt.schema, diff)
			}
		})
	}
}

// TestOpenAPIValidatesWithNpmValidator checks the document with a second,
// independent validator: tools/openapi/validate.mjs, which checks it
// against the OpenAPI Initiative's schema of 3.1 documents and compiles
// each Schema Object with Ajv in strict mode. It needs node and
// npm ci --prefix tools/openapi; CI has both, so there a missing one fails.
func TestOpenAPIValidatesWithNpmValidator(t *testing.T) {
	const dir = "../tools/openapi"
	var missing []string
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@seriousme", "openapi-schema-validator")); err != nil {
		missing = append(missing, "tools/openapi/node_modules (run npm ci --prefix tools/openapi)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node")
	}
	if len(missing) > 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("the OpenAPI document cannot be checked under CI: missing %s", strings.Join(missing, ", "))
		}
		t.Skipf("missing %s", strings.Join(missing, ", "))
	}
	validate := func(path string) (string, error) {
		out, err := exec.Command(node, filepath.Join(dir, "validate.mjs"), path).CombinedOutput()
		return string(out), err
	}

	if out, err := validate("openapi.json"); err != nil {
		t.Fatalf("node tools/openapi/validate.mjs http/openapi.json: %v\n%s", err, out)
	}

	// The same document, broken in one place each time, is refused.
	for _, tt := range []struct {
		name, old, new, want string
	}{
		{"ErrDanglingRef", `"$ref": "#/components/schemas/Incident"`, `"$ref": "#/components/schemas/Incidnet"`, "Incidnet"},
		{"ErrMisspeltKeyword", `"minLength": 1`, `"minLenght": 1`, "minLenght"},
		{"ErrParameterWithoutSchema", `"in": "query",`, `"in": "body",`, "parameters"},
		{"ErrExample", `"cause": "malicious_attack",`, `"cause": "hackers",`, "example"},
		{"ErrVersion", `"openapi": "3.1.0"`, `"openapi": "3.0.3"`, "jsonSchemaDialect"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Contains(openAPIDocument, []byte(tt.old)) {
				t.Fatalf("openapi.json has no %s to break", tt.old)
			}
			path := filepath.Join(t.TempDir(), "broken.json")
			if err := os.WriteFile(path, bytes.Replace(openAPIDocument, []byte(tt.old), []byte(tt.new), 1), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := validate(path)
			if err == nil {
				t.Fatalf("the validator took a document with %s instead of %s:\n%s", tt.new, tt.old, out)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("the validator's output does not mention %q:\n%s", tt.want, out)
			}
		})
	}
}
