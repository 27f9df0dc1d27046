package http

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/assess"
	"github.com/breachdesk/breachdesk/lookup"
	"github.com/breachdesk/breachdesk/mock"
	"github.com/breachdesk/breachdesk/password"
	"github.com/breachdesk/breachdesk/report"
)

// fakeStaff is an in-memory StaffService for the console's handler tests;
// the stores' own behaviour (lock-out, expiry) is checked by storetest.
type fakeStaff struct {
	mu       sync.Mutex
	users    map[string]*breachdesk.StaffUser
	hashes   map[string]string
	sessions map[string]*breachdesk.StaffSession
	failed   []string
	// actors are the actors of the writes, in order.
	actors []string
}

var _ breachdesk.StaffService = (*fakeStaff)(nil)

func newFakeStaff() *fakeStaff {
	return &fakeStaff{users: map[string]*breachdesk.StaffUser{}, hashes: map[string]string{}, sessions: map[string]*breachdesk.StaffSession{}}
}

func (f *fakeStaff) actor(ctx context.Context) {
	a, err := breachdesk.ActorFromContext(ctx)
	if err != nil {
		panic(err)
	}
	f.actors = append(f.actors, a.String())
}

func (f *fakeStaff) CreateStaffUser(ctx context.Context, u *breachdesk.StaffUser, hash string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	u.ID = int64(len(f.users) + 1)
	f.users[u.Login], f.hashes[u.Login] = u, hash
	return nil
}

func (f *fakeStaff) FindStaffUsers(ctx context.Context) ([]*breachdesk.StaffUser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var users []*breachdesk.StaffUser
	for _, u := range f.users {
		users = append(users, u)
	}
	slices.SortFunc(users, func(a, b *breachdesk.StaffUser) int { return strings.Compare(a.Login, b.Login) })
	return users, nil
}

func (f *fakeStaff) FindStaffCredentials(ctx context.Context, login string) (*breachdesk.StaffUser, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[login]
	if !ok {
		return nil, "", breachdesk.Errorf(breachdesk.ENotFound, "No account %q.", login)
	}
	return u, f.hashes[login], nil
}

func (f *fakeStaff) SetStaffPassword(ctx context.Context, login, hash string) error { return nil }

func (f *fakeStaff) RecordFailedSignIn(ctx context.Context, userID int64) (*breachdesk.StaffUser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actor(ctx)
	for _, u := range f.users {
		if u.ID == userID {
			f.failed = append(f.failed, u.Login)
			return u, nil
		}
	}
	return nil, breachdesk.Errorf(breachdesk.ENotFound, "No account %d.", userID)
}

func (f *fakeStaff) CreateStaffSession(ctx context.Context, userID int64, id string) (*breachdesk.StaffSession, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actor(ctx)
	for _, u := range f.users {
		if u.ID == userID {
			if u.LockedUntil != nil {
				return nil, breachdesk.Errorf(breachdesk.EForbidden, "The account is locked.")
			}
			s := &breachdesk.StaffSession{ID: id, User: u}
			f.sessions[id] = s
			return s, nil
		}
	}
	return nil, breachdesk.Errorf(breachdesk.ENotFound, "No account %d.", userID)
}

func (f *fakeStaff) FindStaffSession(ctx context.Context, id string) (*breachdesk.StaffSession, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[id]
	if !ok {
		return nil, breachdesk.Errorf(breachdesk.EUnauthorized, "No session.")
	}
	return s, nil
}

func (f *fakeStaff) DeleteStaffSession(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actor(ctx)
	delete(f.sessions, id)
	return nil
}

// consoleBundle is the console's handler on fakes, with one signed-in
// user per role: sessions[role] is the session secret of that user.
type consoleBundle struct {
	server   *Server
	handler  http.Handler
	staff    *fakeStaff
	sessions map[breachdesk.Role]string
	// accesses are the audit log's access entries: actor action entity id.
	accesses      []string
	talkingPoints *fakeTalkingPoints
	// inquiryFilters are the queue's filters, inquiryUpdates the updates
	// as "actor reference status to assignee".
	inquiryFilters []breachdesk.InquiryFilter
	inquiryUpdates []string
	// progressCalls counts the reads of campaign progress, deliverySteps
	// the chart's steps, statusChanges the pauses and resumes.
	progressCalls int
	deliverySteps []time.Duration
	statusChanges []string
	assessments   *fakeAssessments
	reportOptions []report.Options
	// events are the timeline events recorded: actor incident kind at note.
	events []string
	// updates are the incident updates asked for, created the incidents.
	updates []breachdesk.IncidentUpdate
	created []*breachdesk.Incident
	// createdCampaigns are "incident channel template"; workers the
	// senders registered.
	createdCampaigns []string
	workers          []*breachdesk.Worker
	// replies holds the answers to inquiries, repliesStored counts the
	// calls that have them mailed; importer takes the uploaded files.
	replies       *fakeReplies
	repliesStored int
	importer      *fakeImporter
}

// draftGenerator writes a one-line CNIL draft for incident 1, and
// records the options it was asked for.
type draftGenerator struct{ b *consoleBundle }

func (g draftGenerator) Generate(ctx context.Context, id int64, opt report.Options) (*report.Report, error) {
	g.b.reportOptions = append(g.b.reportOptions, opt)
	if _, err := report.FindAuthority(opt.Authority); err != nil || id != 1 {
		return nil, breachdesk.Errorf(breachdesk.ENotFound, "No such report.")
	}
	v := &breachdesk.RegulatorReport{IncidentID: 1, Authority: "CNIL", Phase: "initial", Language: "fr",
		Content: []byte(`{"authority":"CNIL","language":"fr","title":"Notification","addressee":"CNIL","sections":[],"pending":[]}`)}
	v.Normalize()
	return report.New(v, nil)
}

// fakeAssessor finds two obligations: the CNIL's, 26 hours left; the
// people's, overdue.
type fakeAssessor struct{}

func (fakeAssessor) AssessIncident(ctx context.Context, id int64) (*assess.Result, error) {
	deadline := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	left, past := int64(45*3600+30*60), int64(-2*3600)
	return &assess.Result{IncidentID: id, Disclaimer: "Not legal advice.", People: 1200,
		Severity: assess.Severity{Score: 3.25, Band: assess.BandHigh, Factors: []assess.Factor{{Name: "dpc", Value: 3, Reason: "payment card digits"},
			{Name: "ei", Value: 1, Reason: "names with e-mails", Override: &breachdesk.AssessmentOverride{Actor: "user:dpo@example.com", Reason: "names are public"}}}},
		Exceptions: []assess.Exception{{ID: "art34_3a", Title: "Encrypted", Met: false, Reason: "not encrypted"}}, Risk: assess.RiskResult{Level: breachdesk.HighRisk, Reasons: []string{"Payment card digits <with> names."}},
		Obligations: []*assess.Obligation{
			{ID: "gdpr-33-fr", Recipient: "authority", Authority: "Commission nationale de l'informatique et des libertés (CNIL)", Law: "GDPR", Citation: "Art. 33(1)", Deadline: &deadline, SecondsLeft: &left, Status: breachdesk.ObligationPending},
			{ID: "gdpr-34", Recipient: "the people", Law: "GDPR", Citation: "Art. 34", Deadline: &deadline, SecondsLeft: &past, Status: breachdesk.ObligationPending, Overdue: true},
		}}, nil
}

// fakeAssessments records obligation statuses, validated as the stores
// do.
type fakeAssessments struct {
	breachdesk.AssessmentService
	statuses, overrides []string
}

func (f *fakeAssessments) SetAssessmentOverride(ctx context.Context, o *breachdesk.AssessmentOverride) error {
	if err := o.Validate(); err != nil {
		return err
	}
	a, err := breachdesk.ActorFromContext(ctx)
	if err != nil {
		return err
	}
	f.overrides = append(f.overrides, fmt.Sprint(a, " ", o.IncidentID, " ", o.Factor, "=", o.Value, " ", o.Reason))
	return nil
}

