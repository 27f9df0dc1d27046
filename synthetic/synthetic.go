// Package synthetic makes up realistic affected people for drills, demos
// and benchmarks: names and languages that fit each country, e-mail
// addresses on reserved example domains that can never reach anyone, and
// phone numbers that are valid for the country.
package synthetic

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/breachdesk/breachdesk"
	"github.com/nyaruka/phonenumbers"
)

// DefaultPlaces spreads people like the founding cases: Europe, India and
// several US states.
func DefaultPlaces() []string {
	return []string{"FR", "GB", "IT", "DE", "ES", "IN", "US-CA", "US-NY", "US-TX", "US-MA"}
}

// country holds what makes a person look local.
type country struct {
	first, last, cities, streets []string
	languages                    []string // weighted by repetition
}

var countries = map[string]country{
	"FR": {first: words("Camille Léa Manon Chloé Louise Jules Hugo Lucas Gabriel Louis Inès Zoé Théo Arthur Nathan"),
		last:   words("Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefèvre Michel Garcia"),
		cities: words("Paris Lyon Marseille Toulouse Nantes Lille Bordeaux Rennes"), streets: words("rue_de_la_Paix avenue_Victor_Hugo rue_Nationale boulevard_Voltaire"),
		languages: words("fr fr fr fr fr fr fr fr fr en")},
	"GB": {first: words("Oliver George Harry Jack Amelia Olivia Isla Ava Emily Noah Leo Freya Grace"),
		last:   words("Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Evans Walker"),
		cities: words("London Manchester Birmingham Leeds Glasgow Bristol Cardiff"), streets: words("High_Street Station_Road Church_Lane Victoria_Road"),
		languages: words("en-GB")},
	"IT": {first: words("Giulia Sofia Aurora Alice Ginevra Leonardo Francesco Alessandro Lorenzo Mattia Andrea Chiara"),
		last:   words("Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo"),
		cities: words("Roma Milano Napoli Torino Bologna Firenze Palermo"), streets: words("Via_Roma Via_Garibaldi Corso_Italia Via_Dante"),
		languages: words("it")},
	"DE": {first: words("Emma Mia Hannah Sofia Lina Noah Leon Paul Ben Finn Elias Felix Marie"),
		last:   words("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter"),
		cities: words("Berlin Hamburg München Köln Frankfurt Stuttgart Leipzig"), streets: words("Hauptstraße Schulstraße Bahnhofstraße Gartenweg"),
		languages: words("de")},
	"ES": {first: words("Lucía Sofía Martina María Julia Hugo Martín Lucas Mateo Leo Daniel Pablo Alba"),
		last:   words("García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Ruiz Díaz"),
		cities: words("Madrid Barcelona Valencia Sevilla Zaragoza Málaga Bilbao"), streets: words("Calle_Mayor Gran_Vía Calle_Real Avenida_de_la_Constitución"),
		languages: words("es es es es es ca")},
	"IN": {first: words("Aarav Vivaan Aditya Arjun Sai Ananya Diya Isha Priya Riya Rahul Neha Kavya"),
		last:   words("Sharma Verma Patel Gupta Singh Kumar Reddy Iyer Nair Das Joshi Mehta"),
		cities: words("Mumbai Delhi Bengaluru Hyderabad Chennai Kolkata Pune"), streets: words("MG_Road Park_Street Station_Road Nehru_Nagar"),
		languages: words("en-IN en-IN hi")},
	"US": {first: words("James Mary Michael Patricia Robert Jennifer John Linda David Elizabeth Maria Jose Emily Daniel"),
		last:   words("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Wilson"),
		cities: words("Springfield Riverside Franklin Greenville Madison Clinton Fairview"), streets: words("Main_Street Oak_Avenue Maple_Drive Elm_Street Washington_Boulevard"),
		languages: words("en-US en-US en-US en-US en-US es-US")},
}

// fallback serves countries without their own lists.
var fallback = country{first: words("Alex Sam Robin Kim Noor Ari Yuki Mina Tomas Lena"),
	last:   words("Novak Horvat Kowalski Jensen Larsen Costa Silva Haddad Tanaka Kim"),
	cities: words("Capital Harbour Riverside"), streets: words("Main_Street Market_Square"), languages: nil}

func words(s string) []string {
	fields := strings.Fields(s)
	for i, f := range fields {
		fields[i] = strings.ReplaceAll(f, "_", " ")
	}
	return fields
}

