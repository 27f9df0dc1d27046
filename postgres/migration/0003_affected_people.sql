-- Data keys, wrapped by the master key from the key file. One index key;
-- one active encryption key at a time, retired ones kept to open old data.
CREATE TABLE data_keys (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	purpose       text NOT NULL CHECK (purpose IN ('encrypt', 'index')),
	wrapped       bytea NOT NULL,
	master_key_id text NOT NULL,
	created_at    timestamptz NOT NULL,
	retired_at    timestamptz
);
CREATE UNIQUE INDEX data_keys_one_index_key ON data_keys (purpose) WHERE purpose = 'index';
CREATE UNIQUE INDEX data_keys_one_active_key ON data_keys (purpose) WHERE purpose = 'encrypt' AND retired_at IS NULL;

-- Affected people. name, email, phone and postal_address are sealed
-- (AES-256-GCM); email_index and phone_index are keyed hashes for look-ups.
-- data_categories is empty when the incident's list applies.
CREATE TABLE affected_people (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	incident_id     bigint NOT NULL REFERENCES incidents (id),
	external_id     text NOT NULL,
	name            bytea,
	email           bytea,
	phone           bytea,
	postal_address  bytea,
	email_index     bytea,
	phone_index     bytea,
	country         text NOT NULL,
	region          text NOT NULL DEFAULT '',
	language        text NOT NULL,
	data_categories text[] NOT NULL DEFAULT '{}',
	created_at      timestamptz NOT NULL,
	UNIQUE (incident_id, external_id)
);
CREATE INDEX affected_people_email_idx ON affected_people (email_index) WHERE email_index IS NOT NULL;
CREATE INDEX affected_people_phone_idx ON affected_people (phone_index) WHERE phone_index IS NOT NULL;
