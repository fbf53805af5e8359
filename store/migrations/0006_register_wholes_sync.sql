-- The country's register, parts of a whole, and when a synchronisation last ran.
--
-- municipalities holds every place a figure can be about, by the code Kolada files it under: the 290
-- municipalities (their SCB kommunkod), the 21 regions (00 followed by the county's SCB länskod) and the
-- whole country (0000), each with its kind and its county's code.
ALTER TABLE municipalities ADD COLUMN kind TEXT NOT NULL DEFAULT 'MUNICIPALITY'
	CHECK (kind IN ('MUNICIPALITY', 'REGION', 'COUNTRY'));
ALTER TABLE municipalities ADD COLUMN county_code TEXT
	CHECK (county_code IS NULL OR (length(county_code) = 2 AND county_code NOT GLOB '*[^0-9]*'));
UPDATE municipalities SET kind = 'COUNTRY' WHERE code = '0000';

-- Metrics that count disjoint parts of one whole (passed and dropped out, of all who finished or dropped
-- out) name the same whole; for one subject and period their values add up to at most 100 %.
ALTER TABLE metrics ADD COLUMN whole TEXT CHECK (whole IS NULL OR whole <> '');

-- When each synchronisation with an outside source (kolada-sync) last ran, written in the same
-- transaction as the figures it brought, so the next run asks only for what changed since.
CREATE TABLE sync_marks (
	name        TEXT PRIMARY KEY CHECK (name <> ''),
	started_at  TEXT NOT NULL
) STRICT;