func (f *fakeAssessments) FindPopulationProfiles(ctx context.Context, id int64) ([]*breachdesk.PopulationProfile, error) {
	return []*breachdesk.PopulationProfile{
		{Country: "FR", People: 700}, {Country: "US", Region: "US-CA", People: 300, DataCategories: []string{"email", "payment_card_last4"}},
		{Country: "IT", People: 200},
	}, nil
}

func (f *fakeAssessments) SetObligationStatus(ctx context.Context, st *breachdesk.ObligationStatus) error {
	if err := st.Validate(); err != nil {
		return err
	}
	a, err := breachdesk.ActorFromContext(ctx)
	if err != nil {
		return err
	}
	at := ""
	if st.At != nil {
		at = " at " + st.At.Format("15:04")
	}
	f.statuses = append(f.statuses, fmt.Sprint(a, " ", st.IncidentID, " ", st.ObligationID, " ", st.Status, at, " ", st.Note))
	return nil
}

func ptr[T any](v T) *T { return &v }

// fakeOpener "opens" inquiries whose sealed fields hold plaintext.
type fakeOpener struct{}

func (fakeOpener) OpenInquiry(s *breachdesk.SealedInquiry) (*breachdesk.Inquiry, error) {
	return &breachdesk.Inquiry{ID: s.ID, Reference: s.Reference, IncidentID: s.IncidentID, Category: s.Category, RequestKind: s.RequestKind,
		Name: string(s.Name), Email: string(s.Email), Phone: string(s.Phone), Message: string(s.Message), Code: s.Code, Language: s.Language,
		Status: s.Status, AssignedTo: s.AssignedTo, DueAt: s.DueAt, CreatedAt: s.CreatedAt}, nil
}

// fakeTalkingPoints keeps talking points in memory, as the stores do.
type fakeTalkingPoints struct {
	byIncident map[int64]*breachdesk.TalkingPoints
}

func (f *fakeTalkingPoints) FindTalkingPoints(ctx context.Context, id int64) (*breachdesk.TalkingPoints, error) {
	if tp, ok := f.byIncident[id]; ok {
		return tp, nil
	}
	return nil, breachdesk.Errorf(breachdesk.ENotFound, "No talking points.")
}

func (f *fakeTalkingPoints) SetTalkingPoints(ctx context.Context, tp *breachdesk.TalkingPoints) error {
	tp.Normalize()
	if err := tp.Validate(); err != nil {
		return err
	}
	actor, err := breachdesk.ActorFromContext(ctx)
	if err != nil {
		return err
	}
	tp.UpdatedBy, tp.UpdatedAt = actor.String(), time.Date(2026, 11, 21, 12, 31, 0, 0, time.UTC)
	f.byIncident[tp.IncidentID] = tp
	return nil
}

