package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk/internal/storetest"
	"github.com/breachdesk/breachdesk/postgres"
	"github.com/jackc/pgx/v5"
)

// MustOpenDB opens the server named by BREACHDESK_TEST_POSTGRES in a new
// schema of its own, dropped when the test ends. Without the variable the
// test is skipped, except under CI, where a skipped backend is a failure.
func MustOpenDB(tb testing.TB, now func() time.Time) *postgres.DB {
	tb.Helper()
	base := os.Getenv("BREACHDESK_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("BREACHDESK_TEST_POSTGRES is not set under CI: the PostgreSQL backend would go untested")
		}
		tb.Skip("PostgreSQL tests skipped: set BREACHDESK_TEST_POSTGRES to a DSN such as postgres://postgres@127.0.0.1:5432/test")
	}
	ctx := context.Background()
	schema := "test_" + strings.ToLower(rand.Text()[:12])
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect to BREACHDESK_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Error(err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Error(err)
		}
	})

	db := postgres.NewDB(withSearchPath(tb, base, schema))
	db.Now = now
	if err := db.Open(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// withSearchPath returns dsn set to use schema.
func withSearchPath(tb testing.TB, dsn, schema string) string {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return fmt.Sprintf("%s search_path=%s", dsn, schema)
}

func TestConformance(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T, now func() time.Time) storetest.Store {
		db := MustOpenDB(t, now)
		return storetest.Store{
			Organizations: postgres.NewOrganizationService(db),
			Incidents:     postgres.NewIncidentService(db),
			Events:        postgres.NewIncidentEventService(db),
			Audit:         postgres.NewAuditService(db),
			Tokens:        postgres.NewAPITokenService(db),
			People:        postgres.NewAffectedPersonService(db),
			DataKeys:      postgres.NewDataKeyService(db),

			RegulatorReports: postgres.NewRegulatorReportService(db),
			Campaigns:        postgres.NewCampaignService(db),
			Verifications:    postgres.NewVerificationService(db),
			IncidentPages:    postgres.NewIncidentPageService(db),
			Inquiries:        postgres.NewInquiryService(db),
			Staff:            postgres.NewStaffService(db),
			TalkingPoints:    postgres.NewTalkingPointsService(db),
			Assessments:      postgres.NewAssessmentService(db),
			InquiryReplies:   postgres.NewInquiryService(db),
			Exec: func(t *testing.T, query string) error {
				ctx := context.Background()
				conn, err := pgx.Connect(ctx, db.DSN)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close(ctx)
				_, err = conn.Exec(ctx, query)
				return err
			},
			TamperAuditEntry: func(t *testing.T, id int64) {
				ctx := context.Background()
				conn, err := pgx.Connect(ctx, db.DSN)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close(ctx)
				if _, err := conn.Exec(ctx, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`); err != nil {
					t.Fatal(err)
				}
				if _, err := conn.Exec(ctx, `UPDATE audit_log SET actor = 'cli:mallory' WHERE id = $1`, id); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}

func TestOpenConcurrentlyMigratesOnce(t *testing.T) {
	first := MustOpenDB(t, time.Now)
	// MustOpenDB made a fresh schema; open it from several processes' worth
	// of pools at once, as workers starting together would.
	dsn := first.DSN
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db := postgres.NewDB(dsn)
			err := db.Open(context.Background())
			db.Close()
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Open() = %v", err)
		}
	}
	if v, err := first.Version(context.Background()); err != nil || v < 1 {
		t.Fatalf("Version() = %d, %v", v, err)
	}
}

func TestOpenErrNewerSchema(t *testing.T) {
	db := MustOpenDB(t, time.Now)
	conn, err := pgx.Connect(context.Background(), db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', now())`); err != nil {
		t.Fatal(err)
	}
	again := postgres.NewDB(db.DSN)
	err = again.Open(context.Background())
	again.Close()
	if err == nil || !strings.Contains(err.Error(), "upgrade breachdesk") {
		t.Fatalf("Open() = %v, want a refusal to use a newer schema", err)
	}
}
