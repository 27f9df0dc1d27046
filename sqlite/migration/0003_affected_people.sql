-- Data keys, wrapped by the master key from the key file. One index key;
-- one active encryption key at a time, retired ones kept to open old data.
CREATE TABLE data_keys (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	purpose       TEXT NOT NULL CHECK (purpose IN ('encrypt', 'index')),
	wrapped       BLOB NOT NULL,
	master_key_id TEXT NOT NULL,
	created_at    TEXT NOT NULL,
	retired_at    TEXT
);
CREATE UNIQUE INDEX data_keys_one_index_key ON data_keys (purpose) WHERE purpose = 'index';
CREATE UNIQUE INDEX data_keys_one_active_key ON data_keys (purpose) WHERE purpose = 'encrypt' AND retired_at IS NULL;

-- Affected people. name, email, phone and postal_address are sealed
-- (AES-256-GCM); email_index and phone_index are keyed hashes for look-ups.
-- data_categories is a JSON array, empty when the incident's list applies.
CREATE TABLE affected_people (
	id              INTEGER PRIMARY KEY,
	incident_id     INTEGER NOT NULL REFERENCES incidents (id),
	external_id     TEXT NOT NULL,
	name            BLOB,
	email           BLOB,
	phone           BLOB,
	postal_address  BLOB,
	email_index     BLOB,
	phone_index     BLOB,
	country         TEXT NOT NULL,
	region          TEXT NOT NULL DEFAULT '',
	language        TEXT NOT NULL,
	data_categories TEXT NOT NULL DEFAULT '[]',
	created_at      TEXT NOT NULL,
	UNIQUE (incident_id, external_id)
);
CREATE INDEX affected_people_email_idx ON affected_people (email_index) WHERE email_index IS NOT NULL;
CREATE INDEX affected_people_phone_idx ON affected_people (phone_index) WHERE phone_index IS NOT NULL;
