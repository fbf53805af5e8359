package dcat

import (
	_ "embed"
	"strings"
)

// The GeoNames identifiers of Sweden's municipalities and counties (geonames/README.md).
var (
	//go:embed geonames/admin2-SE.txt
	admin2 string
	//go:embed geonames/admin1-SE.txt
	admin1 string
)

// sweden is GeoNames's Sweden: the place of the whole country's figures (0000).
const sweden = "2661886"

// geonamesIDs maps each place code of the register to its GeoNames ID: a municipality's kommunkod to
// its second-order division, a region's code (00 and its county's code) to its county's first-order
// division, found through the county's municipalities, and 0000 to Sweden.
var geonamesIDs = func() map[string]string {
	ids := map[string]string{"0000": sweden}
	counties := map[string]string{} // GeoNames's first-order code (SE.26) to its ID
	for _, line := range strings.Split(strings.TrimSpace(admin1), "\n") {
		fields := strings.Split(line, "\t")
		counties[fields[0]] = fields[3]
	}
	for _, line := range strings.Split(strings.TrimSpace(admin2), "\n") {
		fields := strings.Split(line, "\t") // SE.26.0183, name, ASCII name, ID
		code := fields[0][strings.LastIndexByte(fields[0], '.')+1:]
		ids[code] = fields[3]
		ids["00"+code[:2]] = counties[fields[0][:strings.LastIndexByte(fields[0], '.')]]
	}
	return ids
}()

// placeIRI is a place's GeoNames IRI, or "" for a code GeoNames does not have.
func placeIRI(code string) string {
	id, ok := geonamesIDs[code]
	if !ok || id == "" {
		return ""
	}
	return "https://sws.geonames.org/" + id + "/"
}
