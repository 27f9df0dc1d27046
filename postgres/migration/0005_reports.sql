-- Incident facts that notifications ask for: how the breach came to light,
-- why the authority was notified late, what the people affected are told,
-- and whether the police were (NULL while unknown).
ALTER TABLE incidents
	ADD COLUMN discovery                 text NOT NULL DEFAULT '',
	ADD COLUMN delay_reasons             text NOT NULL DEFAULT '',
	ADD COLUMN individuals_communication text NOT NULL DEFAULT '',
	ADD COLUMN law_enforcement           boolean;

-- Versions of regulator reports, numbered 1, 2, 3... per incident and
-- authority. Append-only: a notification once made is documented as it was
-- (GDPR Art. 33(5)). content is the report's JSON exactly as given: text,
-- not jsonb, which would reorder keys and drop spaces, so that digest, its
-- SHA-256, still matches it.
CREATE TABLE regulator_reports (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	incident_id    bigint NOT NULL REFERENCES incidents (id),
	authority      text NOT NULL,
	phase          text NOT NULL CHECK (phase IN ('initial', 'followup', 'final')),
	version        integer NOT NULL CHECK (version > 0),
	language       text NOT NULL,
	case_reference text NOT NULL DEFAULT '',
	content        text NOT NULL,
	digest         text NOT NULL,
	actor          text NOT NULL,
	created_at     timestamptz NOT NULL,
	UNIQUE (incident_id, authority, version)
);
CREATE TRIGGER regulator_reports_append_only BEFORE UPDATE OR DELETE ON regulator_reports
	FOR EACH ROW EXECUTE FUNCTION refuse_change();
