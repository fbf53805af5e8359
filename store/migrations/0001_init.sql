-- The whole graph. Tables are STRICT, enums are CHECKed, money is whole öre and dates are ISO 8601 text.
-- IDs are the public global IDs ("Provider:slug"), so an SQL dump reads like the API.

CREATE TABLE dataset (
	id           INTEGER PRIMARY KEY CHECK (id = 1),
	title        TEXT NOT NULL,
	description  TEXT NOT NULL,
	publisher    TEXT NOT NULL,
	license      TEXT NOT NULL,
	license_url  TEXT NOT NULL,
	version      INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
	updated_at   TEXT NOT NULL
) STRICT;

CREATE TABLE sources (
	id                     TEXT PRIMARY KEY CHECK (id GLOB 'Source:?*'),
	title                  TEXT NOT NULL CHECK (title <> ''),
	publisher              TEXT NOT NULL CHECK (publisher <> ''),
	author                 TEXT,
	url                    TEXT CHECK (url IS NULL OR url GLOB 'http*://*'),
	published_on           TEXT CHECK (published_on IS NULL OR date(published_on) IS published_on),
	published_on_precision TEXT CHECK (published_on_precision IN ('DAY', 'WEEK', 'MONTH', 'YEAR')),
	illustrative           INTEGER NOT NULL CHECK (illustrative IN (0, 1)),
	description            TEXT,
	CHECK ((published_on IS NULL) = (published_on_precision IS NULL))
) STRICT;

CREATE TABLE municipalities (
	code    TEXT PRIMARY KEY CHECK (length(code) = 4 AND code NOT GLOB '*[^0-9]*'),
	name    TEXT NOT NULL CHECK (name <> ''),
	county  TEXT
) STRICT;

CREATE TABLE service_areas (
	id           TEXT PRIMARY KEY CHECK (id GLOB 'ServiceArea:?*'),
	code         TEXT NOT NULL UNIQUE,
	name         TEXT NOT NULL CHECK (name <> ''),
	description  TEXT NOT NULL,
	position     INTEGER NOT NULL
) STRICT;

CREATE TABLE providers (
	id                   TEXT PRIMARY KEY CHECK (id GLOB 'Provider:[a-z]*'),
	name                 TEXT NOT NULL CHECK (name <> ''),
	organisation_number  TEXT CHECK (organisation_number IS NULL OR organisation_number GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9]'),
	operating_form       TEXT NOT NULL CHECK (operating_form IN ('MUNICIPAL', 'PRIVATE', 'NON_PROFIT', 'OTHER_PUBLIC')),
	municipality_code    TEXT NOT NULL REFERENCES municipalities (code),
	website              TEXT CHECK (website IS NULL OR website GLOB 'http*://*'),
	description          TEXT,
	source_id            TEXT NOT NULL REFERENCES sources (id),
	updated_at           TEXT NOT NULL
) STRICT;
CREATE INDEX providers_by_name ON providers (name, id);
CREATE INDEX providers_by_municipality ON providers (municipality_code);

CREATE TABLE schemes (
	id                 TEXT PRIMARY KEY CHECK (id GLOB 'AuthorisationScheme:?*'),
	name               TEXT NOT NULL CHECK (name <> ''),
	service_area_id    TEXT NOT NULL REFERENCES service_areas (id),
	municipality_code  TEXT NOT NULL REFERENCES municipalities (code),
	status             TEXT NOT NULL CHECK (status IN ('PLANNED', 'PROPOSED', 'IN_FORCE', 'ENDED')),
	decided_by         TEXT,
	decided_on         TEXT CHECK (decided_on IS NULL OR date(decided_on) IS decided_on),
	in_force_from      TEXT CHECK (in_force_from IS NULL OR date(in_force_from) IS in_force_from),
	in_force_period    TEXT,
	note               TEXT,
	source_id          TEXT NOT NULL REFERENCES sources (id),
	updated_at         TEXT NOT NULL,
	UNIQUE (service_area_id, municipality_code)
) STRICT;

