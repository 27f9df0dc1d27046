-- Campaigns: the notices an incident's affected people are sent, by e-mail
-- or by letter. filter is the audience.
CREATE TABLE campaigns (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	incident_id  bigint NOT NULL REFERENCES incidents (id),
	channel      text NOT NULL CHECK (channel IN ('email', 'letter')),
	template     text NOT NULL CHECK (template IN ('notice', 'update')),
	filter       jsonb NOT NULL DEFAULT '{}',
	follow_up_of bigint REFERENCES campaigns (id),
	unreached    boolean NOT NULL DEFAULT false,
	status       text NOT NULL CHECK (status IN ('draft', 'active', 'paused', 'done')),
	recipients   bigint NOT NULL DEFAULT 0,
	skipped      bigint NOT NULL DEFAULT 0,
	actor        text NOT NULL,
	created_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL,
	started_at   timestamptz,
	completed_at timestamptz
);
CREATE INDEX campaigns_incident_idx ON campaigns (incident_id);

-- The outbox: one notice per person and campaign. It holds no personal
-- data; the sender reads the person's sealed address when it sends.
-- worker_id names the sender holding a claimed or in-flight notice; it is
-- not a foreign key, so that a sender need not register to claim.
CREATE TABLE notices (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	campaign_id     bigint NOT NULL REFERENCES campaigns (id),
	person_id       bigint NOT NULL REFERENCES affected_people (id),
	state           text NOT NULL CHECK (state IN ('queued', 'claimed', 'in_flight', 'sent', 'failed', 'bounced')),
	uncertain       boolean NOT NULL DEFAULT false,
	attempts        integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL,
	last_error      text NOT NULL DEFAULT '',
	code            text,
	message_id      text,
	worker_id       text,
	sent_at         timestamptz,
	bounced_at      timestamptz,
	updated_at      timestamptz NOT NULL,
	UNIQUE (campaign_id, person_id)
);
-- Claims read the first due entries of one campaign here. Only queued
-- notices are in it, so it shrinks to nothing as the campaign is sent, and
-- neither the notices sent already nor those of drafts and paused
-- campaigns are ever stepped over.
CREATE INDEX notices_due_idx ON notices (campaign_id, next_attempt_at, id) WHERE state = 'queued';
-- Progress counts and look-ups by state (the failed notices of a campaign).
CREATE INDEX notices_state_idx ON notices (campaign_id, state, id);
CREATE INDEX notices_person_idx ON notices (person_id);
-- Codes are set when a notice is first handed over; the notices not sent
-- yet stay out of the index.
CREATE UNIQUE INDEX notices_code_idx ON notices (code) WHERE code IS NOT NULL;
-- What a worker holds, to release it when the worker dies.
CREATE INDEX notices_worker_idx ON notices (worker_id) WHERE worker_id IS NOT NULL;

-- Sending processes, so that others can tell when one has died.
CREATE TABLE workers (
	id           text PRIMARY KEY,
	host         text NOT NULL,
	pid          integer NOT NULL,
	started_at   timestamptz NOT NULL,
	heartbeat_at timestamptz NOT NULL
);