func setupConsole(t *testing.T) *consoleBundle {
	t.Helper()
	b := &consoleBundle{server: NewServer(), staff: newFakeStaff(), sessions: map[breachdesk.Role]string{}}
	aware := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	b.server.Now = func() time.Time { return time.Date(2026, 11, 21, 12, 30, 0, 0, time.UTC) }
	b.server.StaffService = b.staff
	incidents := []*breachdesk.Incident{
		{ID: 1, Title: "Customer records <stolen>", Status: breachdesk.IncidentOpen, AwareAt: &aware, DataCategories: []string{"email"}},
		{ID: 2, Title: "Old laptop", Status: breachdesk.IncidentClosed},
	}
	b.server.IncidentService = &mock.IncidentService{
		FindIncidentsFunc: func(ctx context.Context, f breachdesk.IncidentFilter) ([]*breachdesk.Incident, int, error) {
			return incidents, 2, nil
		},
		FindIncidentByIDFunc: func(ctx context.Context, id int64) (*breachdesk.Incident, error) {
			for _, inc := range incidents {
				if inc.ID == id {
					return inc, nil
				}
			}
			return nil, breachdesk.Errorf(breachdesk.ENotFound, "No incident %d.", id)
		},
		CreateIncidentFunc: func(ctx context.Context, inc *breachdesk.Incident) error {
			if _, err := breachdesk.ActorFromContext(ctx); err != nil {
				return err
			}
			inc.Normalize()
			if err := inc.Validate(); err != nil {
				return err
			}
			inc.ID = 3
			b.created = append(b.created, inc)
			return nil
		},
		UpdateIncidentFunc: func(ctx context.Context, id int64, upd breachdesk.IncidentUpdate) (*breachdesk.Incident, error) {
			if _, err := breachdesk.ActorFromContext(ctx); err != nil {
				return nil, err
			}
			if upd.Title != nil && *upd.Title == "" {
				return nil, breachdesk.FieldErrorf("title", "a title is required")
			}
			b.updates = append(b.updates, upd)
			return incidents[0], nil
		},
	}
	b.talkingPoints = &fakeTalkingPoints{byIncident: map[int64]*breachdesk.TalkingPoints{}}
	b.server.TalkingPointsService = b.talkingPoints
	received := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	due := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	overdue := time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)
	inquiries := []*breachdesk.SealedInquiry{
		{ID: 1, Reference: "Q-AAAA-1111", Category: breachdesk.InquiryDataRequest, RequestKind: breachdesk.RequestErasure, Name: []byte("Maria Rossi"),
			Email: []byte("maria.rossi@example.com"), Message: []byte("Please erase <everything>."), Language: "it", Status: breachdesk.InquiryOpen,
			DueAt: &due, CreatedAt: received, IncidentID: ptr(int64(1)), Code: "BD-7KQ4-M2XP-9RTA"},
		{ID: 2, Reference: "Q-BBBB-2222", Category: breachdesk.InquiryDataRequest, RequestKind: breachdesk.RequestAccess, Name: []byte("Jan Kowalski"),
			Email: []byte("jan@example.com"), Message: []byte("What do you hold?"), Language: "en", Status: breachdesk.InquiryAssigned,
			AssignedTo: "responder@example.com", DueAt: &overdue, CreatedAt: received},
	}
	b.server.InquiryService = &mock.InquiryService{
		FindInquiriesFunc: func(ctx context.Context, f breachdesk.InquiryFilter) ([]*breachdesk.SealedInquiry, int, error) {
			if f.Status != nil && *f.Status == breachdesk.InquiryOpen && f.Category == nil && f.Limit == 1 {
				return nil, 7, nil // the dashboard's count
			}
			b.inquiryFilters = append(b.inquiryFilters, f)
			var found []*breachdesk.SealedInquiry
			for _, q := range inquiries {
				if (f.Status == nil || *f.Status == q.Status) && (f.Category == nil || *f.Category == q.Category) {
					found = append(found, q)
				}
			}
			return found, len(found), nil
		},
		FindInquiryByReferenceFunc: func(ctx context.Context, ref string) (*breachdesk.SealedInquiry, error) {
			for _, q := range inquiries {
				if q.Reference == ref {
					return q, nil
				}
			}
			return nil, breachdesk.Errorf(breachdesk.ENotFound, "No inquiry %s.", ref)
		},
		UpdateInquiryFunc: func(ctx context.Context, ref string, upd breachdesk.InquiryUpdate) (*breachdesk.SealedInquiry, error) {
			a, err := breachdesk.ActorFromContext(ctx)
			if err != nil {
				return nil, err
			}
			u := a.String() + " " + ref
			if upd.Status != nil {
				u += " " + string(*upd.Status)
			}
			if upd.AssignedTo != nil {
				u += " to " + *upd.AssignedTo
			}
			b.inquiryUpdates = append(b.inquiryUpdates, u)
			return inquiries[0], nil
		},
	}
	b.server.InquiryOpener = fakeOpener{}
	b.server.Assessor = fakeAssessor{}
	b.server.ReportGenerator = draftGenerator{b: b}
	b.server.RegulatorReportService = &mock.RegulatorReportService{FindRegulatorReportsFunc: func(ctx context.Context, f breachdesk.RegulatorReportFilter) ([]*breachdesk.RegulatorReport, int, error) {
		if f.IncidentID != 1 {
			return nil, 0, nil
		}
		return []*breachdesk.RegulatorReport{
			{IncidentID: 1, Authority: "CNIL", Phase: "initial", Version: 1, Actor: "cli:dana", CreatedAt: aware.Add(time.Hour)},
			{IncidentID: 1, Authority: "CNIL", Phase: "additional", Version: 2, Actor: "token:ticketing", CreatedAt: aware.Add(20 * time.Hour)},
		}, 2, nil
	}}
	b.assessments = &fakeAssessments{}
	b.server.AssessmentService = b.assessments
	b.server.IncidentEventService = &mock.IncidentEventService{CreateIncidentEventFunc: func(ctx context.Context, e *breachdesk.IncidentEvent) error {
		e.Normalize(b.server.Now())
		if err := e.Validate(); err != nil {
			return err
		}
		a, err := breachdesk.ActorFromContext(ctx)
		if err != nil {
			return err
		}
		b.events = append(b.events, fmt.Sprint(a, " ", e.IncidentID, " ", e.Kind, " ", e.At.Format("2006-01-02 15:04"), " ", e.Note))
		return nil
	}, FindIncidentEventsFunc: func(ctx context.Context, f breachdesk.IncidentEventFilter) ([]*breachdesk.IncidentEvent, int, error) {
		return []*breachdesk.IncidentEvent{{Kind: "created", At: aware, Actor: "cli:dana"}, {Kind: "contained", At: aware.Add(3 * time.Hour), Note: "Access <revoked>", Actor: "user:dpo@example.com"}}, 2, nil
	}}
	first, last := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC), time.Date(2026, 11, 21, 10, 20, 0, 0, time.UTC)
	campaigns := map[int64]*breachdesk.Campaign{
		5: {ID: 5, IncidentID: 1, Channel: breachdesk.ChannelEmail, Status: breachdesk.CampaignActive, Recipients: 12000},
		6: {ID: 6, IncidentID: 1, Channel: breachdesk.ChannelLetter, Status: breachdesk.CampaignDone, Recipients: 3},
	}
	b.server.CampaignService = &mock.CampaignService{
		FindCampaignsFunc: func(ctx context.Context, f breachdesk.CampaignFilter) ([]*breachdesk.Campaign, int, error) {
			return []*breachdesk.Campaign{campaigns[6], campaigns[5]}, 2, nil
		},
		FindCampaignByIDFunc: func(ctx context.Context, id int64) (*breachdesk.Campaign, error) {
			if c, ok := campaigns[id]; ok {
				copied := *c
				return &copied, nil
			}
			return nil, breachdesk.Errorf(breachdesk.ENotFound, "No campaign %d.", id)
		},
		CampaignProgressFunc: func(ctx context.Context, id int64) (*breachdesk.CampaignProgress, error) {
			c := campaigns[id]
			b.progressCalls++
			sent := int64(6000 + 100*b.progressCalls)
			return &breachdesk.CampaignProgress{CampaignID: id, Status: c.Status, Total: 12000,
				States: map[breachdesk.NoticeState]int64{breachdesk.NoticeSent: sent, breachdesk.NoticeFailed: 12, breachdesk.NoticeBounced: 40,
					breachdesk.NoticeQueued: 12000 - sent - 52},
				ByCountry:   map[string]map[breachdesk.NoticeState]int64{"FR": {breachdesk.NoticeSent: sent - 1000}, "IT": {breachdesk.NoticeSent: 1000}},
				FirstSentAt: &first, LastSentAt: &last}, nil
		},
		CampaignDeliveriesFunc: func(ctx context.Context, id int64, step time.Duration) ([]breachdesk.DeliveryPoint, error) {
			b.deliverySteps = append(b.deliverySteps, step)
			return []breachdesk.DeliveryPoint{{At: first, Sent: 3000}, {At: first.Add(2 * step), Sent: 3140}}, nil
		},
		CreateCampaignFunc: func(ctx context.Context, c *breachdesk.Campaign) error {
			if c.Channel == breachdesk.ChannelLetter {
				return breachdesk.Errorf(breachdesk.EInvalid, "The campaign selects no one.")
			}
			c.ID, c.Status = 7, breachdesk.CampaignDraft
			b.createdCampaigns = append(b.createdCampaigns, fmt.Sprint(c.IncidentID, " ", c.Channel, " ", c.Template))
			return nil
		},
		FindWorkersFunc: func(ctx context.Context) ([]*breachdesk.Worker, error) {
			return b.workers, nil
		},
		SetCampaignStatusFunc: func(ctx context.Context, id int64, status breachdesk.CampaignStatus) (*breachdesk.Campaign, error) {
			if campaigns[id].Status == breachdesk.CampaignDone {
				return nil, breachdesk.Errorf(breachdesk.EConflict, "The campaign is done.")
			}
			b.statusChanges = append(b.statusChanges, fmt.Sprint(id, " ", status))
			return campaigns[id], nil
		},
	}
	b.server.APITokenService = &mock.APITokenService{}
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	b.server.AuditService = &mock.AuditService{
		FindAuditEntriesFunc: func(ctx context.Context, f breachdesk.AuditFilter) ([]*breachdesk.AuditEntry, int, error) {
			var entries []*breachdesk.AuditEntry
			for id := int64(f.Offset + 1); id <= min(int64(f.Offset+f.Limit), 250); id++ {
				entries = append(entries, &breachdesk.AuditEntry{ID: id, At: at, Actor: "user:dpo@example.com", Action: "incident.update", Entity: "incident", EntityID: "1"})
			}
			return entries, 250, nil
		},
		VerifyAuditLogFunc: func(ctx context.Context) (breachdesk.AuditVerification, error) {
			return breachdesk.AuditVerification{Entries: 250, Head: "abc123"}, nil
		},
		RecordAccessFunc: func(ctx context.Context, action, entity, entityID string) error {
			a, err := breachdesk.ActorFromContext(ctx)
			if err != nil {
				return err
			}
			b.accesses = append(b.accesses, a.String()+" "+action+" "+entity+" "+entityID)
			return nil
		},
	}
	b.server.PersonFinder = fakeFinder{}
	b.replies = &fakeReplies{inquiries: inquiries}
	b.server.InquiryReplyService, b.server.ReplySealer = b.replies, fakeSealer{}
	b.server.ReplyStored = func() { b.repliesStored++ }
	b.importer = &fakeImporter{}
	b.server.PeopleImporter = b.importer
	if err := b.server.preparePublic(); err != nil {
		t.Fatal(err)
	}
	b.handler = b.server.consoleRoutes()
	for i, role := range breachdesk.Roles() {
		u := &breachdesk.StaffUser{ID: int64(i + 1), Login: string(role) + "@example.com", Name: "The " + string(role), Role: role, Language: "en"}
		b.staff.users[u.Login] = u
		secret, id := breachdesk.NewSessionSecret()
		b.staff.sessions[id] = &breachdesk.StaffSession{ID: id, User: u}
		b.sessions[role] = secret
	}
	return b
}

// do sends a request as role ("" for nobody), with the form of a POST
// carrying the session's CSRF token unless csrf is false.
func (b *consoleBundle) do(method, path string, role breachdesk.Role, form url.Values, csrf bool) *httptest.ResponseRecorder {
	var body io.Reader
	if method == http.MethodPost {
		if form == nil {
			form = url.Values{}
		}
		if csrf && role != "" {
			form.Set(csrfField, b.server.consoleCSRF(breachdesk.HashSessionSecret(b.sessions[role])))
		}
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	if body != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if role != "" {
		// A route walked before may have signed the role out.
		id := breachdesk.HashSessionSecret(b.sessions[role])
		b.staff.mu.Lock()
		if _, ok := b.staff.sessions[id]; !ok {
			b.staff.sessions[id] = &breachdesk.StaffSession{ID: id, User: b.staff.users[string(role)+"@example.com"]}
		}
		b.staff.mu.Unlock()
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: b.sessions[role]})
	}
	w := httptest.NewRecorder()
	b.handler.ServeHTTP(w, r)
	return w
}

// routePath turns a route's pattern into a request: its method and a path
// with 1 for each wildcard.
func routePath(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.ReplaceAll(path, "{$}", "")
	return method, regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "1")
}

