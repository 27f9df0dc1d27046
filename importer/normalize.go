package importer

import (
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/breachdesk/breachdesk"
	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
)

// Record is one row of an import file, as written, with its line.
type Record struct {
	Line           int
	ExternalID     string
	Name           string
	Email          string
	Phone          string
	PostalAddress  string
	Country        string
	Region         string
	Language       string
	DataCategories string // ";"-separated
}

// Problem is what is wrong with one field of one row. Reasons never
// repeat the value, which may be personal data.
type Problem struct {
	Line       int    `json:"line"`
	ExternalID string `json:"external_id,omitempty"`
	Field      string `json:"field"`
	Reason     string `json:"reason"`
}

// Limits on field lengths, in characters.
const (
	maxExternalID = 200
	maxName       = 300
	maxAddress    = 1000
)

// Normalize checks a record and returns the person it describes, with
// e-mail (domain lower-cased), phone (E.164), country, region and language
// in canonical form, or every problem found.
func Normalize(r Record) (*breachdesk.AffectedPerson, []Problem) {
	var problems []Problem
	bad := func(field, reason string) {
		problems = append(problems, Problem{Line: r.Line, ExternalID: r.ExternalID, Field: field, Reason: reason})
	}
	p := &breachdesk.AffectedPerson{
		ExternalID:    strings.TrimSpace(r.ExternalID),
		Name:          strings.TrimSpace(r.Name),
		PostalAddress: strings.TrimSpace(r.PostalAddress),
		Country:       strings.ToUpper(strings.TrimSpace(r.Country)),
		Region:        strings.ToUpper(strings.TrimSpace(r.Region)),
	}
	switch {
	case p.ExternalID == "":
		bad("external_id", "is required")
	case utf8.RuneCountInString(p.ExternalID) > maxExternalID:
		bad("external_id", "is longer than 200 characters")
	}
	if utf8.RuneCountInString(p.Name) > maxName {
		bad("name", "is longer than 300 characters")
	}
	if utf8.RuneCountInString(p.PostalAddress) > maxAddress {
		bad("postal_address", "is longer than 1000 characters")
	}
	if email, err := NormalizeEmail(r.Email); err != "" {
		bad("email", err)
	} else {
		p.Email = email
	}

	countryOK := true
	switch {
	case p.Country == "":
		bad("country", "is required (ISO 3166-1 alpha-2, such as FR)")
		countryOK = false
	case !breachdesk.IsCountryCode(p.Country):
		bad("country", "is not an ISO 3166-1 alpha-2 country code")
		countryOK = false
	}
	if countryOK {
		if reason := checkRegion(p.Country, p.Region); reason != "" {
			bad("region", reason)
		}
		if phone, reason := NormalizePhone(r.Phone, p.Country); reason != "" {
			bad("phone", reason)
		} else {
			p.Phone = phone
		}
		if lang, reason := normalizeLanguage(r.Language, p.Country); reason != "" {
			bad("language", reason)
		} else {
			p.Language = lang
		}
	}

	if cats := strings.TrimSpace(r.DataCategories); cats != "" {
		for _, c := range strings.Split(cats, ";") {
			c = strings.TrimSpace(c)
			switch {
			case c == "":
			case !slices.Contains(breachdesk.DataCategories(), c):
				bad("data_categories", "\""+c+"\" is not a data category (see docs/incident-file.md)")
			case !slices.Contains(p.DataCategories, c):
				p.DataCategories = append(p.DataCategories, c)
			}
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return p, nil
}

// NormalizeEmail trims an address and lower-cases its domain. It returns
// the reason when the address is not valid; "" is a valid empty address.
func NormalizeEmail(raw string) (string, string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", ""
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return "", "is not an e-mail address"
	}
	local, domain, _ := strings.Cut(s, "@")
	if !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", "has no valid domain"
	}
	return local + "@" + strings.ToLower(domain), ""
}

