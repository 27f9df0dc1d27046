package breachdesk

import (
	"context"
	"strings"
	"time"
)

// AffectedPerson is one person whose data the breach concerned. Name,
// Email, Phone and PostalAddress are personal data: they exist in
// plaintext only in memory, and are stored encrypted (see SealedPerson).
type AffectedPerson struct {
	ID         int64  `json:"id"`
	IncidentID int64  `json:"incident_id"`
	ExternalID string `json:"external_id"`

	Name          string `json:"name,omitempty"`
	Email         string `json:"email,omitempty"`
	Phone         string `json:"phone,omitempty"`
	PostalAddress string `json:"postal_address,omitempty"`

	// Country is ISO 3166-1 alpha-2; Region ISO 3166-2 (such as US-CA),
	// required where laws are regional (US, CA, AU).
	Country  string `json:"country"`
	Region   string `json:"region,omitempty"`
	Language string `json:"language"`
	// DataCategories lists this person's affected data when it differs
	// from the incident's; empty means the incident's list.
	DataCategories []string `json:"data_categories,omitempty"`

	CreatedAt time.Time `json:"created_at"`
}

// SealedPerson is an AffectedPerson as stored: the personal data sealed
// (encrypted and authenticated), e-mail and phone also as blind indexes
// (keyed hashes) so that a person can be found without decrypting anyone.
type SealedPerson struct {
	ID         int64
	IncidentID int64
	ExternalID string

	Name, Email, Phone, PostalAddress []byte
	EmailIndex, PhoneIndex            []byte

	Country, Region, Language string
	DataCategories            []string
	CreatedAt                 time.Time
}

// RegionalCountries are the countries whose breach laws differ by region,
// where a person's region is required.
func RegionalCountries() []string {
	return []string{"AU", "CA", "US"}
}

// EmailIndexKey is the form of an address that its blind index is
// computed on: wholly lower case, since people rarely type an address in
// the case it was stored in.
func EmailIndexKey(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// MaskEmail shows enough of an address for a person to recognise it and
// not enough to learn it: m***@example.com.
func MaskEmail(email string) string {
	if email == "" {
		return ""
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		return "***"
	}
	first := []rune(local)[0]
	return string(first) + "***@" + domain
}

// MaskName keeps the first letter of each word of a name: L*** T***.
func MaskName(name string) string {
	words := strings.Fields(name)
	for i, w := range words {
		words[i] = string([]rune(w)[0]) + "***"
	}
	return strings.Join(words, " ")
}

// MaskPhone keeps the country code and the last two digits: +33******78.
func MaskPhone(phone string) string {
	if phone == "" {
		return ""
	}
	if len(phone) < 6 {
		return "***"
	}
	return phone[:3] + strings.Repeat("*", len(phone)-5) + phone[len(phone)-2:]
}

// PopulationCount is how many people an incident concerns, in all and, when
// asked, per value of one attribute (country, region, language or category).
type PopulationCount struct {
	Total  int64            `json:"total"`
	By     string           `json:"by,omitempty"`
	Counts map[string]int64 `json:"counts,omitempty"`
}

// Attributes a population can be counted by.
const (
	CountByCountry  = "country"
	CountByRegion   = "region"
	CountByLanguage = "language"
	CountByCategory = "category"
)

// AffectedPersonService stores sealed affected people. It never sees
// plaintext personal data.
type AffectedPersonService interface {
	// InsertSealedPeople stores people not yet stored for their incident
	// and returns how many were new; a person whose external id is stored
	// already is skipped, so that an interrupted import can be run again.
	// Returns not_found if the incident does not exist.
	InsertSealedPeople(ctx context.Context, incidentID int64, people []*SealedPerson) (int, error)

	// FindSealedPeople returns the people whose blind e-mail or phone
	// index matches, in every incident.
	FindSealedPeople(ctx context.Context, filter SealedPersonFilter) ([]*SealedPerson, error)

	// CountAffectedPeople counts an incident's people, grouped by one of
	// the CountBy attributes or not at all (by ""). Returns not_found if the
	// incident does not exist, invalid for an unknown attribute.
	CountAffectedPeople(ctx context.Context, incidentID int64, by string) (*PopulationCount, error)
}

// SealedPersonFilter selects sealed people. Nil fields do not filter.
type SealedPersonFilter struct {
	IncidentID *int64
	ExternalID *string
	EmailIndex []byte
	PhoneIndex []byte
}

// DataKey is a key that encrypts personal data or computes blind indexes,
// stored wrapped (encrypted) by the deployment's master key, which lives
// outside the database in the key file.
type DataKey struct {
	ID int64 `json:"id"`
	// Purpose is DataKeyEncrypt or DataKeyIndex.
	Purpose string `json:"purpose"`
	Wrapped []byte `json:"-"`
	// MasterKeyID names the master key that wrapped it.
	MasterKeyID string     `json:"master_key_id"`
	CreatedAt   time.Time  `json:"created_at"`
	RetiredAt   *time.Time `json:"retired_at,omitempty"`
}

// Data key purposes.
const (
	DataKeyEncrypt = "encrypt"
	DataKeyIndex   = "index"
)

// DataKeyService stores wrapped data keys.
type DataKeyService interface {
	// FindDataKeys returns every data key, oldest first.
	FindDataKeys(ctx context.Context) ([]*DataKey, error)

	// CreateDataKeys stores new keys and sets their IDs, retiring the
	// active encryption key when a new one is among them.
	CreateDataKeys(ctx context.Context, keys []*DataKey) error

	// RewrapDataKeys replaces the wrapping of every data key at once, after
	// the master key changed. keys must hold every key, by ID.
	RewrapDataKeys(ctx context.Context, keys []*DataKey) error
}
