package report

import (
	"slices"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
)

// Authority is a recipient of reports: its code, language, time zone and
// the order of its form's questions.
type Authority struct {
	Code string `json:"code"`
	// Name is the addressee, in the authority's own language.
	Name     string `json:"name"`
	Language string `json:"language"`
	// Zone is the IANA time zone times are written in.
	Zone string `json:"zone"`
	// Form describes what the layout follows, for the documentation.
	Form     string `json:"form"`
	sections []layout
	// rules is the prefix of the ids of the rules the authority enforces,
	// such as "eu-": they decide what the report says individuals must be
	// told.
	rules string
	// letter: the report opens with a cover letter; notice: a sample of
	// the notice to individuals is attached.
	letter, notice bool
}

// layout is one section of an authority's form: its key (for the title's
// translation) and the facts it asks for, in order.
type layout struct {
	key   string
	items []string
	// number is the part's number in the authority's own template, when
	// it has one; else sections are numbered in order.
	number string
}

// Authorities returns the authorities reports can be written for.
func Authorities() []*Authority {
	return []*Authority{
		{Code: "CNIL", rules: "eu-", Name: "Commission nationale de l'informatique et des libertés (CNIL)", Language: "fr", Zone: "Europe/Paris",
			Form: "the sections of the CNIL's online breach-notification service (téléservice de notification de violations)",
			sections: []layout{
				{"organization", []string{"controller.name", "controller.country", "contact"}, ""},
				{"timeline", []string{"time.occurred", "time.detected", "time.aware", "time.contained", "time.deadline", "time.late", "time.delay_reasons"}, ""},
				{"nature", []string{"breach.title", "breach.summary", "breach.discovery", "breach.nature", "breach.cause", "breach.malicious", "breach.recipients", "breach.encryption"}, ""},
				{"data", []string{"data.categories", "data.sensitive", "data.records", "people.categories", "people.count"}, ""},
				{"consequences", []string{"consequences.likely", "risk.level", "risk.severity"}, ""},
				{"measures", []string{"measures.taken", "measures.planned"}, ""},
				{"individuals", []string{"individuals.status", "individuals.date", "individuals.communication"}, ""},
				{"crossborder", []string{"crossborder.flag", "people.countries", "authorities.others", "law_enforcement"}, ""},
			}},
		{Code: "ICO", rules: "gb-", Name: "Information Commissioner's Office (ICO)", Language: "en", Zone: "Europe/London",
			Form: `the parts of the ICO's "Report a personal data breach" form`,
			sections: []layout{
				{"breach", []string{"breach.title", "breach.summary", "breach.cause", "breach.malicious", "breach.discovery", "time.detected", "time.occurred",
					"data.categories", "data.sensitive", "data.records", "people.count", "people.categories", "consequences.likely", "risk.level", "risk.severity", "risk.reasons"}, ""},
				{"cyber", []string{"breach.nature", "breach.recipients", "breach.encryption", "time.contained"}, ""},
				{"timing", []string{"time.aware", "time.deadline", "time.late", "time.delay_reasons"}, ""},
				{"action", []string{"measures.taken", "measures.planned", "individuals.status", "individuals.date", "individuals.communication", "law_enforcement", "authorities.others"}, ""},
				{"about", []string{"controller.name", "controller.country", "contact", "crossborder.flag", "people.countries"}, ""},
			}},
		{Code: "GARANTE", rules: "eu-", Name: "Garante per la protezione dei dati personali", Language: "it", Zone: "Europe/Rome",
			Form: "the sections of the Garante's online procedure (servizi.gpdp.it)",
			sections: []layout{
				{"controller", []string{"controller.name", "controller.country", "contact"}, ""},
				{"breach", []string{"breach.title", "breach.summary", "breach.discovery", "time.occurred", "time.detected", "time.aware", "time.contained", "time.deadline", "time.late", "time.delay_reasons"}, ""},
				{"nature", []string{"breach.nature", "breach.cause", "breach.malicious", "breach.recipients", "breach.encryption"}, ""},
				{"data", []string{"people.categories", "people.count", "data.categories", "data.sensitive", "data.records"}, ""},
				{"consequences", []string{"consequences.likely", "risk.level", "risk.severity"}, ""},
				{"measures", []string{"measures.taken", "measures.planned"}, ""},
				{"individuals", []string{"individuals.status", "individuals.date", "individuals.communication"}, ""},
				{"crossborder", []string{"crossborder.flag", "people.countries", "authorities.others", "law_enforcement"}, ""},
			}},
		{Code: "EDPB", rules: "eu-", Name: "Supervisory authority (EDPB common Art. 33 template)", Language: "en", Zone: "UTC",
			Form: "the numbered parts of the EDPB's common template for Art. 33 notifications (draft of June 2026)",
			sections: []layout{
				{"controller", []string{"controller.name", "controller.country"}, "2"},
				{"contact", []string{"contact"}, "4"},
				{"timeline", []string{"time.occurred", "time.detected", "time.aware", "time.contained", "time.deadline", "time.late", "time.delay_reasons", "breach.discovery"}, "6"},
				{"nature", []string{"breach.nature", "breach.recipients", "breach.encryption"}, "7"},
				{"type", []string{"breach.title", "breach.summary", "breach.cause", "breach.malicious"}, "8-9"},
				{"subjects", []string{"people.categories", "people.count"}, "10"},
				{"data", []string{"data.categories", "data.sensitive", "data.records"}, "11"},
				{"consequences", []string{"consequences.likely", "risk.severity"}, "13"},
				{"risk", []string{"risk.level", "risk.reasons"}, "14"},
				{"measures", []string{"measures.taken", "measures.planned"}, "15"},
				{"individuals", []string{"individuals.status", "individuals.date", "individuals.communication"}, "16"},
				{"others", []string{"law_enforcement", "authorities.others"}, "17"},
				{"crossborder", []string{"crossborder.flag", "people.countries"}, "18"},
			}},
		{Code: "US-AG", rules: "us-", Name: "Office of the Attorney General", Language: "en", Zone: "UTC",
			Form:   "a cover letter and the facts state attorneys general ask for (California, New York, Massachusetts, Washington, Florida), with a sample of the notice to individuals",
			letter: true, notice: true,
			sections: []layout{
				{"entity", []string{"controller.name", "controller.country", "contact"}, ""},
				{"incident", []string{"breach.title", "breach.summary", "breach.cause", "breach.malicious", "time.occurred", "time.detected", "time.determined", "time.contained", "data.categories", "data.records"}, ""},
				{"residents", []string{"people.count", "us.residents"}, ""},
				{"notice", []string{"individuals.status", "us.notice_date", "individuals.communication"}, ""},
				{"measures", []string{"measures.taken", "measures.planned", "law_enforcement", "authorities.others"}, ""},
			}},
		{Code: "US-TX-AG", rules: "us-tx-", Name: "Office of the Texas Attorney General", Language: "en", Zone: "America/Chicago",
			Form: "the items of the Texas Attorney General's online form (Tex. Bus. & Com. Code §521.053(i))",
			sections: []layout{
				{"description", []string{"breach.title", "breach.summary", "breach.cause", "time.occurred", "time.determined", "data.categories"}, ""},
				{"residents", []string{"us.residents_tx"}, ""},
				{"notified", []string{"us.notified_tx", "us.notice_date"}, ""},
				{"taken", []string{"measures.taken"}, ""},
				{"planned", []string{"measures.planned"}, ""},
				{"police", []string{"law_enforcement"}, ""},
				{"contact", []string{"controller.name", "contact"}, ""},
			}},
	}
}

// FindAuthority returns the authority with code, in any case.
// Returns invalid, listing the codes, if there is none.
func FindAuthority(code string) (*Authority, error) {
	codes := make([]string, 0, 6)
	for _, a := range Authorities() {
		if strings.EqualFold(a.Code, code) {
			return a, nil
		}
		codes = append(codes, a.Code)
	}
	return nil, breachdesk.FieldErrorf("authority", "%q is not an authority breachdesk writes reports for (one of %s)", code, strings.Join(codes, ", "))
}

// location returns the authority's time zone.
func (a *Authority) location() *time.Location {
	loc, err := time.LoadLocation(a.Zone)
	if err != nil { // the zones above are valid and the binary carries tzdata
		panic(err)
	}
	return loc
}

// asks reports whether the authority's form asks for the fact.
func (a *Authority) asks(key string) bool {
	for _, s := range a.sections {
		if slices.Contains(s.items, key) {
			return true
		}
	}
	return false
}
