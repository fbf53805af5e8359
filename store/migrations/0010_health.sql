-- One row that the health check rewrites, to prove that a write commits, without moving the data version.
CREATE TABLE health (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	checked_at TEXT NOT NULL
) STRICT;
