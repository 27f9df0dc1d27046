package http

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/notice"
)

// fakeReplies keeps the answers to the bundle's inquiries in memory, as
// the stores do.
type fakeReplies struct {
	mu        sync.Mutex
	inquiries []*breachdesk.SealedInquiry
	replies   []*breachdesk.SealedInquiryReply
}

func (f *fakeReplies) AnswerInquiry(ctx context.Context, reference string, r *breachdesk.SealedInquiryReply) (*breachdesk.SealedInquiry, error) {
	if _, err := breachdesk.ActorFromContext(ctx); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, q := range f.inquiries {
		if q.Reference == reference {
			r.ID, r.InquiryID, r.CreatedAt = int64(len(f.replies)+1), q.ID, time.Date(2026, 11, 21, 12, 30, 0, 0, time.UTC)
			f.replies = append(f.replies, r)
			return q, nil
		}
	}
	return nil, breachdesk.Errorf(breachdesk.ENotFound, "No inquiry has the reference %q.", reference)
}

func (f *fakeReplies) FindInquiryReplies(ctx context.Context, inquiryID int64) ([]*breachdesk.SealedInquiryReply, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var found []*breachdesk.SealedInquiryReply
	for _, r := range f.replies {
		if r.InquiryID == inquiryID {
			found = append(found, r)
		}
	}
	return found, nil
}

func (f *fakeReplies) FindPendingReplies(ctx context.Context, limit int) ([]*breachdesk.SealedInquiryReply, error) {
	return nil, nil
}

func (f *fakeReplies) MarkRepliesSent(ctx context.Context, ids []int64, at time.Time) error {
	return nil
}

func (f *fakeReplies) MarkReplyRefused(ctx context.Context, id int64, at time.Time, refusal string) error {
	return nil
}

// fakeSealer "seals" a reply's body by marking it, so that a test can
// tell a body that went through it.
type fakeSealer struct{}

const fakeSealMark = "sealed:"

func (fakeSealer) SealInquiryReply(r *breachdesk.InquiryReply) *breachdesk.SealedInquiryReply {
	return &breachdesk.SealedInquiryReply{ID: r.ID, InquiryID: r.InquiryID, Reference: r.Reference, Template: r.Template,
		Language: r.Language, Body: []byte(fakeSealMark + r.Body), Author: r.Author, CreatedAt: r.CreatedAt, SentAt: r.SentAt}
}

func (fakeSealer) OpenInquiryReply(s *breachdesk.SealedInquiryReply) (*breachdesk.InquiryReply, error) {
	return &breachdesk.InquiryReply{ID: s.ID, InquiryID: s.InquiryID, Reference: s.Reference, Template: s.Template,
		Language: s.Language, Body: strings.TrimPrefix(string(s.Body), fakeSealMark), Author: s.Author, CreatedAt: s.CreatedAt, SentAt: s.SentAt, Refusal: s.Refusal}, nil
}

