package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// smallDataset is a hand-made data set: one municipality, one area, three providers and their figures.
func smallDataset() *Dataset {
	src := "Source:test"
	ds := &Dataset{
		Info:           &DatasetInfo{Title: "Test", Description: "Test data", Publisher: "Tests", License: "CC0-1.0", LicenseURL: "https://example.org"},
		Sources:        []*Source{{ID: src, Title: "Test source", Publisher: "Tests", Illustrative: true}},
		Municipalities: []*Municipality{{Code: "0183", Name: "Sundbyberg", SourceID: src}, {Code: "0000", Name: "Riket", SourceID: src}},
		ServiceAreas:   []*ServiceArea{{ID: "ServiceArea:sfi", Code: "sfi", Name: "SFI", Description: "SFI", SourceID: src}},
		Schemes:        []*Scheme{{ID: "AuthorisationScheme:0183-sfi", Name: "SFI", ServiceAreaID: "ServiceArea:sfi", MunicipalityCode: "0183", Status: SchemeInForce, SourceID: src}},
		Metrics: []*Metric{{ID: "Metric:sfi-pass-rate", Name: "Pass rate", Description: "d", Definition: "d", Unit: UnitPercent,
			Direction: HigherIsBetter, ServiceAreaID: "ServiceArea:sfi", Headline: true, SourceID: src}},
	}
	granted := Date("2017-01-01")
	for i, name := range []string{"Östra skolan", "Alfa", "Ängen"} {
		p := &Provider{ID: fmt.Sprintf("Provider:p%d", i), Name: name, OperatingForm: Private, MunicipalityCode: "0183", SourceID: src}
		ds.Providers = append(ds.Providers, p)
		ds.Authorisations = append(ds.Authorisations, &Authorisation{ID: fmt.Sprintf("Authorisation:p%d/0183-sfi", i),
			ProviderID: p.ID, SchemeID: "AuthorisationScheme:0183-sfi", SourceID: src, Events: []AuthorisationEvent{{Kind: Granted, Date: granted, SourceID: src}}})
		for _, period := range []string{"2017", "2018", "2019"} {
			v, size := float64(60+i), 20+i
			ds.Observations = append(ds.Observations, &Observation{MetricID: "Metric:sfi-pass-rate", ProviderID: &p.ID,
				MunicipalityCode: "0183", Period: period, Value: &v, SampleSize: &size, Status: StatusFinal, SourceID: src})
		}
	}
	return ds
}

func openTestDB(t testing.TB, ds *Dataset) *DB {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "test.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if ds != nil {
		if err := db.Replace(t.Context(), ds); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func TestOpenTwiceKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "twice.db")
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Replace(t.Context(), smallDataset()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer db.Close()
	c, err := db.Catalog(t.Context())
	if err != nil || len(c.providers) != 3 {
		t.Fatalf("after reopening: %d providers, %v; want 3", len(c.providers), err)
	}
}

// TestReplaceRejectsABrokenDataSet: every problem is listed, and what was stored stays as it was.
// Every connection, not only the first, has the bounded page cache: SQLite's memory is outside Go's limit.
func TestEveryConnectionHasTheBoundedPageCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache.db")
	writable, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer writable.Close()
	readOnly, err := Open(t.Context(), path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer readOnly.Close()
	for _, db := range []*DB{writable, readOnly} {
		for i := range maxConnections {
			conn, err := db.sql.Conn(t.Context()) // held, so the next is another connection
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var kb int
			if err := conn.QueryRowContext(t.Context(), `PRAGMA cache_size`).Scan(&kb); err != nil {
				t.Fatal(err)
			}
			if kb != -pageCacheKB {
				t.Errorf("read-only %v, connection %d: cache_size %d, want %d", db.readOnly, i, kb, -pageCacheKB)
			}
		}
	}
}

func TestReplaceRejectsABrokenDataSet(t *testing.T) {
	db := openTestDB(t, smallDataset())
	before, _ := db.Catalog(t.Context())

	broken := smallDataset()
	broken.Providers[0].MunicipalityCode = "9999"
	broken.Providers[1].OperatingForm = "COOPERATIVE"
	bad := 120.0
	broken.Observations[0].Value = &bad
	broken.Observations = append(broken.Observations, broken.Observations[1])
	err := db.Replace(t.Context(), broken)
	var v *ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("Replace(broken) = %v, want a ValidationError", err)
	}
	for _, want := range []string{`unknown municipality "9999"`, `"COOPERATIVE" is not one of`, "not a percentage", "listed twice"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Replace(broken) error does not mention %q:\n%v", want, err)
		}
	}
	after, _ := db.Catalog(t.Context())
	if after.Info.Version != before.Info.Version || len(after.providers) != 3 {
		t.Errorf("after a refused Replace: version %d→%d, %d providers; want nothing changed", before.Info.Version, after.Info.Version, len(after.providers))
	}
}

