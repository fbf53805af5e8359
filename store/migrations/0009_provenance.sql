-- Every object that states a fact names its source, and every status says the date it was stated.

-- Municipalities and service areas get a source. A database made before this points its municipalities at
-- Statistics Sweden's register and the country at Kolada, and its service areas at the source of the
-- seed's descriptions, or at its first source when it has neither; loading data sets each one.
INSERT OR IGNORE INTO sources (id, title, publisher, url, illustrative, description)
	SELECT 'Source:scb-lan-och-kommuner', 'Län och kommuner i kodnummerordning', 'Statistiska centralbyrån (SCB)',
		'https://www.scb.se/hitta-statistik/regional-statistik-och-kartor/regionala-indelningar/lan-och-kommuner/', 0,
		'Statistiska centralbyråns förteckning över län och kommuner med deras koder (kommunkod, länskod).'
	WHERE EXISTS (SELECT 1 FROM municipalities);
ALTER TABLE municipalities ADD COLUMN source_id TEXT REFERENCES sources (id);
UPDATE municipalities SET source_id = CASE
	WHEN code = '0000' THEN coalesce((SELECT id FROM sources WHERE id = 'Source:kolada'), 'Source:scb-lan-och-kommuner')
	ELSE 'Source:scb-lan-och-kommuner' END;
ALTER TABLE service_areas ADD COLUMN source_id TEXT REFERENCES sources (id);
UPDATE service_areas SET source_id = coalesce((SELECT id FROM sources WHERE id = 'Source:malmqvist-2017-09-19-auktorisation-vux'),
	(SELECT min(id) FROM sources));

-- The date a status was stated: the source says nothing of later.
ALTER TABLE schemes ADD COLUMN status_as_of TEXT CHECK (status_as_of IS NULL OR date(status_as_of) IS status_as_of);
ALTER TABLE associations ADD COLUMN status_as_of TEXT CHECK (status_as_of IS NULL OR date(status_as_of) IS status_as_of);
ALTER TABLE milestones ADD COLUMN as_of TEXT CHECK (as_of IS NULL OR date(as_of) IS as_of);
UPDATE schemes SET status_as_of = (SELECT published_on FROM sources WHERE id = schemes.source_id);
UPDATE associations SET status_as_of = (SELECT published_on FROM sources WHERE id = associations.source_id);
UPDATE milestones SET as_of = (SELECT published_on FROM sources WHERE id = milestones.source_id);

-- Offices of a municipality that follow up its services, such as the quality office (kvalitetskansli)
-- that follows up every provider whatever its operating form.
CREATE TABLE offices (
	id                 TEXT PRIMARY KEY CHECK (id GLOB 'Office:?*'),
	name               TEXT NOT NULL CHECK (name <> ''),
	municipality_code  TEXT NOT NULL REFERENCES municipalities (code),
	status             TEXT NOT NULL CHECK (status IN ('PLANNED', 'ESTABLISHED', 'CLOSED')),
	status_as_of       TEXT CHECK (status_as_of IS NULL OR date(status_as_of) IS status_as_of),
	purpose            TEXT NOT NULL CHECK (purpose <> ''),
	note               TEXT,
	position           INTEGER NOT NULL,
	source_id          TEXT NOT NULL REFERENCES sources (id)
) STRICT;
