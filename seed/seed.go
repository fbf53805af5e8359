// Package seed holds the reference data set, kept as JSON files an analyst can read and a reviewer can
// diff, and loads it into the store. facts.json holds what the source documents say; illustrative.json
// holds the invented providers, prices and results that let the dashboard show something until real
// results are published, each tied to a source marked illustrative. kolada/ holds reference values in
// Kolada's own data format, read through the same importer as a real Kolada download. register/ holds
// the country's municipalities and regions.
package seed

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"

	"github.com/jamforelse/api/kolada"
	"github.com/jamforelse/api/store"
)

//go:embed data/*.json data/kolada/*.json data/register/*.tsv
var files embed.FS

// koladaSource is the source of the reference values in data/kolada: invented, in Kolada's format.
const koladaSource = "Source:illustrative-kolada"

// Data returns the embedded seed data set, parsed and validated.
func Data() (*store.Dataset, error) {
	sub, err := fs.Sub(files, "data")
	if err != nil {
		return nil, err
	}
	return Parse(sub)
}

// Parse reads every *.json file of fsys, in name order, into one data set, and validates the whole.
// It touches no database. Errors name the file and line.
func Parse(fsys fs.FS) (*store.Dataset, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("no seed files (*.json)")
	}
	all := new(store.Dataset)
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		part, err := decode(data)
		if err != nil {
			return nil, fmt.Errorf("%s:%w", name, err)
		}
		if err := merge(all, part); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	places, err := register(fsys)
	if err != nil {
		return nil, err
	}
	all.Municipalities = append(places, all.Municipalities...)
	if err := addKolada(fsys, all); err != nil {
		return nil, err
	}
	if err := all.Validate(); err != nil {
		return nil, err
	}
	return all, nil
}

// addKolada adds the reference values of every kolada/*.json file, mapped to the data set's metrics.
func addKolada(fsys fs.FS, all *store.Dataset) error {
	names, err := fs.Glob(fsys, "kolada/*.json")
	if err != nil {
		return err
	}
	into := kolada.Into{Metrics: all.Metrics, Municipalities: all.Municipalities, SourceID: koladaSource}
	for _, s := range all.Sources {
		if s.ID == koladaSource {
			into.SourceIllustrative = s.Illustrative
		}
	}
	for _, name := range names {
		f, err := fsys.Open(name)
		if err != nil {
			return err
		}
		res, err := kolada.Parse(f, into)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		all.Observations = append(all.Observations, res.Observations...)
	}
	return nil
}

// decode reads one seed file strictly: an unknown field is a mistake, not something to skip.
func decode(data []byte) (*store.Dataset, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	ds := new(store.Dataset)
	err := dec.Decode(ds)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return nil, fmt.Errorf("%d: unexpected data after the end of the document", lineOf(data, dec.InputOffset()))
		}
		return ds, nil
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return nil, fmt.Errorf("%d: %v", lineOf(data, syntax.Offset), syntax)
	case errors.As(err, &typ):
		return nil, fmt.Errorf("%d: %s must be %s, not %s", lineOf(data, typ.Offset), typ.Field, typ.Type, typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// The decoder reports where the object ends; point at the field itself.
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		at := regexp.MustCompile(regexp.QuoteMeta(field) + `\s*:`).FindIndex(data)
		if at != nil {
			return nil, fmt.Errorf("%d: %v", lineOf(data, int64(at[0])), err)
		}
		return nil, fmt.Errorf("%d: %v", lineOf(data, dec.InputOffset()), err)
	default:
		return nil, fmt.Errorf("%d: %v", lineOf(data, dec.InputOffset()), err)
	}
}

func lineOf(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

func merge(all, part *store.Dataset) error {
	if part.Info != nil {
		if all.Info != nil {
			return errors.New("the data set's description (\"dataset\") is given in more than one file")
		}
		all.Info = part.Info
	}
	all.Sources = append(all.Sources, part.Sources...)
	all.Municipalities = append(all.Municipalities, part.Municipalities...)
	all.ServiceAreas = append(all.ServiceAreas, part.ServiceAreas...)
	all.Providers = append(all.Providers, part.Providers...)
	all.Schemes = append(all.Schemes, part.Schemes...)
	all.PriceLists = append(all.PriceLists, part.PriceLists...)
	all.Authorisations = append(all.Authorisations, part.Authorisations...)
	all.Metrics = append(all.Metrics, part.Metrics...)
	all.Observations = append(all.Observations, part.Observations...)
	all.Agencies = append(all.Agencies, part.Agencies...)
	all.Associations = append(all.Associations, part.Associations...)
	all.Offices = append(all.Offices, part.Offices...)
	return nil
}

// Load replaces everything in db with the embedded data set, in one transaction.
func Load(ctx context.Context, db *store.DB) error {
	ds, err := Data()
	if err != nil {
		return err
	}
	return db.Replace(ctx, ds)
}

// LoadIfEmpty loads the embedded data set into a database that has none yet, so a new server starts
// with data; a database that already holds data is left as it is.
func LoadIfEmpty(ctx context.Context, db *store.DB) (loaded bool, err error) {
	empty, err := db.IsEmpty(ctx)
	if err != nil || !empty {
		return false, err
	}
	return true, Load(ctx, db)
}
