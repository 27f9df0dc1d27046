-- Campaigns: the notices an incident's affected people are sent, by e-mail
-- or by letter. filter is the audience as a JSON object.
CREATE TABLE campaigns (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id  INTEGER NOT NULL REFERENCES incidents (id),
	channel      TEXT NOT NULL CHECK (channel IN ('email', 'letter')),
	template     TEXT NOT NULL CHECK (template IN ('notice', 'update')),
	filter       TEXT NOT NULL DEFAULT '{}',
	follow_up_of INTEGER REFERENCES campaigns (id),
	unreached    INTEGER NOT NULL DEFAULT 0,
	status       TEXT NOT NULL CHECK (status IN ('draft', 'active', 'paused', 'done')),
	recipients   INTEGER NOT NULL DEFAULT 0,
	skipped      INTEGER NOT NULL DEFAULT 0,
	actor        TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL,
	started_at   TEXT,
	completed_at TEXT
);
CREATE INDEX campaigns_incident_idx ON campaigns (incident_id);

-- The outbox: one notice per person and campaign. It holds no personal
-- data; the sender reads the person's sealed address when it sends.
-- worker_id names the sender holding a claimed or in-flight notice; it is
-- not a foreign key, so that a sender need not register to claim.
CREATE TABLE notices (
	id              INTEGER PRIMARY KEY,
	campaign_id     INTEGER NOT NULL REFERENCES campaigns (id),
	person_id       INTEGER NOT NULL REFERENCES affected_people (id),
	state           TEXT NOT NULL CHECK (state IN ('queued', 'claimed', 'in_flight', 'sent', 'failed', 'bounced')),
	uncertain       INTEGER NOT NULL DEFAULT 0,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	code            TEXT,
	message_id      TEXT,
	worker_id       TEXT,
	sent_at         TEXT,
	bounced_at      TEXT,
	updated_at      TEXT NOT NULL,
	UNIQUE (campaign_id, person_id)
);
-- Claims read the first due entries of one campaign here. Only queued
-- notices are in it, so it shrinks to nothing as the campaign is sent, and
-- neither the notices sent already nor those of drafts and paused
-- campaigns are ever stepped over.
CREATE INDEX notices_due_idx ON notices (campaign_id, next_attempt_at) WHERE state = 'queued';
-- Progress counts and look-ups by state (the failed notices of a campaign).
CREATE INDEX notices_state_idx ON notices (campaign_id, state);
CREATE INDEX notices_person_idx ON notices (person_id);
-- Codes are set when a notice is first handed over; the notices not sent
-- yet stay out of the index.
CREATE UNIQUE INDEX notices_code_idx ON notices (code) WHERE code IS NOT NULL;
-- What a worker holds, to release it when the worker dies.
CREATE INDEX notices_worker_idx ON notices (worker_id) WHERE worker_id IS NOT NULL;

-- Sending processes, so that others can tell when one has died.
CREATE TABLE workers (
	id           TEXT PRIMARY KEY,
	host         TEXT NOT NULL,
	pid          INTEGER NOT NULL,
	started_at   TEXT NOT NULL,
	heartbeat_at TEXT NOT NULL
);
