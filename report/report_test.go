package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/assess"
	"github.com/breachdesk/breachdesk/internal/pdftest"
	"github.com/breachdesk/breachdesk/rules"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func ptr[T any](v T) *T { return &v }

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// theft is the second founding case: an intrusion that stole customer
// records, with every fact a report asks for recorded.
func theft() *breachdesk.Incident {
	return &breachdesk.Incident{
		ID: 7, Title: "Customer records stolen from the order database",
		Summary:      "An attacker used a stolen administrator password to reach the order database and copied the customer table.\nThe table held names, e-mail addresses, phone numbers, postal addresses, the last four digits of payment cards and MD5-hashed passwords.",
		Status:       breachdesk.IncidentAssessed,
		Nature:       []string{breachdesk.NatureConfidentiality},
		Cause:        breachdesk.CauseMaliciousAttack,
		Malicious:    ptr(true),
		OccurredFrom: at("2026-11-18T22:10:00Z"), OccurredTo: at("2026-11-19T03:40:00Z"),
		DetectedAt: at("2026-11-20T09:00:00Z"), AwareAt: at("2026-11-20T15:00:00Z"),
		DeterminedAt: at("2026-11-20T18:00:00Z"), ContainedAt: at("2026-11-20T11:30:00Z"),
		DataCategories:    []string{"name", "email", "phone", "postal_address", "payment_card_last4", "password_hash_weak"},
		SubjectCategories: []string{"customers", "sellers", "loyalty_members"},
		ApproxSubjects:    ptr(int64(24_000_000)), ApproxRecords: ptr(int64(24_300_000)),
		Recipients: breachdesk.RecipientsUnknown, Encryption: breachdesk.EncryptionNone,
		MeasuresTaken:            "Administrator password reset; the compromised account disabled; all sessions revoked; the database firewalled.",
		MeasuresPlanned:          "Multi-factor authentication for every administrator by 2026-12-01; passwords rehashed with Argon2id.",
		LikelyConsequences:       "Targeted phishing using the order history; account takeover where passwords are reused; fraud attempts by phone.",
		CrossBorder:              ptr(true),
		Discovery:                "Our monitoring raised an alert on an unusual export from the order database.",
		IndividualsCommunication: "An e-mail to every customer in their language on 2026-11-24, telling them to change their password; a notice on our website.",
		LawEnforcement:           ptr(true),
	}
}

func marketplace() *breachdesk.Organization {
	return &breachdesk.Organization{Name: "Marketplace SAS", Country: "FR", DPOName: "Dana Prot",
		DPOEmail: "dpo@marketplace.example", DPOPhone: "+33 1 23 45 67 89", Language: "fr"}
}

func profiles() []*breachdesk.PopulationProfile {
	return []*breachdesk.PopulationProfile{
		{Country: "DE", People: 900},
		{Country: "FR", People: 2400},
		{Country: "GB", People: 1200},
		{Country: "IN", People: 300},
		{Country: "IT", People: 800},
		{Country: "US", Region: "US-CA", People: 700},
		{Country: "US", Region: "US-MA", People: 40},
		{Country: "US", Region: "US-NY", People: 350},
		{Country: "US", Region: "US-TX", People: 310, DataCategories: []string{"name", "email", "driver_license"}},
	}
}

// now is when the fixed reports are written: within the 72 hours.
var now = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func input(t *testing.T, inc *breachdesk.Incident, org *breachdesk.Organization, people []*breachdesk.PopulationProfile) Input {
	t.Helper()
	set, err := rules.Load("")
	if err != nil {
		t.Fatal(err)
	}
	res := assess.Run(assess.Input{Incident: inc, Organization: org, Profiles: people, Rules: set, Now: now})
	return Input{Incident: inc, Organization: org, Profiles: people, Assessment: res, Now: now}
}

// version stores body as version n, as a store would.
func version(authority string, n int, phase string, body *Body, created time.Time) *breachdesk.RegulatorReport {
	v := &breachdesk.RegulatorReport{IncidentID: 7, Authority: authority, Phase: phase, Version: n, Language: body.Language,
		Content: body.Content(), Actor: "cli:dpo", CreatedAt: created}
	v.Normalize()
	return v
}

// initial returns body as the first version of a, written at now.
func initial(t *testing.T, a *Authority, body *Body) *Report {
	t.Helper()
	r, err := New(version(a.Code, 1, breachdesk.ReportPhaseInitial, body, now), nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got), run go test ./report -update if the change is right:\n%s", path, diff)
	}
}

