package http_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	bdhttp "github.com/breachdesk/breachdesk/http"
	"github.com/breachdesk/breachdesk/mock"
)

// testBundle is a server on free ports with mock services.
type testBundle struct {
	server        *bdhttp.Server
	incidents     *mock.IncidentService
	organizations *mock.OrganizationService
	events        *mock.IncidentEventService
	audit         *mock.AuditService
}

// goodToken is the one secret the bundle's token service accepts, as the
// token named "ticketing".
const goodToken = "bdk_good"

func setup(t *testing.T) *testBundle {
	t.Helper()
	b := &testBundle{incidents: &mock.IncidentService{}, organizations: &mock.OrganizationService{
		FindOrganizationFunc: func(ctx context.Context) (*breachdesk.Organization, error) {
			return nil, breachdesk.Errorf(breachdesk.ENotFound, "The organization has not been set up yet.")
		}},
		events: &mock.IncidentEventService{}, audit: &mock.AuditService{}}
	b.server = bdhttp.NewServer()
	b.server.Addr, b.server.PublicAddr = "127.0.0.1:0", "127.0.0.1:0"
	b.server.Now = func() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) }
	b.server.IncidentService = b.incidents
	b.server.OrganizationService = b.organizations
	b.server.IncidentEventService = b.events
	b.server.AuditService = b.audit
	b.server.APITokenService = &mock.APITokenService{
		AuthenticateAPITokenFunc: func(ctx context.Context, secret string) (*breachdesk.APIToken, error) {
			if secret != goodToken {
				return nil, breachdesk.Errorf(breachdesk.EUnauthorized, "The API token is unknown or revoked.")
			}
			return &breachdesk.APIToken{Name: "ticketing"}, nil
		},
	}
	if err := b.server.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.server.Close() })
	return b
}

// scenario is one request and what its answer must and must not contain.
type scenario struct {
	name        string
	method, url string
	// token is sent as a bearer token: goodToken unless set; "-" sends none.
	token  string
	body   string
	status int
	// contentType is the answer's media type: application/json unless set.
	contentType string
	contains    []string
	notContains []string
}

