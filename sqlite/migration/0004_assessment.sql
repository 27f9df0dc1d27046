-- Sector regimes the controller declares (a JSON array).
ALTER TABLE organization ADD COLUMN sectors TEXT NOT NULL DEFAULT '[]';

-- Users' overrides of assessment factors, with reasons. Append-only: the
-- latest row per factor is in force; an empty value removes an override.
CREATE TABLE assessment_overrides (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	factor      TEXT NOT NULL,
	value       TEXT NOT NULL,
	reason      TEXT NOT NULL,
	actor       TEXT NOT NULL,
	created_at  TEXT NOT NULL
);
CREATE INDEX assessment_overrides_incident ON assessment_overrides (incident_id, factor, id);
CREATE TRIGGER assessment_overrides_no_update BEFORE UPDATE ON assessment_overrides
BEGIN SELECT RAISE(ABORT, 'assessment_overrides is append-only'); END;
CREATE TRIGGER assessment_overrides_no_delete BEFORE DELETE ON assessment_overrides
BEGIN SELECT RAISE(ABORT, 'assessment_overrides is append-only'); END;

-- Obligations marked done or waived. Append-only: the latest row per
-- obligation counts.
CREATE TABLE obligation_statuses (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id   INTEGER NOT NULL REFERENCES incidents (id),
	obligation_id TEXT NOT NULL,
	status        TEXT NOT NULL CHECK (status IN ('pending', 'done', 'waived')),
	at            TEXT,
	note          TEXT NOT NULL DEFAULT '',
	actor         TEXT NOT NULL,
	created_at    TEXT NOT NULL
);
CREATE INDEX obligation_statuses_incident ON obligation_statuses (incident_id, obligation_id, id);
CREATE TRIGGER obligation_statuses_no_update BEFORE UPDATE ON obligation_statuses
BEGIN SELECT RAISE(ABORT, 'obligation_statuses is append-only'); END;
CREATE TRIGGER obligation_statuses_no_delete BEFORE DELETE ON obligation_statuses
BEGIN SELECT RAISE(ABORT, 'obligation_statuses is append-only'); END;
