-- Public pages of incidents, /incidents/{slug}. content is a JSON object
-- of the page per language tag; languages the JSON array of its languages,
-- the fallback first.
CREATE TABLE incident_pages (
	incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),
	slug        TEXT NOT NULL UNIQUE,
	published   INTEGER NOT NULL DEFAULT 0,
	languages   TEXT NOT NULL DEFAULT '[]',
	content     TEXT NOT NULL DEFAULT '{}',
	updated_at  TEXT NOT NULL
);

-- Inquiries from the public form: questions, claims, data-subject requests
-- and complaints. name, email, phone and message are sealed (AES-256-GCM);
-- email_index is a keyed hash, to find a person's inquiries. code is the
-- verification code the person gave, notice_id its notice when genuine.
CREATE TABLE inquiries (
	id              INTEGER PRIMARY KEY,
	reference       TEXT NOT NULL UNIQUE,
	incident_id     INTEGER REFERENCES incidents (id),
	category        TEXT NOT NULL CHECK (category IN ('question', 'claim', 'data_request', 'complaint')),
	request_kind    TEXT NOT NULL DEFAULT '',
	name            BLOB NOT NULL,
	email           BLOB NOT NULL,
	phone           BLOB,
	message         BLOB NOT NULL,
	email_index     BLOB,
	code            TEXT NOT NULL DEFAULT '',
	notice_id       INTEGER REFERENCES notices (id),
	language        TEXT NOT NULL DEFAULT '',
	status          TEXT NOT NULL CHECK (status IN ('open', 'assigned', 'answered', 'closed')),
	assigned_to     TEXT NOT NULL DEFAULT '',
	due_at          TEXT,
	receipt_sent_at TEXT,
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL
);
-- The staff queue: inquiries by status, oldest first.
CREATE INDEX inquiries_queue_idx ON inquiries (status, created_at);
-- An incident's inquiries, for its queue.
CREATE INDEX inquiries_incident_idx ON inquiries (incident_id, created_at) WHERE incident_id IS NOT NULL;
CREATE INDEX inquiries_email_idx ON inquiries (email_index) WHERE email_index IS NOT NULL;
-- Receipts still to mail; the index empties as they are sent.
CREATE INDEX inquiries_receipt_idx ON inquiries (created_at, id) WHERE receipt_sent_at IS NULL;

-- The masked address (or name, on a letter) a notice went to, recorded
-- with its in-flight mark, for the verification page.
ALTER TABLE notices ADD COLUMN recipient TEXT NOT NULL DEFAULT '';
