-- Metrics' names and descriptions in English too, so a search finds what English speakers type ("pass
-- rate", "dropout").
ALTER TABLE metrics ADD COLUMN name_en TEXT CHECK (name_en <> '');
ALTER TABLE metrics ADD COLUMN description_en TEXT CHECK (description_en <> '');

-- The search index by trigrams: every three characters of a text are indexed, so a search finds parts of
-- words ("bron" finds Språkbron), folding case and accents ("sodertalje" finds Södertälje). It is filled
-- again from the tables it covers in the last migration's transaction and in every write (search.go).
DROP TABLE search_index;
CREATE VIRTUAL TABLE search_index USING fts5(
	id UNINDEXED,
	type UNINDEXED,
	title,
	body,
	tokenize = "trigram remove_diacritics 1"
);
