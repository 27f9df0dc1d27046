// Package demo holds what `breachdesk demo` fills a new database with: an
// organisation, its staff, the two breaches that breachdesk was made for
// (a marketplace that showed names and e-mail addresses by a technical
// error; an intrusion that stole customer records), their public pages,
// their talking points and the inquiries people send about them; and a
// Mailbox, the SMTP server that stands in for the recipients' mail
// servers. Everything in it is made up.
package demo

import (
	"time"

	"github.com/breachdesk/breachdesk"
)

// Organization is the demo's controller: a marketplace established in France.
func Organization() *breachdesk.Organization {
	return &breachdesk.Organization{Name: "Demo Market SAS", Country: "FR",
		DPOName: "Dana Prot", DPOEmail: "dpo@demo-market.example", DPOPhone: "+33 1 84 88 00 00", Language: "en"}
}

// StaffMember is a demo account; its password is drawn when it is created.
type StaffMember struct {
	Login, Name, Language string
	Role                  breachdesk.Role
}

// Staff returns one account per role, and a French-speaking agent.
func Staff() []StaffMember {
	return []StaffMember{
		{Login: "admin@demo-market.example", Name: "Alex Admin", Role: breachdesk.RoleAdmin, Language: "en"},
		{Login: "dpo@demo-market.example", Name: "Dana Prot", Role: breachdesk.RoleDPO, Language: "en"},
		{Login: "responder@demo-market.example", Name: "Rami Responder", Role: breachdesk.RoleResponder, Language: "en"},
		{Login: "agent@demo-market.example", Name: "Sam Agent", Role: breachdesk.RoleAgent, Language: "en"},
		{Login: "agent.fr@demo-market.example", Name: "Ali Martin", Role: breachdesk.RoleAgent, Language: "fr"},
		{Login: "auditor@demo-market.example", Name: "Aude Auditor", Role: breachdesk.RoleAuditor, Language: "en"},
	}
}

// Case is one of the demo's breaches, with the times of its story given
// relative to when the demo runs.
type Case struct {
	Incident *breachdesk.Incident
	// Events are the timeline entries people record as the response goes
	// on, with their times.
	Events []*breachdesk.IncidentEvent
	// Page is the incident's public page, TalkingPoints what agents say.
	Page          *breachdesk.IncidentPage
	TalkingPoints string
	// AuthorityNotifiedAfter is how long after awareness the authority was
	// notified; zero while it is not.
	AuthorityNotifiedAfter time.Duration
	// Override is the DPO's correction of a factor of the assessment, if any.
	Override *breachdesk.AssessmentOverride
	// Share is the part of the demo's people this case affects, in percent.
	Share int
}

func at(t time.Time) *time.Time { return &t }
func yes() *bool                { b := true; return &b }
func no() *bool                 { b := false; return &b }