func (b *testBundle) run(t *testing.T, tt scenario) {
	t.Helper()
	req, err := http.NewRequest(tt.method, b.server.URL()+tt.url, strings.NewReader(tt.body))
	if err != nil {
		t.Fatal(err)
	}
	switch tt.token {
	case "":
		req.Header.Set("Authorization", "Bearer "+goodToken)
	case "-":
	default:
		req.Header.Set("Authorization", "Bearer "+tt.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	body := string(data)
	if resp.StatusCode != tt.status {
		t.Errorf("%s %s status = %d, want %d; body: %s", tt.method, tt.url, resp.StatusCode, tt.status, body)
	}
	want := tt.contentType
	if want == "" {
		want = "application/json"
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, want) {
		t.Errorf("Content-Type = %q, want %s", ct, want)
	}
	for _, s := range tt.contains {
		if !strings.Contains(body, s) {
			t.Errorf("body does not contain %q:\n%s", s, body)
		}
	}
	for _, s := range tt.notContains {
		if strings.Contains(body, s) {
			t.Errorf("body contains %q:\n%s", s, body)
		}
	}
}

func TestIncidentRoutes(t *testing.T) {
	b := setup(t)
	aware := time.Date(2026, 11, 20, 7, 0, 0, 0, time.UTC)
	stored := &breachdesk.Incident{ID: 7, Title: "Seller names exposed", Status: breachdesk.IncidentOpen,
		AwareAt: &aware, DetectedAt: new(aware.Add(time.Hour))}
	b.incidents.FindIncidentByIDFunc = func(ctx context.Context, id int64) (*breachdesk.Incident, error) {
		switch id {
		case 7:
			return stored, nil
		case 13:
			return nil, errors.New("disk on fire at /var/lib/secret")
		}
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "Incident %d does not exist.", id)
	}
	b.incidents.FindIncidentsFunc = func(ctx context.Context, f breachdesk.IncidentFilter) ([]*breachdesk.Incident, int, error) {
		if f.Status != nil && *f.Status != breachdesk.IncidentOpen {
			return nil, 0, nil
		}
		return []*breachdesk.Incident{stored}, 1, nil
	}
	b.incidents.CreateIncidentFunc = func(ctx context.Context, inc *breachdesk.Incident) error {
		if actor, err := breachdesk.ActorFromContext(ctx); err != nil || actor.String() != "token:ticketing" {
			t.Errorf("CreateIncident() actor = %v, %v; want token:ticketing", actor, err)
		}
		inc.Normalize()
		if err := inc.Validate(); err != nil {
			return err
		}
		inc.ID = 8
		return nil
	}
	b.incidents.UpdateIncidentFunc = func(ctx context.Context, id int64, upd breachdesk.IncidentUpdate) (*breachdesk.Incident, error) {
		if err := upd.Validate(); err != nil {
			return nil, err
		}
		inc := *stored
		upd.Apply(&inc)
		return &inc, inc.Validate()
	}

	for _, tt := range []scenario{
		{name: "ViewOK", method: "GET", url: "/api/v1/incidents/7", status: 200,
			contains: []string{`"title": "Seller names exposed"`, `"aware_at": "2026-11-20T07:00:00Z"`, `"warnings": [`, "aware_at is before detected_at",
				`"deadline": "2026-11-23T07:00:00Z"`, `"seconds_left": 154800`, "43h00m left"}},
		{name: "ErrNoToken", method: "GET", url: "/api/v1/incidents/7", token: "-", status: 401,
			contains: []string{`"unauthorized"`, "token create"}, notContains: []string{"Seller"}},
		{name: "ErrBadToken", method: "GET", url: "/api/v1/incidents/7", token: "bdk_forged", status: 401,
			contains: []string{"unknown or revoked"}, notContains: []string{"Seller"}},
		{name: "ErrNoTokenUnknownPath", method: "GET", url: "/api/v1/nothing", token: "-", status: 401},
		{name: "ViewNotFound", method: "GET", url: "/api/v1/incidents/99", status: 404,
			contains: []string{`"code": "not_found"`, "Incident 99 does not exist."}},
		{name: "ViewBadID", method: "GET", url: "/api/v1/incidents/abc", status: 404, contains: []string{`"not_found"`}},
		{name: "ViewInternalHidesDetails", method: "GET", url: "/api/v1/incidents/13", status: 500,
			contains: []string{"Internal error."}, notContains: []string{"disk on fire", "/var/lib"}},
		{name: "ListOK", method: "GET", url: "/api/v1/incidents?status=open", status: 200,
			contains: []string{`"total": 1`, `"id": 7`}},
		{name: "ListEmptyIsArray", method: "GET", url: "/api/v1/incidents?status=closed", status: 200,
			contains: []string{`"incidents": []`, `"total": 0`}},
		{name: "ListBadLimit", method: "GET", url: "/api/v1/incidents?limit=-3", status: 400,
			contains: []string{`"field": "limit"`}},
		{name: "CreateOK", method: "POST", url: "/api/v1/incidents", status: 201,
			body:     `{"title": "Laptop lost", "data_categories": ["name", "health"]}`,
			contains: []string{`"id": 8`, `"status": "open"`}},
		{name: "CreateErrTitleRequired", method: "POST", url: "/api/v1/incidents", status: 400,
			body:     "{\n  \"summary\": \"no title\"\n}",
			contains: []string{`"code": "invalid"`, `"field": "title"`, "title: a title is required"}},
		{name: "CreateErrUnknownField", method: "POST", url: "/api/v1/incidents", status: 400,
			body:     "{\"title\": \"x\",\n \"awareat\": \"2026-11-20T07:00:00Z\"}",
			contains: []string{`"field": "awareat"`, "request body:2", `did you mean \"aware_at\"`}},
		{name: "CreateErrBadTime", method: "POST", url: "/api/v1/incidents", status: 400,
			body:     `{"title": "x", "aware_at": "yesterday"}`,
			contains: []string{`"field": "aware_at"`, "RFC 3339"}},
		{name: "CreateErrWrongType", method: "POST", url: "/api/v1/incidents", status: 400,
			body:     `{"title": "x", "malicious": "yes"}`,
			contains: []string{`"field": "malicious"`, "must be true or false, not a string"}},
		{name: "CreateErrMalformed", method: "POST", url: "/api/v1/incidents", status: 400,
			body: `{"title": "x",`, contains: []string{"malformed JSON"}},
		{name: "CreateErrID", method: "POST", url: "/api/v1/incidents", status: 400,
			body: `{"id": 5, "title": "x"}`, contains: []string{`"field": "id"`, "set by breachdesk"}},
		{name: "CreateErrNotifiedAt", method: "POST", url: "/api/v1/incidents", status: 400,
			body: `{"title": "x", "authority_notified_at": "2026-11-20T07:00:00Z"}`, contains: []string{`"field": "authority_notified_at"`, "set by breachdesk"}},
		{name: "UpdateErrReadOnly", method: "PATCH", url: "/api/v1/incidents/7", status: 400,
			body: `{"created_at": "2026-11-20T07:00:00Z"}`, contains: []string{`"field": "created_at"`, "set by breachdesk"}},
		{name: "CreateErrTooLarge", method: "POST", url: "/api/v1/incidents", status: 400,
			body: `{"title": "` + strings.Repeat("a", bdhttp.MaxBodyBytes) + `"}`, contains: []string{"larger than"}},
		{name: "UpdateOK", method: "PATCH", url: "/api/v1/incidents/7", status: 200,
			body: `{"status": "assessed"}`, contains: []string{`"status": "assessed"`, `"title": "Seller names exposed"`}},
		{name: "UpdateClear", method: "PATCH", url: "/api/v1/incidents/7", status: 200,
			body: `{"detected_at": null}`, contains: []string{`"aware_at"`}, notContains: []string{`"detected_at"`, "warnings"}},
		{name: "UpdateErrClearTitle", method: "PATCH", url: "/api/v1/incidents/7", status: 400,
			body: `{"title": null}`, contains: []string{`"field": "title"`, "cannot be cleared"}},
		{name: "UpdateErrInvalid", method: "PATCH", url: "/api/v1/incidents/7", status: 400,
			body: `{"nature": ["secrecy"]}`, contains: []string{`"field": "nature"`}},
		{name: "UnknownAPIPath", method: "GET", url: "/api/v1/nothing", status: 404, contains: []string{`"not_found"`}},
		{name: "Healthz", method: "GET", url: "/healthz", status: 200, contains: []string{`"ok"`}},
	} {
		t.Run(tt.name, func(t *testing.T) { b.run(t, tt) })
	}
}

func TestOrganizationRoutes(t *testing.T) {
	b := setup(t)
	var saved *breachdesk.Organization
	b.organizations.FindOrganizationFunc = func(ctx context.Context) (*breachdesk.Organization, error) {
		if saved == nil {
			return nil, breachdesk.Errorf(breachdesk.ENotFound, "The organization has not been set up yet.")
		}
		return saved, nil
	}
	b.organizations.SetOrganizationFunc = func(ctx context.Context, org *breachdesk.Organization) error {
		org.Normalize()
		if err := org.Validate(); err != nil {
			return err
		}
		saved = org
		return nil
	}
	for _, tt := range []scenario{
		{name: "ViewErrNotSet", method: "GET", url: "/api/v1/organization", status: 404},
		{name: "SetErrCountry", method: "PUT", url: "/api/v1/organization", status: 400,
			body: `{"name": "Shop", "country": "Narnia"}`, contains: []string{`"field": "country"`}},
		{name: "SetOK", method: "PUT", url: "/api/v1/organization", status: 200,
			body: `{"name": "Shop", "country": "it"}`, contains: []string{`"country": "IT"`, `"language": "en"`}},
		{name: "ViewOK", method: "GET", url: "/api/v1/organization", status: 200, contains: []string{`"name": "Shop"`}},
	} {
		t.Run(tt.name, func(t *testing.T) { b.run(t, tt) })
	}
}

func TestPublicListener(t *testing.T) {
	b := setup(t)
	resp, err := http.Get(b.server.PublicURL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("public /healthz = %d, want 200", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", b.server.PublicURL()+"/api/v1/incidents", nil)
	req.Header.Set("Authorization", "Bearer "+goodToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("public /api/v1/incidents = %d, want 404: the API must not be on the public listener", resp.StatusCode)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
	}
}

func TestEventRoutes(t *testing.T) {
	b := setup(t)
	var recorded []*breachdesk.IncidentEvent
	b.events.CreateIncidentEventFunc = func(ctx context.Context, e *breachdesk.IncidentEvent) error {
		if e.IncidentID != 7 {
			return breachdesk.Errorf(breachdesk.ENotFound, "Incident %d does not exist.", e.IncidentID)
		}
		if e.At.IsZero() {
			e.At = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
		}
		if err := e.Validate(); err != nil {
			return err
		}
		actor, _ := breachdesk.ActorFromContext(ctx)
		e.ID, e.Actor = int64(len(recorded)+1), actor.String()
		recorded = append(recorded, e)
		return nil
	}
	b.events.FindIncidentEventsFunc = func(ctx context.Context, f breachdesk.IncidentEventFilter) ([]*breachdesk.IncidentEvent, int, error) {
		if f.IncidentID != 7 {
			return nil, 0, breachdesk.Errorf(breachdesk.ENotFound, "Incident %d does not exist.", f.IncidentID)
		}
		return recorded, len(recorded), nil
	}
	for _, tt := range []scenario{
		{name: "ListEmpty", method: "GET", url: "/api/v1/incidents/7/events", status: 200, contains: []string{`"events": []`}},
		{name: "CreateOK", method: "POST", url: "/api/v1/incidents/7/events", status: 201,
			body:     `{"kind": "authority_notified", "at": "2026-11-21T09:00:00+01:00", "note": "CNIL 2026-42"}`,
			contains: []string{`"id": 1`, `"actor": "token:ticketing"`, `"at": "2026-11-21T09:00:00+01:00"`}},
		{name: "CreateErrKind", method: "POST", url: "/api/v1/incidents/7/events", status: 400,
			body: `{"kind": "field_changed"}`, contains: []string{`"field": "kind"`}},
		{name: "CreateErrDecisionNeedsNote", method: "POST", url: "/api/v1/incidents/7/events", status: 400,
			body: `{"kind": "decision"}`, contains: []string{`"field": "note"`}},
		{name: "CreateErrIncident", method: "POST", url: "/api/v1/incidents/8/events", status: 404,
			body: `{"kind": "contained"}`},
		{name: "ListOK", method: "GET", url: "/api/v1/incidents/7/events", status: 200,
			contains: []string{`"total": 1`, "CNIL 2026-42"}},
	} {
		t.Run(tt.name, func(t *testing.T) { b.run(t, tt) })
	}
}
