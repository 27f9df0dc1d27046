-- Refuses UPDATE and DELETE on the append-only tables.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;

-- The incident timeline: append-only.
CREATE TABLE incident_events (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	incident_id  bigint NOT NULL REFERENCES incidents (id),
	kind         text NOT NULL,
	at           timestamptz NOT NULL,
	note         text NOT NULL DEFAULT '',
	field        text NOT NULL DEFAULT '',
	before_value text NOT NULL DEFAULT '',
	after_value  text NOT NULL DEFAULT '',
	actor        text NOT NULL,
	recorded_at  timestamptz NOT NULL
);
CREATE INDEX incident_events_incident_idx ON incident_events (incident_id, at, id);
CREATE INDEX incident_events_kind_idx ON incident_events (incident_id, kind, at);
CREATE TRIGGER incident_events_append_only BEFORE UPDATE OR DELETE ON incident_events
	FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The audit log: a hash chain over every write. ids are assigned 1, 2, 3...
-- by the writer, under an advisory lock, without gaps. The trigger stops
-- mistakes; the chain exposes deliberate changes that get past it.
CREATE TABLE audit_log (
	id            bigint PRIMARY KEY,
	at            timestamptz NOT NULL,
	actor         text NOT NULL,
	action        text NOT NULL,
	entity        text NOT NULL,
	entity_id     text NOT NULL,
	before_digest text NOT NULL,
	after_digest  text NOT NULL,
	prev_hash     text NOT NULL,
	hash          text NOT NULL
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- API tokens: only the SHA-256 of the secret is kept.
CREATE TABLE api_tokens (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name        text NOT NULL,
	prefix      text NOT NULL,
	secret_hash text NOT NULL UNIQUE,
	created_at  timestamptz NOT NULL,
	created_by  text NOT NULL,
	revoked_at  timestamptz
);
CREATE UNIQUE INDEX api_tokens_active_name_idx ON api_tokens (name) WHERE revoked_at IS NULL;
