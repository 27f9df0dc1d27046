// Package assess evaluates a breach: its severity by ENISA's method, the
// GDPR-style risk level, the Art. 34(3) exceptions, and the obligations
// the rules give for its affected population, each with its reason.
package assess

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/breachdesk/breachdesk"
)

// Factor is one input of the severity score, with the fact that set it.
type Factor struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Reason string  `json:"reason"`
	// Override is the user's decision that replaced the computed value.
	Override *breachdesk.AssessmentOverride `json:"override,omitempty"`
}

// Severity is ENISA's score SE = DPC × EI + CB and its band.
type Severity struct {
	Score   float64  `json:"score"`
	Band    string   `json:"band"`
	Factors []Factor `json:"factors"`
}

// Severity bands (ENISA 2013).
const (
	BandLow      = "low"
	BandMedium   = "medium"
	BandHigh     = "high"
	BandVeryHigh = "very_high"
)

// band returns the band of a score: below 2 low, below 3 medium, below 4
// high, otherwise very high.
func band(score float64) string {
	switch {
	case score < 2:
		return BandLow
	case score < 3:
		return BandMedium
	case score < 4:
		return BandHigh
	}
	return BandVeryHigh
}

// dpcBase is ENISA's data-processing-context base score per category:
// simple 1, behavioural 2, financial 3, sensitive 4. Identity numbers
// score as financial (they open credit and fraud); credentials are
// scored apart, by what they open.
var dpcBase = map[string]float64{
	"name": 1, "email": 1, "phone": 1, "postal_address": 1, "date_of_birth": 1, "username": 1,
	"online_identifier": 1, "payment_card_last4": 1, "password_hash_strong": 1,
	"location": 2, "communications_content": 2,
	"payment_card_full": 3, "bank_account": 3, "financial_transactions": 3, "income": 3,
	"ssn": 3, "national_id": 3, "passport": 3, "driver_license": 3, "tax_id": 3, "health_insurance": 3,
	"health": 4, "genetic": 4, "biometric": 4, "racial_ethnic": 4, "political": 4, "religious": 4,
	"trade_union": 4, "sex_life": 4, "sexual_orientation": 4, "criminal": 4,
}

// credentials open accounts; ENISA scores them by what they open.
var credentials = []string{"password_plain", "password_hash_weak", "security_qa", "auth_token"}

// specialCategories are GDPR Art. 9 and 10 data: damage is presumed likely.
var specialCategories = []string{"health", "genetic", "biometric", "racial_ethnic", "political", "religious",
	"trade_union", "sex_life", "sexual_orientation", "criminal"}

// vulnerableSubjects are subject categories that raise the stakes.
var vulnerableSubjects = []string{"children", "minors", "adolescents", "elderly", "patients", "vulnerable", "vulnerable_adults"}

