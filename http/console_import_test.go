package http

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/importer"
)

// fakeImporter reads the whole file, as the importer does, and records
// what it was given. A file whose content starts with "bad" is refused as
// the importer refuses a file it cannot read; each line with "reject" is
// a rejected row.
type fakeImporter struct {
	calls []string
}

func (f *fakeImporter) Import(ctx context.Context, incidentID int64, name string, r io.Reader, format string, rejects io.Writer) (importer.Summary, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return importer.Summary{}, err
	}
	f.calls = append(f.calls, fmt.Sprintf("%d %s %s %q", incidentID, name, format, data))
	if bytes.HasPrefix(data, []byte("bad")) {
		return importer.Summary{}, breachdesk.Errorf(breachdesk.EInvalid, "%s, line 1: unknown column %q", name, "emial")
	}
	w := csv.NewWriter(rejects)
	w.Write([]string{"line", "external_id", "field", "reason"})
	var sum importer.Summary
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		sum.Read++
		if strings.Contains(line, "reject") {
			sum.Rejected++
			w.Write([]string{fmt.Sprint(i + 2), fmt.Sprintf("C-%d", i), "email", "not an e-mail address"})
		} else {
			sum.Imported++
		}
	}
	w.Flush()
	return sum, nil
}

// part is one part of a multipart form: a field, or a file when
// filename is set.
type part struct{ name, filename, content string }

// upload posts a multipart form of parts to path as role.
func (b *consoleBundle) upload(t *testing.T, path string, role breachdesk.Role, parts ...part) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.filename != "" {
			w, err = mw.CreateFormFile(p.name, p.filename)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, p.content)
	}
	mw.Close()
	r := httptest.NewRequest("POST", path, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: b.sessions[role]})
	w := httptest.NewRecorder()
	b.handler.ServeHTTP(w, r)
	return w
}

