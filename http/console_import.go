package http

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/importer"
)

// PeopleImporter imports the affected people of an incident from a file
// (importer.Importer): it seals their personal data and stores them.
type PeopleImporter interface {
	Import(ctx context.Context, incidentID int64, name string, r io.Reader, format string, rejects io.Writer) (importer.Summary, error)
}

const (
	// maxImportBytes bounds a file uploaded from the console. Larger
	// files go through breachdesk subjects import.
	maxImportBytes = 2 << 30
	// importTimeout is how long an upload and its import may take, in
	// place of the server's usual timeouts.
	importTimeout = 2 * time.Hour
	// maxRejectsShown is how many rejected rows the result page lists.
	maxRejectsShown = 1000
)

// peopleImportView is the page that imports an incident's affected
// people: the form, and the result of the last import.
type peopleImportView struct {
	Incident *breachdesk.Incident
	// Columns lists the columns a file may have.
	Columns string
	// Problem is the key of what is wrong with the upload; Error the
	// importer's message, which names the file, line and field.
	Problem, Error string
	// File is the name of the file imported, Summary what became of its
	// rows, and Rejects the first rejected rows, of Summary.Rejected.
	File    string
	Summary *importer.Summary
	Rejects []importer.Problem
}

// handlePeopleImportForm answers GET /incidents/{id}/people: the form
// that uploads the affected-people file.
func (s *Server) handlePeopleImportForm(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "incidents"
	inc, ok := s.consoleIncident(w, r, p)
	if ok {
		s.renderConsole(w, r, p, http.StatusOK, "people_import", &peopleImportView{Incident: inc.Incident, Columns: strings.Join(importer.Columns(), ", ")})
	}
}

// handlePeopleImport answers POST /incidents/{id}/people, a multipart
// form with the token, an optional format and the file, last: it streams
// the file into the importer as it arrives, so that nothing of it is
// written to disk in plaintext, and shows what became of its rows.
// Importing the same file again imports only what is missing.
func (s *Server) handlePeopleImport(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "incidents"
	inc, ok := s.consoleIncident(w, r, p)
	if !ok {
		return
	}
	v := &peopleImportView{Incident: inc.Incident, Columns: strings.Join(importer.Columns(), ", ")}
	if p.upload == nil || s.PeopleImporter == nil {
		v.Problem = "people_import.no_file"
		s.renderConsole(w, r, p, http.StatusBadRequest, "people_import", v)
		return
	}
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(importTimeout))
	rc.SetWriteDeadline(time.Now().Add(importTimeout))

	format := ""
	var file io.Reader
	for file == nil {
		part, err := p.upload.NextPart()
		if err != nil {
			s.importProblem(w, r, p, v, err)
			return
		}
		switch part.FormName() {
		case "format":
			b, _ := io.ReadAll(io.LimitReader(part, 16))
			format = strings.TrimSpace(string(b))
		case "file":
			v.File, file = path.Base(strings.ReplaceAll(part.FileName(), `\`, "/")), part
		}
	}
	if v.File == "" || v.File == "." || v.File == "/" {
		v.Problem = "people_import.no_file"
		s.renderConsole(w, r, p, http.StatusBadRequest, "people_import", v)
		return
	}
	if format != importer.FormatCSV && format != importer.FormatJSONL {
		format = importer.FormatOf(v.File)
	}
	var rejects bytes.Buffer
	sum, err := s.PeopleImporter.Import(r.Context(), inc.Incident.ID, v.File, bufio.NewReaderSize(file, 1<<20), format,
		&limitedWriter{w: &rejects, n: 1 << 20})
	if err != nil {
		s.importProblem(w, r, p, v, err)
		return
	}
	v.Summary, v.Rejects = &sum, readRejects(&rejects, maxRejectsShown)
	s.renderConsole(w, r, p, http.StatusOK, "people_import", v)
}

// importProblem shows the form again with what went wrong with the
// upload: the importer's own message for a wrong file, which names the
// file, line and field.
func (s *Server) importProblem(w http.ResponseWriter, r *http.Request, p *consolePage, v *peopleImportView, err error) {
	_, tooLarge := errors.AsType[*http.MaxBytesError](err)
	switch {
	case tooLarge:
		v.Problem = "people_import.too_large"
		s.renderConsole(w, r, p, http.StatusRequestEntityTooLarge, "people_import", v)
	case errors.Is(err, io.EOF):
		v.Problem = "people_import.no_file"
		s.renderConsole(w, r, p, http.StatusBadRequest, "people_import", v)
	case breachdesk.ErrorCode(err) == breachdesk.EInvalid:
		v.Problem, v.Error = "people_import.invalid", breachdesk.ErrorMessage(err)
		s.renderConsole(w, r, p, http.StatusUnprocessableEntity, "people_import", v)
	default:
		s.consoleFailed(w, r, p, "import affected people", err)
	}
}

// readRejects returns the first n rows of the rejects CSV the importer
// wrote (line, external_id, field, reason), past its header.
func readRejects(data io.Reader, n int) []importer.Problem {
	cr := csv.NewReader(data)
	cr.FieldsPerRecord = 4
	var rows []importer.Problem
	for first := true; len(rows) < n; first = false {
		rec, err := cr.Read()
		if err != nil {
			break // the end, or a row cut by limitedWriter
		}
		if first {
			continue
		}
		line, _ := strconv.Atoi(rec[0])
		rows = append(rows, importer.Problem{Line: line, ExternalID: rec[1], Field: rec[2], Reason: rec[3]})
	}
	return rows
}

// limitedWriter writes to w up to n bytes and drops the rest, without
// failing: the rows rejected past what a page shows are counted, not
// listed.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(b []byte) (int, error) {
	if keep := min(len(b), l.n); keep > 0 {
		l.w.Write(b[:keep])
		l.n -= keep
	}
	return len(b), nil
}
