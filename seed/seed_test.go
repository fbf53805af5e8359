package seed

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jamforelse/api/store"
)

func TestEmbeddedDataLoadsTwice(t *testing.T) {
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "seed.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range 2 {
		if err := Load(t.Context(), db); err != nil {
			t.Fatalf("load %d: %v", i+1, err)
		}
	}
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c.Provider("Provider:sundbyberg-vuxenutbildning") == nil || c.Metric("Metric:sfi-pass-rate") == nil || c.ServiceArea("ServiceArea:sfi") == nil {
		t.Error("the IDs the dashboard names are missing after loading the seed data")
	}
}

func TestLoadIfEmptyLeavesExistingDataAlone(t *testing.T) {
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "seed.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if loaded, err := LoadIfEmpty(t.Context(), db); !loaded || err != nil {
		t.Fatalf("LoadIfEmpty on a new database = %v, %v; want true, nil", loaded, err)
	}
	if loaded, err := LoadIfEmpty(t.Context(), db); loaded || err != nil {
		t.Fatalf("LoadIfEmpty on a seeded database = %v, %v; want false, nil", loaded, err)
	}
}

// TestParseNamesFileAndLine: a broken seed file is refused with the file, the line and the problem.
func TestParseNamesFileAndLine(t *testing.T) {
	good := `{"dataset": {"title": "T", "description": "D", "publisher": "P", "license": "CC0-1.0", "licenseUrl": "https://example.org"}}`
	tests := []struct {
		name, file, want string
	}{
		{"syntax", "{\n  \"sources\": [\n    {\"id\": \"Source:x\",,}\n  ]\n}", "b.json:3:"},
		{"wrong type", "{\n  \"municipalities\": [\n    {\"code\": 183}\n  ]\n}", "b.json:3: municipalities.code must be string"},
		{"unknown field", "{\n  \"providers\": [\n    {\"id\": \"Provider:x\", \"colour\": \"red\"}\n  ]\n}", `b.json:3: json: unknown field "colour"`},
		{"dangling reference", `{"providers": [{"id": "Provider:x", "name": "X", "operatingForm": "PRIVATE", "municipality": "0183", "source": "Source:nowhere"}]}`,
			`Provider:x: source "Source:nowhere" does not exist`},
		{"bad enum", `{"municipalities": [{"code": "0183", "name": "S"}], "sources": [{"id": "Source:s", "title": "S", "publisher": "P", "illustrative": false}],
			"providers": [{"id": "Provider:x", "name": "X", "operatingForm": "COOPERATIVE", "municipality": "0183", "source": "Source:s"}]}`,
			`operatingForm "COOPERATIVE" is not one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(fstest.MapFS{"a.json": {Data: []byte(good)}, "b.json": {Data: []byte(tt.file)}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(broken %s) = %v, want an error containing %q", tt.name, err, tt.want)
			}
		})
	}
}