// TestGolden keeps the Markdown and JSON of every authority's report on
// the fixed incident byte for byte.
func TestGolden(t *testing.T) {
	in := input(t, theft(), marketplace(), profiles())
	for _, a := range Authorities() {
		t.Run(a.Code, func(t *testing.T) {
			body := Build(a, in)
			r := initial(t, a, body)
			name := strings.ToLower(a.Code)
			golden(t, name+".md", r.Markdown())
			var js bytes.Buffer
			if err := r.Write(&js, "json"); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".json", js.Bytes())
			if len(body.Pending) != 0 && a.Code != "US-TX-AG" {
				t.Errorf("a fully recorded incident has pending facts: %+v", body.Pending)
			}
		})
	}
}

// TestArticle33Content checks that every report carries each Art. 33(3)
// item and the other facts the issue lists, in its own words.
func TestArticle33Content(t *testing.T) {
	in := input(t, theft(), marketplace(), profiles())
	want := map[string][]string{
		"CNIL":     {"Marketplace SAS", "Dana Prot", "dpo@marketplace.example", "environ 24", "Clients", "Adresses électroniques", "Mots de passe hachés avec un algorithme faible", "Targeted phishing", "Administrator password reset", "Multi-factor authentication", "Confidentialité", "2026-11-20 16:00 CET (UTC+01:00)", "Violation transfrontalière", "Oui", "An e-mail to every customer", "Échéance des 72 heures", "Motifs du retard", "Sans objet", "Risque élevé", "Information Commissioner's Office (ICO)"},
		"ICO":      {"Marketplace SAS", "Dana Prot", "about 24,000,000", "Customers", "E-mail addresses", "Targeted phishing", "Administrator password reset", "2026-11-20 15:00 GMT (UTC+00:00)", "How many data subjects could be affected?", "High risk", "Have you told the police?"},
		"GARANTE":  {"Marketplace SAS", "Dana Prot", "circa 24.000.000", "Clienti", "Indirizzi e-mail", "Targeted phishing", "Administrator password reset", "2026-11-20 16:00 CET (UTC+01:00)", "Rischio elevato", "Violazione transfrontaliera"},
		"EDPB":     {"Marketplace SAS", "Dana Prot", "about 24,000,000", "Targeted phishing", "Administrator password reset", "2026-11-20 15:00 UTC", "Communication to data subjects", "France: 2,400"},
		"US-AG":    {"Dear Attorney General", "Marketplace SAS", "California (US-CA): 700", "Texas (US-TX): 310", "Notice of Data Breach", "What Happened", "What Information Was Involved", "What We Are Doing", "What You Can Do", "For More Information", "Change your password", "Cal. Civ. Code"},
		"US-TX-AG": {"Texas residents affected", "310", "0 (notices not sent yet)", "Is law enforcement engaged in investigating the breach?", "Yes", "2026-11-20 12:00 CST (UTC-06:00)", "Driver's licence numbers"},
	}
	for _, a := range Authorities() {
		t.Run(a.Code, func(t *testing.T) {
			body, l := build(a, in)
			r := initial(t, a, body)
			md := string(r.markdown(l))
			r.document(l)
			for _, s := range want[a.Code] {
				if !strings.Contains(md, s) {
					t.Errorf("the %s report lacks %q", a.Code, s)
				}
			}
			if len(l.missed) > 0 {
				t.Errorf("the %s labels lack in %s: %v", a.Code, a.Language, slices.Sorted(maps.Keys(l.missed)))
			}
		})
	}
}

// TestPending: a fact not known yet is listed as to be provided in a
// follow-up, in the report's language, never left out.
func TestPending(t *testing.T) {
	inc := theft()
	inc.LikelyConsequences = ""
	in := input(t, inc, marketplace(), profiles())
	for _, a := range Authorities() {
		if !a.asks("consequences.likely") {
			continue
		}
		t.Run(a.Code, func(t *testing.T) {
			body, l := build(a, in)
			i := slices.IndexFunc(body.Pending, func(p Pending) bool { return p.Key == "consequences.likely" })
			if i < 0 {
				t.Fatalf("consequences.likely is not pending: %+v", body.Pending)
			}
			r := initial(t, a, body)
			md := string(r.Markdown())
			label := body.Pending[i].Label
			if !strings.Contains(md, "**"+labelled(l, label)+"** _"+l.T("pending.value")+"_") {
				t.Errorf("the item %q does not say it is to be provided:\n%s", label, md)
			}
			if !strings.Contains(md, "- "+label+" (") {
				t.Errorf("the pending list lacks %q", label)
			}
		})
	}
}

