package dcat

import (
	"os"
	"strings"
	"testing"
)

// TestEveryPlaceHasAGeoNamesIRI: each municipality and region of the register, and the country, has a
// GeoNames IRI, and no two places share one.
func TestEveryPlaceHasAGeoNamesIRI(t *testing.T) {
	codes := []string{"0000"}
	for file, column := range map[string]int{"../seed/data/register/municipalities.tsv": 0, "../seed/data/register/regions.tsv": 1} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
			codes = append(codes, strings.Split(line, "\t")[column])
		}
	}
	if len(codes) != 1+290+21 {
		t.Fatalf("%d places in the register, want 312", len(codes))
	}
	seen := map[string]string{}
	for _, code := range codes {
		p := placeIRI(code)
		if !strings.HasPrefix(p, "https://sws.geonames.org/") {
			t.Errorf("%s has no GeoNames IRI", code)
		}
		if other, dup := seen[p]; dup {
			t.Errorf("%s and %s share %s", code, other, p)
		}
		seen[p] = code
	}
	if p := placeIRI("0183"); p != "https://sws.geonames.org/2670878/" {
		t.Errorf("Sundbyberg is %s, want GeoNames 2670878 (Sundbybergs Kommun)", p)
	}
	if p := placeIRI("0001"); p != "https://sws.geonames.org/2673722/" {
		t.Errorf("Region Stockholm is %s, want GeoNames 2673722 (Stockholm county)", p)
	}
}
