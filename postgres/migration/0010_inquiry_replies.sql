-- The staff's replies to inquiries, and the outbox they are mailed from: a
-- reply is stored in the same transaction as its inquiry's status
-- "answered", and sent_at is set once the mailer has handed it over, or
-- the relay refused it for good: refusal is then the relay's answer. body
-- is sealed (AES-256-GCM), bound to the inquiry's reference; template names
-- the templated reply it started from, '' for none; author is the login of
-- the staff member who wrote it.
CREATE TABLE inquiry_replies (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	inquiry_id bigint NOT NULL REFERENCES inquiries (id),
	template   text NOT NULL DEFAULT '',
	language   text NOT NULL DEFAULT '',
	body       bytea NOT NULL,
	author     text NOT NULL,
	created_at timestamptz NOT NULL,
	sent_at    timestamptz,
	refusal    text NOT NULL DEFAULT ''
);
-- An inquiry's conversation, oldest first.
CREATE INDEX inquiry_replies_inquiry_idx ON inquiry_replies (inquiry_id, id);
-- Replies still to mail, oldest first; the index empties as they are sent.
CREATE INDEX inquiry_replies_pending_idx ON inquiry_replies (id) WHERE sent_at IS NULL;
