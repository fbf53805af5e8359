-- Metrics that must be read together (a pass rate with its dropout rate and grade distribution), and
-- derived metrics: a metric computed, when asked for, as numerator / denominator × factor of two
-- others, so its value is never stored twice.

CREATE TABLE metric_relations (
	metric_id   TEXT NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
	related_id  TEXT NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
	position    INTEGER NOT NULL,
	PRIMARY KEY (metric_id, related_id),
	CHECK (metric_id <> related_id)
) STRICT;

ALTER TABLE metrics ADD COLUMN numerator_id TEXT REFERENCES metrics (id);
ALTER TABLE metrics ADD COLUMN denominator_id TEXT REFERENCES metrics (id)
	CHECK ((numerator_id IS NULL) = (denominator_id IS NULL));
ALTER TABLE metrics ADD COLUMN factor REAL
	CHECK ((factor IS NULL) = (numerator_id IS NULL) AND (factor IS NULL OR factor > 0));
