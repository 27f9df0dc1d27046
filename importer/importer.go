// Package importer loads the people a breach affected from CSV or JSON
// Lines files of any size: it streams the file in batches, normalises and
// checks each row, seals the personal data on every core, and stores each
// batch in one transaction, in file order. Bad rows go to a rejects file
// with their line, field and reason; the good rows are kept. Running the
// same import again stores only what is missing, so an import cut short at
// any point is finished by running it again.
package importer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/keyring"
	"golang.org/x/sync/errgroup"
)

// Formats of import files.
const (
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// FormatOf returns the format of the file named name, from its
// extension: FormatJSONL for .jsonl and .ndjson, whatever the case, else
// FormatCSV.
func FormatOf(name string) string {
	if ext := strings.ToLower(filepath.Ext(name)); ext == ".jsonl" || ext == ".ndjson" {
		return FormatJSONL
	}
	return FormatCSV
}

// Columns returns the column names of an import file.
func Columns() []string {
	return []string{"external_id", "name", "email", "phone", "postal_address", "country", "region", "language", "data_categories"}
}

// Summary counts what an import did.
type Summary struct {
	// Read is the number of data rows in the file.
	Read int64 `json:"read"`
	// Imported rows were stored by this run.
	Imported int64 `json:"imported"`
	// Duplicates had an external id stored already, by an earlier row of
	// the file or an earlier run.
	Duplicates int64 `json:"duplicates"`
	// Rejected rows had at least one problem and were not stored.
	Rejected int64 `json:"rejected"`
}

// Progress is reported after each commit.
type Progress struct {
	Summary
	// BytesRead of the file so far, to estimate the time left.
	BytesRead int64
}

// Observer is told what imports store, to count it; metrics.Registry
// implements it. Its method must return at once.
type Observer interface {
	// PeopleImported is told, after each commit of an import, how many
	// rows it stored, found stored already and rejected.
	PeopleImported(imported, duplicates, rejected int64)
}

// Importer stores people through People, sealing them with Keyring.
type Importer struct {
	People  breachdesk.AffectedPersonService
	Keyring *keyring.Keyring

	// BatchSize rows are read, checked and sealed together (default 10000).
	BatchSize int
	// CommitSize rows, at least, are stored per transaction (default 50000).
	CommitSize int
	// Workers normalise and seal in parallel (default: one per core).
	Workers int
	// Progress, when set, is called after each batch.
	Progress func(Progress)
	// Observer, when set, is told what each commit stored, for metrics;
	// unlike Progress, it may be shared by imports running at once.
	Observer Observer
}

// batch is a run of rows, processed by a worker and stored by the writer.
type batch struct {
	records  []Record
	rows     int                        // rows read, records and unreadable ones
	problems []Problem                  // rows rejected while reading
	sealed   []*breachdesk.SealedPerson // set by the worker
	bytes    int64                      // file offset after the batch
	done     chan struct{}
}

// Import reads the file r (named name in errors) in format and stores its
// people in incident incidentID. Rejected rows are written to rejects as
// CSV (line, external_id, field, reason). A problem with the file itself,
// such as an unknown column, stops the import before anything is stored.
func (im *Importer) Import(ctx context.Context, incidentID int64, name string, r io.Reader, format string, rejects io.Writer) (Summary, error) {
	batchSize, commitSize, workers := im.BatchSize, im.CommitSize, im.Workers
	if batchSize <= 0 {
		batchSize = 10000
	}
	if commitSize <= 0 {
		commitSize = 50_000
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	counter := &countingReader{r: r}
	var read func() (Record, *Problem, error)
	var err error
	switch format {
	case FormatCSV:
		read, err = csvRecords(name, counter)
	case FormatJSONL:
		read, err = jsonlRecords(name, counter)
	default:
		return Summary{}, breachdesk.Errorf(breachdesk.EInvalid, "%s: the format must be csv or jsonl, not %q", name, format)
	}
	if err != nil {
		return Summary{}, err
	}

	rejectsCSV := csv.NewWriter(rejects)
	rejectsCSV.Write([]string{"line", "external_id", "field", "reason"})

	g, ctx := errgroup.WithContext(ctx)
	// Few batches are in flight at once, so memory stays bounded whatever
	// the file's size: the queue to the writer, one per worker, and the
	// rows waiting for the next commit.
	toWorkers := make(chan *batch)
	inOrder := make(chan *batch, workers)

	g.Go(func() error { // the reader: batches in file order
		defer close(toWorkers)
		defer close(inOrder)
		for {
			b := &batch{done: make(chan struct{})}
			eof := false
			for b.rows < batchSize {
				rec, problem, err := read()
				if errors.Is(err, io.EOF) {
					eof = true
					break
				} else if err != nil {
					return err
				}
				b.rows++
				if problem != nil {
					b.problems = append(b.problems, *problem)
					continue
				}
				b.records = append(b.records, rec)
			}
			b.bytes = counter.n
			for _, ch := range []chan *batch{inOrder, toWorkers} {
				select {
				case ch <- b:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if eof {
				return nil
			}
		}
	})
	for range workers {
		g.Go(func() error {
			for b := range toWorkers {
				im.seal(incidentID, b)
				b.records = nil // only the sealed form waits for the writer
				close(b.done)
			}
			return nil
		})
	}

	var sum Summary
	g.Go(func() error { // the writer: stores batches in file order
		// Rows are stored CommitSize at a time: every commit rewrites the
		// index pages it touched, and the blind indexes are random, so
		// fewer, larger commits write far less.
		var pending []*breachdesk.SealedPerson
		var pendingRead, pendingRejected, bytesRead int64
		flush := func() error {
			inserted := 0
			if len(pending) > 0 {
				n, err := im.People.InsertSealedPeople(ctx, incidentID, pending)
				if err != nil {
					return err
				}
				inserted = n
			}
			sum.Read += pendingRead
			sum.Rejected += pendingRejected
			sum.Imported += int64(inserted)
			sum.Duplicates = sum.Read - sum.Rejected - sum.Imported
			if im.Observer != nil {
				im.Observer.PeopleImported(int64(inserted), pendingRead-pendingRejected-int64(inserted), pendingRejected)
			}
			pending, pendingRead, pendingRejected = pending[:0], 0, 0
			if im.Progress != nil {
				im.Progress(Progress{Summary: sum, BytesRead: bytesRead})
			}
			return nil
		}
		for b := range inOrder {
			select {
			case <-b.done:
			case <-ctx.Done():
				return ctx.Err()
			}
			slices.SortFunc(b.problems, func(x, y Problem) int { return x.Line - y.Line })
			rejected := map[int]bool{}
			for _, p := range b.problems {
				rejected[p.Line] = true
				rejectsCSV.Write([]string{fmt.Sprint(p.Line), p.ExternalID, p.Field, p.Reason})
			}
			rejectsCSV.Flush()
			if err := rejectsCSV.Error(); err != nil {
				return fmt.Errorf("write rejects: %w", err)
			}
			pending = append(pending, b.sealed...)
			pendingRead += int64(b.rows)
			pendingRejected += int64(len(rejected))
			bytesRead = b.bytes
			if len(pending) >= commitSize {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	})
	if err := g.Wait(); err != nil {
		return sum, err
	}
	return sum, nil
}

// seal normalises and seals a batch's records; rows whose external id came
// earlier in the batch are left for the store to count as duplicates.
func (im *Importer) seal(incidentID int64, b *batch) {
	seen := make(map[string]bool, len(b.records))
	for _, rec := range b.records {
		p, problems := Normalize(rec)
		if problems != nil {
			b.problems = append(b.problems, problems...)
			continue
		}
		if seen[p.ExternalID] {
			continue
		}
		seen[p.ExternalID] = true
		p.IncidentID = incidentID
		b.sealed = append(b.sealed, im.Keyring.SealPerson(p))
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// csvRecords checks the header of a CSV file and returns a function that
// reads one record at a time. A row the CSV reader cannot parse is a
// problem of that row; reading goes on with the next.
func csvRecords(name string, r io.Reader) (func() (Record, *Problem, error), error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "%s: the file is empty; the first line must name the columns: %s", name, strings.Join(Columns(), ","))
	} else if err != nil {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "%s:1: the header cannot be read: %v", name, err)
	}
	index := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !slices.Contains(Columns(), h) {
			return nil, breachdesk.Errorf(breachdesk.EInvalid, "%s:1: column %d, %q, is not one of %s", name, i+1, h, strings.Join(Columns(), ", "))
		}
		if _, dup := index[h]; dup {
			return nil, breachdesk.Errorf(breachdesk.EInvalid, "%s:1: column %q is given twice", name, h)
		}
		index[h] = i
	}
	for _, required := range []string{"external_id", "country"} {
		if _, ok := index[required]; !ok {
			return nil, breachdesk.Errorf(breachdesk.EInvalid, "%s:1: the required column %q is missing", name, required)
		}
	}
	return func() (Record, *Problem, error) {
		fields, err := cr.Read()
		var parseErr *csv.ParseError
		if errors.As(err, &parseErr) {
			reason := "the row is not valid CSV: " + parseErr.Err.Error()
			if parseErr.Line > parseErr.StartLine {
				reason = fmt.Sprintf("a quoted field opened on this line is not closed, so lines %d to %d were read as one row and not imported", parseErr.StartLine, parseErr.Line)
			}
			return Record{}, &Problem{Line: parseErr.StartLine, Reason: reason}, nil
		} else if err != nil {
			return Record{}, nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(fields) != len(header) {
			return Record{}, &Problem{Line: line, Reason: fmt.Sprintf("the row has %d fields, the header %d", len(fields), len(header))}, nil
		}
		get := func(col string) string {
			if i, ok := index[col]; ok {
				return fields[i]
			}
			return ""
		}
		return Record{Line: line, ExternalID: get("external_id"), Name: get("name"), Email: get("email"), Phone: get("phone"),
			PostalAddress: get("postal_address"), Country: get("country"), Region: get("region"),
			Language: get("language"), DataCategories: get("data_categories")}, nil, nil
	}, nil
}

// jsonRecord is one line of a JSON Lines file. data_categories may be a
// list or a ";"-separated string.
type jsonRecord struct {
	ExternalID     string          `json:"external_id"`
	Name           string          `json:"name"`
	Email          string          `json:"email"`
	Phone          string          `json:"phone"`
	PostalAddress  string          `json:"postal_address"`
	Country        string          `json:"country"`
	Region         string          `json:"region"`
	Language       string          `json:"language"`
	DataCategories json.RawMessage `json:"data_categories"`
}

// maxLine bounds one JSON line, so that a file without newlines cannot
// exhaust memory.
const maxLine = 1 << 20

// jsonlRecords returns a function that reads one JSON object per line;
// blank lines are skipped.
func jsonlRecords(name string, r io.Reader) (func() (Record, *Problem, error), error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	line := 0
	return func() (Record, *Problem, error) {
		for sc.Scan() {
			line++
			text := bytes.TrimSpace(sc.Bytes())
			if len(text) == 0 {
				continue
			}
			var jr jsonRecord
			dec := json.NewDecoder(bytes.NewReader(text))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&jr); err != nil {
				return Record{}, &Problem{Line: line, Field: jsonField(err), Reason: "the line is not a valid record: " + strings.TrimPrefix(err.Error(), "json: ")}, nil
			}
			rec := Record{Line: line, ExternalID: jr.ExternalID, Name: jr.Name, Email: jr.Email, Phone: jr.Phone,
				PostalAddress: jr.PostalAddress, Country: jr.Country, Region: jr.Region, Language: jr.Language}
			if len(jr.DataCategories) > 0 && string(jr.DataCategories) != "null" {
				var list []string
				if err := json.Unmarshal(jr.DataCategories, &list); err == nil {
					rec.DataCategories = strings.Join(list, ";")
				} else if err := json.Unmarshal(jr.DataCategories, &rec.DataCategories); err != nil {
					return Record{}, &Problem{Line: line, ExternalID: jr.ExternalID, Field: "data_categories", Reason: "must be a list of categories"}, nil
				}
			}
			return rec, nil, nil
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return Record{}, nil, breachdesk.Errorf(breachdesk.EInvalid, "%s:%d: a line is longer than %d bytes: is this a JSON Lines file?", name, line+1, maxLine)
			}
			return Record{}, nil, err
		}
		return Record{}, nil, io.EOF
	}, nil
}

// jsonField names the field a JSON decoding error is about, if any.
func jsonField(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return typeErr.Field
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return strings.Trim(field, `"`)
	}
	return ""
}