// TestConsoleAuthorisationMatrix walks every console route with every
// role and with nobody signed in: a role reaches exactly the routes whose
// permission it holds, nobody reaches none.
func TestConsoleAuthorisationMatrix(t *testing.T) {
	b := setupConsole(t)
	routes := b.server.consolePages()
	if len(routes) < 2 {
		t.Fatalf("consolePages() lists %d routes", len(routes))
	}
	for _, route := range routes {
		if route.perm != "" && !slices.Contains(breachdesk.Permissions(), route.perm) {
			t.Errorf("%s needs %q, which is not in the catalogue", route.pattern, route.perm)
		}
		method, path := routePath(route.pattern)
		for _, role := range breachdesk.Roles() {
			t.Run(route.pattern+"/"+string(role), func(t *testing.T) {
				w := b.do(method, path, role, nil, true)
				allowed := route.perm == "" || role.Can(route.perm)
				switch {
				case allowed && (w.Code == http.StatusForbidden || w.Code == http.StatusUnauthorized):
					t.Fatalf("%s may %s, but got %d", role, route.perm, w.Code)
				case allowed && w.Code == http.StatusSeeOther && strings.HasPrefix(w.Header().Get("Location"), "/sign-in?next="):
					t.Fatalf("%s was sent to sign in", role)
				case !allowed && w.Code != http.StatusForbidden:
					t.Fatalf("%s may not %s, but got %d", role, route.perm, w.Code)
				}
			})
		}
		t.Run(route.pattern+"/nobody", func(t *testing.T) {
			w := b.do(method, path, "", nil, false)
			if method == http.MethodGet {
				if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || loc != "/sign-in?next="+url.QueryEscape(path) {
					t.Fatalf("got %d to %q, want 303 to the sign-in page", w.Code, loc)
				}
			} else if w.Code != http.StatusUnauthorized {
				t.Fatalf("got %d, want 401", w.Code)
			}
		})
		if method == http.MethodPost {
			t.Run(route.pattern+"/without-csrf", func(t *testing.T) {
				if w := b.do(method, path, breachdesk.RoleAdmin, nil, false); w.Code != http.StatusForbidden {
					t.Fatalf("got %d, want 403", w.Code)
				}
			})
		}
	}
}

// TestRoleCatalogue pins what each role may do, so that a change to the
// catalogue is a change to this table too.
func TestRoleCatalogue(t *testing.T) {
	want := map[breachdesk.Role]string{
		breachdesk.RoleAdmin:     "dashboard:view incidents:view incidents:manage assessments:manage obligations:manage reports:view campaigns:view campaigns:manage people:lookup people:import inquiries:view inquiries:manage talking_points:edit audit:view staff:manage account:manage",
		breachdesk.RoleDPO:       "dashboard:view incidents:view incidents:manage assessments:manage obligations:manage reports:view campaigns:view campaigns:manage people:lookup people:import inquiries:view inquiries:manage talking_points:edit audit:view account:manage",
		breachdesk.RoleResponder: "dashboard:view incidents:view incidents:manage reports:view campaigns:view campaigns:manage people:lookup people:import inquiries:view inquiries:manage account:manage",
		breachdesk.RoleAgent:     "dashboard:view people:lookup inquiries:view inquiries:manage account:manage",
		breachdesk.RoleAuditor:   "dashboard:view incidents:view reports:view campaigns:view inquiries:view audit:view account:manage",
	}
	for _, role := range breachdesk.Roles() {
		var got []string
		for _, p := range breachdesk.Permissions() {
			if role.Can(p) {
				got = append(got, string(p))
			}
		}
		if strings.Join(got, " ") != want[role] {
			t.Errorf("%s may:\n%s\nwant:\n%s", role, strings.Join(got, " "), want[role])
		}
		if role.Can("incidents:delete") {
			t.Errorf("%s may do a permission that is not in the catalogue", role)
		}
	}
}

func TestDashboard(t *testing.T) {
	b := setupConsole(t)
	for _, tt := range []struct {
		name        string
		role        breachdesk.Role
		lang        string
		contains    []string
		notContains []string
	}{
		{name: "DPO", role: breachdesk.RoleDPO, contains: []string{"Customer records &lt;stolen&gt;", "45 h 30 min left to notify the authority", "7 open", "The dpo", "(DPO)",
			"Next deadlines", `class="late">2026-11-23 10:00 UTC, overdue by 2 h 0 min`, `href="/incidents/1#obligations"`, "Campaigns under way", `href="/campaigns/5"`},
			notContains: []string{"Old laptop"}},
		{name: "AgentSeesNoIncident", role: breachdesk.RoleAgent, contains: []string{"7 open"}, notContains: []string{"Customer records", "Next deadlines", "Campaigns under way"}},
		{name: "AuditorSeesBoth", role: breachdesk.RoleAuditor, contains: []string{"Customer records", "7 open"}},
		{name: "French", role: breachdesk.RoleResponder, lang: "fr", contains: []string{`<html lang="fr">`, "Tableau de bord", "45 h 30 min pour notifier l’autorité", "Se déconnecter"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, u := range b.staff.users {
				if u.Role == tt.role {
					u.Language = "en"
					if tt.lang != "" {
						u.Language = tt.lang
					}
				}
			}
			w := b.do("GET", "/", tt.role, nil, true)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			body := w.Body.String()
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("the dashboard lacks %q:\n%s", s, body)
				}
			}
			for _, s := range tt.notContains {
				if strings.Contains(body, s) {
					t.Errorf("the dashboard shows %q", s)
				}
			}
			if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
		})
	}
}

