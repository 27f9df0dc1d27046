-- The incident timeline: append-only, the triggers refuse changes.
CREATE TABLE incident_events (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id  INTEGER NOT NULL REFERENCES incidents (id),
	kind         TEXT NOT NULL,
	at           TEXT NOT NULL,
	note         TEXT NOT NULL DEFAULT '',
	field        TEXT NOT NULL DEFAULT '',
	before_value TEXT NOT NULL DEFAULT '',
	after_value  TEXT NOT NULL DEFAULT '',
	actor        TEXT NOT NULL,
	recorded_at  TEXT NOT NULL
);
CREATE INDEX incident_events_incident_idx ON incident_events (incident_id, at, id);
CREATE INDEX incident_events_kind_idx ON incident_events (incident_id, kind, at);
CREATE TRIGGER incident_events_no_update BEFORE UPDATE ON incident_events
BEGIN SELECT RAISE(ABORT, 'incident_events is append-only'); END;
CREATE TRIGGER incident_events_no_delete BEFORE DELETE ON incident_events
BEGIN SELECT RAISE(ABORT, 'incident_events is append-only'); END;

-- The audit log: a hash chain over every write. ids are assigned 1, 2, 3...
-- by the writer, without gaps. The triggers stop mistakes; the chain
-- exposes deliberate changes that get past them.
CREATE TABLE audit_log (
	id            INTEGER PRIMARY KEY,
	at            TEXT NOT NULL,
	actor         TEXT NOT NULL,
	action        TEXT NOT NULL,
	entity        TEXT NOT NULL,
	entity_id     TEXT NOT NULL,
	before_digest TEXT NOT NULL,
	after_digest  TEXT NOT NULL,
	prev_hash     TEXT NOT NULL,
	hash          TEXT NOT NULL
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- API tokens: only the SHA-256 of the secret is kept.
CREATE TABLE api_tokens (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	name        TEXT NOT NULL,
	prefix      TEXT NOT NULL,
	secret_hash TEXT NOT NULL UNIQUE,
	created_at  TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	revoked_at  TEXT
);
CREATE UNIQUE INDEX api_tokens_active_name_idx ON api_tokens (name) WHERE revoked_at IS NULL;
