-- Disclosure control. Whether each figure may be shown is decided when data is written, in the same
-- transaction, and kept with the figure: a figure based on too few individuals is withheld, and so are
-- as many others as it takes that no subtraction of published figures gives it back (complementary
-- suppression). The threshold is part of the data, so every server reading the file withholds the same
-- figures the writer decided on.

ALTER TABLE dataset ADD COLUMN suppress_below INTEGER NOT NULL DEFAULT 10 CHECK (suppress_below >= 1);

-- Why the figure (its value and sample size) is withheld, and why its values for women and men are;
-- NULL when shown.
ALTER TABLE observations ADD COLUMN suppression TEXT
	CHECK (suppression IN ('TOO_FEW_INDIVIDUALS', 'PROTECTS_OTHER_FIGURE', 'SIZE_UNKNOWN'));
ALTER TABLE observations ADD COLUMN gender_suppression TEXT
	CHECK (gender_suppression IN ('TOO_FEW_INDIVIDUALS', 'PROTECTS_OTHER_FIGURE', 'SIZE_UNKNOWN'));

-- A group's figures are read together: one municipality's, for the metrics of one service area, in one year.
CREATE INDEX observations_by_group ON observations (municipality_code, metric_id, period_start);

-- For a metric of money paid under a price list: which metric counts what each kind of price is paid for.
-- The payment reveals those counts through the public prices, so it is withheld whenever one of them is.
CREATE TABLE metric_paid_for (
	metric_id   TEXT NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
	position    INTEGER NOT NULL,
	unit        TEXT NOT NULL CHECK (unit IN ('PER_PARTICIPANT', 'PER_COURSE', 'PER_CREDIT', 'PER_WEEK', 'PER_MONTH', 'PER_HOUR')),
	paid_when   TEXT NOT NULL CHECK (paid_when IN ('ON_START', 'MONTHLY', 'ON_COMPLETION', 'ON_PASS', 'ON_TRANSITION')),
	counted_by  TEXT NOT NULL REFERENCES metrics (id),
	PRIMARY KEY (metric_id, position),
	UNIQUE (metric_id, unit, paid_when)
) STRICT;

-- The groups whose figures changed since their suppression was last decided. Triggers fill it on every
-- change to a figure, whichever path makes it; the write that made the change empties it, deciding again
-- for those groups before it commits, so no reader ever sees a figure unprotected.
CREATE TABLE disclosure_queue (
	municipality_code  TEXT NOT NULL,
	year               TEXT NOT NULL,
	metric_id          TEXT NOT NULL,
	PRIMARY KEY (municipality_code, year, metric_id)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER observations_queue_insert AFTER INSERT ON observations BEGIN
	INSERT OR IGNORE INTO disclosure_queue VALUES (NEW.municipality_code, substr(NEW.period_start, 1, 4), NEW.metric_id);
END;
CREATE TRIGGER observations_queue_delete AFTER DELETE ON observations BEGIN
	INSERT OR IGNORE INTO disclosure_queue VALUES (OLD.municipality_code, substr(OLD.period_start, 1, 4), OLD.metric_id);
END;
-- Not on the suppression columns or updated_at, which the decision itself writes.
CREATE TRIGGER observations_queue_update AFTER UPDATE OF metric_id, provider_id, municipality_code, period, period_start,
		value, value_women, value_men, sample_size, sample_size_women, sample_size_men ON observations BEGIN
	INSERT OR IGNORE INTO disclosure_queue VALUES (OLD.municipality_code, substr(OLD.period_start, 1, 4), OLD.metric_id);
	INSERT OR IGNORE INTO disclosure_queue VALUES (NEW.municipality_code, substr(NEW.period_start, 1, 4), NEW.metric_id);
END;

-- Every figure stored so far is decided on in this migration's transaction (see migrate).
INSERT INTO disclosure_queue SELECT DISTINCT municipality_code, substr(period_start, 1, 4), metric_id FROM observations;