// signInForm gets the sign-in page and returns its CSRF cookie and token.
func (b *consoleBundle) signInForm(t *testing.T) (*http.Cookie, string) {
	t.Helper()
	w := httptest.NewRecorder()
	b.handler.ServeHTTP(w, httptest.NewRequest("GET", "/sign-in?next=/incidents", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET /sign-in: %d", w.Code)
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(w.Body.String())
	cookies := w.Result().Cookies()
	if m == nil || len(cookies) != 1 {
		t.Fatalf("the sign-in page has no CSRF token or cookie")
	}
	return cookies[0], strings.ReplaceAll(m[1], "&#43;", "+")
}

func (b *consoleBundle) postSignIn(t *testing.T, login, pw string, csrf bool) *httptest.ResponseRecorder {
	t.Helper()
	cookie, token := b.signInForm(t)
	form := url.Values{"login": {login}, "password": {pw}, "next": {"/incidents"}}
	if csrf {
		form.Set(csrfField, token)
	}
	r := httptest.NewRequest("POST", "/sign-in", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(cookie)
	w := httptest.NewRecorder()
	b.handler.ServeHTTP(w, r)
	return w
}

func TestSignIn(t *testing.T) {
	b := setupConsole(t)
	hash, err := password.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	b.staff.hashes["dpo@example.com"] = hash
	locked := time.Date(2026, 11, 21, 12, 45, 0, 0, time.UTC)
	b.staff.users["agent@example.com"].LockedUntil = &locked
	b.staff.hashes["agent@example.com"] = hash

	t.Run("OK", func(t *testing.T) {
		w := b.postSignIn(t, " DPO@example.com ", "correct horse battery staple", true)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/incidents" {
			t.Fatalf("got %d to %q, want 303 to /incidents", w.Code, w.Header().Get("Location"))
		}
		var session *http.Cookie
		for _, c := range w.Result().Cookies() {
			if c.Name == sessionCookie {
				session = c
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
			t.Fatalf("session cookie = %+v", session)
		}
		if _, ok := b.staff.sessions[breachdesk.HashSessionSecret(session.Value)]; !ok {
			t.Fatal("the cookie's secret is not the session's: the store must hold its hash")
		}
		if _, ok := b.staff.sessions[session.Value]; ok {
			t.Fatal("the store holds the session's secret itself")
		}
		if got := b.staff.actors[len(b.staff.actors)-1]; got != "user:dpo@example.com" {
			t.Errorf("the session was opened by %s", got)
		}
	})

	// Every refusal looks the same: status, message and size.
	var sizes []int
	for _, tt := range []struct{ name, login, pw string }{
		{"ErrWrongPassword", "dpo@example.com", "wrong horse battery staple"},
		{"ErrUnknownLogin", "nobody@example.com", "correct horse battery staple"},
		{"ErrLocked", "agent@example.com", "correct horse battery staple"},
		{"ErrNoPasswordHash", "auditor@example.com", "correct horse battery staple"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := b.postSignIn(t, tt.login, tt.pw, true)
			body := w.Body.String()
			if w.Code != http.StatusUnauthorized || !strings.Contains(body, "The e-mail address or the password is wrong") {
				t.Fatalf("got %d:\n%s", w.Code, body)
			}
			if !strings.Contains(body, `value="`+tt.login+`"`) || strings.Contains(body, tt.pw) {
				t.Errorf("the form again must keep the login and drop the password")
			}
			sizes = append(sizes, len(body)-len(tt.login))
		})
	}
	if slices.Min(sizes) != slices.Max(sizes) {
		t.Errorf("refusals differ in size: %v", sizes)
	}
	if !slices.Equal(b.staff.failed, []string{"dpo@example.com"}) {
		t.Errorf("failed sign-ins recorded for %v, want the wrong password of dpo only", b.staff.failed)
	}

	t.Run("ErrNoCSRF", func(t *testing.T) {
		if w := b.postSignIn(t, "dpo@example.com", "correct horse battery staple", false); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "had expired") {
			t.Fatalf("got %d", w.Code)
		}
	})
}

func TestSignOut(t *testing.T) {
	b := setupConsole(t)
	id := breachdesk.HashSessionSecret(b.sessions[breachdesk.RoleAgent])
	w := b.do("POST", "/sign-out", breachdesk.RoleAgent, nil, true)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/sign-in?signed_out=1" {
		t.Fatalf("got %d to %q", w.Code, w.Header().Get("Location"))
	}
	if _, ok := b.staff.sessions[id]; ok {
		t.Fatal("the session is still there")
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Fatalf("cookies = %v, want the session's cleared", c)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: b.sessions[breachdesk.RoleAgent]})
	w = httptest.NewRecorder()
	b.handler.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("after signing out, GET / with the old cookie = %d, want 303 to sign in", w.Code)
	}
}

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/incidents?id=3": "/incidents?id=3", "": "/", "https://evil.example/": "/", "//evil.example": "/",
		"/\\evil.example": "/", "incidents": "/", "/sign-out": "/", "javascript:alert(1)": "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestAuditAndStaffPages(t *testing.T) {
	b := setupConsole(t)
	for _, tt := range []struct {
		name, path string
		role       breachdesk.Role
		contains   []string
	}{
		{"Audit", "/audit", breachdesk.RoleAuditor, []string{"The chain of 250 entries holds; its head is abc123.", "The last 100 of 250 entries",
			"<td>250</td>", "user:dpo@example.com", `aria-current="page">Audit log`}},
		{"Staff", "/staff", breachdesk.RoleAdmin, []string{"agent@example.com", "customer service", "never", `aria-current="page">Staff`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := b.do("GET", tt.path, tt.role, nil, true)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			body := w.Body.String()
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("%s lacks %q:\n%s", tt.path, s, body)
				}
			}
			if strings.Index(body, "<td>250</td>") > strings.Index(body, "<td>151</td>") {
				t.Errorf("entries are not newest first")
			}
		})
	}
	// The menu offers only what the role may open.
	body := b.do("GET", "/", breachdesk.RoleAgent, nil, true).Body.String()
	if strings.Contains(body, `href="/audit"`) || strings.Contains(body, `href="/staff"`) {
		t.Errorf("the agent's menu offers the audit log or the staff")
	}
}

// TestRoleTableInDocs checks the table of docs/console.md against the
// catalogue, so that the documentation cannot drift from the code.
func TestRoleTableInDocs(t *testing.T) {
	data, err := os.ReadFile("../docs/console.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `([a-z_:]+)`[^|]*((?:\\|[^|]*){5})\\|$")
	seen := map[breachdesk.Permission]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		perm := breachdesk.Permission(m[1])
		seen[perm] = true
		cells := strings.Split(m[2], "|")[1:]
		for i, role := range breachdesk.Roles() {
			if documented := strings.TrimSpace(cells[i]) == "✓"; documented != role.Can(perm) {
				t.Errorf("docs/console.md says %s may %s: %v; the catalogue says %v", role, perm, documented, role.Can(perm))
			}
		}
	}
	for _, p := range breachdesk.Permissions() {
		if !seen[p] {
			t.Errorf("docs/console.md does not list %s", p)
		}
	}
}

// fakeFinder finds Maria Rossi by her address, and nobody else.
type fakeFinder struct{}

func (fakeFinder) Find(ctx context.Context, q lookup.Query) ([]*lookup.Match, error) {
	switch {
	case q.Phone != "" && !strings.HasPrefix(q.Phone, "+"):
		return nil, breachdesk.FieldErrorf("phone", "give the number with its country code")
	case q.Email != "maria.rossi@example.com":
		return nil, nil
	}
	sent := time.Date(2026, 11, 21, 9, 15, 0, 0, time.UTC)
	return []*lookup.Match{{
		Incident: &breachdesk.Incident{ID: 3, Title: "Customer records stolen"},
		Person: &breachdesk.AffectedPerson{IncidentID: 3, ExternalID: "C-1", Name: "Maria Rossi", Email: "maria.rossi@example.com",
			Phone: "+393331234567", PostalAddress: "Via Roma 1, Milano", Country: "IT", Language: "it", DataCategories: []string{"email", "payment_card_last4"}},
		Notices: []*breachdesk.Notice{{State: breachdesk.NoticeSent, SentAt: &sent, Recipient: "m***@example.com", Code: "BD-7KQ4-M2XP-9RTA"},
			{State: breachdesk.NoticeBounced, Uncertain: true, Recipient: "m***@example.com", Code: "BD-AAAA-BBBB-CCCC"}},
	}}, nil
}

func TestLookup(t *testing.T) {
	b := setupConsole(t)
	for _, tt := range []struct {
		name, q     string
		status      int
		contains    []string
		notContains []string
	}{
		{"OKFound", "maria.rossi@example.com", 200, []string{"Found in 1 incident(s).", "Customer records stolen", "M*** R***", "m***@example.com",
			"&#43;39********67", "on file", "Last four digits of payment cards", "sent", "2026-11-21 09:15", "BD-7KQ4-M2XP-9RTA", "bounced (may have arrived twice)"},
			[]string{"maria.rossi", "Maria", "3331234567", "Via Roma"}},
		{"OKNotFound", "someone@example.com", 200, []string{"is not among the affected people of any incident"}, []string{"Found in"}},
		{"ErrPhoneWithoutCountry", "0612345678", 422, []string{"give it with its country code", `aria-invalid="true"`}, nil},
		{"OKEmpty", "", 200, []string{`<input id="q"`}, []string{"Found in", "is not among"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(b.accesses)
			w := b.do("GET", "/lookup?q="+url.QueryEscape(tt.q), breachdesk.RoleAgent, nil, true)
			body := w.Body.String()
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d:\n%s", w.Code, tt.status, body)
			}
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("the page lacks %q", s)
				}
			}
			// The box keeps what was typed; the results never show more.
			results := body[strings.LastIndex(body, "</form>"):]
			for _, s := range tt.notContains {
				if strings.Contains(results, s) {
					t.Errorf("the results show %q", s)
				}
			}
			found := tt.name == "OKFound"
			if recorded := b.accesses[before:]; found && (len(recorded) != 1 || recorded[0] != "user:agent@example.com affected_people.lookup affected_person 3/C-1") || !found && len(recorded) != 0 {
				t.Errorf("audit access entries = %v", recorded)
			}
		})
	}
}

