-- The talking points of incidents: the script customer service follows,
-- one current version per incident. updated_by is the actor who wrote it,
-- as kind:name; every version is in the audit log as a digest.
CREATE TABLE incident_talking_points (
	incident_id bigint PRIMARY KEY REFERENCES incidents (id),
	text        text NOT NULL,
	updated_at  timestamptz NOT NULL,
	updated_by  text NOT NULL
);