CREATE TABLE price_lists (
	id           TEXT PRIMARY KEY CHECK (id GLOB 'PriceList:?*'),
	scheme_id    TEXT NOT NULL REFERENCES schemes (id),
	valid_from   TEXT NOT NULL CHECK (date(valid_from) IS valid_from),
	valid_to     TEXT CHECK (valid_to IS NULL OR (date(valid_to) IS valid_to AND valid_to >= valid_from)),
	decided_on   TEXT CHECK (decided_on IS NULL OR date(decided_on) IS decided_on),
	source_id    TEXT NOT NULL REFERENCES sources (id),
	updated_at   TEXT NOT NULL
) STRICT;
CREATE INDEX price_lists_by_scheme ON price_lists (scheme_id, valid_from);

CREATE TABLE price_items (
	price_list_id       TEXT NOT NULL REFERENCES price_lists (id) ON DELETE CASCADE,
	position            INTEGER NOT NULL,
	label               TEXT NOT NULL CHECK (label <> ''),
	unit                TEXT NOT NULL CHECK (unit IN ('PER_PARTICIPANT', 'PER_COURSE', 'PER_CREDIT', 'PER_WEEK', 'PER_MONTH', 'PER_HOUR')),
	amount_ore          INTEGER NOT NULL CHECK (amount_ore >= 0),
	result_based_share  REAL NOT NULL CHECK (result_based_share BETWEEN 0 AND 1),
	paid_when           TEXT NOT NULL CHECK (paid_when IN ('ON_START', 'MONTHLY', 'ON_COMPLETION', 'ON_PASS', 'ON_TRANSITION')),
	PRIMARY KEY (price_list_id, position)
) STRICT;

CREATE TABLE authorisations (
	id           TEXT PRIMARY KEY CHECK (id GLOB 'Authorisation:?*'),
	provider_id  TEXT NOT NULL REFERENCES providers (id),
	scheme_id    TEXT NOT NULL REFERENCES schemes (id),
	status       TEXT NOT NULL CHECK (status IN ('ACTIVE', 'EXPIRED', 'REVOKED', 'PENDING')),
	granted_on   TEXT CHECK (granted_on IS NULL OR date(granted_on) IS granted_on),
	valid_until  TEXT CHECK (valid_until IS NULL OR date(valid_until) IS valid_until),
	reason       TEXT,
	source_id    TEXT NOT NULL REFERENCES sources (id),
	updated_at   TEXT NOT NULL,
	UNIQUE (provider_id, scheme_id),
	CHECK (status = 'PENDING' OR granted_on IS NOT NULL)
) STRICT;
CREATE INDEX authorisations_by_scheme ON authorisations (scheme_id);

CREATE TABLE metrics (
	id               TEXT PRIMARY KEY CHECK (id GLOB 'Metric:[a-z]*'),
	name             TEXT NOT NULL CHECK (name <> ''),
	description      TEXT NOT NULL,
	definition       TEXT NOT NULL,
	unit             TEXT NOT NULL CHECK (unit IN ('PERCENT', 'SEK', 'COUNT', 'HOURS', 'INDEX', 'PERCENTAGE_POINTS')),
	direction        TEXT NOT NULL CHECK (direction IN ('HIGHER_IS_BETTER', 'LOWER_IS_BETTER', 'NEUTRAL')),
	service_area_id  TEXT NOT NULL REFERENCES service_areas (id),
	kolada_id        TEXT UNIQUE,
	headline         INTEGER NOT NULL CHECK (headline IN (0, 1)),
	position         INTEGER NOT NULL,
	source_id        TEXT NOT NULL REFERENCES sources (id)
) STRICT;

