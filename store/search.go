package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// rebuildSearch refills the full-text index from the tables it covers. It runs inside every write
// transaction that changes them, so the index never disagrees with the data; the tables are small.
// Metrics are found by their Swedish and English names and descriptions; schemes by their notes and
// price lists' items; associations by their target groups and timeline too.
func rebuildSearch(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM search_index;
		INSERT INTO search_index (id, type, title, body)
			SELECT id, 'Provider', name, coalesce(description, '') || ' ' || coalesce(organisation_number, '') FROM providers
			UNION ALL SELECT id, 'Metric', name || ' ' || coalesce(name_en, '') || ' ' || coalesce(kolada_id, ''),
				description || ' ' || coalesce(description_en, '') || ' ' || definition FROM metrics
			UNION ALL SELECT id, 'ServiceArea', name, code || ' ' || description FROM service_areas
			UNION ALL SELECT id, 'Agency', name, coalesce(current_name, '') FROM agencies
			UNION ALL SELECT a.id, 'CoordinationAssociation', a.name, concat_ws(' ', a.description,
				(SELECT group_concat(m.name, ' ') FROM association_municipalities am JOIN municipalities m ON m.code = am.municipality_code
					WHERE am.association_id = a.id),
				(SELECT group_concat(g.description, ' ') FROM target_groups g WHERE g.association_id = a.id),
				(SELECT group_concat(ms.body || ' ' || ms.description, ' ') FROM milestones ms WHERE ms.association_id = a.id))
				FROM associations a
			UNION ALL SELECT s.id, 'AuthorisationScheme', s.name, concat_ws(' ', s.note, s.decided_by, s.in_force_period,
				(SELECT group_concat(i.label, ' ') FROM price_lists l JOIN price_items i ON i.price_list_id = l.id WHERE l.scheme_id = s.id))
				FROM schemes s
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

// Search finds providers, metrics, service areas, agencies, associations, authorisation schemes,
// sources, municipalities and offices whose names or texts contain every word of text, in Swedish or
// English, ignoring case and accents ("sodertalje" finds "Södertälje"), anywhere in a word ("bron" finds
// "Språkbron"). Hits in names rank above hits in texts (BM25 over the trigram index, names weighted ten
// to one).
func (db *DB) Search(ctx context.Context, text string, first int) ([]*SearchHit, error) {
	if first < 1 || first > MaxSearchResults {
		return nil, inputErrorf("search returns 1 to %d hits; %d were asked for", MaxSearchResults, first)
	}
	match, short := searchTerms(text)
	if match == "" && len(short) == 0 {
		return nil, inputErrorf("search text %q has no words to look for", truncate(text))
	}
	// Words of three characters or more are found through the trigram index; shorter ones, which have no
	// trigram, by LIKE over the same table, which is small.
	var where []string
	var args []any
	score, snippet := "0.0", "substr(title, 1, 60)"
	if match != "" {
		args = append(args, match)
		where = append(where, "search_index MATCH ?1")
		score, snippet = "bm25(search_index, 0, 0, 10.0, 1.0)", "snippet(search_index, -1, '', '', '…', 24)"
	}
	for _, w := range short {
		args = append(args, "%"+w+"%")
		n := strconv.Itoa(len(args))
		where = append(where, "(title LIKE ?"+n+" OR body LIKE ?"+n+")")
	}
	args = append(args, first)
	rows, err := db.query(ctx, `SELECT id, type, `+score+` AS score, `+snippet+` FROM search_index
		WHERE `+strings.Join(where, " AND ")+` ORDER BY score, id LIMIT ?`+strconv.Itoa(len(args)), args...)
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

// searchTerms turns free text into an FTS5 query that cannot be a syntax error, each word of three
// characters or more a quoted string the trigram index finds anywhere in a text, all of them required;
// and the words too short for trigrams. Anything that is not a letter or digit separates words.
func searchTerms(text string) (match string, short []string) {
	words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) > 20 {
		words = words[:20]
	}
	var long []string
	for _, w := range words {
		if utf8.RuneCountInString(w) < 3 {
			short = append(short, w)
		} else {
			long = append(long, `"`+w+`"`)
		}
	}
	return strings.Join(long, " "), short
}
