-- Tombstones: the global IDs of deleted objects and when they went, so a mirror that syncs by
-- updatedSince can delete them too.
CREATE TABLE tombstones (
	seq         INTEGER PRIMARY KEY,
	id          TEXT NOT NULL,
	type        TEXT NOT NULL,
	deleted_at  TEXT NOT NULL
) STRICT;
CREATE INDEX tombstones_by_time ON tombstones (deleted_at, seq);

-- Full-text search over the named things of the graph. unicode61 with remove_diacritics folds case and
-- accents, so "sodertalje" finds "Södertälje". The table is rebuilt from the others whenever they change.
CREATE VIRTUAL TABLE search_index USING fts5(
	id UNINDEXED,
	type UNINDEXED,
	title,
	body,
	tokenize = "unicode61 remove_diacritics 2"
);