func TestTalkingPoints(t *testing.T) {
	b := setupConsole(t)
	// The DPO writes them.
	form := url.Values{"text": {"We lost a database of customers.\r\nOur notice carries a code: check it with the look-up.  "}}
	w := b.do("POST", "/incidents/1/talking-points", breachdesk.RoleDPO, form, true)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/incidents/1/talking-points?saved=1" {
		t.Fatalf("save: %d to %q:\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	tp := b.talkingPoints.byIncident[1]
	if tp == nil || tp.Text != "We lost a database of customers.\nOur notice carries a code: check it with the look-up." || tp.UpdatedBy != "user:dpo@example.com" {
		t.Fatalf("stored %+v", tp)
	}
	if body := b.do("GET", "/incidents/1/talking-points?saved=1", breachdesk.RoleDPO, nil, true).Body.String(); !strings.Contains(body, "Saved.") || !strings.Contains(body, ">We lost a database") {
		t.Errorf("the form after saving:\n%s", body)
	}
	// The incident's page shows them, with who wrote them.
	body := b.do("GET", "/incidents/1", breachdesk.RoleResponder, nil, true).Body.String()
	for _, want := range []string{"Customer records &lt;stolen&gt;", "We lost a database of customers.", "by user:dpo@example.com", "45 h 30 min left"} {
		if !strings.Contains(body, want) {
			t.Errorf("the incident page lacks %q", want)
		}
	}
	if strings.Contains(body, "/talking-points\"") {
		t.Errorf("the responder is offered to edit the talking points")
	}
	// Too long: refused, the text kept in the form, nothing stored.
	w = b.do("POST", "/incidents/1/talking-points", breachdesk.RoleDPO, url.Values{"text": {strings.Repeat("x", 20001)}}, true)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "too long") {
		t.Fatalf("too long: %d", w.Code)
	}
	if b.talkingPoints.byIncident[1].Text != tp.Text {
		t.Errorf("a refused text replaced the talking points")
	}
	if w := b.do("GET", "/incidents/9", breachdesk.RoleDPO, nil, true); w.Code != http.StatusNotFound {
		t.Errorf("an unknown incident: %d", w.Code)
	}
	// Agents read them beside the look-up.
	b.talkingPoints.byIncident[3] = &breachdesk.TalkingPoints{IncidentID: 3, Text: "Say sorry <first>."}
	if body := b.do("GET", "/lookup?q=maria.rossi@example.com", breachdesk.RoleAgent, nil, true).Body.String(); !strings.Contains(body, "Say sorry &lt;first&gt;.") {
		t.Errorf("the look-up lacks the talking points")
	}
}

func TestInquiryQueue(t *testing.T) {
	b := setupConsole(t)
	body := b.do("GET", "/inquiries", breachdesk.RoleDPO, nil, true).Body.String()
	for _, want := range []string{"2 of 2, oldest first.", "Q-AAAA-1111", "data-subject request (erasure, Art. 17)", "Maria Rossi",
		"2026-12-20 (in 29 days)", `class="late">2026-11-19 (overdue by 2 days)`, "responder@example.com"} {
		if !strings.Contains(body, want) {
			t.Errorf("the queue lacks %q", want)
		}
	}
	if strings.Contains(body, "maria.rossi@example.com") {
		t.Error("the queue shows an address")
	}
	// Filters reach the store; unknown values are ignored.
	b.do("GET", "/inquiries?category=data_request&status=assigned", breachdesk.RoleAgent, nil, true)
	b.do("GET", "/inquiries?category=bogus&status=bogus", breachdesk.RoleAgent, nil, true)
	if n := len(b.inquiryFilters); n != 3 {
		t.Fatalf("%d queries", n)
	}
	if f := b.inquiryFilters[1]; f.Category == nil || *f.Category != breachdesk.InquiryDataRequest || f.Status == nil || *f.Status != breachdesk.InquiryAssigned {
		t.Errorf("filter = %+v", f)
	}
	if f := b.inquiryFilters[2]; f.Category != nil || f.Status != nil {
		t.Errorf("unknown values filtered: %+v", f)
	}
	// Customer service sees names masked too.
	if body := b.do("GET", "/inquiries", breachdesk.RoleAgent, nil, true).Body.String(); strings.Contains(body, "Maria Rossi") || !strings.Contains(body, "M*** R***") {
		t.Error("the agent's queue shows a name in full")
	}

	page := b.do("GET", "/inquiries/Q-AAAA-1111", breachdesk.RoleAgent, nil, true).Body.String()
	for _, want := range []string{"Please erase &lt;everything&gt;.", "m***@example.com", "M*** R***", `href="/lookup?q=BD-7KQ4-M2XP-9RTA"`,
		"Customer records &lt;stolen&gt;", `value="assign"`, `value="close"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the inquiry page lacks %q", want)
		}
	}
	if page := b.do("GET", "/inquiries/Q-AAAA-1111", breachdesk.RoleAuditor, nil, true).Body.String(); strings.Contains(page, `value="close"`) {
		t.Error("the auditor is offered to close the inquiry")
	}
	w := b.do("POST", "/inquiries/Q-AAAA-1111", breachdesk.RoleAgent, url.Values{"action": {"assign"}}, true)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/inquiries/Q-AAAA-1111" {
		t.Fatalf("assign: %d to %q", w.Code, w.Header().Get("Location"))
	}
	b.do("POST", "/inquiries/Q-BBBB-2222", breachdesk.RoleDPO, url.Values{"action": {"close"}}, true)
	if want := []string{"user:agent@example.com Q-AAAA-1111 assigned to agent@example.com", "user:dpo@example.com Q-BBBB-2222 closed"}; !slices.Equal(b.inquiryUpdates, want) {
		t.Errorf("updates = %v, want %v", b.inquiryUpdates, want)
	}
	if w := b.do("POST", "/inquiries/Q-AAAA-1111", breachdesk.RoleAgent, url.Values{"action": {"delete"}}, true); w.Code != http.StatusBadRequest {
		t.Errorf("an unknown action: %d", w.Code)
	}
	if w := b.do("GET", "/inquiries/Q-NONE-0000", breachdesk.RoleAgent, nil, true); w.Code != http.StatusNotFound {
		t.Errorf("an unknown reference: %d", w.Code)
	}
}

func TestCampaignPage(t *testing.T) {
	b := setupConsole(t)
	if body := b.do("GET", "/campaigns", breachdesk.RoleAuditor, nil, true).Body.String(); !strings.Contains(body, `href="/campaigns/5"`) || !strings.Contains(body, "letter") {
		t.Errorf("the list lacks the campaigns:\n%s", body)
	}
	body := b.do("GET", "/campaigns/5", breachdesk.RoleResponder, nil, true).Body.String()
	// 6,140 + 40 handed over in 20 minutes: 309 a minute; 5,808 left.
	for _, want := range []string{`data-field="sent">6,100<`, `data-field="remaining">5,848<`, `data-field="rate">307<`,
		`data-field="eta">19 min<`, `data-events="/campaigns/5/events"`, `value="pause"`, `<svg class="chart"`, `<th scope="row">FR</th>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the campaign page lacks %q", want)
		}
	}
	if len(b.deliverySteps) != 1 || b.deliverySteps[0] != 30*time.Second {
		t.Errorf("chart steps %v, want 30s for 20 minutes in at most 90 bars", b.deliverySteps)
	}
	if body := b.do("GET", "/campaigns/5", breachdesk.RoleAuditor, nil, true).Body.String(); strings.Contains(body, `value="pause"`) {
		t.Error("the auditor is offered to pause the campaign")
	}
	if w := b.do("POST", "/campaigns/5", breachdesk.RoleDPO, url.Values{"action": {"pause"}}, true); w.Code != http.StatusSeeOther {
		t.Errorf("pause: %d", w.Code)
	}
	if w := b.do("POST", "/campaigns/6", breachdesk.RoleDPO, url.Values{"action": {"pause"}}, true); w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "cannot be paused") {
		t.Errorf("pausing a finished campaign: %d", w.Code)
	}
	if !slices.Equal(b.statusChanges, []string{"5 paused"}) {
		t.Errorf("status changes %v", b.statusChanges)
	}
	if w := b.do("GET", "/campaigns/77", breachdesk.RoleDPO, nil, true); w.Code != http.StatusNotFound {
		t.Errorf("an unknown campaign: %d", w.Code)
	}
}