func scoreSeverity(inc *breachdesk.Incident, categories []string, overrides map[string]*breachdesk.AssessmentOverride) Severity {
	var factors []Factor

	// DPC: the highest category wins.
	dpc, top := 0.0, ""
	for _, c := range categories {
		if v := dpcBase[c]; v > dpc {
			dpc, top = v, c
		}
	}
	reason := fmt.Sprintf("highest data category: %s (%s)", top, dpcName(dpc))
	if dpc == 0 {
		dpc, reason = 1, "no data categories recorded: simple data assumed"
	}
	if c := firstOf(categories, credentials); c != "" && dpc < 3 {
		dpc = 3
		reason = fmt.Sprintf("%s: credentials take the category of what they open; the accounts are assumed to hold payment or order data (financial, 3) - override dpc if they do not", c)
	}
	if s := firstOf(inc.SubjectCategories, vulnerableSubjects); s != "" && dpc < 4 {
		dpc++
		reason += fmt.Sprintf("; raised by one for vulnerable people (%s)", s)
	}
	factors = append(factors, Factor{Name: breachdesk.FactorDPC, Value: dpc, Reason: reason})

	// EI: how easily the data names a person.
	ei, reason := 0.5, "no direct identifier: identification needs extra sources"
	direct := firstOf(categories, []string{"name", "ssn", "national_id", "passport", "driver_license", "tax_id", "biometric"})
	switch {
	case inc.Encryption == breachdesk.EncryptionEncryptedKeySafe:
		ei, reason = 0.25, "the data was encrypted and the key is safe: unintelligible"
	case direct != "":
		ei, reason = 1, "identity follows directly from the data ("+direct+")"
	case firstOf(categories, []string{"email", "phone", "postal_address"}) != "":
		ei, reason = 0.75, "contact data identifies a person with moderate effort"
	}
	factors = append(factors, Factor{Name: breachdesk.FactorEI, Value: ei, Reason: reason})

	// CB: the circumstances add up.
	has := func(n string) bool { return slices.Contains(inc.Nature, n) }
	conf, reason := 0.0, "no loss of confidentiality recorded"
	if has(breachdesk.NatureConfidentiality) {
		switch inc.Recipients {
		case breachdesk.RecipientsNoneEvidenced:
			conf, reason = 0, "exposed, with no evidence that anyone received the data"
		case breachdesk.RecipientsKnownTrusted, breachdesk.RecipientsKnownLimited:
			conf, reason = 0.25, "disclosed to a known, limited number of recipients"
		case breachdesk.RecipientsUnknown, breachdesk.RecipientsPublic:
			conf, reason = 0.5, "disclosed to an unknown number of recipients"
		default:
			conf, reason = 0.5, "recipients not recorded: an unknown number assumed"
		}
	}
	factors = append(factors, Factor{Name: breachdesk.FactorCBConfidentiality, Value: conf, Reason: reason})
	integ, reason := 0.0, "no loss of integrity recorded"
	if has(breachdesk.NatureIntegrity) {
		integ, reason = 0.5, "altered and possibly used wrongly, not shown recoverable"
		if isTrue(inc.DataRecovered) {
			integ, reason = 0.25, "altered and possibly used wrongly, recovered"
		}
	}
	factors = append(factors, Factor{Name: breachdesk.FactorCBIntegrity, Value: integ, Reason: reason})
	avail, reason := 0.0, "no loss of availability recorded"
	if has(breachdesk.NatureAvailability) {
		switch {
		case isTrue(inc.BackupAvailable):
			avail, reason = 0, "recoverable without difficulty: a backup exists"
		case isTrue(inc.DataRecovered):
			avail, reason = 0.25, "temporarily unavailable, recovered"
		default:
			avail, reason = 0.5, "unavailable, with no backup recorded"
		}
	}
	factors = append(factors, Factor{Name: breachdesk.FactorCBAvailability, Value: avail, Reason: reason})
	malice, reason := 0.0, "no malicious intent recorded ("+orUnknown(inc.Cause)+")"
	if malicious(inc) {
		malice, reason = 0.5, "malicious: "+orUnknown(inc.Cause)
	}
	factors = append(factors, Factor{Name: breachdesk.FactorCBMalicious, Value: malice, Reason: reason})

	for i, f := range factors {
		if o := overrides[f.Name]; o != nil {
			if v, err := strconv.ParseFloat(o.Value, 64); err == nil {
				factors[i].Value, factors[i].Override = v, o
			}
		}
	}
	score := factors[0].Value*factors[1].Value + factors[2].Value + factors[3].Value + factors[4].Value + factors[5].Value
	return Severity{Score: score, Band: band(score), Factors: factors}
}

func dpcName(v float64) string {
	switch v {
	case 1:
		return "simple, 1"
	case 2:
		return "behavioural, 2"
	case 3:
		return "financial, 3"
	case 4:
		return "sensitive, 4"
	}
	return "none"
}

// malicious reports whether someone acted on purpose.
func malicious(inc *breachdesk.Incident) bool {
	if inc.Malicious != nil {
		return *inc.Malicious
	}
	return inc.Cause == breachdesk.CauseMaliciousAttack || inc.Cause == breachdesk.CauseInternalMisuse
}

func isTrue(b *bool) bool { return b != nil && *b }

func orUnknown(s string) string {
	if s == "" {
		return "cause not recorded"
	}
	return strings.ReplaceAll(s, "_", " ")
}

// firstOf returns the first of candidates found in values, or "".
func firstOf(values, candidates []string) string {
	for _, c := range candidates {
		if slices.Contains(values, c) {
			return c
		}
	}
	return ""
}
