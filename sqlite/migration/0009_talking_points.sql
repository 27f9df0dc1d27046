-- The talking points of incidents: the script customer service follows,
-- one current version per incident. updated_by is the actor who wrote it,
-- as kind:name; every version is in the audit log as a digest.
CREATE TABLE incident_talking_points (
	incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),
	text        TEXT NOT NULL,
	updated_at  TEXT NOT NULL,
	updated_by  TEXT NOT NULL
);
