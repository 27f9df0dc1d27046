package lookup

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/mock"
)

func TestParseQuery(t *testing.T) {
	for typed, want := range map[string]Query{
		" M.Rossi@Example.com ": {Email: "M.Rossi@Example.com"},
		"+33 6 12 34 56 78":     {Phone: "+33 6 12 34 56 78"},
		"bd-7kq4-m2xp-9rta":     {Code: "BD-7KQ4-M2XP-9RTA"},
		"BD 7KQ4 M2XP 9RTA":     {Code: "BD-7KQ4-M2XP-9RTA"},
		"0612345678":            {Phone: "0612345678"},
		"":                      {},
	} {
		if got := ParseQuery(typed); got != want {
			t.Errorf("ParseQuery(%q) = %+v, want %+v", typed, got, want)
		}
	}
}

// fakeKeys makes readable "indexes" and opens people from plaintext kept
// in the sealed Name field.
type fakeKeys struct{}

func (fakeKeys) Index(kind, value string) []byte { return []byte(kind + ":" + value) }

func (fakeKeys) OpenPerson(s *breachdesk.SealedPerson) (*breachdesk.AffectedPerson, error) {
	return &breachdesk.AffectedPerson{ID: s.ID, IncidentID: s.IncidentID, ExternalID: s.ExternalID, Name: string(s.Name), DataCategories: s.DataCategories}, nil
}

// fakePeople holds sealed people and answers the filters lookup uses.
type fakePeople struct {
	breachdesk.AffectedPersonService
	people []*breachdesk.SealedPerson
}

func (f *fakePeople) FindSealedPeople(ctx context.Context, filter breachdesk.SealedPersonFilter) ([]*breachdesk.SealedPerson, error) {
	var found []*breachdesk.SealedPerson
	for _, p := range f.people {
		switch {
		case filter.EmailIndex != nil && !bytes.Equal(filter.EmailIndex, p.EmailIndex),
			filter.PhoneIndex != nil && !bytes.Equal(filter.PhoneIndex, p.PhoneIndex),
			filter.IncidentID != nil && *filter.IncidentID != p.IncidentID,
			filter.ExternalID != nil && *filter.ExternalID != p.ExternalID:
			continue
		}
		found = append(found, p)
	}
	return found, nil
}

func setupFinder() *Finder {
	people := &fakePeople{people: []*breachdesk.SealedPerson{
		{ID: 1, IncidentID: 3, ExternalID: "C-1", Name: []byte("Maria Rossi"), EmailIndex: []byte("email:maria.rossi@example.com"), PhoneIndex: []byte("phone:+393331234567")},
		{ID: 2, IncidentID: 4, ExternalID: "S-9", Name: []byte("Maria Rossi"), EmailIndex: []byte("email:maria.rossi@example.com"), DataCategories: []string{"name"}},
		{ID: 3, IncidentID: 4, ExternalID: "C-1", Name: []byte("Someone Else")},
	}}
	incidents := &mock.IncidentService{FindIncidentByIDFunc: func(ctx context.Context, id int64) (*breachdesk.Incident, error) {
		return &breachdesk.Incident{ID: id, Title: fmt.Sprint("incident ", id), DataCategories: []string{"name", "email"}}, nil
	}}
	campaigns := &mock.CampaignService{
		FindNoticesFunc: func(ctx context.Context, f breachdesk.NoticeFilter) ([]*breachdesk.Notice, int, error) {
			switch {
			case f.Code != nil && *f.Code == "BD-7KQ4-M2XP-9RTA":
				return []*breachdesk.Notice{{ID: 40, CampaignID: 7, PersonID: 3, ExternalID: "C-1", Code: *f.Code}}, 1, nil
			case f.PersonID != nil:
				return []*breachdesk.Notice{{ID: 100 + *f.PersonID, PersonID: *f.PersonID}}, 1, nil
			}
			return nil, 0, nil
		},
		FindCampaignByIDFunc: func(ctx context.Context, id int64) (*breachdesk.Campaign, error) {
			return &breachdesk.Campaign{ID: id, IncidentID: 4}, nil
		},
	}
	return &Finder{People: people, Incidents: incidents, Campaigns: campaigns, Keys: fakeKeys{}}
}

func TestFind(t *testing.T) {
	f := setupFinder()
	// found lists each match as incident/person/notices.
	found := func(matches []*Match) string {
		var b strings.Builder
		for _, m := range matches {
			fmt.Fprintf(&b, "%d/%s/%s/%v", m.Incident.ID, m.Person.ExternalID, m.Person.Name, m.Person.DataCategories)
			for _, n := range m.Notices {
				fmt.Fprintf(&b, "/n%d", n.ID)
			}
			b.WriteString(";")
		}
		return b.String()
	}
	for _, tt := range []struct {
		name string
		q    Query
		want string
	}{
		{"OKEmailInTwoIncidents", Query{Email: " Maria.Rossi@Example.com"}, "3/C-1/Maria Rossi/[name email]/n101;4/S-9/Maria Rossi/[name]/n102;"},
		{"OKPhone", Query{Phone: "+39 333 123 4567"}, "3/C-1/Maria Rossi/[name email]/n101;"},
		// The notice's person is the one with its external ID in the
		// campaign's incident, not another incident's C-1.
		{"OKCode", Query{Code: "bd-7kq4-m2xp-9rta"}, "4/C-1/Someone Else/[name email]/n103;"},
		{"OKUnknownCode", Query{Code: "BD-AAAA-BBBB-CCCC"}, ""},
		{"OKNobody", Query{Email: "nobody@example.com"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			matches, err := f.Find(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := found(matches); got != tt.want {
				t.Errorf("Find(%+v) = %s, want %s", tt.q, got, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		name  string
		q     Query
		field string
	}{
		{"ErrEmail", Query{Email: "not an address"}, "email"},
		{"ErrPhoneWithoutCountry", Query{Phone: "06 12 34 56 78"}, "phone"},
		{"ErrPhone", Query{Phone: "+1 2"}, "phone"},
		{"ErrCode", Query{Code: "BD-7KQ4"}, "code"},
		{"ErrNothing", Query{}, "email"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.Find(context.Background(), tt.q)
			if breachdesk.ErrorCode(err) != breachdesk.EInvalid || breachdesk.ErrorField(err) != tt.field {
				t.Fatalf("Find(%+v) = %v, want invalid %s", tt.q, err, tt.field)
			}
		})
	}
}