// Marketplace is the first founding case: a release of the marketplace
// showed sellers' names and e-mail addresses to buyers. The demo starts
// 30 hours after the company became aware: the 72-hour clock is running
// and the notification to the CNIL is written but not yet filed.
func Marketplace(now time.Time) *Case {
	aware := now.Add(-30 * time.Hour).Truncate(time.Minute)
	return &Case{Share: 60,
		Incident: &breachdesk.Incident{
			Title:   "Seller names and e-mail addresses visible to buyers",
			Summary: "A release of the marketplace's messaging page showed each seller's full name and e-mail address to the buyers they talked to, instead of the seller's pseudonym.",
			Nature:  []string{breachdesk.NatureConfidentiality}, Cause: breachdesk.CauseTechnicalError, Malicious: no(),
			OccurredFrom: at(aware.Add(-50 * time.Hour)), OccurredTo: at(aware.Add(2 * time.Hour)),
			DetectedAt: at(aware.Add(-90 * time.Minute)), AwareAt: at(aware), ContainedAt: at(aware.Add(2 * time.Hour)),
			DataCategories: []string{"name", "email"}, SubjectCategories: []string{"customers", "sellers"},
			Recipients: breachdesk.RecipientsKnownLimited, Encryption: breachdesk.EncryptionNone,
			MeasuresTaken:      "The release was rolled back 2 hours after the bug was confirmed; pseudonyms are shown again. The messaging logs were reviewed to find every seller whose details were displayed.",
			MeasuresPlanned:    "A test that fails the release when a profile page shows a field marked private; a review of every page that shows sellers.",
			LikelyConsequences: "Buyers could contact sellers outside the marketplace; sellers may receive unwanted mail or targeted phishing using their name.",
			CrossBorder:        yes(), Discovery: "reported by a seller to customer service",
			IndividualsCommunication: "E-mail notice to every affected seller, in their language, with a verification code; a page on the help centre.",
		},
		Events: []*breachdesk.IncidentEvent{
			{Kind: breachdesk.EventNote, At: aware.Add(-90 * time.Minute), Note: "A seller wrote to customer service: a buyer mailed her at her personal address, which she never gave."},
			{Kind: breachdesk.EventDecision, At: aware, Note: "Engineering confirmed that release 24.11.2 shows sellers' names and e-mail addresses to buyers: we are aware of a personal data breach. 72-hour clock starts."},
			{Kind: breachdesk.EventContained, At: aware.Add(2 * time.Hour), Note: "Release 24.11.2 rolled back; pseudonyms shown again."},
			{Kind: breachdesk.EventDecision, At: aware.Add(20 * time.Hour), Note: "Risk to sellers, not high risk (names and e-mail addresses only, seen by buyers they were talking to). We notify the CNIL, and tell the sellers anyway."},
		},
		Page: &breachdesk.IncidentPage{Slug: "2026-seller-details", Published: true, Languages: []string{"en", "fr", "it", "de", "es"},
			Content: map[string]*breachdesk.IncidentPageContent{
				"en": {Title: "Sellers' names and e-mail addresses were shown to buyers",
					Summary: "Between 18 and 20 November, a fault in our messaging page showed some sellers' full name and e-mail address to the buyers they were talking to. No password, payment or address data was shown. We fixed it within two hours and have written to every seller concerned.\n\nIf you received our e-mail about this, you can check that it is genuine with the code it carries.",
					FAQ: []*breachdesk.FAQEntry{
						{Question: "Is the e-mail I received from you genuine?", Answer: "Enter the code printed in the e-mail on our verification page. Our e-mails never ask for your password or payment details."},
						{Question: "What should I do?", Answer: "Nothing is required. Be wary of messages that use your name and ask you to pay or sign in outside the marketplace."},
					}},
				"fr": {Title: "Les noms et adresses e-mail de vendeurs ont été montrés à des acheteurs",
					Summary: "Entre le 18 et le 20 novembre, une erreur de notre messagerie a affiché le nom complet et l'adresse e-mail de certains vendeurs aux acheteurs avec qui ils échangeaient. Aucun mot de passe, moyen de paiement ni adresse postale n'a été affiché. Nous avons corrigé l'erreur en deux heures et écrit à chaque vendeur concerné.\n\nSi vous avez reçu notre e-mail, vous pouvez vérifier qu'il est authentique grâce au code qu'il contient.",
					FAQ: []*breachdesk.FAQEntry{
						{Question: "L'e-mail que j'ai reçu vient-il bien de vous ?", Answer: "Saisissez le code indiqué dans l'e-mail sur notre page de vérification. Nos e-mails ne demandent jamais votre mot de passe ni vos moyens de paiement."},
					}},
				"it": {Title: "Nomi e indirizzi e-mail di venditori mostrati agli acquirenti",
					Summary: "Tra il 18 e il 20 novembre un errore della nostra messaggistica ha mostrato il nome completo e l'indirizzo e-mail di alcuni venditori agli acquirenti con cui parlavano. Nessuna password, dato di pagamento o indirizzo è stato mostrato. Abbiamo corretto l'errore in due ore e scritto a ogni venditore interessato."},
				"de": {Title: "Namen und E-Mail-Adressen von Verkäufern wurden Käufern angezeigt",
					Summary: "Zwischen dem 18. und 20. November zeigte ein Fehler unserer Nachrichtenseite Käufern den vollständigen Namen und die E-Mail-Adresse einiger Verkäufer. Passwörter, Zahlungsdaten und Anschriften waren nicht betroffen. Wir haben den Fehler innerhalb von zwei Stunden behoben und allen betroffenen Verkäufern geschrieben."},
				"es": {Title: "Nombres y direcciones de correo de vendedores mostrados a compradores",
					Summary: "Entre el 18 y el 20 de noviembre, un fallo de nuestra mensajería mostró el nombre completo y la dirección de correo de algunos vendedores a los compradores con los que hablaban. No se mostraron contraseñas, datos de pago ni direcciones. Corregimos el fallo en dos horas y hemos escrito a cada vendedor afectado."},
			}},
		TalkingPoints: "What happened: from 18 to 20 November a bug showed some sellers' name and e-mail address to buyers they messaged. Fixed within 2 hours.\n\nNot affected: passwords, payment cards, postal addresses.\n\nOur e-mail about it is GENUINE. Never tell a caller it is phishing: look them up, and give them the verification page (the code is in the e-mail).\n\nIf a caller is worried about unwanted mail: they can report the buyer from the conversation page; offer to pass a complaint to the DPO team.",
	}
}

