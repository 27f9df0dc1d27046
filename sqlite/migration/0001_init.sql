-- The controller: one row, as a deployment serves one organization.
CREATE TABLE organization (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	name       TEXT NOT NULL,
	country    TEXT NOT NULL,
	dpo_name   TEXT NOT NULL DEFAULT '',
	dpo_email  TEXT NOT NULL DEFAULT '',
	dpo_phone  TEXT NOT NULL DEFAULT '',
	language   TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- Incidents. Times are RFC 3339 UTC text with microseconds, so that text
-- order is time order; lists are JSON arrays; unknown facts are NULL.
CREATE TABLE incidents (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	title               TEXT NOT NULL,
	summary             TEXT NOT NULL DEFAULT '',
	status              TEXT NOT NULL,
	nature              TEXT NOT NULL DEFAULT '[]',
	cause               TEXT NOT NULL DEFAULT '',
	malicious           INTEGER,
	occurred_from       TEXT,
	occurred_to         TEXT,
	detected_at         TEXT,
	aware_at            TEXT,
	determined_at       TEXT,
	contained_at        TEXT,
	data_categories     TEXT NOT NULL DEFAULT '[]',
	subject_categories  TEXT NOT NULL DEFAULT '[]',
	approx_subjects     INTEGER,
	approx_records      INTEGER,
	recipients          TEXT NOT NULL DEFAULT '',
	encryption          TEXT NOT NULL DEFAULT '',
	backup_available    INTEGER,
	data_recovered      INTEGER,
	measures_taken      TEXT NOT NULL DEFAULT '',
	measures_planned    TEXT NOT NULL DEFAULT '',
	likely_consequences TEXT NOT NULL DEFAULT '',
	cross_border        INTEGER,
	created_at          TEXT NOT NULL,
	updated_at          TEXT NOT NULL
);

CREATE INDEX incidents_status_idx ON incidents (status);
