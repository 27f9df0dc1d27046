// Package lookup finds a person among the affected people of every
// incident, by e-mail address, phone number or the verification code of a
// notice, and gathers what customer service needs to answer them: the
// incidents they are in, the data affected, and the notices sent to them
// with what became of each. It finds people through the blind indexes and
// decrypts only the people it finds.
package lookup

import (
	"context"
	"fmt"
	"strings"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/importer"
)

// Keys computes blind indexes and opens sealed people (keyring.Keyring).
type Keys interface {
	Index(kind, value string) []byte
	OpenPerson(s *breachdesk.SealedPerson) (*breachdesk.AffectedPerson, error)
}

// Finder looks people up.
type Finder struct {
	People    breachdesk.AffectedPersonService
	Incidents breachdesk.IncidentService
	// Campaigns, when set, gives the notices sent to each person found.
	Campaigns breachdesk.CampaignService
	Keys      Keys
}

// Query is what a caller gave to be found by: one of an e-mail address,
// a phone number with its country code, or a verification code.
type Query struct {
	Email, Phone, Code string
}

// ParseQuery reads what an agent typed in one box: a code if it has the
// form of one, an e-mail address if it has an @, else a phone number.
func ParseQuery(typed string) Query {
	typed = strings.TrimSpace(typed)
	switch {
	case typed == "":
		return Query{}
	case strings.Contains(typed, "@"):
		return Query{Email: typed}
	}
	if code, err := breachdesk.ParseNoticeCode(typed); err == nil {
		return Query{Code: code}
	}
	return Query{Phone: typed}
}

// Match is one incident the person found is in.
type Match struct {
	Incident *breachdesk.Incident
	// Person is the person as imported into that incident, in plaintext:
	// mask it before showing it to whoever may not see it.
	Person *breachdesk.AffectedPerson
	// Notices are the notices of the incident's campaigns to the person,
	// oldest first.
	Notices []*breachdesk.Notice
}

// Find returns every incident the person of q is in. Returns invalid,
// naming the field (email, phone or code), when q cannot designate anyone.
func (f *Finder) Find(ctx context.Context, q Query) ([]*Match, error) {
	var filter breachdesk.SealedPersonFilter
	switch {
	case q.Email != "":
		normalized, reason := importer.NormalizeEmail(q.Email)
		if reason != "" {
			return nil, breachdesk.FieldErrorf("email", "%s", reason)
		}
		filter.EmailIndex = f.Keys.Index("email", breachdesk.EmailIndexKey(normalized))
	case q.Phone != "":
		if !strings.HasPrefix(strings.TrimSpace(q.Phone), "+") {
			return nil, breachdesk.FieldErrorf("phone", "give the number with its country code, such as +33612345678")
		}
		normalized, reason := importer.NormalizePhone(q.Phone, "")
		if reason != "" {
			return nil, breachdesk.FieldErrorf("phone", "is not a valid phone number")
		}
		filter.PhoneIndex = f.Keys.Index("phone", normalized)
	case q.Code != "":
		return f.findByCode(ctx, q.Code)
	default:
		return nil, breachdesk.FieldErrorf("email", "give an e-mail address, a phone number or a verification code")
	}
	sealed, err := f.People.FindSealedPeople(ctx, filter)
	if err != nil {
		return nil, err
	}
	var matches []*Match
	for _, sp := range sealed {
		m, err := f.match(ctx, sp)
		if err != nil {
			return nil, err
		}
		matches = append(matches, m)
	}
	return matches, nil
}

// findByCode finds the person a notice carrying code went to.
func (f *Finder) findByCode(ctx context.Context, code string) ([]*Match, error) {
	canonical, err := breachdesk.ParseNoticeCode(code)
	if err != nil {
		return nil, breachdesk.FieldErrorf("code", "is not a verification code, such as BD-7KQ4-M2XP-9RTA")
	}
	if f.Campaigns == nil {
		return nil, nil
	}
	notices, _, err := f.Campaigns.FindNotices(ctx, breachdesk.NoticeFilter{Code: &canonical, Limit: 1})
	if err != nil || len(notices) == 0 {
		return nil, err
	}
	c, err := f.Campaigns.FindCampaignByID(ctx, notices[0].CampaignID)
	if err != nil {
		return nil, err
	}
	sealed, err := f.People.FindSealedPeople(ctx, breachdesk.SealedPersonFilter{IncidentID: &c.IncidentID, ExternalID: &notices[0].ExternalID})
	if err != nil || len(sealed) == 0 {
		return nil, err
	}
	m, err := f.match(ctx, sealed[0])
	if err != nil {
		return nil, err
	}
	return []*Match{m}, nil
}

// match opens a person and gathers their incident and notices.
func (f *Finder) match(ctx context.Context, sp *breachdesk.SealedPerson) (*Match, error) {
	p, err := f.Keys.OpenPerson(sp)
	if err != nil {
		return nil, err
	}
	inc, err := f.Incidents.FindIncidentByID(ctx, p.IncidentID)
	if err != nil {
		return nil, fmt.Errorf("incident of person %s: %w", p.ExternalID, err)
	}
	m := &Match{Incident: inc, Person: p}
	if len(p.DataCategories) == 0 {
		p.DataCategories = inc.DataCategories
	}
	if f.Campaigns != nil {
		if m.Notices, _, err = f.Campaigns.FindNotices(ctx, breachdesk.NoticeFilter{PersonID: &p.ID}); err != nil {
			return nil, err
		}
	}
	return m, nil
}
