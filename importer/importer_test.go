package importer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/importer"
	"github.com/breachdesk/breachdesk/keyring"
	"github.com/breachdesk/breachdesk/synthetic"
	"github.com/google/go-cmp/cmp"
)

func TestNormalize(t *testing.T) {
	for _, tt := range []struct {
		name   string
		record importer.Record
		want   *breachdesk.AffectedPerson
		fields []string // fields with problems
	}{
		{"OKDefaults", importer.Record{ExternalID: " C1 ", Email: " Dana@EXAMPLE.com ", Phone: "06 12 34 56 78", Country: "fr"},
			&breachdesk.AffectedPerson{ExternalID: "C1", Email: "Dana@example.com", Phone: "+33612345678", Country: "FR", Language: "fr"}, nil},
		{"OKRegionalLanguage", importer.Record{ExternalID: "C2", Country: "US", Region: "us-ny", Language: "es-US", Phone: "+1 212 555 0123"},
			&breachdesk.AffectedPerson{ExternalID: "C2", Country: "US", Region: "US-NY", Language: "es-US", Phone: "+12125550123"}, nil},
		{"OKLanguageFromCountry", importer.Record{ExternalID: "C3", Country: "IT"},
			&breachdesk.AffectedPerson{ExternalID: "C3", Country: "IT", Language: "it"}, nil},
		{"OKCategoriesDeduplicated", importer.Record{ExternalID: "C4", Country: "GB", DataCategories: "email; name;email"},
			&breachdesk.AffectedPerson{ExternalID: "C4", Country: "GB", Language: "en", DataCategories: []string{"email", "name"}}, nil},
		{"ErrMissingIDAndCountry", importer.Record{Email: "a@example.com"}, nil, []string{"external_id", "country"}},
		{"ErrEmail", importer.Record{ExternalID: "C5", Country: "FR", Email: "Dana <dana@example.com>"}, nil, []string{"email"}},
		{"ErrEmailDomain", importer.Record{ExternalID: "C5", Country: "FR", Email: "dana@localhost"}, nil, []string{"email"}},
		{"ErrPhone", importer.Record{ExternalID: "C6", Country: "FR", Phone: "12"}, nil, []string{"phone"}},
		{"ErrRegionRequired", importer.Record{ExternalID: "C7", Country: "CA"}, nil, []string{"region"}},
		{"ErrRegionOtherCountry", importer.Record{ExternalID: "C8", Country: "US", Region: "CA-ON"}, nil, []string{"region"}},
		{"ErrRegionUnknown", importer.Record{ExternalID: "C9", Country: "US", Region: "US-ZZ"}, nil, []string{"region"}},
		{"ErrLanguage", importer.Record{ExternalID: "C10", Country: "FR", Language: "French!"}, nil, []string{"language"}},
		{"ErrCategory", importer.Record{ExternalID: "C11", Country: "FR", DataCategories: "name;shoe_size"}, nil, []string{"data_categories"}},
		{"ErrCountry", importer.Record{ExternalID: "C12", Country: "UK"}, nil, []string{"country"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := importer.Normalize(tt.record)
			var fields []string
			for _, p := range problems {
				fields = append(fields, p.Field)
				if tt.record.Email != "" && strings.Contains(p.Reason, tt.record.Email) || tt.record.Phone != "" && strings.Contains(p.Reason, tt.record.Phone) {
					t.Errorf("reason %q repeats personal data", p.Reason)
				}
			}
			if diff := cmp.Diff(tt.fields, fields); diff != "" {
				t.Fatalf("problem fields (-want +got):\n%s\n%+v", diff, problems)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("Normalize() (-want +got):\n%s", diff)
			}
		})
	}
}

// people is an in-memory breachdesk.AffectedPersonService that keeps the
// first person per external id, like the stores.
type people struct {
	stored  []*breachdesk.SealedPerson
	batches int
}

func (s *people) InsertSealedPeople(ctx context.Context, incidentID int64, batch []*breachdesk.SealedPerson) (int, error) {
	s.batches++
	n := 0
	for _, p := range batch {
		if !s.has(p.ExternalID) {
			s.stored = append(s.stored, p)
			n++
		}
	}
	return n, nil
}

func (s *people) has(id string) bool {
	for _, p := range s.stored {
		if p.ExternalID == id {
			return true
		}
	}
	return false
}

func (s *people) FindSealedPeople(ctx context.Context, f breachdesk.SealedPersonFilter) ([]*breachdesk.SealedPerson, error) {
	return nil, nil
}

func (s *people) CountAffectedPeople(ctx context.Context, incidentID int64, by string) (*breachdesk.PopulationCount, error) {
	return nil, nil
}

type dataKeys struct{ keys []*breachdesk.DataKey }

