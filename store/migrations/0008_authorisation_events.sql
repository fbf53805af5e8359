-- An authorisation's history: every grant, renewal, suspension, reinstatement and revocation is an event
-- with its date, reason and source, and its status on any day is worked out from them. Before, one row
-- kept only the latest dates, so a grant renewed, revoked and granted again lost its past.

CREATE TABLE authorisations_new (
	id           TEXT PRIMARY KEY CHECK (id GLOB 'Authorisation:?*'),
	provider_id  TEXT NOT NULL REFERENCES providers (id),
	scheme_id    TEXT NOT NULL REFERENCES schemes (id),
	source_id    TEXT NOT NULL REFERENCES sources (id),
	updated_at   TEXT NOT NULL,
	UNIQUE (provider_id, scheme_id)
) STRICT;

-- date: the day the decision takes effect (the first valid day of a grant, the day a renewal was decided,
-- the first day of a suspension or again after one, the last valid day of a revocation). valid_until:
-- the last valid day a grant or renewal gives (NULL: until further notice), or a suspension's last day
-- (NULL: until reinstated).
CREATE TABLE authorisation_events (
	authorisation_id  TEXT NOT NULL REFERENCES authorisations_new (id) ON DELETE CASCADE,
	seq               INTEGER NOT NULL,
	kind              TEXT NOT NULL CHECK (kind IN ('GRANTED', 'RENEWED', 'SUSPENDED', 'REINSTATED', 'REVOKED')),
	date              TEXT NOT NULL CHECK (date(date) IS date),
	valid_until       TEXT CHECK (valid_until IS NULL OR (date(valid_until) IS valid_until AND valid_until >= date)),
	reason            TEXT,
	source_id         TEXT NOT NULL REFERENCES sources (id),
	recorded_at       TEXT NOT NULL,
	PRIMARY KEY (authorisation_id, seq),
	CHECK (kind IN ('GRANTED', 'RENEWED', 'SUSPENDED') OR valid_until IS NULL)
) STRICT;

INSERT INTO authorisations_new (id, provider_id, scheme_id, source_id, updated_at)
	SELECT id, provider_id, scheme_id, source_id, updated_at FROM authorisations;

-- What the rows said becomes the events that lead to it: a grant (until its end, unless revoked), and a
-- revocation on the last valid day. A pending authorisation has none yet.
INSERT INTO authorisation_events (authorisation_id, seq, kind, date, valid_until, reason, source_id, recorded_at)
	SELECT id, 1, 'GRANTED', granted_on, CASE WHEN status = 'REVOKED' THEN NULL ELSE valid_until END,
		CASE WHEN status = 'REVOKED' THEN NULL ELSE reason END, source_id, updated_at
	FROM authorisations WHERE status <> 'PENDING';
INSERT INTO authorisation_events (authorisation_id, seq, kind, date, valid_until, reason, source_id, recorded_at)
	SELECT id, 2, 'REVOKED', coalesce(valid_until, granted_on), NULL, reason, source_id, updated_at
	FROM authorisations WHERE status = 'REVOKED';

DROP TABLE authorisations;
ALTER TABLE authorisations_new RENAME TO authorisations;
CREATE INDEX authorisations_by_scheme ON authorisations (scheme_id);
