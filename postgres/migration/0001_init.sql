-- The controller: one row, as a deployment serves one organization.
CREATE TABLE organization (
	id         integer PRIMARY KEY CHECK (id = 1),
	name       text NOT NULL,
	country    text NOT NULL,
	dpo_name   text NOT NULL DEFAULT '',
	dpo_email  text NOT NULL DEFAULT '',
	dpo_phone  text NOT NULL DEFAULT '',
	language   text NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL
);

-- Incidents. Unknown facts are NULL.
CREATE TABLE incidents (
	id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	title               text NOT NULL,
	summary             text NOT NULL DEFAULT '',
	status              text NOT NULL,
	nature              text[] NOT NULL DEFAULT '{}',
	cause               text NOT NULL DEFAULT '',
	malicious           boolean,
	occurred_from       timestamptz,
	occurred_to         timestamptz,
	detected_at         timestamptz,
	aware_at            timestamptz,
	determined_at       timestamptz,
	contained_at        timestamptz,
	data_categories     text[] NOT NULL DEFAULT '{}',
	subject_categories  text[] NOT NULL DEFAULT '{}',
	approx_subjects     bigint,
	approx_records      bigint,
	recipients          text NOT NULL DEFAULT '',
	encryption          text NOT NULL DEFAULT '',
	backup_available    boolean,
	data_recovered      boolean,
	measures_taken      text NOT NULL DEFAULT '',
	measures_planned    text NOT NULL DEFAULT '',
	likely_consequences text NOT NULL DEFAULT '',
	cross_border        boolean,
	created_at          timestamptz NOT NULL,
	updated_at          timestamptz NOT NULL
);

CREATE INDEX incidents_status_idx ON incidents (status);
