package store

import "context"

// MaxNodes is how many IDs one nodes() call may ask for.
const MaxNodes = 100

// Nodes returns the objects with the given global IDs, in order, with nil for each ID that names
// nothing. A malformed ID is an InputError. Observations are read in one statement; everything else
// comes from the catalog.
func (db *DB) Nodes(ctx context.Context, c *Catalog, ids []string) ([]any, error) {
	if len(ids) > MaxNodes {
		return nil, inputErrorf("at most %d IDs per call; %d were given", MaxNodes, len(ids))
	}
	var observationIDs []string
	for _, id := range ids {
		typ, _, err := ParseID(id)
		if err != nil {
			return nil, err
		}
		if typ == "Observation" {
			observationIDs = append(observationIDs, id)
		}
	}
	observations, err := db.ObservationsByID(ctx, c, observationIDs)
	if err != nil {
		return nil, err
	}
	nodes := make([]any, len(ids))
	for i, id := range ids {
		if o := observations[id]; o != nil {
			nodes[i] = o
		} else if obj := c.Object(id); obj != nil {
			nodes[i] = obj
		}
	}
	return nodes, nil
}
