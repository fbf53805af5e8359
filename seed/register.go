package seed

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/jamforelse/api/store"
)

// The country's register (data/register/, see its README): every municipality and region, and the
// whole country, as reference data for every data set.

// The sources of the register: Statistics Sweden's list of counties and municipalities (facts.json
// describes it), and Kolada for the whole country, whose code 0000 is Kolada's.
const (
	registerSource = "Source:scb-lan-och-kommuner"
	countrySource  = "Source:kolada"
)

// country is the whole country, as Kolada names it; the register's files hold only municipalities and
// regions.
var country = &store.Municipality{Code: store.CountryCode, Name: "Riket", Kind: store.KindCountry, SourceID: countrySource}

// register reads register/municipalities.tsv and register/regions.tsv from fsys, if they are there,
// and returns every place they list, with the whole country. Errors name the file and line.
func register(fsys fs.FS) ([]*store.Municipality, error) {
	municipalities, err := readTSV(fsys, "register/municipalities.tsv", []string{"code", "name", "county_code", "county_name"})
	if err != nil || municipalities == nil {
		return nil, err
	}
	regions, err := readTSV(fsys, "register/regions.tsv", []string{"county_code", "kolada_id", "name"})
	if err != nil {
		return nil, err
	}
	counties := map[string]string{} // county code → name
	places := []*store.Municipality{country}
	for _, r := range municipalities {
		code, name, county, countyName := r[0], r[1], r[2], r[3]
		counties[county] = countyName
		places = append(places, &store.Municipality{Code: code, Name: name, Kind: store.KindMunicipality,
			CountyCode: &county, County: &countyName, SourceID: registerSource})
	}
	for i, r := range regions {
		county, id, name := r[0], r[1], r[2]
		countyName, ok := counties[county]
		if !ok || id != "00"+county {
			return nil, fmt.Errorf("register/regions.tsv:%d: region %s %q does not match a county of municipalities.tsv", i+2, id, name)
		}
		places = append(places, &store.Municipality{Code: id, Name: name, Kind: store.KindRegion, CountyCode: &county, County: &countyName,
			SourceID: registerSource})
	}
	slices.SortFunc(places, func(a, b *store.Municipality) int { return strings.Compare(a.Code, b.Code) })
	return places, nil
}

// readTSV reads a tab-separated file whose first line must be header, and returns its other lines'
// fields; a file that is not there is nil, no error.
func readTSV(fsys fs.FS, name string, header []string) ([][]string, error) {
	data, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if got := strings.Split(lines[0], "\t"); !slices.Equal(got, header) {
		return nil, fmt.Errorf("%s:1: the header is %q, want %q", name, got, header)
	}
	var rows [][]string
	for i, line := range lines[1:] {
		fields := strings.Split(line, "\t")
		if len(fields) != len(header) || slices.Contains(fields, "") {
			return nil, fmt.Errorf("%s:%d: want %d fields, none empty: %q", name, i+2, len(header), line)
		}
		rows = append(rows, fields)
	}
	return rows, nil
}