// TestEmptyIncident: with nothing but a title and no controller, every
// report still renders, and lists what is missing.
func TestEmptyIncident(t *testing.T) {
	in := input(t, &breachdesk.Incident{ID: 9, Title: "Something happened", Status: breachdesk.IncidentOpen}, nil, nil)
	for _, a := range Authorities() {
		t.Run(a.Code, func(t *testing.T) {
			body, l := build(a, in)
			r := initial(t, a, body)
			r.markdown(l)
			r.document(l)
			if len(l.missed) > 0 {
				t.Errorf("labels missing in %s: %v", a.Language, slices.Sorted(maps.Keys(l.missed)))
			}
			for _, key := range []string{"controller.name", "contact", "measures.taken", "breach.summary"} {
				if a.asks(key) && !slices.ContainsFunc(body.Pending, func(p Pending) bool { return p.Key == key }) {
					t.Errorf("%s is not pending", key)
				}
			}
		})
	}
}

// TestFollowUp: a follow-up shows what changed since the version before,
// and nothing else.
func TestFollowUp(t *testing.T) {
	a, _ := FindAuthority("cnil")
	first := theft()
	first.LikelyConsequences, first.ContainedAt, first.ApproxRecords = "", nil, nil
	v1 := version("CNIL", 1, breachdesk.ReportPhaseInitial, Build(a, input(t, first, marketplace(), profiles())), now)
	second := theft()
	second.MeasuresTaken += " Customers' passwords reset."
	v2 := version("CNIL", 2, breachdesk.ReportPhaseFollowUp, Build(a, input(t, second, marketplace(), profiles())), now.Add(26*time.Hour))
	r, err := New(v2, v1)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, c := range r.Changes {
		keys = append(keys, c.Key)
	}
	if diff := cmp.Diff([]string{"time.contained", "data.records", "consequences.likely", "measures.taken"}, keys); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if r.Previous == nil || r.Previous.Version != 1 || r.Previous.Digest != v1.Digest {
		t.Errorf("previous = %+v", r.Previous)
	}
	golden(t, "cnil-followup.md", r.Markdown())

	same, err := New(version("CNIL", 3, breachdesk.ReportPhaseFinal, Build(a, input(t, second, marketplace(), profiles())), now), v2)
	if err != nil {
		t.Fatal(err)
	}
	if len(same.Changes) != 0 || !strings.Contains(string(same.Markdown()), "Aucune information n'a changé") {
		t.Errorf("unchanged facts show changes: %+v", same.Changes)
	}
}

// TestLate: past the 72 hours, the report says so and asks for the
// reasons; with reasons given, it shows them.
func TestLate(t *testing.T) {
	a, _ := FindAuthority("ICO")
	in := input(t, theft(), marketplace(), profiles())
	in.Now = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	body := Build(a, in)
	if !slices.ContainsFunc(body.Pending, func(p Pending) bool { return p.Key == "time.delay_reasons" }) {
		t.Errorf("a late notification without reasons does not ask for them: %+v", body.Pending)
	}
	inc := theft()
	inc.DelayReasons = "The forensic firm confirmed the exfiltration only on 2026-11-23."
	in.Incident = inc
	body = Build(a, in)
	r, _ := New(version("ICO", 1, breachdesk.ReportPhaseInitial, body, in.Now), nil)
	md := string(r.Markdown())
	for _, s := range []string{"No: this notification is made after the 72 hours", "The forensic firm confirmed"} {
		if !strings.Contains(md, s) {
			t.Errorf("the late report lacks %q", s)
		}
	}
	// Notified on time according to the timeline: not late, whenever the
	// report is written.
	inc.AuthorityNotifiedAt = at("2026-11-22T10:00:00Z")
	in.Incident = inc
	if body := Build(a, in); slices.ContainsFunc(body.Sections[2].Items, func(it Item) bool { return it.Key == "time.late" && it.Value != true }) == false {
		t.Errorf("a notification made on time is reported late: %+v", body.Sections[2].Items)
	}
}

