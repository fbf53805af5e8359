package kolada_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/jamforelse/api/kolada"
	"github.com/jamforelse/api/seed"
	"github.com/jamforelse/api/seed/seedtest"
	"github.com/jamforelse/api/store"
)

const source = "Source:illustrative-kolada"

var change = store.Change{Actor: "tests", Operation: "importKolada"}

// into reads files into the seed's metrics and register, attributed to the illustrative source.
func into(t testing.TB) kolada.Into {
	ds, err := seed.Data()
	if err != nil {
		t.Fatal(err)
	}
	return kolada.Into{Metrics: ds.Metrics, Municipalities: ds.Municipalities, SourceID: source, SourceIllustrative: true}
}

func parseFile(t *testing.T, path string) *kolada.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := kolada.Parse(f, into(t))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func f(v float64) *float64 { return &v }

// TestParseMapsKPIsToMetrics: N18946 and N18952 become our SFI pass and dropout rates through
// Metric.koladaId; the gender split follows; a KPI no metric names is counted and skipped.
func TestParseMapsKPIsToMetrics(t *testing.T) {
	res := parseFile(t, "testdata/kolada-v3.json")
	saknas, prel := "Kolada-status: Saknas", "Kolada-status: Prel"
	want := []*store.Observation{
		{MetricID: "Metric:sfi-pass-rate", MunicipalityCode: "0183", Period: "2018", Value: f(61.5), ValueWomen: f(64), ValueMen: f(58.2), Status: store.StatusFinal, SourceID: source},
		{MetricID: "Metric:sfi-pass-rate", MunicipalityCode: "0000", Period: "2018", Value: f(66.3), ValueWomen: f(68.1), ValueMen: f(63.9), Status: store.StatusFinal, SourceID: source},
		{MetricID: "Metric:sfi-dropout-rate", MunicipalityCode: "0183", Period: "2020", Note: &saknas, Status: store.StatusFinal, SourceID: source},
		{MetricID: "Metric:sfi-dropout-rate", MunicipalityCode: "0183", Period: "2019", Value: f(19.4), Note: &prel, Status: store.StatusPreliminary, SourceID: source},
	}
	if diff := cmp.Diff(want, res.Observations, cmpopts.IgnoreUnexported(store.Observation{})); diff != "" {
		t.Errorf("observations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"N15033": 1}, res.Unmapped); diff != "" {
		t.Errorf("unmapped KPIs (-want +got):\n%s", diff)
	}
}

func TestParseRefusesMalformedFiles(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"not JSON", `{"values": [`, "not a Kolada v3 data file"},
		{"no values list", `{"data": []}`, "not a Kolada v3 data page"},
		{"unknown field", `{"values": [{"kpi": "N18946", "municipality": "0183", "period": 2018, "colour": 1, "values": []}]}`, `unknown field "colour"`},
		{"period not a year", `{"values": [{"kpi": "N18946", "municipality": "0183", "period": 201, "values": []}]}`, `values[0]: period "201" is not a year`},
		{"unknown gender", `{"values": [{"kpi": "N18946", "municipality": "0183", "period": 2018, "values": [{"gender": "X", "value": 1}]}]}`, `values[0]: gender "X" is not T, K or M`},
		{"share over 100", `{"values": [{"kpi": "N18946", "municipality": "0183", "period": 2018, "values": [{"gender": "T", "value": 120}]}]}`, "120 is not a percentage"},
		{"no kpi", `{"values": [{"municipality": "0183", "period": 2018, "values": []}]}`, "values[0]: no kpi"},
		{"data after the last page", `{"values": []} garbage`, "after the last page, at line 1: invalid character 'g'"},
		{"a second page cut short", "{\"values\": []}\n{\"values\": [", "after the last page, at line 2"},
		{"empty", ``, "the file is empty"},
		{"a v2 page", readFile(t, "testdata/v3/v2-page.json"), "this is a page of Kolada's API v2 (it has next_page)"},
		{"organisational units", `{"values": [{"kpi": "N15033", "ou": "V15E144001301", "period": 2018, "values": []}]}`, "organisational units"},
		{"metadata", `{"values": [{"id": "N18946", "title": "Elever i sfi"}]}`, "Kolada metadata"},
		{"gender twice", `{"values": [{"kpi": "N18946", "municipality": "0183", "period": 2018, "values": [{"gender": "T", "value": 1}, {"gender": "T", "value": 2}]}]}`, `gender "T" is given twice`},
		{"total outside women and men", `{"values": [{"kpi": "N18946", "municipality": "0183", "period": 2018, "values": [{"gender": "K", "value": 70}, {"gender": "M", "value": 60}, {"gender": "T", "value": 80}]}]}`,
			"page 1 (line 1), values[0]: N18946 0183 2018: value: the share for all, 80 %, does not lie between"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kolada.Parse(strings.NewReader(tt.file), into(t))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%s) = %v, want an error containing %q", tt.name, err, tt.want)
			}
		})
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestParseAPage reads a download for the whole country as the API serves it: the envelope (count,
// next_url, previous_url) and isdeleted are accepted; a region, the country and municipalities the
// seed's providers never name are imported; a municipality group is skipped and counted; a figure
// Kolada lacks ("Saknas") comes with no value and says so.
func TestParseAPage(t *testing.T) {
	res := parseFile(t, "testdata/v3/country-N18946-2023.json")
	var codes []string
	for _, o := range res.Observations {
		if o.MetricID != "Metric:sfi-pass-rate" || o.Period != "2023" {
			t.Errorf("%s: want the 2023 SFI pass rate", o.ID())
		}
		codes = append(codes, o.MunicipalityCode)
	}
	if diff := cmp.Diff([]string{"0000", "0001", "0009", "0114", "0180", "0183", "0980", "1480", "2584", "2021"}, codes); diff != "" {
		t.Errorf("places imported (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{kolada.SkippedGroups: 1}, res.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	stockholm := res.Observations[4]
	if *stockholm.Value != 66.3 || *stockholm.ValueWomen != 68.1 || *stockholm.ValueMen != 64 || stockholm.Note != nil {
		t.Errorf("0180 = %v / %v / %v, note %v; want 66.3, 68.1 for women, 64 for men, no note", *stockholm.Value, *stockholm.ValueWomen, *stockholm.ValueMen, stockholm.Note)
	}
	if missing := res.Observations[9]; missing.Value != nil || missing.Note == nil || *missing.Note != "Kolada-status: Saknas" {
		t.Errorf("2021 = %+v, want no value and the note Kolada-status: Saknas", missing)
	}
	if res.Pages != 1 || len(res.Removed) != 0 {
		t.Errorf("pages %d, removed %d; want 1 and 0", res.Pages, len(res.Removed))
	}
}

// TestSeveralPagesInOneFile: pages one after another, as `curl` writes them following next_url, are
// read as one import; a figure given twice is taken from the later page; a withdrawn figure
// (isdeleted) is a removal.
func TestSeveralPagesInOneFile(t *testing.T) {
	file := readFile(t, "testdata/v3/sync-page-1.json") + readFile(t, "testdata/v3/sync-page-2.json") + readFile(t, "testdata/v3/sync-changes.json")
	res, err := kolada.Parse(strings.NewReader(file), into(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Pages != 3 || len(res.Observations) != 19 || len(res.Removed) != 1 {
		t.Fatalf("pages %d, figures %d, removed %d; want 3, 19 (10 pass and 10 dropout rates, one withdrawn) and 1", res.Pages, len(res.Observations), len(res.Removed))
	}
	if got := res.Removed[0].ID(); got != "Observation:sfi-dropout-rate/0001/2023" {
		t.Errorf("removed %s, want the 2023 dropout rate of Region Stockholm", got)
	}
	last := res.Observations[len(res.Observations)-1]
	if last.ID() != "Observation:sfi-pass-rate/0180/2024" || *last.Value != 67.4 {
		t.Errorf("last figure %s = %v, want 0180's 2024 pass rate as the later page corrects it, 67.4", last.ID(), *last.Value)
	}
}

// TestTheSeedsInventedFileCannotBeRelabelled: the seed's Kolada-format file says its figures are
// invented, and Parse refuses it for a source that is not illustrative, such as Source:kolada.
func TestTheSeedsInventedFileCannotBeRelabelled(t *testing.T) {
	in := into(t)
	in.SourceID, in.SourceIllustrative = "Source:kolada", false
	f, err := os.Open("../seed/data/kolada/sfi-reference.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := kolada.Parse(f, in); err == nil || !strings.Contains(err.Error(), `the file says its figures are invented ("illustrative": true), so they cannot be attributed to Source:kolada`) {
		t.Errorf("Parse(sfi-reference.json) as Source:kolada = %v, want a refusal", err)
	}
}

// TestInventedValuesCannotBecomeReal: without the file's mark, the store itself refuses to turn the
// seed's invented reference values into Source:kolada figures, whether over the stored figure or after
// it has been deleted; a real figure (another value) replaces the invented one.
func TestInventedValuesCannotBecomeReal(t *testing.T) {
	db := seededDB(t)
	unmarked := strings.Replace(readFile(t, "../seed/data/kolada/sfi-reference.json"), `"illustrative": true,`, "", 1)
	in := into(t)
	in.SourceID, in.SourceIllustrative = "Source:kolada", false
	res, err := kolada.Parse(strings.NewReader(unmarked), in)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ImportObservations(t.Context(), change, res.Observations, store.ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "row 1, source: the figure with these values is invented (Source:illustrative-kolada is illustrative)") {
		t.Fatalf("relabelling import = %v, want every row refused", err)
	}
	reason := "gone"
	id := store.ObservationID("Metric:sfi-pass-rate", nil, "0183", "2017")
	if err := db.DeleteObservations(t.Context(), store.Change{Actor: "tests", Operation: "delete", Reason: &reason}, []string{id}); err != nil {
		t.Fatal(err)
	}
	_, err = db.ImportObservations(t.Context(), change, res.Observations[:1], store.ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "is invented") {
		t.Errorf("import after deleting the invented figure = %v, want it refused still", err)
	}
	real := *res.Observations[0]
	real.Value = f(77.3)
	if _, err := db.ImportObservations(t.Context(), change, []*store.Observation{&real}, store.ImportOptions{}); err != nil {
		t.Errorf("a real figure with its own value = %v, want it imported", err)
	}
}

func seededDB(t *testing.T) *store.DB {
	t.Helper()
	db := seedtest.DB(t)
	return db
}

// referenceValue reads the whole municipality's figure for a metric and period through the store.
func referenceValue(t *testing.T, db *store.DB, metric, code, period string) (*float64, int64) {
	t.Helper()
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	found, err := db.ObservationsByID(t.Context(), c, []string{store.ObservationID(metric, nil, code, period)})
	if err != nil {
		t.Fatal(err)
	}
	if o := found[store.ObservationID(metric, nil, code, period)]; o != nil {
		return o.Value, c.Info.Version
	}
	return nil, c.Info.Version
}

// TestImportIsIdempotent loads the fixture twice: the first import adds and corrects figures, the
// second finds them all as they are and changes nothing, not even the data version.
func TestImportIsIdempotent(t *testing.T) {
	db := seededDB(t)
	obs := parseFile(t, "testdata/kolada-v3.json").Observations
	first, err := db.ImportObservations(t.Context(), change, obs, store.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The seed already has 0183's and 0000's 2018 pass rates and 0183's 2019 dropout rate, with other
	// values (3 changed); 0183's 2020 dropout rate is new (1 added).
	if want := (store.ImportResult{Added: 1, Changed: 3}); first != want {
		t.Errorf("first import = %+v, want %+v", first, want)
	}
	value, version := referenceValue(t, db, "Metric:sfi-pass-rate", "0183", "2018")
	if value == nil || *value != 61.5 {
		t.Errorf("after the first import, 0183's 2018 pass rate = %v, want 61.5", value)
	}
	second, err := db.ImportObservations(t.Context(), change, parseFile(t, "testdata/kolada-v3.json").Observations, store.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.ImportResult{Unchanged: 4}); second != want {
		t.Errorf("second import = %+v, want %+v", second, want)
	}
	if _, again := referenceValue(t, db, "Metric:sfi-pass-rate", "0183", "2018"); again != version {
		t.Errorf("the second import moved the data version from %d to %d", version, again)
	}
}

// TestImportOfABadFileChangesNothing: a file with a good figure and one that breaks a rule against
// what is stored (a dropout rate that with the stored pass rate makes more than 100 %) is refused
// whole, naming the problem, and the stored figures stay as they were.
func TestImportOfABadFileChangesNothing(t *testing.T) {
	db := seededDB(t)
	before, version := referenceValue(t, db, "Metric:sfi-pass-rate", "0183", "2018")
	file := `{"values": [
		{"kpi": "N18946", "municipality": "0183", "period": 2018, "values": [{"gender": "T", "value": 10.0}]},
		{"kpi": "N18952", "municipality": "0183", "period": 2017, "values": [{"gender": "T", "value": 50.0}]}
	]}`
	res, err := kolada.Parse(strings.NewReader(file), into(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ImportObservations(t.Context(), change, res.Observations, store.ImportOptions{})
	var p *store.ProblemsError
	if !errors.As(err, &p) || !strings.Contains(err.Error(), "row 2, value: Metric:sfi-dropout-rate and Metric:sfi-pass-rate are parts of one whole") {
		t.Fatalf("import = %v, want a ProblemsError naming row 2's sum beyond 100 %%", err)
	}
	after, again := referenceValue(t, db, "Metric:sfi-pass-rate", "0183", "2018")
	if *after != *before || again != version {
		t.Errorf("after a refused import: value %v → %v, version %d → %d; want both unchanged", *before, *after, version, again)
	}
}