-- One figure per metric, subject and period. The subject is a provider, or (provider_id NULL) the whole
-- municipality; municipality_code is always set, so a provider's figures are filed under the municipality
-- that followed it up. seq is internal: the order rows were written in, a stable tie-breaker for cursors.
CREATE TABLE observations (
	seq                INTEGER PRIMARY KEY,
	metric_id          TEXT NOT NULL REFERENCES metrics (id),
	provider_id        TEXT REFERENCES providers (id),
	municipality_code  TEXT NOT NULL REFERENCES municipalities (code),
	period             TEXT NOT NULL,
	period_start       TEXT NOT NULL CHECK (date(period_start) IS period_start),
	period_end         TEXT NOT NULL CHECK (date(period_end) IS period_end AND period_end >= period_start),
	value              REAL,
	value_women        REAL,
	value_men          REAL,
	sample_size        INTEGER CHECK (sample_size >= 0),
	sample_size_women  INTEGER CHECK (sample_size_women >= 0),
	sample_size_men    INTEGER CHECK (sample_size_men >= 0),
	status             TEXT NOT NULL CHECK (status IN ('FINAL', 'PRELIMINARY', 'REVISED')),
	note               TEXT,
	source_id          TEXT NOT NULL REFERENCES sources (id),
	updated_at         TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX observations_key ON observations (metric_id, coalesce(provider_id, municipality_code), period);
CREATE INDEX observations_by_provider ON observations (provider_id, period_start, metric_id, seq);
CREATE INDEX observations_by_period ON observations (period, metric_id);
CREATE INDEX observations_by_update ON observations (updated_at, seq);
CREATE INDEX observations_by_start ON observations (period_start, metric_id, seq);

CREATE TABLE agencies (
	id                   TEXT PRIMARY KEY CHECK (id GLOB 'Agency:?*'),
	name                 TEXT NOT NULL CHECK (name <> ''),
	current_name         TEXT,
	kind                 TEXT NOT NULL CHECK (kind IN ('STATE_AGENCY', 'REGION', 'MUNICIPALITY')),
	organisation_number  TEXT CHECK (organisation_number IS NULL OR organisation_number GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9]'),
	municipality_code    TEXT REFERENCES municipalities (code),
	position             INTEGER NOT NULL,
	source_id            TEXT NOT NULL REFERENCES sources (id),
	CHECK ((kind = 'MUNICIPALITY') = (municipality_code IS NOT NULL))
) STRICT;

CREATE TABLE associations (
	id                   TEXT PRIMARY KEY CHECK (id GLOB 'CoordinationAssociation:?*'),
	name                 TEXT NOT NULL CHECK (name <> ''),
	status               TEXT NOT NULL CHECK (status IN ('PLANNED', 'ACTIVE', 'DISSOLVED')),
	starts_on            TEXT CHECK (starts_on IS NULL OR date(starts_on) IS starts_on),
	county               TEXT NOT NULL,
	annual_budget_ore    INTEGER CHECK (annual_budget_ore >= 0),
	estimated_reach_min  INTEGER CHECK (estimated_reach_min >= 0),
	estimated_reach_max  INTEGER CHECK (estimated_reach_max >= estimated_reach_min OR estimated_reach_min IS NULL),
	description          TEXT,
	position             INTEGER NOT NULL,
	source_id            TEXT NOT NULL REFERENCES sources (id)
) STRICT;

CREATE TABLE association_municipalities (
	association_id     TEXT NOT NULL REFERENCES associations (id) ON DELETE CASCADE,
	municipality_code  TEXT NOT NULL REFERENCES municipalities (code),
	position           INTEGER NOT NULL,
	PRIMARY KEY (association_id, municipality_code)
) STRICT;

CREATE TABLE association_members (
	association_id    TEXT NOT NULL REFERENCES associations (id) ON DELETE CASCADE,
	agency_id         TEXT NOT NULL REFERENCES agencies (id),
	position          INTEGER NOT NULL,
	contribution_ore  INTEGER CHECK (contribution_ore >= 0),
	share             REAL CHECK (share BETWEEN 0 AND 1),
	basis             TEXT,
	source_id         TEXT NOT NULL REFERENCES sources (id),
	PRIMARY KEY (association_id, agency_id)
) STRICT;

CREATE TABLE target_groups (
	association_id  TEXT NOT NULL REFERENCES associations (id) ON DELETE CASCADE,
	position        INTEGER NOT NULL,
	description     TEXT NOT NULL CHECK (description <> ''),
	estimate_min    INTEGER CHECK (estimate_min >= 0),
	estimate_max    INTEGER CHECK (estimate_max >= estimate_min OR estimate_min IS NULL),
	source_id       TEXT NOT NULL REFERENCES sources (id),
	PRIMARY KEY (association_id, position)
) STRICT;

CREATE TABLE milestones (
	association_id  TEXT NOT NULL REFERENCES associations (id) ON DELETE CASCADE,
	position        INTEGER NOT NULL,
	date            TEXT CHECK (date IS NULL OR date(date) IS date),
	period          TEXT,
	body            TEXT NOT NULL CHECK (body <> ''),
	description     TEXT NOT NULL CHECK (description <> ''),
	status          TEXT NOT NULL CHECK (status IN ('DONE', 'EXPECTED', 'PLANNED')),
	source_id       TEXT NOT NULL REFERENCES sources (id),
	PRIMARY KEY (association_id, position)
) STRICT;