// TestContentDigest: the content is the same bytes for the same facts,
// and differs when a fact does.
func TestContentDigest(t *testing.T) {
	a, _ := FindAuthority("EDPB")
	one := Build(a, input(t, theft(), marketplace(), profiles())).Content()
	two := Build(a, input(t, theft(), marketplace(), profiles())).Content()
	if !bytes.Equal(one, two) {
		t.Error("the same facts give different content")
	}
	inc := theft()
	inc.MeasuresPlanned = "None."
	if three := Build(a, input(t, inc, marketplace(), profiles())).Content(); bytes.Equal(one, three) {
		t.Error("a changed fact gives the same content")
	}
	var body Body
	if err := json.Unmarshal(one, &body); err != nil || body.Authority != "EDPB" {
		t.Errorf("content does not read back: %v %+v", err, body.Authority)
	}
}

func TestFindAuthority(t *testing.T) {
	if a, err := FindAuthority("garante"); err != nil || a.Code != "GARANTE" {
		t.Errorf("FindAuthority(garante) = %v, %v", a, err)
	}
	_, err := FindAuthority("CNLI")
	if breachdesk.ErrorCode(err) != breachdesk.EInvalid || !strings.Contains(breachdesk.ErrorMessage(err), "CNIL, ICO, GARANTE, EDPB, US-AG, US-TX-AG") {
		t.Errorf("FindAuthority(CNLI) error = %v", err)
	}
}

// TestNoticeAdvice: every category the sample notice gives advice for is
// in breachdesk's vocabulary.
func TestNoticeAdvice(t *testing.T) {
	for _, a := range noticeAdvice {
		for _, c := range a.categories {
			if !slices.Contains(breachdesk.DataCategories(), c) {
				t.Errorf("advice %s names unknown category %s", a.key, c)
			}
		}
	}
}

// TestPDF extracts the text of each authority's PDF with pdftotext and
// finds every label and value of the report, and on every page the
// controller, the incident's reference, the generation time and the page
// number.
func TestPDF(t *testing.T) {
	pdftest.Require(t)
	inc := theft()
	inc.LikelyConsequences = "" // a pending fact must show in the PDF too
	in := input(t, inc, marketplace(), profiles())
	for _, a := range Authorities() {
		t.Run(a.Code, func(t *testing.T) {
			body, l := build(a, in)
			r := initial(t, a, body)
			var buf bytes.Buffer
			if err := r.Write(&buf, "pdf"); err != nil {
				t.Fatal(err)
			}
			path := pdftest.WriteFile(t, buf.Bytes())
			pages := pdftest.Pages(t, path, false)
			generated := l.Time(now, a.location())
			footer := pdftest.Flat(l.F("footer", "at", generated, "n", "1", "digest", shortDigest(r.Digest)))
			// The body without the page furniture, so that text running
			// over a page break reads on.
			var text []string
			for i, p := range pages {
				p = pdftest.Flat(p)
				if !strings.HasPrefix(p, "Marketplace SAS ") {
					t.Errorf("page %d does not start with the controller's name:\n%s", i+1, p)
				}
				p = strings.TrimPrefix(p, "Marketplace SAS ")
				pageLabel := l.F("page", "page", fmt.Sprint(i+1), "pages", fmt.Sprint(len(pages)))
				for _, s := range []string{"INC-7 · " + a.Code, footer, pageLabel} {
					if !strings.Contains(p, s) {
						t.Errorf("page %d lacks %q:\n%s", i+1, s, p)
					}
					p = strings.Replace(p, s, " ", 1)
				}
				text = append(text, p)
			}
			all := pdftest.Flat(strings.Join(text, " "))
			var want []string
			for _, s := range body.Sections {
				want = append(want, s.Title)
				for _, it := range s.Items {
					want = append(want, it.Label)
					if len(it.Lines) > 0 {
						want = append(want, it.Lines...)
					} else {
						want = append(want, it.Text)
					}
				}
			}
			for _, p := range body.Pending {
				want = append(want, p.Label+" ("+p.Section+")")
			}
			for _, at := range body.Attachments {
				for _, p := range at.Passages {
					want = append(want, p.Heading)
					want = append(want, p.Paragraphs...)
				}
			}
			want = append(want, body.Letter...)
			for _, s := range want {
				if !strings.Contains(all, pdftest.Flat(s)) {
					t.Errorf("the PDF lacks %q", s)
				}
			}
			if size := pdftest.Info(t, path)["Page size"]; !strings.Contains(size, "595.28 x 841.89") {
				t.Errorf("page size %q, want A4", size)
			}
		})
	}
}