// TestCampaignEvents reads the live stream over real HTTP: an active
// campaign's progress, in the user's language; a finished one says done
// and ends the stream.
func TestCampaignEvents(t *testing.T) {
	b := setupConsole(t)
	srv := httptest.NewServer(b.handler)
	t.Cleanup(srv.Close)
	read := func(path string) (*http.Response, *bufio.Reader) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: b.sessions[breachdesk.RoleAgent]})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp, bufio.NewReader(resp.Body)
	}
	event := func(r *bufio.Reader) string {
		t.Helper()
		var lines []string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("the stream ended: %v", err)
			}
			if line == "\n" {
				return strings.Join(lines, "")
			}
			lines = append(lines, line)
		}
	}
	// The agent may not see campaigns.
	if resp, _ := read("/campaigns/5/events"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("the agent's stream: %d", resp.StatusCode)
	}
	b.sessions[breachdesk.RoleAgent] = b.sessions[breachdesk.RoleResponder]
	for _, u := range b.staff.users {
		if u.Role == breachdesk.RoleResponder {
			u.Language = "fr"
		}
	}
	resp, r := read("/campaigns/5/events")
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, ct)
	}
	if got := event(r); !strings.HasPrefix(got, "event: progress\ndata: {") || !strings.Contains(got, "\"sent\":\"6\u00a0100\"") ||
		!strings.Contains(got, `"status":"envoi en cours"`) {
		t.Fatalf("first event:\n%s", got)
	}
	_, r = read("/campaigns/6/events")
	if got := event(r); !strings.HasPrefix(got, "event: done\n") || !strings.Contains(got, `"done":true`) {
		t.Fatalf("a finished campaign's event:\n%s", got)
	}
	if _, err := r.ReadString('\n'); err != io.EOF {
		t.Fatalf("the stream of a finished campaign goes on: %v", err)
	}
}

func TestObligationsBoard(t *testing.T) {
	b := setupConsole(t)
	body := b.do("GET", "/incidents/1", breachdesk.RoleDPO, nil, true).Body.String()
	for _, want := range []string{"high (3.25)", "a high risk", "Payment card digits &lt;with&gt; names.", "(CNIL)", "Art. 33(1)",
		`href="/incidents/1/reports/CNIL">draft notification (PDF)`,
		"2026-11-23 10:00 UTC, 45 h 30 min left", `class="late">2026-11-23 10:00 UTC, overdue by 2 h 0 min`, `value="done"`, `value="waive"`,
		"Access &lt;revoked&gt;", "(user:dpo@example.com)",
		// By place: FR 700, US-CA 300, IT 200; by data: e-mail 1,200 (the incident's list for FR and IT), card digits 300.
		`>FR</text><rect x="200" y="8" width="440.0" height="16"/><text x="646.0" y="20">700</text>`, `>US-CA</text>`,
		`>E-mail addresses</text><rect x="200" y="8" width="440.0" height="16"/><text x="646.0" y="20">1200</text>`,
		`>Last four digits of payment cards</text><rect x="200" y="32" width="110.0"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the incident page lacks %q", want)
		}
	}
	if strings.Index(body, "contained") > strings.Index(body, "<strong>created") {
		t.Error("the timeline is not newest first")
	}
	if body := b.do("GET", "/incidents/1", breachdesk.RoleResponder, nil, true).Body.String(); strings.Contains(body, `value="done"`) {
		t.Error("the responder is offered to record obligations")
	}
	w := b.do("POST", "/incidents/1/obligations", breachdesk.RoleDPO, url.Values{"obligation_id": {"gdpr-33-fr"}, "action": {"done"}}, true)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/incidents/1#obligations" {
		t.Fatalf("done: %d to %q", w.Code, w.Header().Get("Location"))
	}
	w = b.do("POST", "/incidents/1/obligations", breachdesk.RoleDPO, url.Values{"obligation_id": {"gdpr-34"}, "action": {"waive"}}, true)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Waiving an obligation needs a reason.") {
		t.Fatalf("waive without a reason: %d", w.Code)
	}
	b.do("POST", "/incidents/1/obligations", breachdesk.RoleAdmin, url.Values{"obligation_id": {"gdpr-34"}, "action": {"waive"}, "note": {" Art. 34(3)(a): encrypted "}}, true)
	want := []string{"user:dpo@example.com 1 gdpr-33-fr done at 12:30 ", "user:admin@example.com 1 gdpr-34 waived Art. 34(3)(a): encrypted"}
	if !slices.Equal(b.assessments.statuses, want) {
		t.Errorf("statuses = %q, want %q", b.assessments.statuses, want)
	}
}

func TestReportDraftDownload(t *testing.T) {
	b := setupConsole(t)
	body := b.do("GET", "/incidents/1", breachdesk.RoleAuditor, nil, true).Body.String()
	filed := strings.Index(body, `href="/incidents/1/reports/CNIL?version=2"`)
	if filed < 0 || strings.Index(body, `href="/incidents/1/reports/CNIL?version=1"`) < filed || !strings.Contains(body, "(token:ticketing)") {
		t.Errorf("the filed versions are not listed newest first:\n%s", body)
	}
	if w := b.do("GET", "/incidents/1/reports/CNIL?version=2&format=md", breachdesk.RoleAuditor, nil, true); w.Code != http.StatusOK {
		t.Errorf("version 2: %d", w.Code)
	}
	if o := b.reportOptions[len(b.reportOptions)-1]; o.Draft || o.Version != 2 {
		t.Errorf("options for a filed version: %+v", o)
	}
	if w := b.do("GET", "/incidents/1/reports/CNIL?version=first", breachdesk.RoleAuditor, nil, true); w.Code != http.StatusNotFound {
		t.Errorf("a bad version: %d", w.Code)
	}
	b.reportOptions = nil
	// PDFs need the real renderer: TestConsoleSignIn downloads one.
	b.do("GET", "/incidents/1/reports/CNIL", breachdesk.RoleAuditor, nil, true)
	if w := b.do("GET", "/incidents/1/reports/CNIL?format=md", breachdesk.RoleDPO, nil, true); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Notification") ||
		!strings.Contains(w.Header().Get("Content-Disposition"), "inline") {
		t.Fatalf("Markdown: %d %v", w.Code, w.Header())
	}
	if len(b.reportOptions) != 2 || !b.reportOptions[0].Draft || b.reportOptions[0].Authority != "CNIL" {
		t.Errorf("options %+v: a console download is a draft, never a stored version", b.reportOptions)
	}
	for _, path := range []string{"/incidents/1/reports/XYZ", "/incidents/1/reports/CNIL?format=exe", "/incidents/9/reports/CNIL"} {
		if w := b.do("GET", path, breachdesk.RoleDPO, nil, true); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, w.Code)
		}
	}
}

func TestTimelineEvent(t *testing.T) {
	b := setupConsole(t)
	if body := b.do("GET", "/incidents/1", breachdesk.RoleResponder, nil, true).Body.String(); !strings.Contains(body, `<option value="authority_notified">authority notified</option>`) {
		t.Error("the responder has no form to record an event")
	}
	if body := b.do("GET", "/incidents/1", breachdesk.RoleAuditor, nil, true).Body.String(); strings.Contains(body, `action="/incidents/1/events"`) {
		t.Error("the auditor is offered to record an event")
	}
	w := b.do("POST", "/incidents/1/events", breachdesk.RoleResponder, url.Values{"kind": {"authority_notified"}, "at": {"2026-11-21T09:45"}, "note": {" CNIL case 2026-123 "}}, true)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/incidents/1#timeline" {
		t.Fatalf("record: %d to %q", w.Code, w.Header().Get("Location"))
	}
	b.do("POST", "/incidents/1/events", breachdesk.RoleDPO, url.Values{"kind": {"contained"}}, true)
	for _, tt := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"kind": {"decision"}}, "A decision or a note needs a text"},
		{url.Values{"kind": {"exploded"}}, "That is not a kind of event."},
		{url.Values{"kind": {"note"}, "note": {"x"}, "at": {"yesterday"}}, "The time is not valid."},
	} {
		if w := b.do("POST", "/incidents/1/events", breachdesk.RoleDPO, tt.form, true); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), tt.want) {
			t.Errorf("%v: %d, want 422 with %q", tt.form, w.Code, tt.want)
		}
	}
	want := []string{"user:responder@example.com 1 authority_notified 2026-11-21 09:45 CNIL case 2026-123", "user:dpo@example.com 1 contained 2026-11-21 12:30 "}
	if !slices.Equal(b.events, want) {
		t.Errorf("events = %q, want %q", b.events, want)
	}
}

func TestFactsForm(t *testing.T) {
	b := setupConsole(t)
	body := b.do("GET", "/incidents/1/facts", breachdesk.RoleResponder, nil, true).Body.String()
	for _, want := range []string{`value="Customer records &lt;stolen&gt;"`, `id="aware_at" name="aware_at" type="datetime-local" value="2026-11-20T10:00"`,
		`value="email" checked> E-mail addresses`, `value="open" selected>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the form lacks %q", want)
		}
	}
	form := url.Values{"title": {"Customer records stolen"}, "status": {"assessed"}, "summary": {"An intruder\r\ncopied them."},
		"aware_at": {"2026-11-20T10:00"}, "detected_at": {"2026-11-20T08:30"}, "approx_subjects": {"120000"},
		"data_categories": {"email", "name"}, "measures_taken": {" Passwords reset. "}}
	w := b.do("POST", "/incidents/1/facts", breachdesk.RoleResponder, form, true)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/incidents/1" {
		t.Fatalf("save: %d to %q:\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	upd := b.updates[0]
	if *upd.Title != "Customer records stolen" || *upd.Status != breachdesk.IncidentAssessed || *upd.Summary != "An intruder\ncopied them." ||
		upd.DetectedAt == nil || !upd.DetectedAt.Equal(time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC)) || *upd.ApproxSubjects != 120000 ||
		!slices.Equal(*upd.DataCategories, []string{"email", "name"}) || *upd.MeasuresTaken != "Passwords reset." || len(upd.Clear) != 0 {
		t.Errorf("update = %+v", upd)
	}
	// Emptied fields become unknown.
	b.do("POST", "/incidents/1/facts", breachdesk.RoleDPO, url.Values{"title": {"T"}, "status": {"open"}}, true)
	if got := b.updates[1].Clear; !slices.Equal(got, []string{"aware_at", "data_categories"}) {
		t.Errorf("Clear = %v, want aware_at and data_categories", got)
	}
	for _, tt := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"title": {""}, "status": {"open"}}, "title: a title is required"},
		{url.Values{"title": {"T"}, "status": {"open"}, "approx_subjects": {"many"}}, "approx_subjects: a whole number"},
		{url.Values{"title": {"T"}, "status": {"open"}, "aware_at": {"tuesday"}}, "aware_at: a date and time in UTC"},
	} {
		if w := b.do("POST", "/incidents/1/facts", breachdesk.RoleDPO, tt.form, true); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), tt.want) {
			t.Errorf("%v: %d, want 422 with %q", tt.form, w.Code, tt.want)
		}
	}
	if len(b.updates) != 2 {
		t.Errorf("%d updates, want 2: a refused form stores nothing", len(b.updates))
	}
}