func TestCatalogFollowsTheDataVersion(t *testing.T) {
	db := openTestDB(t, smallDataset())
	first, _ := db.Catalog(t.Context())
	again, _ := db.Catalog(t.Context())
	if first != again {
		t.Error("Catalog loaded again although the data did not change")
	}
	ds := smallDataset()
	ds.Providers[0].Name = "Renamed"
	if err := db.Replace(t.Context(), ds); err != nil {
		t.Fatal(err)
	}
	next, _ := db.Catalog(t.Context())
	if next.Info.Version <= first.Info.Version || next.Provider("Provider:p0").Name != "Renamed" {
		t.Errorf("after a change: version %d→%d, name %q; want a new catalog", first.Info.Version, next.Info.Version, next.Provider("Provider:p0").Name)
	}
}

// TestProvidersSortSwedishAndPage: names sort as in Swedish (Alfa, Ängen, Östra — å, ä, ö last), and
// pages fetched forwards and backwards with cursors cover the list exactly once.
func TestProvidersSortSwedishAndPage(t *testing.T) {
	db := openTestDB(t, smallDataset())
	c, _ := db.Catalog(t.Context())
	names := func(p *ProviderPage) (out []string) {
		for _, e := range p.Edges {
			out = append(out, e.Node.Name)
		}
		return out
	}
	one := 1
	var got []string
	var after *string
	for {
		page, err := c.Providers(ProviderFilter{}, ProviderOrder{}, PageArgs{First: &one, After: after})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, names(page)...)
		if !page.PageInfo.HasNextPage {
			break
		}
		after = page.PageInfo.EndCursor
	}
	if diff := cmp.Diff([]string{"Alfa", "Ängen", "Östra skolan"}, got); diff != "" {
		t.Errorf("forward pages (-want +got):\n%s", diff)
	}
	two := 2
	last, _ := c.Providers(ProviderFilter{}, ProviderOrder{}, PageArgs{Last: &two})
	if diff := cmp.Diff([]string{"Ängen", "Östra skolan"}, names(last)); diff != "" || !last.PageInfo.HasPreviousPage {
		t.Errorf("last 2 (-want +got):\n%s (hasPreviousPage %v)", diff, last.PageInfo.HasPreviousPage)
	}
	before, _ := c.Providers(ProviderFilter{}, ProviderOrder{}, PageArgs{Last: &two, Before: last.PageInfo.StartCursor})
	if diff := cmp.Diff([]string{"Alfa"}, names(before)); diff != "" {
		t.Errorf("before the last page (-want +got):\n%s", diff)
	}
	name := "ÄNG"
	found, _ := c.Providers(ProviderFilter{NameContains: &name}, ProviderOrder{}, PageArgs{})
	if diff := cmp.Diff([]string{"Ängen"}, names(found)); diff != "" {
		t.Errorf("nameContains %q (-want +got):\n%s", name, diff)
	}
}

// TestObservationPagesAreKeyset walks all observations two at a time forwards and backwards in both
// orderings: every figure appears exactly once, in order, and the counts agree.
func TestObservationPagesAreKeyset(t *testing.T) {
	db := openTestDB(t, smallDataset())
	c, _ := db.Catalog(t.Context())
	two := 2
	for _, order := range []ObservationOrder{
		{ObservationOrderUpdatedAt, Asc}, {ObservationOrderUpdatedAt, Desc}, {ObservationOrderPeriod, Asc}, {ObservationOrderPeriod, Desc},
	} {
		var forward []string
		var after *string
		for {
			page, err := db.Observations(t.Context(), c, ObservationFilter{}, order, PageArgs{First: &two, After: after})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Edges {
				forward = append(forward, e.Node.ID())
			}
			if !page.PageInfo.HasNextPage {
				break
			}
			after = page.PageInfo.EndCursor
		}
		var backward []string
		var before *string
		for {
			page, err := db.Observations(t.Context(), c, ObservationFilter{}, order, PageArgs{Last: &two, Before: before})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range page.Edges {
				ids = append(ids, e.Node.ID())
			}
			backward = append(ids, backward...)
			if !page.PageInfo.HasPreviousPage {
				break
			}
			before = page.PageInfo.StartCursor
		}
		if len(forward) != 9 {
			t.Errorf("%v: forward pages hold %d observations, want 9", order, len(forward))
		}
		if diff := cmp.Diff(forward, backward); diff != "" {
			t.Errorf("%v: backward pages differ from forward pages (-forward +backward):\n%s", order, diff)
		}
	}
}