// NormalizePhone returns a phone number in E.164 form, reading numbers
// without an international prefix as numbers of country. It returns the
// reason when the number is not valid; "" is a valid empty number.
func NormalizePhone(raw, country string) (string, string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", ""
	}
	// Most exports hold international numbers: checking those directly
	// skips the library's general parser, its slowest part.
	if n := parseInternational(s); n != nil && phonenumbers.IsValidNumber(n) {
		return phonenumbers.Format(n, phonenumbers.E164), ""
	}
	return normalizePhoneSlow(s, country)
}

// normalizePhoneSlow parses any way of writing a number.
func normalizePhoneSlow(s, country string) (string, string) {
	n, err := phonenumbers.Parse(s, country)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", "is not a valid phone number for " + country + " (give it as +CC... if it is from another country)"
	}
	return phonenumbers.Format(n, phonenumbers.E164), ""
}

// parseInternational reads "+" and digits, with spaces, dashes, dots or
// parentheses between them, as a country calling code and a national
// number; nil when s has any other form.
func parseInternational(s string) *phonenumbers.PhoneNumber {
	if !strings.HasPrefix(s, "+") {
		return nil
	}
	digits := make([]byte, 0, 16)
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return nil
		}
	}
	if len(digits) < 7 || len(digits) > 15 || digits[0] == '0' {
		return nil
	}
	// Calling codes are prefix-free: the first that exists is the one.
	for l := 1; l <= 3; l++ {
		code, _ := strconv.Atoi(string(digits[:l]))
		if phonenumbers.GetRegionCodeForCountryCode(code) == "ZZ" {
			continue
		}
		national := string(digits[l:])
		nn, err := strconv.ParseUint(national, 10, 64)
		if err != nil {
			return nil
		}
		cc := int32(code)
		n := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &nn}
		// A national number that starts with 0 (Italy, for instance) keeps
		// its zeros, as the library's parser records them.
		if zeros := len(national) - len(strings.TrimLeft(national, "0")); zeros > 0 && len(national) > 1 {
			yes := true
			n.ItalianLeadingZero = &yes
			if zeros = min(zeros, len(national)-1); zeros > 1 {
				count := int32(zeros)
				n.NumberOfLeadingZeros = &count
			}
		}
		return n
	}
	return nil
}

var regionCode = regexp.MustCompile(`^[A-Z]{2}-[A-Z0-9]{1,3}$`)

// checkRegion requires a region where laws are regional and checks that a
// region belongs to the country.
func checkRegion(country, region string) string {
	if region == "" {
		if slices.Contains(breachdesk.RegionalCountries(), country) {
			return "is required for " + country + " residents (ISO 3166-2, such as " + exampleRegion(country) + "): breach laws there differ by region"
		}
		return ""
	}
	if !regionCode.MatchString(region) || !strings.HasPrefix(region, country+"-") {
		return "must be an ISO 3166-2 code of " + country + ", such as " + exampleRegion(country)
	}
	if known, ok := subdivisions[country]; ok && !slices.Contains(known, region[3:]) {
		return "is not a region of " + country
	}
	return ""
}

func exampleRegion(country string) string {
	if known, ok := subdivisions[country]; ok {
		return country + "-" + known[0]
	}
	return country + "-XX"
}

// subdivisions lists the ISO 3166-2 codes of the countries whose laws are
// regional: the US states, DC and territories, the Canadian provinces and
// territories, the Australian states and territories.
var subdivisions = map[string][]string{
	"US": strings.Fields(`CA AL AK AZ AR CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND
		OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR UM VI`),
	"CA": strings.Fields("ON AB BC MB NB NL NS NT NU PE QC SK YT"),
	"AU": strings.Fields("NSW ACT NT QLD SA TAS VIC WA"),
}

// normalizeLanguage parses a BCP 47 tag, or derives the likely language
// of the country when none is given.
func normalizeLanguage(raw, country string) (string, string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		base, _ := language.Make("und-" + country).Base()
		return base.String(), ""
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", "is not a BCP 47 language tag (such as fr, en-GB or pt-BR)"
	}
	return tag.String(), ""
}