func TestPeopleImport(t *testing.T) {
	b := setupConsole(t)
	token := func(role breachdesk.Role) part {
		return part{name: csrfField, content: b.server.consoleCSRF(breachdesk.HashSessionSecret(b.sessions[role]))}
	}
	const file = "external_id,email\nC-1,a@example.com\nC-2,reject\n"
	for _, tt := range []struct {
		name     string
		role     breachdesk.Role
		parts    []part
		status   int
		contains []string
		// call is what the importer was given, "" for no call.
		call string
	}{
		{"OKCSV", breachdesk.RoleResponder, []part{token(breachdesk.RoleResponder), {name: "format"}, {name: "file", filename: "people.csv", content: file}},
			http.StatusOK, []string{"people.csv imported", "Read 3 rows: 2 people imported, 0 already imported, 1 rejected.", "<td>4</td><td>C-2</td><td>email</td><td>not an e-mail address</td>"},
			fmt.Sprintf("1 people.csv csv %q", file)},
		{"OKJSONLinesByName", breachdesk.RoleDPO, []part{token(breachdesk.RoleDPO), {name: "file", filename: "people.JSONL", content: `{"external_id":"C-1"}`}},
			http.StatusOK, []string{"Read 1 rows: 1 people imported"}, `1 people.JSONL jsonl "{\"external_id\":\"C-1\"}"`},
		{"OKFormatChosen", breachdesk.RoleDPO, []part{token(breachdesk.RoleDPO), {name: "format", content: "jsonl"}, {name: "file", filename: "export.txt", content: "{}"}},
			http.StatusOK, []string{"export.txt imported"}, `1 export.txt jsonl "{}"`},
		{"OKWindowsPathStripped", breachdesk.RoleDPO, []part{token(breachdesk.RoleDPO), {name: "file", filename: `C:\Users\dpo\people.csv`, content: "x"}},
			http.StatusOK, []string{"people.csv imported"}, `1 people.csv csv "x"`},
		{"ErrUnreadableFile", breachdesk.RoleDPO, []part{token(breachdesk.RoleDPO), {name: "file", filename: "people.csv", content: "bad,header"}},
			http.StatusUnprocessableEntity, []string{"Nothing was imported", "people.csv, line 1: unknown column &#34;emial&#34;", `aria-invalid="true"`},
			`1 people.csv csv "bad,header"`},
		{"ErrNoFile", breachdesk.RoleDPO, []part{token(breachdesk.RoleDPO), {name: "format", content: "csv"}},
			http.StatusBadRequest, []string{"Choose the file to import."}, ""},
		{"ErrNoFileChosen", breachdesk.RoleDPO, []part{token(breachdesk.RoleDPO), {name: "file", filename: "", content: ""}},
			http.StatusBadRequest, []string{"Choose the file to import."}, ""},
		// The token must come first, before anything of the file is read.
		{"ErrTokenAfterFile", breachdesk.RoleDPO, []part{{name: "file", filename: "people.csv", content: file}, token(breachdesk.RoleDPO)},
			http.StatusForbidden, nil, ""},
		{"ErrAnotherSessionsToken", breachdesk.RoleDPO, []part{token(breachdesk.RoleAdmin), {name: "file", filename: "people.csv", content: file}},
			http.StatusForbidden, nil, ""},
		{"ErrAgent", breachdesk.RoleAgent, []part{token(breachdesk.RoleAgent), {name: "file", filename: "people.csv", content: file}},
			http.StatusForbidden, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(b.importer.calls)
			w := b.upload(t, "/incidents/1/people", tt.role, tt.parts...)
			body := w.Body.String()
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d:\n%s", w.Code, tt.status, body)
			}
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("the page lacks %q", s)
				}
			}
			calls := b.importer.calls[before:]
			if tt.call == "" && len(calls) != 0 || tt.call != "" && (len(calls) != 1 || calls[0] != tt.call) {
				t.Errorf("importer calls = %q, want %q", calls, tt.call)
			}
		})
	}
	if w := b.upload(t, "/incidents/9/people", breachdesk.RoleDPO, token(breachdesk.RoleDPO), part{name: "file", filename: "p.csv", content: "x"}); w.Code != http.StatusNotFound {
		t.Errorf("an unknown incident: %d", w.Code)
	}
	// A multipart form elsewhere is not read past its token.
	if w := b.upload(t, "/incidents/1/facts", breachdesk.RoleDPO, token(breachdesk.RoleDPO), part{name: "title", content: "x"}); w.Code != http.StatusForbidden {
		t.Errorf("a multipart form to a route without uploads: %d, want 403", w.Code)
	}
	page := b.do("GET", "/incidents/1/people", breachdesk.RoleResponder, nil, true).Body.String()
	for _, want := range []string{`enctype="multipart/form-data"`, "external_id, name, email", `type="file"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the form lacks %q", want)
		}
	}
	if strings.Index(page, `name="csrf"`) > strings.Index(page, `name="file"`) {
		t.Error("the form's token comes after its file: the server reads the token first")
	}
	if incident := b.do("GET", "/incidents/1", breachdesk.RoleResponder, nil, true).Body.String(); !strings.Contains(incident, `href="/incidents/1/people"`) {
		t.Error("the incident's page does not link to the import")
	}
	if incident := b.do("GET", "/incidents/1", breachdesk.RoleAuditor, nil, true).Body.String(); strings.Contains(incident, `href="/incidents/1/people"`) {
		t.Error("the auditor is offered the import")
	}
}

// TestReadRejects reads back the rejects the importer wrote, up to a
// number and past a row cut short.
func TestReadRejects(t *testing.T) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"line", "external_id", "field", "reason"})
	for i := range 5 {
		w.Write([]string{fmt.Sprint(i + 2), fmt.Sprintf("C-%d", i), "phone", "not, a \"number\""})
	}
	w.Flush()
	data := buf.Bytes()
	if got := readRejects(bytes.NewReader(data), 3); len(got) != 3 || got[2].Line != 4 || got[2].ExternalID != "C-2" || got[2].Reason != `not, a "number"` {
		t.Errorf("readRejects(3) = %+v", got)
	}
	var cut bytes.Buffer
	lw := &limitedWriter{w: &cut, n: len(data) - 10}
	if n, err := lw.Write(data); n != len(data) || err != nil {
		t.Fatalf("limitedWriter.Write = %d, %v; want all taken, no error", n, err)
	}
	if got := readRejects(&cut, 100); len(got) != 4 {
		t.Errorf("readRejects of a cut list = %d rows, want the 4 whole ones", len(got))
	}
}
