-- Publishing: API tokens (only a hash of each secret is kept), the history of every figure, and an
-- audit log of every write.

CREATE TABLE api_tokens (
	name        TEXT PRIMARY KEY CHECK (name GLOB '[A-Za-z0-9]*' AND length(name) <= 64),
	role        TEXT NOT NULL CHECK (role IN ('EDITOR', 'ADMIN')),
	secret_hash TEXT NOT NULL UNIQUE CHECK (length(secret_hash) = 64),
	created_at  TEXT NOT NULL,
	revoked_at  TEXT
) STRICT;

-- A figure as it was before a correction or a deletion: who changed it, when and why.
CREATE TABLE observation_revisions (
	seq                INTEGER PRIMARY KEY,
	observation_id     TEXT NOT NULL,
	value              REAL,
	value_women        REAL,
	value_men          REAL,
	sample_size        INTEGER,
	sample_size_women  INTEGER,
	sample_size_men    INTEGER,
	status             TEXT NOT NULL,
	note               TEXT,
	source_id          TEXT NOT NULL,
	valid_from         TEXT NOT NULL, -- when this version was written
	replaced_at        TEXT NOT NULL, -- when it was corrected or deleted
	replaced_by        TEXT NOT NULL, -- the token name (or "seed", "command line") that did it
	reason             TEXT,
	deleted            INTEGER NOT NULL CHECK (deleted IN (0, 1))
) STRICT;
CREATE INDEX observation_revisions_by_id ON observation_revisions (observation_id, seq);

CREATE TABLE audit_log (
	seq        INTEGER PRIMARY KEY,
	at         TEXT NOT NULL,
	actor      TEXT NOT NULL,
	operation  TEXT NOT NULL,
	summary    TEXT NOT NULL CHECK (json_valid(summary))
) STRICT;