// TestInquiryAnswerForm checks the answer form: a templated reply in the
// person's language, with its meaning in the user's.
func TestInquiryAnswerForm(t *testing.T) {
	b := setupConsole(t)
	r, err := notice.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	template := func(lang, name string) string {
		text, got, ok := r.ReplyTemplate(lang, name)
		if !ok || got != lang {
			t.Fatalf("ReplyTemplate(%s, %s) = %q, %v", lang, name, got, ok)
		}
		return html.EscapeString(text)
	}
	b.staff.users["responder@example.com"].Language = "fr"
	for _, tt := range []struct {
		name, path  string
		role        breachdesk.Role
		contains    []string
		notContains []string
	}{
		// Maria Rossi wrote in Italian: the agent, whose console is in
		// English, gets the Italian text and what it means in English.
		{"OKTemplateInThePersonsLanguage", "/inquiries/Q-AAAA-1111?template=affected", breachdesk.RoleAgent,
			[]string{template("it", "affected"), "mailed in Italian", "What the template says, in English", template("en", "affected"),
				`<option value="affected" selected>`, `name="template" value="affected"`, `value="answer"`, "No reply yet."}, nil},
		{"OKBlank", "/inquiries/Q-AAAA-1111", breachdesk.RoleAgent,
			[]string{`<option value="">a blank answer</option>`, `name="template" value=""`, `aria-describedby="body-hint"></textarea>`},
			[]string{"What the template says", " selected>"}},
		{"OKUnknownTemplateIsBlank", "/inquiries/Q-AAAA-1111?template=bogus", breachdesk.RoleAgent,
			[]string{`name="template" value=""`, `aria-describedby="body-hint"></textarea>`}, nil},
		// Jan Kowalski wrote in English; the French responder sees what the
		// English text means, in French.
		{"OKMeaningInTheUsersLanguage", "/inquiries/Q-BBBB-2222?template=genuine", breachdesk.RoleResponder,
			[]string{template("en", "genuine"), "en anglais", "Ce que dit le modèle, en français", template("fr", "genuine")}, nil},
		{"OKSameLanguageNoMeaning", "/inquiries/Q-BBBB-2222?template=genuine", breachdesk.RoleDPO,
			[]string{template("en", "genuine")}, []string{"What the template says"}},
		{"OKAuditorReadsOnly", "/inquiries/Q-AAAA-1111?template=affected", breachdesk.RoleAuditor,
			[]string{"Please erase"}, []string{`value="answer"`, "<textarea", "No reply yet."}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := b.do("GET", tt.path, tt.role, nil, true)
			body := w.Body.String()
			if w.Code != http.StatusOK {
				t.Fatalf("status %d:\n%s", w.Code, body)
			}
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("the page lacks %q", s)
				}
			}
			for _, s := range tt.notContains {
				if strings.Contains(body, s) {
					t.Errorf("the page shows %q", s)
				}
			}
		})
	}
}

// TestInquiryAnswer posts answers: each good one is stored sealed, in the
// person's language, by the signed-in user, and handed to the mailer.
func TestInquiryAnswer(t *testing.T) {
	b := setupConsole(t)
	post := func(role breachdesk.Role, ref string, form url.Values) (int, string) {
		form.Set("action", "answer")
		w := b.do("POST", "/inquiries/"+ref, role, form, true)
		return w.Code, w.Body.String() + w.Header().Get("Location")
	}
	for _, tt := range []struct {
		name     string
		role     breachdesk.Role
		ref      string
		form     url.Values
		status   int
		contains string
		// want is the reply stored, "" for none.
		want string
	}{
		{"OKTemplated", breachdesk.RoleAgent, "Q-AAAA-1111", url.Values{"template": {"affected"}, "body": {"  Sì, i suoi dati <sono> coinvolti.\r\n"}},
			http.StatusSeeOther, "/inquiries/Q-AAAA-1111#replies", "Q-AAAA-1111 affected it agent@example.com sealed:Sì, i suoi dati <sono> coinvolti."},
		{"OKUnknownTemplateIsNone", breachdesk.RoleDPO, "Q-BBBB-2222", url.Values{"template": {"bogus"}, "body": {"We hold your e-mail address."}},
			http.StatusSeeOther, "/inquiries/Q-BBBB-2222#replies", "Q-BBBB-2222  en dpo@example.com sealed:We hold your e-mail address."},
		{"ErrEmpty", breachdesk.RoleAgent, "Q-AAAA-1111", url.Values{"template": {"affected"}, "body": {" \n "}},
			http.StatusUnprocessableEntity, "Write the answer, in at most 10,000 characters.", ""},
		{"ErrTooLong", breachdesk.RoleAgent, "Q-AAAA-1111", url.Values{"body": {strings.Repeat("é", breachdesk.InquiryReplyLimit+1)}},
			http.StatusUnprocessableEntity, `aria-invalid="true"`, ""},
		{"ErrUnknownInquiry", breachdesk.RoleAgent, "Q-NONE-0000", url.Values{"body": {"Hello"}}, http.StatusNotFound, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, stored := len(b.replies.replies), b.repliesStored
			code, body := post(tt.role, tt.ref, tt.form)
			if code != tt.status || !strings.Contains(body, tt.contains) {
				t.Fatalf("status %d, want %d with %q:\n%s", code, tt.status, tt.contains, body)
			}
			added := b.replies.replies[before:]
			if tt.want == "" {
				if len(added) != 0 || b.repliesStored != stored {
					t.Fatalf("stored %d replies and woke the mailer %d times for a refused answer", len(added), b.repliesStored-stored)
				}
				return
			}
			if len(added) != 1 || b.repliesStored != stored+1 {
				t.Fatalf("stored %d replies, woke the mailer %d times; want 1 and 1", len(added), b.repliesStored-stored)
			}
			r := added[0]
			if got := strings.Join([]string{r.Reference, r.Template, r.Language, r.Author, string(r.Body)}, " "); got != tt.want {
				t.Errorf("stored %q, want %q", got, tt.want)
			}
		})
	}
	// A refused answer keeps what was typed.
	if _, body := post(breachdesk.RoleAgent, "Q-AAAA-1111", url.Values{"template": {"genuine"}, "body": {strings.Repeat("x", breachdesk.InquiryReplyLimit+1)}}); !strings.Contains(body, strings.Repeat("x", 100)) ||
		!strings.Contains(body, `<option value="genuine" selected>`) {
		t.Error("the refused answer is not in the form again")
	}

	// The page lists the replies, with whether they are mailed yet.
	sent := time.Date(2026, 11, 21, 12, 31, 0, 0, time.UTC)
	page := b.do("GET", "/inquiries/Q-AAAA-1111", breachdesk.RoleAuditor, nil, true).Body.String()
	for _, want := range []string{"Sì, i suoi dati &lt;sono&gt; coinvolti.", "agent@example.com, 2026-11-21 12:30 UTC", "waiting to be mailed"} {
		if !strings.Contains(page, want) {
			t.Errorf("the inquiry's page lacks %q", want)
		}
	}
	if strings.Contains(page, fakeSealMark) {
		t.Error("the page shows a reply unopened")
	}
	b.replies.replies[0].SentAt = &sent
	if page := b.do("GET", "/inquiries/Q-AAAA-1111", breachdesk.RoleAuditor, nil, true).Body.String(); !strings.Contains(page, "mailed 2026-11-21 12:31 UTC") || strings.Contains(page, "waiting to be mailed") {
		t.Error("the page does not say the reply is mailed")
	}
	b.replies.replies[0].Refusal = "550 5.1.1 m***@example.com: no such user"
	if page := b.do("GET", "/inquiries/Q-AAAA-1111", breachdesk.RoleAuditor, nil, true).Body.String(); !strings.Contains(page, `class="late">not delivered: the mail server refused it on 2026-11-21 12:31 UTC (550 5.1.1 m***@example.com: no such user)`) ||
		strings.Contains(page, "mailed 2026") {
		t.Errorf("the page does not say the reply was refused:\n%s", page)
	}
	if page := b.do("GET", "/inquiries/Q-BBBB-2222", breachdesk.RoleAuditor, nil, true).Body.String(); strings.Contains(page, "coinvolti") {
		t.Error("one inquiry's page shows another's reply")
	}
}

