package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"
)

// rebuildSearch refills the full-text index from the tables it covers. It runs inside every write
// transaction that changes them, so the index never disagrees with the data; the tables are small.
func rebuildSearch(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM search_index;
		INSERT INTO search_index (id, type, title, body)
			SELECT id, 'Provider', name, coalesce(description, '') || ' ' || coalesce(organisation_number, '') FROM providers
			UNION ALL SELECT id, 'Metric', name || ' ' || coalesce(kolada_id, ''), description || ' ' || definition FROM metrics
			UNION ALL SELECT id, 'ServiceArea', name, code || ' ' || description FROM service_areas
			UNION ALL SELECT id, 'Agency', name, coalesce(current_name, '') FROM agencies
			UNION ALL SELECT a.id, 'CoordinationAssociation', a.name, coalesce(a.description, '') || ' ' ||
				coalesce((SELECT group_concat(m.name, ' ') FROM association_municipalities am
					JOIN municipalities m ON m.code = am.municipality_code WHERE am.association_id = a.id), '')
				FROM associations a
			UNION ALL SELECT id, 'Source', title, publisher || ' ' || coalesce(author, '') || ' ' || coalesce(description, '') FROM sources
			UNION ALL SELECT 'Municipality:' || code, 'Municipality', name, code || ' ' || coalesce(county, '') FROM municipalities
			UNION ALL SELECT id, 'Office', name, purpose || ' ' || coalesce(note, '') FROM offices`)
	return err
}

// SearchHit is one object found by a search.
type SearchHit struct {
	ID      string
	Type    string
	Score   float64
	Snippet string
}

// MaxSearchResults is how many hits one search may ask for.
const MaxSearchResults = 50

// Search finds providers, metrics, service areas, agencies, associations, sources, municipalities and offices
// whose name or description contains every word of text, ignoring case and accents ("sodertalje" finds
// "Södertälje"); a word may be the start of a longer one. Hits in names rank above hits in
// descriptions (BM25, names weighted ten to one).
func (db *DB) Search(ctx context.Context, text string, first int) ([]*SearchHit, error) {
	if first < 1 || first > MaxSearchResults {
		return nil, inputErrorf("search returns 1 to %d hits; %d were asked for", MaxSearchResults, first)
	}
	match := matchExpression(text)
	if match == "" {
		return nil, inputErrorf("search text %q has no words to look for", truncate(text))
	}
	rows, err := db.query(ctx, `SELECT id, type, bm25(search_index, 0, 0, 10.0, 1.0) AS score,
			snippet(search_index, -1, '', '', '…', 12)
		FROM search_index WHERE search_index MATCH ?1 ORDER BY score, id LIMIT ?2`, match, first)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var hits []*SearchHit
	for rows.Next() {
		h := new(SearchHit)
		if err := rows.Scan(&h.ID, &h.Type, &h.Score, &h.Snippet); err != nil {
			return nil, err
		}
		h.Score = -h.Score // bm25 is lower for better matches; callers read higher as better
		hits = append(hits, h)
	}
	return hits, rows.Err()
}

// matchExpression turns free text into an FTS5 query that cannot be a syntax error: each word quoted
// as a prefix, all words required. Anything that is not a letter or digit separates words.
func matchExpression(text string) string {
	words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) > 20 {
		words = words[:20]
	}
	for i, w := range words {
		words[i] = `"` + w + `"*`
	}
	return strings.Join(words, " ")
}
