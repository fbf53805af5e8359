-- A figure imported again after it was deleted takes its tombstone away (importer.put): without an index
-- on the ID, every figure an import adds scanned the whole table of tombstones.
CREATE INDEX tombstones_by_id ON tombstones (id);
