-- Public pages of incidents, /incidents/{slug}. content is the page per
-- language tag; languages the array of its languages, the fallback first.
CREATE TABLE incident_pages (
	incident_id bigint PRIMARY KEY REFERENCES incidents (id),
	slug        text NOT NULL UNIQUE,
	published   boolean NOT NULL DEFAULT false,
	languages   jsonb NOT NULL DEFAULT '[]',
	content     jsonb NOT NULL DEFAULT '{}',
	updated_at  timestamptz NOT NULL
);

-- Inquiries from the public form: questions, claims, data-subject requests
-- and complaints. name, email, phone and message are sealed (AES-256-GCM);
-- email_index is a keyed hash, to find a person's inquiries. code is the
-- verification code the person gave, notice_id its notice when genuine.
CREATE TABLE inquiries (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	reference       text NOT NULL UNIQUE,
	incident_id     bigint REFERENCES incidents (id),
	category        text NOT NULL CHECK (category IN ('question', 'claim', 'data_request', 'complaint')),
	request_kind    text NOT NULL DEFAULT '',
	name            bytea NOT NULL,
	email           bytea NOT NULL,
	phone           bytea,
	message         bytea NOT NULL,
	email_index     bytea,
	code            text NOT NULL DEFAULT '',
	notice_id       bigint REFERENCES notices (id),
	language        text NOT NULL DEFAULT '',
	status          text NOT NULL CHECK (status IN ('open', 'assigned', 'answered', 'closed')),
	assigned_to     text NOT NULL DEFAULT '',
	due_at          timestamptz,
	receipt_sent_at timestamptz,
	created_at      timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL
);
-- The staff queue: inquiries by status, oldest first.
CREATE INDEX inquiries_queue_idx ON inquiries (status, created_at, id);
-- An incident's inquiries, for its queue.
CREATE INDEX inquiries_incident_idx ON inquiries (incident_id, created_at) WHERE incident_id IS NOT NULL;
CREATE INDEX inquiries_email_idx ON inquiries (email_index) WHERE email_index IS NOT NULL;
-- Receipts still to mail; the index empties as they are sent.
CREATE INDEX inquiries_receipt_idx ON inquiries (created_at, id) WHERE receipt_sent_at IS NULL;

-- The masked address (or name, on a letter) a notice went to, recorded
-- with its in-flight mark, for the verification page.
ALTER TABLE notices ADD COLUMN recipient text NOT NULL DEFAULT '';