// Generator makes up people deterministically from a seed.
type Generator struct {
	rng    *rand.Rand
	places []place
}

type place struct {
	country, region string
}

// New returns a generator for people spread evenly over places, each a
// country (FR) or a region (US-CA). A US, CA or AU place without a region
// gets one at random.
func New(seed uint64, places []string) (*Generator, error) {
	g := &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for _, p := range places {
		p = strings.ToUpper(strings.TrimSpace(p))
		c, region, _ := strings.Cut(p, "-")
		if !breachdesk.IsCountryCode(c) {
			return nil, breachdesk.Errorf(breachdesk.EInvalid, "--countries: %q is not a country code such as FR or a region such as US-CA", p)
		}
		if region != "" {
			region = p
		}
		g.places = append(g.places, place{country: c, region: region})
	}
	if len(g.places) == 0 {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "--countries: give at least one country")
	}
	return g, nil
}

var regions = map[string][]string{
	"US": words("CA NY TX FL IL PA OH GA NC MI NJ VA WA AZ MA TN IN MO MD WI CO MN SC AL LA KY OR OK CT UT IA NV AR MS KS NM NE ID WV HI NH ME MT RI DE SD ND AK DC VT WY"),
	"CA": words("ON QC BC AB MB SK NS NB NL PE"),
	"AU": words("NSW VIC QLD WA SA TAS ACT NT"),
}

// Person returns the i-th made-up person, as an import file row.
func (g *Generator) Person(i int) []string {
	pl := g.places[i%len(g.places)]
	c, ok := countries[pl.country]
	if !ok {
		c = fallback
	}
	region := pl.region
	if region == "" {
		if rs, ok := regions[pl.country]; ok {
			region = pl.country + "-" + pick(g.rng, rs)
		}
	}
	first, last := pick(g.rng, c.first), pick(g.rng, c.last)
	lang := ""
	if len(c.languages) > 0 {
		lang = pick(g.rng, c.languages)
	}
	if pl.country == "CA" && region == "CA-QC" {
		lang = "fr-CA"
	}
	email := fmt.Sprintf("%s.%s.%d@%s", ascii(first), ascii(last), i, pick(g.rng, []string{"example.com", "example.net", "example.org"}))
	address := fmt.Sprintf("%d %s, %s", 1+g.rng.IntN(199), pick(g.rng, c.streets), pick(g.rng, c.cities))
	return []string{fmt.Sprintf("P%09d", i), first + " " + last, email, g.phone(pl.country), address, pl.country, region, lang, ""}
}

// phone returns a valid mobile number of the country in E.164, made by
// changing the last digits of the country's example number.
func (g *Generator) phone(country string) string {
	example := phonenumbers.GetExampleNumberForType(country, phonenumbers.MOBILE)
	if example == nil {
		return ""
	}
	national := strconv.FormatUint(example.GetNationalNumber(), 10)
	for range 20 {
		digits := []byte(national)
		for j := max(len(digits)-4, 1); j < len(digits); j++ {
			digits[j] = byte('0' + g.rng.IntN(10))
		}
		n, err := phonenumbers.Parse("+"+strconv.Itoa(int(example.GetCountryCode()))+string(digits), country)
		if err == nil && phonenumbers.IsValidNumber(n) {
			return phonenumbers.Format(n, phonenumbers.E164)
		}
	}
	return phonenumbers.Format(example, phonenumbers.E164)
}

// WriteCSV writes a header and n people as an import file.
func (g *Generator) WriteCSV(w io.Writer, n int) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"external_id", "name", "email", "phone", "postal_address", "country", "region", "language", "data_categories"}); err != nil {
		return err
	}
	for i := range n {
		if err := cw.Write(g.Person(i)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func pick[T any](rng *rand.Rand, list []T) T {
	return list[rng.IntN(len(list))]
}

// accents maps the accented letters of the name lists to plain ones.
var accents = strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "à", "a", "á", "a", "â", "a", "ä", "a", "í", "i", "ï", "i",
	"ó", "o", "ô", "o", "ö", "o", "ú", "u", "ü", "u", "ç", "c", "ñ", "n", "ß", "ss", " ", "")

// ascii lower-cases a name and drops its accents for an address.
func ascii(s string) string {
	return accents.Replace(strings.ToLower(s))
}
