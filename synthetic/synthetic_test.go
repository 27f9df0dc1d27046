package synthetic_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk/importer"
	"github.com/breachdesk/breachdesk/synthetic"
)

func TestPeopleAreValid(t *testing.T) {
	places := append(synthetic.DefaultPlaces(), "CA", "CA-QC", "AU", "JP", "BR", "US")
	g, err := synthetic.New(9, places)
	if err != nil {
		t.Fatal(err)
	}
	langs := map[string]bool{}
	for i := range 600 {
		row := g.Person(i)
		rec := importer.Record{Line: i, ExternalID: row[0], Name: row[1], Email: row[2], Phone: row[3], PostalAddress: row[4],
			Country: row[5], Region: row[6], Language: row[7], DataCategories: row[8]}
		p, problems := importer.Normalize(rec)
		if problems != nil {
			t.Fatalf("person %d %v does not import: %+v", i, row, problems)
		}
		if p.Phone == "" || !strings.HasSuffix(p.Email, ".com") && !strings.HasSuffix(p.Email, ".net") && !strings.HasSuffix(p.Email, ".org") {
			t.Fatalf("person %d has no phone or a deliverable e-mail domain: %+v", i, p)
		}
		if !strings.Contains(p.Email, "@example.") {
			t.Fatalf("person %d's address %q is not on a reserved example domain", i, p.Email)
		}
		langs[p.Country+" "+p.Language] = true
	}
	for _, want := range []string{"FR fr", "IT it", "DE de", "CA fr-CA", "JP ja"} {
		if !langs[want] {
			t.Errorf("no person with %q among %v", want, langs)
		}
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	write := func(seed uint64) string {
		g, _ := synthetic.New(seed, []string{"FR", "US-CA"})
		var b bytes.Buffer
		if err := g.WriteCSV(&b, 50); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if write(1) != write(1) {
		t.Fatal("the same seed gave different people")
	}
	if write(1) == write(2) {
		t.Fatal("different seeds gave the same people")
	}
}

func TestBadPlace(t *testing.T) {
	for _, places := range [][]string{{"XX"}, {}, {"FRA"}} {
		if _, err := synthetic.New(1, places); err == nil {
			t.Errorf("New(%v) = nil error", places)
		}
	}
}
