package main

import (
	"context"
	"io"
	"strings"

	"github.com/breachdesk/breachdesk"
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
			Organizations: postgres.NewOrganizationService(db),
			Incidents:     postgres.NewIncidentService(db),
			Events:        postgres.NewIncidentEventService(db),
			Audit:         postgres.NewAuditService(db),
			Tokens:        postgres.NewAPITokenService(db)}
		return m.store, nil
	}
	db := sqlite.NewDB(sqlitePath(m.Config.DB))
	db.Now = m.Now
	if err := db.Open(); err != nil {
		return nil, err
	}
	m.store = &store{backend: "SQLite", Closer: db, Version: db.Version,
		Organizations: sqlite.NewOrganizationService(db),
		Incidents:     sqlite.NewIncidentService(db),
		Events:        sqlite.NewIncidentEventService(db),
		Audit:         sqlite.NewAuditService(db),
		Tokens:        sqlite.NewAPITokenService(db)}
	return m.store, nil
}
