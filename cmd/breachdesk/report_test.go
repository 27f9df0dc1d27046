package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/internal/pdftest"
	"github.com/breachdesk/breachdesk/report"
)

// exposureFile is the first founding case as the DPO records it in the
// first hours: the likely consequences and the measures not written yet.
const exposureFile = `title: Seller names and e-mail addresses visible to buyers
summary: A change to the order page showed each buyer the seller's name and e-mail address, which were meant to stay hidden.
nature: [confidentiality]
cause: technical_error
malicious: false
occurred_from: 2026-11-19T16:00:00Z
detected_at: 2026-11-20T08:30:00Z
aware_at: 2026-11-20T10:00:00Z
contained_at: 2026-11-20T09:15:00Z
data_categories: [name, email]
subject_categories: [sellers]
approx_subjects: 120000
approx_records: 120000
recipients: unknown
encryption: none
cross_border: true
discovery: A seller wrote to customer service that a buyer had e-mailed her directly.
law_enforcement: false
`

// TestReports: a DPO writes the CNIL notification of the first founding
// case within the 72 hours, then a follow-up once the consequences are
// known, and the ICO report in English; on both backends, through the
// command line and the API.
func TestReports(t *testing.T) {
	pdftest.Require(t)
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			c.now = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
			c.mustRun("", "org", "set", "--name", "Marketplace SAS", "--country", "FR",
				"--dpo-name", "Dana Prot", "--dpo-email", "dpo@marketplace.example")
			people := c.file("people.csv", c.mustRun("", "gen", "subjects", "300", "--seed", "3", "--countries", "FR,GB,IT,US-CA,IN"))
			id := strings.TrimSpace(c.mustRun(exposureFile, "incident", "create", "-f", "-"))
			c.mustRun("", append(c.keyArgs(), "subjects", "import", id, people)...)

			// The initial notification, in French, lists what is missing.
			first := c.run("", "report", id, "--authority", "cnil")
			if first.code != ExitOK {
				t.Fatalf("report: exit %d: %s", first.code, first.stderr)
			}
			for _, s := range []string{
				"# Notification d'une violation de données à caractère personnel",
				"**Type de notification\u00a0:** Notification initiale",
				"**Délégué à la protection des données ou point de contact (art. 33.3.b)\u00a0:** Dana Prot, dpo@marketplace.example",
				"**Nombre approximatif de personnes concernées\u00a0:** environ 120\u00a0000 (dont 300 identifiées nominativement à ce jour)",
				"- Adresses électroniques",
				"**Conséquences probables (art. 33.3.c)\u00a0:** _À fournir dans une notification complémentaire (art. 33.4 du RGPD)_",
				"- Conséquences probables (art. 33.3.c) (5. Conséquences probables pour les personnes)",
				"- Mesures prises (art. 33.3.d) (6. Mesures prises ou envisagées)",
				"**Date de prise de connaissance par le responsable du traitement\u00a0:** 2026-11-20 11:00 CET (UTC+01:00)",
				"**Notification dans les 72 heures\u00a0:** Oui",
			} {
				if !strings.Contains(first.stdout, s) {
					t.Errorf("the CNIL report lacks %q", s)
				}
			}
			if !strings.Contains(first.stderr, "version 1 (initial) stored on the timeline") || !strings.Contains(first.stderr, "consequences.likely") {
				t.Errorf("summary: %s", first.stderr)
			}

			// The same facts as a PDF are the same version.
			pdfPath := filepath.Join(c.dir, "cnil.pdf")
			r := c.run("", "report", id, "--authority", "CNIL", "-o", pdfPath)
			if r.code != ExitOK || !strings.Contains(r.stderr, "version 1 (initial), unchanged") {
				t.Fatalf("report -o cnil.pdf: exit %d: %s", r.code, r.stderr)
			}
			text := pdftest.Flat(strings.Join(pdftest.Pages(t, pdfPath, false), " "))
			for _, s := range []string{"Notification initiale", "Conséquences probables (art. 33.3.c)", "À fournir dans une notification complémentaire",
				"Marketplace SAS", "INC-" + id + " · CNIL", "Dana Prot", "Page 1 sur"} {
				if !strings.Contains(text, s) {
					t.Errorf("the CNIL PDF lacks %q", s)
				}
			}

			// A draft stores nothing.
			c.mustRun("", "report", id, "--authority", "CNIL", "--draft", "--phase", "final")
			if n := len(reportVersions(t, c, id)); n != 1 {
				t.Errorf("after a draft: %d versions, want 1", n)
			}

			// The follow-up, a day later, shows what changed.
			c.now = c.now.Add(24 * time.Hour)
			c.mustRun("likely_consequences: Sellers may receive phishing or harassment from buyers.\nmeasures_taken: The page was fixed and the cached copies purged.\n", "incident", "update", id, "-f", "-")
			follow := c.run("", "report", id, "--authority", "CNIL", "--case-ref", "CNIL-2026-000123")
			if follow.code != ExitOK {
				t.Fatalf("follow-up: exit %d: %s", follow.code, follow.stderr)
			}
			for _, s := range []string{
				"**Type de notification\u00a0:** Notification complémentaire",
				"**Numéro de dossier de l'autorité\u00a0:** CNIL-2026-000123",
				"**Fait suite à\u00a0:** la version 1 (Notification initiale) du 2026-11-21 11:00 CET (UTC+01:00)",
				"## Modifications depuis la version 1",
				"- **Conséquences probables (art. 33.3.c)** (5. Conséquences probables pour les personnes)\n  - Avant\u00a0: À fournir dans une notification complémentaire (art. 33.4 du RGPD)\n  - Désormais\u00a0: Sellers may receive phishing or harassment from buyers.",
				"- **Mesures prises (art. 33.3.d)**",
			} {
				if !strings.Contains(follow.stdout, s) {
					t.Errorf("the follow-up lacks %q", s)
				}
			}
			if strings.Contains(follow.stdout, "- **Intitulé**") {
				t.Error("the follow-up lists an unchanged fact as changed")
			}

			// Version 1 comes back byte for byte.
			if again := c.mustRun("", "report", id, "--authority", "CNIL", "--version", "1"); again != first.stdout {
				t.Errorf("version 1 written again differs from the first time")
			}

			// The ICO report, in English.
			var ico report.Report
			if err := json.Unmarshal([]byte(c.mustRun("", "report", id, "--authority", "ICO", "--format", "json")), &ico); err != nil {
				t.Fatal(err)
			}
			if ico.Language != "en" || ico.Phase != "initial" || ico.Version != 1 || len(ico.Sections) != 5 {
				t.Errorf("ICO report: language %s phase %s version %d sections %d", ico.Language, ico.Phase, ico.Version, len(ico.Sections))
			}
			if items := ico.Sections[0].Items; items[1].Label != "What has happened" || !strings.HasPrefix(items[1].Text, "A change to the order page") {
				t.Errorf("ICO first facts: %+v", items[:2])
			}

			versions := reportVersions(t, c, id)
			if len(versions) != 3 || versions[0].Authority != "CNIL" || versions[1].Phase != "followup" || versions[2].Authority != "ICO" {
				t.Errorf("versions: %+v", versions)
			}
			if versions[1].CaseReference != "CNIL-2026-000123" || versions[0].Digest == versions[1].Digest {
				t.Errorf("version 2: %+v", versions[1])
			}
			timeline := c.mustRun("", "incident", "timeline", id)
			if n := strings.Count(timeline, "report_generated"); n != 3 {
				t.Errorf("the timeline has %d report_generated events, want 3:\n%s", n, timeline)
			}
			if !strings.Contains(timeline, versions[1].Digest) {
				t.Error("the timeline does not carry the follow-up's digest")
			}
			c.mustRun("", "audit", "verify")

			// Mistakes.
			for _, tc := range []struct {
				args []string
				code int
				want string
			}{
				{[]string{"report", id, "--authority", "CNLI"}, ExitInvalid, "CNIL, ICO, GARANTE, EDPB, US-AG, US-TX-AG"},
				{[]string{"report", id, "--authority", "GARANTE", "--phase", "followup"}, ExitInvalid, "no earlier GARANTE report"},
				{[]string{"report", id, "--authority", "CNIL", "--phase", "later"}, ExitInvalid, "phase"},
				{[]string{"report", id, "--authority", "CNIL", "--format", "docx"}, ExitUsage, "md, json, pdf"},
				{[]string{"report", id}, ExitUsage, "--authority is required"},
				{[]string{"report", "99", "--authority", "CNIL"}, ExitNotFound, "99"},
				{[]string{"report", id, "--authority", "CNIL", "--version", "9"}, ExitNotFound, "no version 9"},
				{[]string{"report", id, "--authority", "EDPB", "-o", filepath.Join(c.dir, "missing", "edpb.pdf")}, ExitInvalid, "no such file or directory"},
			} {
				r := c.run("", tc.args...)
				if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
					t.Errorf("%s: exit %d %q, want %d and %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.code, tc.want)
				}
			}
			if n := len(reportVersions(t, c, id)); n != 3 {
				t.Errorf("after the mistakes: %d versions, want 3", n)
			}

			// The API serves the same reports.
			secret := strings.TrimSpace(c.mustRun("", "token", "create", "--name", "reports"))
			srv, _ := c.serve()
			base := fmt.Sprintf("%s/api/v1/incidents/%s/reports", srv.URL(), id)
			body, resp := get(t, base+"/CNIL?format=md&version=1", secret)
			if resp.StatusCode != http.StatusOK || body != strings.TrimSuffix(first.stdout, "\n") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/markdown") {
				t.Errorf("GET CNIL v1 md: %d %s, same as the CLI: %v", resp.StatusCode, resp.Header.Get("Content-Type"), body == strings.TrimSuffix(first.stdout, "\n"))
			}
			body, resp = get(t, base+"/cnil?format=pdf", secret)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF-") ||
				resp.Header.Get("Content-Disposition") != `attachment; filename="INC-`+id+`-CNIL-v2.pdf"` {
				t.Errorf("GET CNIL pdf: %d %v", resp.StatusCode, resp.Header)
			}
			text = pdftest.Flat(strings.Join(pdftest.Pages(t, pdftest.WriteFile(t, []byte(body)), false), " "))
			if !strings.Contains(text, "Modifications depuis la version 1") || !strings.Contains(text, "Sellers may receive phishing") {
				t.Error("the API's PDF lacks the follow-up's changes")
			}
			var list struct {
				Reports []*breachdesk.RegulatorReport `json:"reports"`
				Total   int                           `json:"total"`
			}
			if status := request(t, "GET", base+"?authority=CNIL", secret, "", &list); status != http.StatusOK || list.Total != 2 || len(list.Reports[0].Content) != 0 {
				t.Errorf("GET reports?authority=CNIL: %d %+v", status, list)
			}
			for url, want := range map[string]int{
				base + "/EDPB?format=docx":                 http.StatusBadRequest,
				base + "/NOPE":                             http.StatusBadRequest,
				base + "/CNIL?version=7":                   http.StatusNotFound,
				srv.URL() + "/api/v1/incidents/99/reports": http.StatusNotFound,
			} {
				if _, resp := get(t, url, secret); resp.StatusCode != want {
					t.Errorf("GET %s = %d, want %d", url, resp.StatusCode, want)
				}
			}
			if _, resp := get(t, base+"/CNIL", "wrong"); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET without a valid token = %d", resp.StatusCode)
			}
			if n := len(reportVersions(t, c, id)); n != 3 {
				t.Errorf("the API's reports of unchanged facts stored new versions: %d, want 3", n)
			}
		})
	}
}

func reportVersions(t *testing.T, c *cli, id string) []*breachdesk.RegulatorReport {
	t.Helper()
	var out struct {
		Reports []*breachdesk.RegulatorReport `json:"reports"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("", "report", "list", id, "--json")), &out); err != nil {
		t.Fatal(err)
	}
	return out.Reports
}

// get fetches url with the bearer token and returns the body.
func get(t *testing.T, url, token string) (string, *http.Response) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(data), resp
}
