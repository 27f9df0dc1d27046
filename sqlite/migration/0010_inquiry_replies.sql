-- The staff's replies to inquiries, and the outbox they are mailed from: a
-- reply is stored in the same transaction as its inquiry's status
-- "answered", and sent_at is set once the mailer has handed it over, or
-- the relay refused it for good: refusal is then the relay's answer. body
-- is sealed (AES-256-GCM), bound to the inquiry's reference; template names
-- the templated reply it started from, '' for none; author is the login of
-- the staff member who wrote it. ids are never reused, so that a mailer
-- marking what it sent cannot mark another reply.
CREATE TABLE inquiry_replies (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	inquiry_id INTEGER NOT NULL REFERENCES inquiries (id),
	template   TEXT NOT NULL DEFAULT '',
	language   TEXT NOT NULL DEFAULT '',
	body       BLOB NOT NULL,
	author     TEXT NOT NULL,
	created_at TEXT NOT NULL,
	sent_at    TEXT,
	refusal    TEXT NOT NULL DEFAULT ''
);
-- An inquiry's conversation, oldest first.
CREATE INDEX inquiry_replies_inquiry_idx ON inquiry_replies (inquiry_id, id);
-- Replies still to mail, oldest first; the index empties as they are sent.
CREATE INDEX inquiry_replies_pending_idx ON inquiry_replies (id) WHERE sent_at IS NULL;