func (s *dataKeys) FindDataKeys(ctx context.Context) ([]*breachdesk.DataKey, error) {
	return s.keys, nil
}
func (s *dataKeys) CreateDataKeys(ctx context.Context, keys []*breachdesk.DataKey) error {
	for i, k := range keys {
		k.ID = int64(len(s.keys) + i + 1)
	}
	s.keys = append(s.keys, keys...)
	return nil
}
func (s *dataKeys) RewrapDataKeys(ctx context.Context, keys []*breachdesk.DataKey) error { return nil }

func newImporter(t testing.TB, batchSize int) (*importer.Importer, *people, *keyring.Keyring) {
	t.Helper()
	mk, err := keyring.NewMasterKey(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	k, err := keyring.Open(context.Background(), mk, &dataKeys{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	store := &people{}
	return &importer.Importer{People: store, Keyring: k, BatchSize: batchSize, Workers: 3}, store, k
}

func TestImportCSV(t *testing.T) {
	for _, batchSize := range []int{1, 3, 5000} {
		t.Run("Batch"+string(rune('0'+batchSize%10)), func(t *testing.T) {
			im, store, k := newImporter(t, batchSize)
			f, err := os.Open(filepath.Join("testdata", "mixed.csv"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var rejects bytes.Buffer
			sum, err := im.Import(context.Background(), 7, "mixed.csv", f, importer.FormatCSV, &rejects)
			if err != nil {
				t.Fatal(err)
			}
			want := importer.Summary{Read: 11, Imported: 4, Duplicates: 1, Rejected: 6}
			if sum != want {
				t.Fatalf("Import() = %+v, want %+v", sum, want)
			}
			var ids []string
			for _, p := range store.stored {
				ids = append(ids, p.ExternalID)
			}
			if diff := cmp.Diff([]string{"A1", "A3", "A5", "A9"}, ids); diff != "" {
				t.Fatalf("stored ids in file order (-want +got):\n%s", diff)
			}
			first, err := k.OpenPerson(store.stored[0])
			if err != nil {
				t.Fatal(err)
			}
			if first.Name != "Dana Prot" || first.Email != "Dana.Prot@example.com" || first.Phone != "+33612345678" || first.IncidentID != 7 {
				t.Fatalf("first person = %+v: the later duplicate row must not win", first)
			}
			rows, err := csv.NewReader(&rejects).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows[1:] {
				got = append(got, r[0]+" "+r[2])
			}
			wantRejects := []string{"3 email", "6 region", "8 ", "9 country", "10 data_categories", "11 external_id"}
			if diff := cmp.Diff(wantRejects, got); diff != "" {
				t.Fatalf("rejects (line field) (-want +got):\n%s\n%v", diff, rows)
			}
			if strings.Contains(rejects.String(), "not-an-address") || strings.Contains(rejects.String(), "noid@example.com") {
				t.Fatalf("the rejects file repeats personal data:\n%s", rejects.String())
			}
		})
	}
}

// counter adds up what the importer's commits report.
type counter struct{ imported, duplicates, rejected int64 }

func (c *counter) PeopleImported(imported, duplicates, rejected int64) {
	c.imported += imported
	c.duplicates += duplicates
	c.rejected += rejected
}

func TestImportAgainStoresNothingNew(t *testing.T) {
	im, store, _ := newImporter(t, 2)
	// Commits of a few rows, so that the observer is told of several
	// per import, and one observer for both imports, as serve shares it.
	im.CommitSize = 3
	counted := &counter{}
	im.Observer = counted
	data, _ := os.ReadFile(filepath.Join("testdata", "mixed.csv"))
	var rejects bytes.Buffer
	if _, err := im.Import(context.Background(), 1, "mixed.csv", bytes.NewReader(data), importer.FormatCSV, &rejects); err != nil {
		t.Fatal(err)
	}
	sum, err := im.Import(context.Background(), 1, "mixed.csv", bytes.NewReader(data), importer.FormatCSV, &rejects)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Imported != 0 || sum.Duplicates != 5 || len(store.stored) != 4 {
		t.Fatalf("second import = %+v with %d stored; want nothing new", sum, len(store.stored))
	}
	if want := (counter{imported: 4, duplicates: 1 + 5, rejected: 2 * 6}); *counted != want {
		t.Errorf("the observer counted %+v over both imports, want %+v", *counted, want)
	}
}

func TestImportJSONL(t *testing.T) {
	im, store, k := newImporter(t, 10)
	input := `{"external_id": "J1", "name": "Jo", "email": "jo@example.com", "country": "IT", "data_categories": ["name", "email"]}

{"external_id": "J2", "country": "FR", "data_categories": "name;email"}
{"external_id": "J3", "country": "FR", "favourite_colour": "blue"}
{"external_id": "J4", "country": 33}
not json
`
	var rejects bytes.Buffer
	sum, err := im.Import(context.Background(), 1, "people.jsonl", strings.NewReader(input), importer.FormatJSONL, &rejects)
	if err != nil {
		t.Fatal(err)
	}
	if want := (importer.Summary{Read: 5, Imported: 2, Rejected: 3}); sum != want {
		t.Fatalf("Import() = %+v, want %+v\n%s", sum, want, rejects.String())
	}
	for _, want := range []string{"4,,favourite_colour,", "5,,country,", "6,,,"} {
		if !strings.Contains(rejects.String(), want) {
			t.Errorf("rejects lack %q:\n%s", want, rejects.String())
		}
	}
	p, _ := k.OpenPerson(store.stored[0])
	if p.Language != "it" || len(p.DataCategories) != 2 {
		t.Fatalf("J1 = %+v", p)
	}
}

func TestImportFileErrors(t *testing.T) {
	for _, tt := range []struct {
		name, input, want string
	}{
		{"ErrEmpty", "", "people.csv: the file is empty"},
		{"ErrUnknownColumn", "external_id,country,shoe_size\n", `people.csv:1: column 3, "shoe_size", is not one of`},
		{"ErrMissingColumn", "external_id,email\n", `people.csv:1: the required column "country" is missing`},
		{"ErrDuplicateColumn", "external_id,country,country\n", `people.csv:1: column "country" is given twice`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			im, store, _ := newImporter(t, 10)
			_, err := im.Import(context.Background(), 1, "people.csv", strings.NewReader(tt.input), importer.FormatCSV, &bytes.Buffer{})
			if breachdesk.ErrorCode(err) != breachdesk.EInvalid || !strings.HasPrefix(breachdesk.ErrorMessage(err), tt.want) {
				t.Fatalf("Import() = %v, want invalid %q", err, tt.want)
			}
			if store.batches != 0 {
				t.Fatal("a file with a bad header stored something")
			}
		})
	}
}

func TestImportUnclosedQuote(t *testing.T) {
	im, store, _ := newImporter(t, 10)
	input := "external_id,name,country\nB1,Bo,FR\nB2,\"Unclosed,FR\nB3,Cy,FR\nB4,Di,FR\n"
	var rejects bytes.Buffer
	sum, err := im.Import(context.Background(), 1, "q.csv", strings.NewReader(input), importer.FormatCSV, &rejects)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Imported != 1 || sum.Rejected != 1 || len(store.stored) != 1 {
		t.Fatalf("Import() = %+v", sum)
	}
	if !strings.Contains(rejects.String(), `3,,,"a quoted field opened on this line is not closed, so lines 3 to 5 were read as one row`) {
		t.Fatalf("rejects do not explain the unclosed quote:\n%s", rejects.String())
	}
}

// discard is a store that keeps nothing: BenchmarkImportWithoutStore
// measures the checks and the sealing alone.
type discard struct{ people }

func (s *discard) InsertSealedPeople(ctx context.Context, incidentID int64, batch []*breachdesk.SealedPerson) (int, error) {
	return len(batch), nil
}

// BenchmarkImportWithoutStore reads, checks and seals people on all cores
// and stores nothing: the most an import can reach on this machine,
// whatever the database. bench/import.sh runs it on its own CSV
// (BREACHDESK_BENCH_CSV) and compares it with the raw tools.
func BenchmarkImportWithoutStore(b *testing.B) {
	var file []byte
	if path := os.Getenv("BREACHDESK_BENCH_CSV"); path != "" {
		var err error
		if file, err = os.ReadFile(path); err != nil {
			b.Fatal(err)
		}
	} else {
		g, err := synthetic.New(42, synthetic.DefaultPlaces())
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := g.WriteCSV(&buf, 100_000); err != nil {
			b.Fatal(err)
		}
		file = buf.Bytes()
	}
	im, _, _ := newImporter(b, 0)
	im.People, im.Workers = &discard{}, 0
	var rows int64
	for b.Loop() {
		sum, err := im.Import(context.Background(), 1, "people.csv", bytes.NewReader(file), importer.FormatCSV, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		if sum.Rejected > 0 || sum.Imported == 0 {
			b.Fatalf("summary %+v: the benchmark needs clean people", sum)
		}
		rows += sum.Read
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]string{
		"people.csv": importer.FormatCSV, "people.JSONL": importer.FormatJSONL, "export.ndjson": importer.FormatJSONL,
		"people.jsonl.csv": importer.FormatCSV, "people": importer.FormatCSV, "-": importer.FormatCSV,
	} {
		if got := importer.FormatOf(name); got != want {
			t.Errorf("FormatOf(%q) = %q, want %q", name, got, want)
		}
	}
}
