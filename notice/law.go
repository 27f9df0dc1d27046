package notice

import (
	"slices"
	"strings"

	"github.com/breachdesk/breachdesk"
)

// The law sections a notice can include, as Laws returns them.
const (
	// LawGDPR is the GDPR, Art. 34(2), for residents of the EEA.
	LawGDPR = "gdpr"
	// LawUKGDPR is the UK GDPR, Art. 34(2), for residents of the United
	// Kingdom.
	LawUKGDPR = "uk-gdpr"
	// LawUS is the "Notice of Data Breach" of California (Civ. Code
	// §1798.82(d)), whose title, headings and content every US resident's
	// notice follows.
	LawUS = "us"
	// LawUSCA is California, whose form LawUS already follows.
	LawUSCA = "us-ca"
	// LawUSNY adds the state and federal agencies that help with identity
	// theft (N.Y. Gen. Bus. Law §899-aa(7)).
	LawUSNY = "us-ny"
	// LawUSMA adds the right to a police report and how to request a free
	// security freeze, and leaves out the nature of the breach and the
	// number of people affected (M.G.L. c. 93H §3(b)).
	LawUSMA = "us-ma"
	// LawDefault is for everyone else: the items of GDPR Art. 34(2), which
	// are what any careful notice says.
	LawDefault = "default"
)

// eea lists the countries where the GDPR applies: the EU member states,
// the EU's outermost regions that have ISO codes of their own (Åland,
// French Guiana, Guadeloupe, Martinique, Mayotte, Réunion, Saint-Martin),
// and Iceland, Liechtenstein and Norway.
const eea = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK " +
	"AX GF GP MQ RE YT MF " +
	"IS LI NO"

// Laws returns the law sections of a notice to a person living in country
// (ISO 3166-1 alpha-2) and region (ISO 3166-2, such as US-CA, or its part
// after the dash): [gdpr] in the EEA, [uk-gdpr] in the United Kingdom,
// [us] and the person's state's section, if it has one, in the United
// States, and [default] elsewhere or when the country is unknown.
func Laws(country, region string) []string {
	country = strings.ToUpper(strings.TrimSpace(country))
	region = strings.ToUpper(strings.TrimSpace(region))
	if region != "" && !strings.Contains(region, "-") {
		region = country + "-" + region
	}
	switch {
	case breachdesk.IsCountryCode(country) && strings.Contains(eea, country):
		return []string{LawGDPR}
	case country == "GB":
		return []string{LawUKGDPR}
	case country == "US":
		switch region {
		case "US-CA":
			return []string{LawUS, LawUSCA}
		case "US-NY":
			return []string{LawUS, LawUSNY}
		case "US-MA":
			return []string{LawUS, LawUSMA}
		}
		return []string{LawUS}
	}
	return []string{LawDefault}
}

// contact is an agency's or a credit bureau's name and how to reach it.
// These are the same in every language: they are names, numbers and
// addresses in the United States.
type contact struct {
	Name  string
	Lines []string
}

// creditBureaus are the three nationwide consumer reporting agencies, as
// California asks a notice to list them when Social Security, driver's
// license or other identity numbers were exposed (Civ. Code
// §1798.82(d)(2)(G)).
var creditBureaus = [...]contact{
	{"Equifax", []string{"1-800-685-1111", "P.O. Box 740241, Atlanta, GA 30374", "equifax.com"}},
	{"Experian", []string{"1-888-397-3742", "P.O. Box 9554, Allen, TX 75013", "experian.com"}},
	{"TransUnion", []string{"1-888-909-8872", "P.O. Box 2000, Chester, PA 19016", "transunion.com"}},
}

// ftc is the Federal Trade Commission, which helps victims of identity
// theft.
var ftc = contact{"Federal Trade Commission", []string{"1-877-438-4338", "IdentityTheft.gov", "600 Pennsylvania Avenue NW, Washington, DC 20580"}}

// newYorkAgencies are the New York State agencies that help with breach
// response and identity theft; N.Y. Gen. Bus. Law §899-aa(7) asks for
// their telephone numbers and websites, and those of the FTC.
var newYorkAgencies = [...]contact{
	{"New York State Office of the Attorney General", []string{"1-800-771-7755", "ag.ny.gov"}},
	{"New York Department of State, Division of Consumer Protection", []string{"1-800-697-1220", "dos.ny.gov"}},
}

// identityNumbers are the data categories whose exposure calls for the
// credit bureaus' contacts and the advice on fraud alerts and freezes.
var identityNumbers = []string{"ssn", "driver_license", "national_id", "passport", "tax_id"}

// lawSet tells which sections a notice includes.
type lawSet struct {
	us, ny, ma   bool
	gdpr, ukgdpr bool
}

func newLawSet(laws []string) lawSet {
	return lawSet{
		us:     slices.Contains(laws, LawUS),
		ny:     slices.Contains(laws, LawUSNY),
		ma:     slices.Contains(laws, LawUSMA),
		gdpr:   slices.Contains(laws, LawGDPR),
		ukgdpr: slices.Contains(laws, LawUKGDPR),
	}
}
