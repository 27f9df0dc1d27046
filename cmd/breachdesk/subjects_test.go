package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/importer"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
)

// TestMain lets a test run breachdesk as a separate process, to kill it.
func TestMain(m *testing.M) {
	if args := os.Getenv("BREACHDESK_TEST_MAIN_ARGS"); args != "" {
		os.Args = append([]string{"breachdesk"}, strings.Split(args, "\x1f")...)
		main()
	}
	os.Exit(m.Run())
}

// withKey points the cli at a key file of its own (on PostgreSQL it must
// be given).
func (c *cli) keyArgs() []string {
	return []string{"--key-file", filepath.Join(c.dir, "breachdesk.key")}
}

const knownPeople = `external_id,name,email,phone,postal_address,country,region,language,data_categories
K1,Zebulon Quixotic,Zebulon.Quixotic@Example.org,+33 6 12 34 56 78,"17 Impasse Xylophone, Quimper",FR,,,
K2,Wilhelmina Jabberwock,wilhelmina.jabberwock@example.net,(415) 555-0142,"88 Juniper Vortex Lane, Fresno",US,US-CA,en-US,email;password_hash_weak
K3,Bad Row,not an address,,,FR,,,
`

// secrets are the values that must never appear in plaintext at rest.
var secrets = []string{"Zebulon Quixotic", "Zebulon.Quixotic", "zebulon.quixotic", "+33612345678", "Impasse Xylophone",
	"Wilhelmina Jabberwock", "wilhelmina.jabberwock", "+14155550142", "Juniper Vortex"}

// leaks returns the secrets found in data, as text or as hex (how
// PostgreSQL dumps bytea).
func leaks(data []byte) []string {
	var found []string
	lower := bytes.ToLower(data)
	for _, s := range secrets {
		if bytes.Contains(data, []byte(s)) || bytes.Contains(lower, []byte(hex.EncodeToString([]byte(s)))) {
			found = append(found, s)
		}
	}
	return found
}

func TestSubjects(t *testing.T) {
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			key := c.keyArgs()
			id := strings.TrimSpace(c.mustRun("title: Theft\ndata_categories: [name, email, phone, postal_address]\n", "incident", "create", "-f", "-"))
			file := c.file("people.csv", knownPeople)

			r := c.run("", append(key, "subjects", "import", id, file, "--json")...)
			var sum importer.Summary
			json.Unmarshal([]byte(r.stdout), &sum)
			if r.code != ExitOK || sum != (importer.Summary{Read: 3, Imported: 2, Rejected: 1}) {
				t.Fatalf("subjects import: exit %d, %+v, stderr %s", r.code, sum, r.stderr)
			}
			if leaked := leaks([]byte(r.stdout + r.stderr)); leaked != nil {
				t.Errorf("import output shows %v", leaked)
			}
			rejects, err := os.ReadFile(file + ".rejects.csv")
			if err != nil || !strings.Contains(string(rejects), "4,K3,email,is not an e-mail address") {
				t.Fatalf("rejects file = %q, %v", rejects, err)
			}

			var count breachdesk.PopulationCount
			json.Unmarshal([]byte(c.mustRun("", "subjects", "count", id, "--by", "category", "--json")), &count)
			want := map[string]int64{"name": 1, "email": 2, "phone": 1, "postal_address": 1, "password_hash_weak": 1}
			if diff := cmp.Diff(want, count.Counts); diff != "" || count.Total != 2 {
				t.Fatalf("count by category total %d (-want +got):\n%s", count.Total, diff)
			}

			out := c.mustRun("", append(key, "subjects", "find", "--email", "ZEBULON.QUIXOTIC@example.ORG")...)
			if !strings.Contains(out, "Z***@example.org") || !strings.Contains(out, "Incident "+id+": Theft") || !strings.Contains(out, "name, email, phone, postal_address") {
				t.Fatalf("find --email:\n%s", out)
			}
			if leaked := leaks([]byte(out)); leaked != nil {
				t.Fatalf("find without --reveal shows %v:\n%s", leaked, out)
			}
			out = c.mustRun("", append(key, "subjects", "find", "--phone", "+1 415-555-0142", "--json")...)
			if !strings.Contains(out, `"external_id": "K2"`) || !strings.Contains(out, `"masked": true`) {
				t.Fatalf("find --phone:\n%s", out)
			}
			out = c.mustRun("", append(key, "subjects", "find", "--email", "wilhelmina.jabberwock@example.net", "--reveal")...)
			if !strings.Contains(out, "Wilhelmina Jabberwock") || !strings.Contains(out, "88 Juniper Vortex Lane, Fresno") {
				t.Fatalf("find --reveal:\n%s", out)
			}
			if !strings.Contains(c.mustRun("", "audit", "list"), "affected_people.reveal") {
				t.Fatal("--reveal was not recorded in the audit log")
			}
			if out := c.mustRun("", append(key, "subjects", "find", "--email", "nobody@example.com")...); !strings.Contains(out, "Not found") {
				t.Fatalf("find nobody:\n%s", out)
			}

			// Again: nothing new.
			r = c.run("", append(key, "subjects", "import", id, file)...)
			if r.code != ExitOK || !strings.HasPrefix(r.stdout, "read 3, imported 0, duplicates 2, rejected 1") {
				t.Fatalf("second import: %q", r.stdout)
			}
		})
	}
}