func TestIncidentCreateForm(t *testing.T) {
	b := setupConsole(t)
	if body := b.do("GET", "/incidents", breachdesk.RoleResponder, nil, true).Body.String(); !strings.Contains(body, `href="/incidents/new"`) {
		t.Error("the list offers no new incident")
	}
	body := b.do("GET", "/incidents/new", breachdesk.RoleResponder, nil, true).Body.String()
	if !strings.Contains(body, `action="/incidents"`) || !strings.Contains(body, "Record a new incident") {
		t.Fatalf("the new incident form:\n%s", body)
	}
	form := url.Values{"title": {"Laptop stolen"}, "status": {"open"}, "aware_at": {"2026-11-21T08:00"}, "data_categories": {"name", "health"}}
	w := b.do("POST", "/incidents", breachdesk.RoleResponder, form, true)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/incidents/3" {
		t.Fatalf("create: %d to %q:\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	inc := b.created[0]
	if inc.Title != "Laptop stolen" || inc.AwareAt == nil || !inc.AwareAt.Equal(time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)) || !slices.Equal(inc.DataCategories, []string{"name", "health"}) {
		t.Errorf("created %+v", inc)
	}
	w = b.do("POST", "/incidents", breachdesk.RoleResponder, url.Values{"title": {""}, "status": {"open"}}, true)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "title:") || !strings.Contains(w.Body.String(), `action="/incidents"`) {
		t.Errorf("no title: %d:\n%s", w.Code, w.Body.String())
	}
	if len(b.created) != 1 {
		t.Errorf("%d incidents created", len(b.created))
	}
}

func TestAssessmentOverride(t *testing.T) {
	b := setupConsole(t)
	body := b.do("GET", "/incidents/1", breachdesk.RoleDPO, nil, true).Body.String()
	for _, want := range []string{"<code>dpc</code></th><td>3</td><td>payment card digits", "overridden by user:dpo@example.com: names are public",
		"<code>art34_3a</code></th><td>not met</td><td>Encrypted: not encrypted", `action="/incidents/1/overrides"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the incident page lacks %q", want)
		}
	}
	if body := b.do("GET", "/incidents/1", breachdesk.RoleResponder, nil, true).Body.String(); strings.Contains(body, `action="/incidents/1/overrides"`) {
		t.Error("the responder is offered to override the assessment")
	}
	w := b.do("POST", "/incidents/1/overrides", breachdesk.RoleDPO, url.Values{"factor": {"risk"}, "value": {"high_risk"}, "reason": {" Cards and names together. "}}, true)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/incidents/1#assessment" {
		t.Fatalf("override: %d to %q", w.Code, w.Header().Get("Location"))
	}
	for _, tt := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"factor": {"dpc"}, "value": {"9"}, "reason": {"x"}}, "That value is not one the factor takes."},
		{url.Values{"factor": {"dpc"}, "value": {"2"}}, "An override needs a reason"},
		{url.Values{"factor": {"luck"}, "value": {"2"}, "reason": {"x"}}, "That is not a factor that can be overridden."},
	} {
		if w := b.do("POST", "/incidents/1/overrides", breachdesk.RoleDPO, tt.form, true); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), tt.want) {
			t.Errorf("%v: %d, want 422 with %q", tt.form, w.Code, tt.want)
		}
	}
	if want := []string{"user:dpo@example.com 1 risk=high_risk Cards and names together."}; !slices.Equal(b.assessments.overrides, want) {
		t.Errorf("overrides = %q, want %q", b.assessments.overrides, want)
	}
}

func TestCampaignCreateAndStart(t *testing.T) {
	b := setupConsole(t)
	if body := b.do("GET", "/incidents/1", breachdesk.RoleResponder, nil, true).Body.String(); !strings.Contains(body, `action="/incidents/1/campaigns"`) || !strings.Contains(body, `href="/campaigns/5"`) {
		t.Error("the incident page lacks its campaigns or the form to create one")
	}
	w := b.do("POST", "/incidents/1/campaigns", breachdesk.RoleResponder, url.Values{"channel": {"email"}}, true)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/campaigns/7" {
		t.Fatalf("create: %d to %q", w.Code, w.Header().Get("Location"))
	}
	if w := b.do("POST", "/incidents/1/campaigns", breachdesk.RoleResponder, url.Values{"channel": {"letter"}}, true); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Import the people first") {
		t.Errorf("a campaign that selects no one: %d", w.Code)
	}
	if !slices.Equal(b.createdCampaigns, []string{"1 email notice"}) {
		t.Errorf("created %v", b.createdCampaigns)
	}
	b.do("POST", "/campaigns/5", breachdesk.RoleResponder, url.Values{"action": {"start"}}, true)
	if !slices.Equal(b.statusChanges, []string{"5 active"}) {
		t.Errorf("status changes %v", b.statusChanges)
	}
	// An active campaign without a sender says so; with one alive, not.
	if body := b.do("GET", "/campaigns/5", breachdesk.RoleResponder, nil, true).Body.String(); !strings.Contains(body, "No sender is running") {
		t.Error("the page does not say that no sender runs")
	}
	b.workers = []*breachdesk.Worker{{ID: "w1", HeartbeatAt: b.server.Now().Add(-10 * time.Second)}}
	if body := b.do("GET", "/campaigns/5", breachdesk.RoleResponder, nil, true).Body.String(); strings.Contains(body, "No sender is running") {
		t.Error("the page says no sender runs while one does")
	}
}