// Intrusion is the second founding case: an attacker stole customer
// records through a compromised support account. The demo starts nine
// days after awareness: the authority was notified within the 72 hours,
// the customers were told, and the claims are coming in.
func Intrusion(now time.Time) *Case {
	aware := now.Add(-9 * 24 * time.Hour).Truncate(time.Minute)
	return &Case{Share: 40, AuthorityNotifiedAfter: 50 * time.Hour,
		Incident: &breachdesk.Incident{
			Title:   "Customer records stolen through a compromised support account",
			Summary: "An attacker used a support agent's stolen credentials to export customer records from the support tool over three days.",
			Nature:  []string{breachdesk.NatureConfidentiality}, Cause: breachdesk.CauseMaliciousAttack, Malicious: yes(),
			OccurredFrom: at(aware.Add(-84 * time.Hour)), OccurredTo: at(aware.Add(-6 * time.Hour)),
			DetectedAt: at(aware.Add(-5 * time.Hour)), AwareAt: at(aware), DeterminedAt: at(aware.Add(26 * time.Hour)), ContainedAt: at(aware.Add(3 * time.Hour)),
			DataCategories:    []string{"name", "email", "phone", "postal_address", "payment_card_last4", "password_hash_weak"},
			SubjectCategories: []string{"customers"},
			Recipients:        breachdesk.RecipientsUnknown, Encryption: breachdesk.EncryptionNone, BackupAvailable: yes(),
			MeasuresTaken:      "The support account was disabled and every support session revoked; all customers' passwords were reset; the old password hashes (unsalted SHA-1) were replaced by Argon2id; full card numbers were on a separate payment server that was not reached.",
			MeasuresPlanned:    "Hardware security keys for every support agent; exports from the support tool limited and alerted.",
			LikelyConsequences: "Phishing and fraud attempts using the customers' names, addresses and the last four digits of their card; passwords reused on other sites may be cracked from the weak hashes.",
			CrossBorder:        yes(), Discovery: "found by the security team: an unusual export volume alert",
			LawEnforcement:           yes(),
			IndividualsCommunication: "E-mail notice to every customer with an e-mail address, in their language; letters to those it does not reach.",
		},
		Events: []*breachdesk.IncidentEvent{
			{Kind: breachdesk.EventDetected, At: aware.Add(-5 * time.Hour), Note: "Alert: support tool export volume 40 times the usual."},
			{Kind: breachdesk.EventDecision, At: aware, Note: "Forensics confirm customer records were exported by an attacker: we are aware. 72-hour clock starts."},
			{Kind: breachdesk.EventContained, At: aware.Add(3 * time.Hour), Note: "Support account disabled, sessions revoked, passwords reset."},
			{Kind: breachdesk.EventNote, At: aware.Add(20 * time.Hour), Note: "Complaint filed with the police (cybercrime unit)."},
			{Kind: breachdesk.EventDecision, At: aware.Add(30 * time.Hour), Note: "High risk: weak password hashes with names and contact details. Tell every customer without undue delay."},
		},
		Override: &breachdesk.AssessmentOverride{Factor: breachdesk.FactorEI, Value: "1",
			Reason: "Names, postal addresses and phone numbers together identify each customer directly: ease of identification is high, not the computed value."},
		Page: &breachdesk.IncidentPage{Slug: "2026-security-incident", Published: true, Languages: []string{"en", "fr"},
			Content: map[string]*breachdesk.IncidentPageContent{
				"en": {Title: "Security incident: customer records stolen",
					Summary: "An attacker used a support agent's stolen password to copy customer records: names, e-mail and postal addresses, phone numbers, the last four digits of payment cards and old password hashes. Full card numbers were not reached.\n\nWe have reset every password. Please choose a new one, and change it on other sites where you used the same.",
					FAQ: []*breachdesk.FAQEntry{
						{Question: "Can someone use my card?", Answer: "No: only the last four digits were copied. Expect messages that quote them to look trustworthy; we never ask for card details by e-mail or phone."},
						{Question: "How do I claim compensation?", Answer: "Use the contact form and choose \"A claim\". You get a reference at once and an answer within 30 days."},
					}},
				"fr": {Title: "Incident de sécurité : des données clients volées",
					Summary: "Un attaquant a utilisé le mot de passe volé d'un agent du support pour copier des données clients : noms, adresses e-mail et postales, numéros de téléphone, les quatre derniers chiffres des cartes de paiement et d'anciens condensats de mots de passe. Les numéros de carte complets n'ont pas été atteints.\n\nNous avons réinitialisé tous les mots de passe. Choisissez-en un nouveau, et changez-le sur les autres sites où vous utilisiez le même."},
			}},
		TalkingPoints: "What happened: an attacker used a support agent's stolen password and copied customer records (name, e-mail, phone, postal address, last 4 card digits, old password hashes). Full card numbers were NOT taken.\n\nWhat we did: all passwords reset; police informed; the CNIL and the ICO notified within 72 hours.\n\nWhat to tell callers: choose a new password; change it elsewhere if reused; be wary of calls or mails quoting their card's last 4 digits.\n\nClaims: take them in the inquiry form (category claim); never promise an amount.",
	}
}

