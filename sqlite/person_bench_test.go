package sqlite_test

import (
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/internal/storetest"
	"github.com/breachdesk/breachdesk/sqlite"
)

// BenchmarkInsertSealedPeople measures the SQLite writer alone: sealed
// people of realistic sizes, stored 50,000 per transaction, against the
// same rows inserted through the same driver into a plain table with no
// index (the most this driver can do). bench/import.sh explains the
// figures.
func BenchmarkInsertSealedPeople(b *testing.B) {
	const perCommit = 50_000
	db := MustOpenDB(b, time.Now)
	ctx := storetest.Context()
	incident := &breachdesk.Incident{Title: "Benchmark"}
	if err := sqlite.NewIncidentService(db).CreateIncident(ctx, incident); err != nil {
		b.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE plain (incident_id INTEGER, external_id TEXT, name BLOB, email BLOB,
		phone BLOB, postal_address BLOB, email_index BLOB, phone_index BLOB, country TEXT, region TEXT,
		language TEXT, data_categories TEXT, created_at TEXT)`); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	random := func(n int) []byte {
		p := make([]byte, n)
		rand.Read(p)
		return p
	}
	svc := sqlite.NewAffectedPersonService(db)
	var plain, store time.Duration
	next := 0
	for b.Loop() {
		b.StopTimer()
		people := make([]*breachdesk.SealedPerson, perCommit)
		for i := range people {
			next++
			people[i] = &breachdesk.SealedPerson{ExternalID: fmt.Sprintf("C-%09d", next),
				Name: random(17 + 15), Email: random(17 + 25), Phone: random(17 + 12), PostalAddress: random(17 + 40),
				EmailIndex: random(16), PhoneIndex: random(16), Country: "FR", Language: "fr"}
		}
		start := time.Now()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO plain VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range people {
			if _, err := stmt.ExecContext(ctx, incident.ID, p.ExternalID, p.Name, p.Email, p.Phone, p.PostalAddress,
				p.EmailIndex, p.PhoneIndex, p.Country, p.Region, p.Language, "[]", "2026-11-23T00:00:00Z"); err != nil {
				b.Fatal(err)
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		plain += time.Since(start)
		b.StartTimer()

		start = time.Now()
		if n, err := svc.InsertSealedPeople(ctx, incident.ID, people); err != nil || n != perCommit {
			b.Fatalf("InsertSealedPeople() = %d, %v; want %d", n, err, perCommit)
		}
		store += time.Since(start)
	}
	rows := float64(next)
	b.ReportMetric(rows/store.Seconds(), "rows/s")
	b.ReportMetric(rows/plain.Seconds(), "plain-rows/s")
	b.ReportMetric(plain.Seconds()/store.Seconds(), "ratio")
}
