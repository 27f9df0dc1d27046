package breachdesk

import (
	"context"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Organization is the controller: the company responsible for the personal
// data and for notifying the breach. A deployment serves one organization.
type Organization struct {
	// Name is the controller's legal name, as printed on notices and reports.
	Name string `json:"name"`
	// Country is the ISO 3166-1 alpha-2 code of the main establishment; it
	// decides the lead supervisory authority under the GDPR one-stop-shop.
	Country string `json:"country"`
	// DPOName, DPOEmail and DPOPhone are the data protection officer or other
	// contact point that Art. 33(3)(b) requires in a notification.
	DPOName  string `json:"dpo_name,omitempty"`
	DPOEmail string `json:"dpo_email,omitempty"`
	DPOPhone string `json:"dpo_phone,omitempty"`
	// Language is the BCP 47 tag used when a person's own language is unknown.
	Language string `json:"language"`
	// Sectors are the sector regimes the controller falls under, from
	// Sectors(); rules for a sector apply only to an organization in it.
	Sectors []string `json:"sectors,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Sectors a controller can declare, for the rules that apply only to them.
const (
	SectorHIPAACoveredEntity     = "hipaa_covered_entity"
	SectorHIPAABusinessAssociate = "hipaa_business_associate"
	SectorFTCSafeguards          = "ftc_safeguards"
	SectorFTCHealthApp           = "ftc_health_app"
)

// Sectors returns the sectors an organization can declare.
func Sectors() []string {
	return []string{SectorHIPAACoveredEntity, SectorHIPAABusinessAssociate, SectorFTCSafeguards, SectorFTCHealthApp}
}

// DefaultLanguage is the language an organization gets when none is given.
const DefaultLanguage = "en"

// languageTag matches the common shape of a BCP 47 tag: a primary language
// subtag followed by optional script, region or variant subtags.
var languageTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// Normalize fills in the default language and upper-cases the country code.
// Stores call it before Validate.
func (o *Organization) Normalize() {
	o.Country = strings.ToUpper(strings.TrimSpace(o.Country))
	if o.Language == "" {
		o.Language = DefaultLanguage
	}
}

// Validate returns an invalid error naming the first field that is missing or
// malformed.
func (o *Organization) Validate() error {
	switch {
	case strings.TrimSpace(o.Name) == "":
		return FieldErrorf("name", "the organization's name is required")
	case utf8.RuneCountInString(o.Name) > 300:
		return FieldErrorf("name", "must be at most 300 characters")
	case !IsCountryCode(o.Country):
		return FieldErrorf("country", "%q is not an ISO 3166-1 alpha-2 country code (such as FR, GB or US)", o.Country)
	case o.DPOEmail != "" && !isEmailAddress(o.DPOEmail):
		return FieldErrorf("dpo_email", "%q is not an e-mail address", o.DPOEmail)
	case o.DPOPhone != "" && !isPhoneNumber(o.DPOPhone):
		return FieldErrorf("dpo_phone", "%q is not a phone number (digits, spaces, dashes, an optional leading +)", o.DPOPhone)
	case !IsLanguageTag(o.Language):
		return FieldErrorf("language", "%q is not a BCP 47 language tag (such as en, fr or pt-BR)", o.Language)
	}
	for _, s := range o.Sectors {
		if !slices.Contains(Sectors(), s) {
			return FieldErrorf("sectors", "%q is not a known sector (one of %s)", s, strings.Join(Sectors(), ", "))
		}
	}
	return nil
}

// IsLanguageTag reports whether s has the shape of a BCP 47 language tag.
func IsLanguageTag(s string) bool {
	return languageTag.MatchString(s)
}

func isEmailAddress(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address == s
}

// isPhoneNumber accepts the ways people write a phone number for a contact
// point; affected people's numbers are normalised to E.164 elsewhere.
func isPhoneNumber(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return false
		}
	}
	return digits >= 5 && digits <= 15
}

// OrganizationService stores the deployment's organization.
type OrganizationService interface {
	// FindOrganization returns the organization.
	// Returns not_found if it has not been set yet.
	FindOrganization(ctx context.Context) (*Organization, error)

	// SetOrganization creates or replaces the organization and fills in its
	// timestamps. Returns invalid if it does not validate.
	SetOrganization(ctx context.Context, org *Organization) error
}