// Inquiry is a message a person sends through the public contact form.
type Inquiry struct {
	// Case is the index of the case it is about (0 or 1).
	Case     int
	Category breachdesk.InquiryCategory
	Kind     string // the request kind of a data request
	Language string
	Message  string
	// Answer names the templated reply staff send, "" while it waits.
	Answer string
	// Affected tells whether the sender is one of the affected people.
	Affected bool
}

// Inquiries returns what people write in the first days: questions whether
// the notice is genuine, claims, requests to erase their data.
func Inquiries() []Inquiry {
	return []Inquiry{
		{Case: 0, Category: breachdesk.InquiryQuestion, Language: "fr", Affected: true, Answer: "genuine",
			Message: "Bonjour, j'ai reçu un e-mail disant que mon nom et mon adresse ont été montrés à des acheteurs. Est-ce un vrai message de votre part ou du hameçonnage ?"},
		{Case: 0, Category: breachdesk.InquiryQuestion, Language: "en", Affected: true, Answer: "affected",
			Message: "A buyer e-mailed me at my personal address. Is this related to the incident on your page? Was my address shown?"},
		{Case: 0, Category: breachdesk.InquiryQuestion, Language: "it", Affected: false, Answer: "not_affected",
			Message: "Buongiorno, sono un venditore: i miei dati sono stati mostrati?"},
		{Case: 0, Category: breachdesk.InquiryComplaint, Language: "de", Affected: true,
			Message: "Ich bin sehr unzufrieden: ein Käufer hat mich privat angeschrieben. Wie verhindern Sie das künftig?"},
		{Case: 0, Category: breachdesk.InquiryQuestion, Language: "es", Affected: true,
			Message: "¿Qué datos míos se mostraron exactamente y a quién?"},
		{Case: 1, Category: breachdesk.InquiryClaim, Language: "en", Affected: true, Answer: "claim_received",
			Message: "Someone called me quoting the last four digits of my card and my address. I want compensation for the stress and the time spent changing my passwords."},
		{Case: 1, Category: breachdesk.InquiryDataRequest, Kind: breachdesk.RequestErasure, Language: "fr", Affected: true, Answer: "data_request_done",
			Message: "Je vous demande d'effacer mon compte et toutes mes données."},
		{Case: 1, Category: breachdesk.InquiryDataRequest, Kind: breachdesk.RequestAccess, Language: "en", Affected: true,
			Message: "Please send me a copy of all the personal data you hold about me, and tell me exactly which of it was stolen."},
		{Case: 1, Category: breachdesk.InquiryClaim, Language: "it", Affected: true,
			Message: "Chiedo un risarcimento: ho dovuto bloccare la carta per prudenza."},
		{Case: 1, Category: breachdesk.InquiryQuestion, Language: "de", Affected: true, Answer: "affected",
			Message: "Wurde auch mein Passwort gestohlen? Ich nutze es noch woanders."},
		{Case: 1, Category: breachdesk.InquiryComplaint, Language: "en", Affected: false,
			Message: "Your support line kept me waiting an hour. This is unacceptable after you lost my data."},
		{Case: 1, Category: breachdesk.InquiryQuestion, Language: "es", Affected: true, Answer: "genuine",
			Message: "He recibido un correo sobre un incidente de seguridad. ¿Es auténtico?"},
	}
}
