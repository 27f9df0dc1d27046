-- Staff accounts of the console. login is the e-mail address in lower
-- case; password_hash is made and checked by the caller. failed_sign_ins
-- counts the wrong passwords since the last sign-in, locked_until is set
-- when they reach the limit.
CREATE TABLE staff_users (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	login           text NOT NULL UNIQUE,
	name            text NOT NULL,
	role            text NOT NULL CHECK (role IN ('admin', 'dpo', 'responder', 'agent', 'auditor')),
	language        text NOT NULL,
	password_hash   text NOT NULL,
	created_at      timestamptz NOT NULL,
	disabled_at     timestamptz,
	failed_sign_ins integer NOT NULL DEFAULT 0,
	locked_until    timestamptz,
	last_sign_in_at timestamptz
);

-- Sessions of the console: id is the SHA-256 of the secret the browser
-- holds, never the secret.
CREATE TABLE staff_sessions (
	id           text PRIMARY KEY,
	user_id      bigint NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
	created_at   timestamptz NOT NULL,
	last_seen_at timestamptz NOT NULL
);
CREATE INDEX staff_sessions_user_idx ON staff_sessions (user_id);
