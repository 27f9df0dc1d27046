-- Incident facts that notifications ask for: how the breach came to light,
-- why the authority was notified late, what the people affected are told,
-- and whether the police were (NULL while unknown).
ALTER TABLE incidents ADD COLUMN discovery TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN delay_reasons TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN individuals_communication TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN law_enforcement INTEGER;

-- Versions of regulator reports, numbered 1, 2, 3... per incident and
-- authority. Append-only: a notification once made is documented as it was
-- (GDPR Art. 33(5)). content is the report's JSON exactly as given (TEXT,
-- never re-encoded), so that digest, its SHA-256, still matches it.
CREATE TABLE regulator_reports (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id    INTEGER NOT NULL REFERENCES incidents (id),
	authority      TEXT NOT NULL,
	phase          TEXT NOT NULL CHECK (phase IN ('initial', 'followup', 'final')),
	version        INTEGER NOT NULL CHECK (version > 0),
	language       TEXT NOT NULL,
	case_reference TEXT NOT NULL DEFAULT '',
	content        TEXT NOT NULL,
	digest         TEXT NOT NULL,
	actor          TEXT NOT NULL,
	created_at     TEXT NOT NULL,
	UNIQUE (incident_id, authority, version)
);
CREATE TRIGGER regulator_reports_no_update BEFORE UPDATE ON regulator_reports
BEGIN SELECT RAISE(ABORT, 'regulator_reports is append-only'); END;
CREATE TRIGGER regulator_reports_no_delete BEFORE DELETE ON regulator_reports
BEGIN SELECT RAISE(ABORT, 'regulator_reports is append-only'); END;
