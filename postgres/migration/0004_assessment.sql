-- Sector regimes the controller declares.
ALTER TABLE organization ADD COLUMN sectors text[] NOT NULL DEFAULT '{}';

-- Users' overrides of assessment factors, with reasons. Append-only: the
-- latest row per factor is in force; an empty value removes an override.
CREATE TABLE assessment_overrides (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	incident_id bigint NOT NULL REFERENCES incidents (id),
	factor      text NOT NULL,
	value       text NOT NULL,
	reason      text NOT NULL,
	actor       text NOT NULL,
	created_at  timestamptz NOT NULL
);
CREATE INDEX assessment_overrides_incident ON assessment_overrides (incident_id, factor, id);
CREATE TRIGGER assessment_overrides_append_only BEFORE UPDATE OR DELETE ON assessment_overrides
	FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Obligations marked done or waived. Append-only: the latest row per
-- obligation counts.
CREATE TABLE obligation_statuses (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	incident_id   bigint NOT NULL REFERENCES incidents (id),
	obligation_id text NOT NULL,
	status        text NOT NULL CHECK (status IN ('pending', 'done', 'waived')),
	at            timestamptz,
	note          text NOT NULL DEFAULT '',
	actor         text NOT NULL,
	created_at    timestamptz NOT NULL
);
CREATE INDEX obligation_statuses_incident ON obligation_statuses (incident_id, obligation_id, id);
CREATE TRIGGER obligation_statuses_append_only BEFORE UPDATE OR DELETE ON obligation_statuses
	FOR EACH ROW EXECUTE FUNCTION refuse_change();