func TestSubjectsNeverInPlaintextAtRest(t *testing.T) {
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			id := strings.TrimSpace(c.mustRun("title: Theft\n", "incident", "create", "-f", "-"))
			file := c.file("people.csv", knownPeople)
			// Keep the process's database open, as a running server would,
			// so that the SQLite WAL still holds the latest writes.
			var stdout, stderr bytes.Buffer
			m := NewMain()
			m.Stdout, m.Stderr = &stdout, &stderr
			m.Getenv = func(string) string { return "" }
			if code := m.Run(context.Background(), append([]string{"--db", c.db}, append(c.keyArgs(), "subjects", "import", id, file)...)); code != ExitOK {
				t.Fatalf("import: exit %d: %s", code, stderr.String())
			}
			var dumps [][]byte
			if name == "SQLite" {
				for _, suffix := range []string{"", "-wal"} {
					data, err := os.ReadFile(c.db + suffix)
					if err != nil && suffix == "" {
						t.Fatal(err)
					}
					dumps = append(dumps, data)
				}
				if len(dumps[1]) == 0 {
					t.Fatal("the WAL is empty: the test would not look at the latest writes")
				}
			} else {
				u, err := url.Parse(c.db)
				if err != nil {
					t.Fatal(err)
				}
				schema := u.Query().Get("search_path")
				q := u.Query()
				q.Del("search_path")
				u.RawQuery = q.Encode()
				dump, err := exec.Command("pg_dump", "--data-only", "--schema", schema, "--dbname", u.String()).CombinedOutput()
				if err != nil {
					t.Fatalf("pg_dump: %v\n%s", err, dump)
				}
				if !bytes.Contains(dump, []byte("affected_people")) {
					t.Fatalf("pg_dump did not dump the schema under test:\n%s", dump)
				}
				dumps = append(dumps, dump)
			}
			m.Close()
			// The control: what is stored in plaintext by design is found.
			for _, visible := range []string{"K2", "US-CA"} {
				if !bytes.Contains(bytes.Join(dumps, nil), []byte(visible)) {
					t.Fatalf("%q is not in the stored data: the test does not read what is stored", visible)
				}
			}
			for i, d := range dumps {
				if leaked := leaks(d); leaked != nil {
					t.Errorf("stored data (part %d) holds in plaintext: %v", i, leaked)
				}
			}
			// The control: the values are really there, sealed, and open.
			if out := c.mustRun("", append(c.keyArgs(), "subjects", "find", "--email", "zebulon.quixotic@example.org", "--reveal")...); !strings.Contains(out, "Zebulon Quixotic") {
				t.Fatalf("the imported person cannot be found and opened:\n%s", out)
			}
		})
	}
}

func TestImportSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test skipped in -short mode")
	}
	const n = 30_000
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			// Made-up people without phone numbers: parsing phones is what
			// costs most under the race detector, and this test is about rows.
			var people bytes.Buffer
			people.WriteString("external_id,name,email,postal_address,country,region\n")
			places := [][2]string{{"FR", ""}, {"GB", ""}, {"US", "US-CA"}, {"US", "US-NY"}, {"IN", ""}}
			for i := range n {
				pl := places[i%len(places)]
				fmt.Fprintf(&people, "P%06d,Person %d,person.%d@example.org,%d Main Street,%s,%s\n", i, i, i, i, pl[0], pl[1])
			}
			file := c.file("people.csv", people.String())
			id := strings.TrimSpace(c.mustRun("title: Theft\n", "incident", "create", "-f", "-"))
			args := append([]string{"--db", c.db}, append(c.keyArgs(), "subjects", "import", id, file, "--commit-every", "2000")...)

			// Start the import in its own process and kill it mid-way.
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "BREACHDESK_TEST_MAIN_ARGS="+strings.Join(args, "\x1f"))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			stored := func() int64 {
				var count int64
				if name == "SQLite" {
					db, err := sql.Open("sqlite3", "file:"+c.db+"?mode=ro&_busy_timeout=5000")
					if err != nil {
						return -1
					}
					defer db.Close()
					if db.QueryRow(`SELECT COUNT(*) FROM affected_people`).Scan(&count) != nil {
						return -1
					}
					return count
				}
				conn, err := pgx.Connect(context.Background(), c.db)
				if err != nil {
					return -1
				}
				defer conn.Close(context.Background())
				if conn.QueryRow(context.Background(), `SELECT COUNT(*) FROM affected_people`).Scan(&count) != nil {
					return -1
				}
				return count
			}
			deadline := time.Now().Add(60 * time.Second)
			for stored() < 5_000 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			cmd.Process.Kill() // SIGKILL: no chance to clean up
			cmd.Wait()
			partial := stored()
			if partial <= 0 || partial >= n {
				t.Fatalf("the import was killed with %d of %d rows stored; the test needs it killed mid-way\n%s", partial, n, out.String())
			}

			r := c.run("", append(c.keyArgs(), "subjects", "import", id, file, "--json")...)
			var sum importer.Summary
			json.Unmarshal([]byte(r.stdout), &sum)
			if r.code != ExitOK || sum.Imported != n-partial || sum.Duplicates != partial || sum.Rejected != 0 {
				t.Fatalf("rerun after kill: exit %d, %+v; want %d imported and %d already there\n%s", r.code, sum, n-partial, partial, r.stderr)
			}
			if got := stored(); got != n {
				t.Fatalf("%d rows stored after the rerun, want %d", got, n)
			}

			// Exactly the rows of a clean run.
			clean := backends(t)["SQLite"]
			cid := strings.TrimSpace(clean.mustRun("title: Theft\n", "incident", "create", "-f", "-"))
			clean.mustRun("", append(clean.keyArgs(), "subjects", "import", cid, file)...)
			for _, by := range []string{"country", "region", "language"} {
				a, b := c.mustRun("", "subjects", "count", id, "--by", by, "--json"), clean.mustRun("", "subjects", "count", cid, "--by", by, "--json")
				if a != b {
					t.Errorf("count by %s after kill and rerun differs from a clean run:\n%s\n%s", by, a, b)
				}
			}
			for _, i := range []int{0, int(partial) - 1, int(partial), n - 1} {
				row := strings.Split(strings.Split(people.String(), "\n")[i+1], ",")
				if !strings.Contains(row[2], "@example.") {
					t.Fatalf("row %d has no e-mail: %v", i, row)
				}
				out := c.mustRun("", append(c.keyArgs(), "subjects", "find", "--email", row[2], "--json")...)
				if strings.Count(out, `"external_id": "`+row[0]+`"`) != 1 {
					t.Errorf("person %s (row %d) is not stored exactly once:\n%s", row[0], i, out)
				}
			}
		})
	}
}
