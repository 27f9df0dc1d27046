-- Staff accounts of the console. login is the e-mail address in lower
-- case; password_hash is made and checked by the caller. failed_sign_ins
-- counts the wrong passwords since the last sign-in, locked_until is set
-- when they reach the limit.
CREATE TABLE staff_users (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	login           TEXT NOT NULL UNIQUE,
	name            TEXT NOT NULL,
	role            TEXT NOT NULL CHECK (role IN ('admin', 'dpo', 'responder', 'agent', 'auditor')),
	language        TEXT NOT NULL,
	password_hash   TEXT NOT NULL,
	created_at      TEXT NOT NULL,
	disabled_at     TEXT,
	failed_sign_ins INTEGER NOT NULL DEFAULT 0,
	locked_until    TEXT,
	last_sign_in_at TEXT
);

-- Sessions of the console: id is the SHA-256 of the secret the browser
-- holds, never the secret.
CREATE TABLE staff_sessions (
	id           TEXT PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
	created_at   TEXT NOT NULL,
	last_seen_at TEXT NOT NULL
);
CREATE INDEX staff_sessions_user_idx ON staff_sessions (user_id);