// TestLookupInquirySender looks up the sender of an inquiry by its
// reference: the address is read on the server and never shown.
func TestLookupInquirySender(t *testing.T) {
	b := setupConsole(t)
	page := b.do("GET", "/inquiries/Q-AAAA-1111", breachdesk.RoleAgent, nil, true).Body.String()
	if !strings.Contains(page, `href="/lookup?inquiry=Q-AAAA-1111"`) {
		t.Error("the inquiry's page has no link to look its sender up")
	}
	before := len(b.accesses)
	w := b.do("GET", "/lookup?inquiry=Q-AAAA-1111", breachdesk.RoleAgent, nil, true)
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "Found in 1 incident(s).") || !strings.Contains(body, "sender of inquiry Q-AAAA-1111") {
		t.Fatalf("status %d:\n%s", w.Code, body)
	}
	if strings.Contains(body, "maria.rossi") {
		t.Error("the page shows the sender's address")
	}
	if got := b.accesses[before:]; !slices.Equal(got, []string{"user:agent@example.com affected_people.lookup affected_person 3/C-1"}) {
		t.Errorf("audit access entries = %v", got)
	}
	if w := b.do("GET", "/lookup?inquiry=Q-NONE-0000", breachdesk.RoleAgent, nil, true); w.Code != http.StatusNotFound {
		t.Errorf("an unknown inquiry: %d", w.Code)
	}
	// What is typed wins over the inquiry.
	if body := b.do("GET", "/lookup?q=someone@example.com&inquiry=Q-AAAA-1111", breachdesk.RoleAgent, nil, true).Body.String(); strings.Contains(body, "Found in") {
		t.Error("the inquiry's sender was looked up instead of what was typed")
	}
}
