package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/keyring"
	"github.com/breachdesk/breachdesk/postgres"
	"github.com/breachdesk/breachdesk/sqlite"
)

// store is the backend chosen by --db, as domain services.
type store struct {
	backend string // "SQLite" or "PostgreSQL"
	io.Closer
	Version func(context.Context) (int, error)

	Organizations breachdesk.OrganizationService
	Incidents     breachdesk.IncidentService
	Events        breachdesk.IncidentEventService
	Audit         breachdesk.AuditService
	Tokens        breachdesk.APITokenService
	People        breachdesk.AffectedPersonService
	DataKeys      breachdesk.DataKeyService
	Assessments   breachdesk.AssessmentService
	Reports       breachdesk.RegulatorReportService
	Campaigns     breachdesk.CampaignService
	Verifications breachdesk.VerificationService
	IncidentPages breachdesk.IncidentPageService
	Inquiries     breachdesk.InquiryService
	// InquiryReplies holds the staff's replies to inquiries.
	InquiryReplies breachdesk.InquiryReplyService
	Staff          breachdesk.StaffService
	TalkingPoints  breachdesk.TalkingPointsService
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sqlitePath strips the optional sqlite: scheme from a SQLite DSN.
func sqlitePath(dsn string) string {
	return strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "sqlite:")
}

// openStore opens the database the configuration names, applying any
// migrations, once per command.
func (m *Main) openStore(ctx context.Context) (*store, error) {
	if m.store != nil {
		return m.store, nil
	}
	if isPostgres(m.Config.DB) {
		db := postgres.NewDB(m.Config.DB)
		db.Now = m.Now
		if err := db.Open(ctx); err != nil {
			return nil, err
		}
		m.store = &store{backend: "PostgreSQL", Closer: db, Version: db.Version,
			Organizations:  postgres.NewOrganizationService(db),
			Incidents:      postgres.NewIncidentService(db),
			Events:         postgres.NewIncidentEventService(db),
			Audit:          postgres.NewAuditService(db),
			Tokens:         postgres.NewAPITokenService(db),
			People:         postgres.NewAffectedPersonService(db),
			DataKeys:       postgres.NewDataKeyService(db),
			Assessments:    postgres.NewAssessmentService(db),
			Reports:        postgres.NewRegulatorReportService(db),
			Campaigns:      postgres.NewCampaignService(db),
			Verifications:  postgres.NewVerificationService(db),
			IncidentPages:  postgres.NewIncidentPageService(db),
			Inquiries:      postgres.NewInquiryService(db),
			InquiryReplies: postgres.NewInquiryService(db),
			Staff:          postgres.NewStaffService(db),
			TalkingPoints:  postgres.NewTalkingPointsService(db)}
		return m.store, nil
	}
	db := sqlite.NewDB(sqlitePath(m.Config.DB))
	db.Now = m.Now
	if err := db.Open(); err != nil {
		return nil, err
	}
	m.store = &store{backend: "SQLite", Closer: db, Version: db.Version,
		Organizations:  sqlite.NewOrganizationService(db),
		Incidents:      sqlite.NewIncidentService(db),
		Events:         sqlite.NewIncidentEventService(db),
		Audit:          sqlite.NewAuditService(db),
		Tokens:         sqlite.NewAPITokenService(db),
		People:         sqlite.NewAffectedPersonService(db),
		DataKeys:       sqlite.NewDataKeyService(db),
		Assessments:    sqlite.NewAssessmentService(db),
		Reports:        sqlite.NewRegulatorReportService(db),
		Campaigns:      sqlite.NewCampaignService(db),
		Verifications:  sqlite.NewVerificationService(db),
		IncidentPages:  sqlite.NewIncidentPageService(db),
		Inquiries:      sqlite.NewInquiryService(db),
		InquiryReplies: sqlite.NewInquiryService(db),
		Staff:          sqlite.NewStaffService(db),
		TalkingPoints:  sqlite.NewTalkingPointsService(db)}
	return m.store, nil
}

// openKeyring opens the keys that seal personal data. The key file is
// created on first use, when the database holds no data keys yet; when it
// does, a missing key file is an error, never a reason to make a new key
// that could not open what is stored.
func (m *Main) openKeyring(ctx context.Context, s *store) (*keyring.Keyring, error) {
	path := m.Config.KeyFile
	if path == "" {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "--key-file is required with PostgreSQL: the key that encrypts personal data must not live in the database it protects.")
	}
	mk, err := keyring.LoadMasterKey(path)
	if breachdesk.ErrorCode(err) == breachdesk.ENotFound {
		existing, ferr := s.DataKeys.FindDataKeys(ctx)
		if ferr != nil {
			return nil, ferr
		}
		if len(existing) > 0 {
			return nil, breachdesk.Errorf(breachdesk.EInvalid, "The key file %s is missing, and this database holds personal data encrypted with the key it held. Restore it from your backup (see docs/operations.md).", path)
		}
		if mk, err = keyring.NewMasterKey(m.Now()); err != nil {
			return nil, err
		}
		if err := mk.WriteFile(path); err != nil {
			return nil, err
		}
		fmt.Fprintf(m.Stderr, "Created the key file %s: back it up apart from the database; without it the personal data cannot be read.\n", path)
	} else if err != nil {
		return nil, err
	}
	return keyring.Open(ctx, mk, s.DataKeys, m.Now())
}
