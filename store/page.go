package store

import (
	"encoding/base64"
	"slices"
	"strings"
)

// PageArgs are a connection's paging arguments, as Relay defines them: first/after pages forward,
// last/before backward.
type PageArgs struct {
	First  *int
	After  *string
	Last   *int
	Before *string
}

// PageInfo says where a page lies in the whole list.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// OrderDirection is ascending or descending.
type OrderDirection string

const (
	Asc  OrderDirection = "ASC"
	Desc OrderDirection = "DESC"
)

// window is a checked PageArgs: how many items, from which end, between which cursors.
type window struct {
	limit         int
	fromEnd       bool // last: take the items just before the end (or before the cursor)
	after, before *cursor
}

// checkPage validates paging arguments against a list's default and maximum page size, and decodes the
// cursors for the ordering in use.
func checkPage(args PageArgs, order string, defaultSize, maxSize int) (window, error) {
	w := window{limit: defaultSize}
	switch {
	case args.First != nil && args.Last != nil:
		return w, inputErrorf("pass first or last, not both")
	case args.First != nil:
		w.limit = *args.First
	case args.Last != nil:
		w.limit, w.fromEnd = *args.Last, true
	}
	if w.limit < 0 || w.limit > maxSize {
		return w, inputErrorf("a page holds 0 to %d items; %d were asked for", maxSize, w.limit)
	}
	var err error
	if args.After != nil {
		if w.after, err = decodeCursor(*args.After, order); err != nil {
			return w, err
		}
	}
	if args.Before != nil {
		if w.before, err = decodeCursor(*args.Before, order); err != nil {
			return w, err
		}
	}
	return w, nil
}

// pageInfo describes a page of n items taken out of fetched (the page size plus one look-ahead item).
func (w window) pageInfo(fetched int, first, last string) PageInfo {
	more := fetched > w.limit
	info := PageInfo{HasNextPage: w.before != nil, HasPreviousPage: w.after != nil}
	if w.fromEnd {
		info.HasPreviousPage = more
	} else {
		info.HasNextPage = more
	}
	if fetched > 0 && w.limit > 0 {
		info.StartCursor, info.EndCursor = &first, &last
	}
	return info
}

// trimPage cuts fetched edges (the page size plus one look-ahead) to the page, turns a page read from
// the end back round, and describes the page.
func trimPage[E any](w window, edges []E, cursorOf func(E) string) ([]E, PageInfo) {
	fetched := len(edges)
	edges = edges[:min(fetched, w.limit)]
	if w.fromEnd {
		slices.Reverse(edges)
	}
	var first, last string
	if n := len(edges); n > 0 {
		first, last = cursorOf(edges[0]), cursorOf(edges[n-1])
	}
	return edges, w.pageInfo(fetched, first, last)
}

// A cursor marks a place in a list in one ordering: the sort keys of the item at that place. It is
// opaque to clients (base64) but readable when decoded, and names its ordering so that a cursor from
// one ordering is refused by another instead of silently skipping items.
type cursor struct {
	order string
	keys  []string
}

const cursorVersion = "c1"

func (c cursor) String() string {
	raw := cursorVersion + "\x1f" + c.order + "\x1f" + strings.Join(c.keys, "\x1f")
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(s, order string) (*cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, inputErrorf("invalid cursor %q: pass a cursor exactly as an earlier page gave it", truncate(s))
	}
	parts := strings.Split(string(raw), "\x1f")
	if len(parts) < 3 || parts[0] != cursorVersion {
		return nil, inputErrorf("invalid cursor %q: pass a cursor exactly as an earlier page gave it", truncate(s))
	}
	if parts[1] != order {
		return nil, inputErrorf("invalid cursor %q: it belongs to another ordering of the list", truncate(s))
	}
	return &cursor{order: parts[1], keys: parts[2:]}, nil
}
