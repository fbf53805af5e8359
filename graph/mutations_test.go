package graph

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/jamforelse/api/export"
	"github.com/jamforelse/api/store"
)

// fingerprint is everything stored, as exports: two equal fingerprints mean an unchanged database.
func (a *testAPI) fingerprint(t *testing.T) string {
	t.Helper()
	c, err := a.db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, table := range export.Tables() {
		if _, err := export.Write(t.Context(), &b, a.db, c, export.File{Table: table, Format: export.NDJSON}, export.Filter{}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := a.db.AuditLog(t.Context(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Nodes() {
		b.WriteString(e.Summary)
	}
	return b.String()
}

func tokens(t *testing.T, api *testAPI) (editor, admin string) {
	t.Helper()
	editor, err := api.db.CreateToken(t.Context(), "kvalitetskansliet", store.Editor)
	if err != nil {
		t.Fatal(err)
	}
	admin, err = api.db.CreateToken(t.Context(), "namnden", store.Admin)
	if err != nil {
		t.Fatal(err)
	}
	return editor, admin
}

const importMutation = `mutation($input: ImportObservationsInput!) {
	importObservations(input: $input) { added changed unchanged dryRun }
}`

func figure(metric, provider, period string, value float64, n int) map[string]any {
	f := map[string]any{"metric": metric, "municipality": "0183", "period": period, "value": value, "sampleSize": n,
		"source": "Source:illustrative-results"}
	if provider != "" {
		f["provider"] = provider
	}
	return f
}

// TestRefusedWritesChangeNothing sends each kind of bad write: each is refused with the right code and
// message, with every problem listed by row and field, and the database is exactly as before.
func TestRefusedWritesChangeNothing(t *testing.T) {
	api := newTestAPI(t, seedData(t))
	editor, admin := tokens(t, api)
	const city = "Provider:sundbyberg-vuxenutbildning"
	tests := []struct {
		name         string
		token        string
		query        string
		vars         map[string]any
		wantCode     string
		wantProblems []string // "row field" of each problem
	}{
		{"no token", "", importMutation, map[string]any{"input": map[string]any{"observations": []any{figure("Metric:sfi-pass-rate", city, "2020", 70, 50)}}},
			CodeUnauthenticated, nil},
		{"an unknown token", "jfs_not-a-real-token", importMutation, map[string]any{"input": map[string]any{"observations": []any{figure("Metric:sfi-pass-rate", city, "2020", 70, 50)}}},
			CodeUnauthenticated, nil},
		{"an editor doing an admin's work", editor, `mutation { createProvider(input: {slug: "ny", name: "Ny AB", operatingForm: PRIVATE, municipality: "0183", source: "Source:illustrative-providers"}) { provider { id } } }`,
			nil, CodeForbidden, nil},
		{"an editor reading the audit log", editor, `{ auditLog { nodes { actor } } }`, nil, CodeForbidden, nil},
		{
			"a batch with every kind of problem", editor, importMutation,
			map[string]any{"input": map[string]any{"observations": []any{
				figure("Metric:sfi-pass-rate", city, "2020", 70, 50),                // row 1 is fine
				figure("Metric:no-such-metric", city, "2020", 70, 50),               // row 2
				figure("Metric:sfi-pass-rate", "Provider:nobody", "2020", 70, 50),   // row 3
				figure("Metric:sfi-pass-rate", city, "autumn 2020", 70, 50),         // row 4
				figure("Metric:sfi-pass-rate", city, "2021", 120, 50),               // row 5
				figure("Metric:sfi-dropout-rate", city, "2020", 20, -5),             // row 6
				figure("Metric:sfi-pass-rate", city, "2020", 71, 50),                // row 7 repeats row 1
				figure("Metric:sfi-cost-per-passed-course", city, "2020", 9000, 50), // row 8
			}}},
			CodeBadUserInput,
			[]string{"2 metric", "3 provider", "4 period", "5 value", "6 sampleSize", "7 ", "8 metric"},
		},
		{"an empty batch", editor, importMutation, map[string]any{"input": map[string]any{"observations": []any{}}}, CodeBadUserInput, []string{"0 "}},
		{"deleting what does not exist", editor, `mutation { deleteObservations(input: {ids: ["Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/1999"], reason: "test"}) { deleted } }`,
			nil, CodeBadUserInput, []string{"1 id"}},
		{"a provider with bad details", admin, `mutation { createProvider(input: {slug: "Bad Slug", name: " ", organisationNumber: "123", operatingForm: PRIVATE, municipality: "9999", source: "Source:none"}) { provider { id } } }`,
			nil, CodeBadUserInput, []string{"0 slug", "0 name", "0 organisationNumber", "0 municipality", "0 source"}},
		{"a second active authorisation", admin, `mutation { grantAuthorisation(input: {provider: "Provider:sundbyberg-vuxenutbildning", scheme: "AuthorisationScheme:0183-sfi", grantedOn: "2020-01-01", source: "Source:illustrative-providers", reason: "test"}) { authorisation { id } } }`,
			nil, CodeBadUserInput, []string{"0 provider"}},
		{"a revocation without a reason", admin, `mutation { revokeAuthorisation(input: {id: "Authorisation:sundbyberg-vuxenutbildning/0183-sfi", revokedOn: "2020-01-01", reason: ""}) { authorisation { id } } }`,
			nil, CodeBadUserInput, []string{"0 reason"}},
		{"renewing a revoked authorisation", admin, `mutation { renewAuthorisation(input: {id: "Authorisation:steget-vidare/0183-sfi", reason: "test"}) { authorisation { id } } }`,
			nil, CodeBadUserInput, []string{"0 id"}},
		{"an unknown authorisation", admin, `mutation { renewAuthorisation(input: {id: "Authorisation:nobody/0183-sfi", reason: "test"}) { authorisation { id } } }`,
			nil, CodeNotFound, nil},
		{"an overlapping price list", admin, `mutation { publishPriceList(input: {scheme: "AuthorisationScheme:0183-sfi", validFrom: "2018-06-01", validTo: "2019-06-30", source: "Source:illustrative-providers",
			items: [{label: "x", unit: PER_COURSE, amountOre: -1, resultBasedShare: 2, paidWhen: ON_PASS}]}) { priceList { id } } }`,
			nil, CodeBadUserInput, []string{"1 amount", "1 resultBasedShare", "0 validFrom", "0 validFrom"}}, // overlaps the 2017 and the 2019 lists
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := api.fingerprint(t)
			r := api.asToken(t, tt.token, tt.query, tt.vars)
			if !slices.Contains(r.codes(), tt.wantCode) {
				t.Fatalf("codes = %v, want %s: %s", r.codes(), tt.wantCode, r.raw)
			}
			if tt.wantProblems != nil {
				var got []string
				for _, p := range r.Errors[0].Extensions["problems"].([]any) {
					p := p.(map[string]any)
					got = append(got, strings.TrimSpace(strings.Join([]string{jsonNumber(p["row"]), p["field"].(string)}, " ")))
				}
				want := make([]string, len(tt.wantProblems))
				for i, w := range tt.wantProblems {
					want[i] = strings.TrimSpace(w)
				}
				if strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("problems (row field) = %v, want %v\n%s", got, want, r.raw)
				}
			}
			if after := api.fingerprint(t); after != before {
				t.Error("the database changed although the write was refused")
			}
		})
	}
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestPublishingKeepsHistory: a dry run writes nothing; an import adds and corrects; the correction
// keeps the former figure with who, when and why; a deletion leaves the figure in its history; and the
// audit log, for admins, lists each write under its token's name.
func TestPublishingKeepsHistory(t *testing.T) {
	api := newTestAPI(t, seedData(t))
	editor, admin := tokens(t, api)
	const city = "Provider:sundbyberg-vuxenutbildning"
	batch := map[string]any{"observations": []any{
		figure("Metric:sfi-pass-rate", city, "2018", 87.4, 188), // corrects the seed's figure
		figure("Metric:sfi-pass-rate", city, "2020", 70, 50),    // new
	}, "reason": "Rättad efter ny uppföljning"}

	before := api.fingerprint(t)
	dry := map[string]any{"observations": batch["observations"], "dryRun": true}
	r := api.asToken(t, editor, importMutation, map[string]any{"input": dry})
	if got := r.raw; !strings.Contains(got, `"added":1,"changed":1,"unchanged":0,"dryRun":true`) {
		t.Fatalf("dry run = %s", got)
	}
	if api.fingerprint(t) != before {
		t.Fatal("a dry run changed the database")
	}

	r = api.asToken(t, editor, importMutation, map[string]any{"input": batch})
	if !strings.Contains(r.raw, `"added":1,"changed":1,"unchanged":0,"dryRun":false`) {
		t.Fatalf("import = %s", r.raw)
	}
	data := api.mustQuery(t, `{ node(id: "Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/2018") { ... on Observation {
		value revisions { value replacedBy reason deleted } } } }`, nil)
	node := data["node"].(map[string]any)
	revs := asList(node["revisions"])
	if node["value"] != 87.4 || len(revs) != 1 || revs[0]["value"] != 82.2 || revs[0]["replacedBy"] != "kvalitetskansliet" ||
		revs[0]["reason"] != "Rättad efter ny uppföljning" || revs[0]["deleted"] != false {
		t.Errorf("after the correction: %v; want 87.4 now and 82.2 in the history, by kvalitetskansliet, with the reason", node)
	}

	r = api.asToken(t, editor, `mutation { deleteObservations(input: {ids: ["Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/2020"], reason: "Fel utförare"}) { deleted } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	c, _ := api.db.Catalog(t.Context())
	revisions, err := api.db.Revisions(t.Context(), c, []string{"Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/2020"})
	if err != nil || len(revisions["Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/2020"]) != 1 ||
		!revisions["Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/2020"][0].Deleted {
		t.Errorf("the deleted figure's history = %v, %v; want one version marked deleted", revisions, err)
	}

	log := api.asToken(t, admin, `{ auditLog(first: 3) { nodes { actor operation summary } } }`, nil)
	if !strings.Contains(log.raw, `"actor":"kvalitetskansliet","operation":"deleteObservations"`) ||
		!strings.Contains(log.raw, `"actor":"kvalitetskansliet","operation":"importObservations"`) ||
		!strings.Contains(log.raw, `Rättad efter ny uppföljning`) {
		t.Errorf("audit log = %s", log.raw)
	}
}

// TestTheCommitteesDecisions creates and changes a provider, grants, renews, revokes, grants anew and
// suspends an authorisation, keeping every decision in its history, and publishes a price list that
// closes the one before it.
func TestTheCommitteesDecisions(t *testing.T) {
	api := newTestAPI(t, seedData(t))
	_, admin := tokens(t, api)
	steps := []struct{ query, want string }{
		{`mutation { createProvider(input: {slug: "ny-skola", name: "Ny Skola AB (exempel)", operatingForm: PRIVATE, municipality: "0183", source: "Source:illustrative-providers", reason: "Ansökan"}) { provider { id name operatingForm } } }`,
			`"provider":{"id":"Provider:ny-skola","name":"Ny Skola AB (exempel)","operatingForm":"PRIVATE"}`},
		{`mutation { updateProvider(input: {id: "Provider:ny-skola", website: "https://ny-skola.example"}) { provider { name website } } }`,
			`"provider":{"name":"Ny Skola AB (exempel)","website":"https://ny-skola.example"}`},
		// Granted for 2020 only: expired since 2021-01-01, whatever the day the test runs.
		{`mutation { grantAuthorisation(input: {provider: "Provider:ny-skola", scheme: "AuthorisationScheme:0183-sfi", grantedOn: "2020-01-01", validUntil: "2020-12-31", source: "Source:illustrative-providers", reason: "Uppfyller villkoren"}) { authorisation { id status validUntil june: statusOn(date: "2020-06-01") } } }`,
			`"authorisation":{"id":"Authorisation:ny-skola/0183-sfi","status":"EXPIRED","validUntil":"2020-12-31","june":"ACTIVE"}`},
		{`mutation { renewAuthorisation(input: {id: "Authorisation:ny-skola/0183-sfi", renewedOn: "2020-11-15", validUntil: "2022-12-31", reason: "Förlängd"}) { authorisation { validUntil next: statusOn(date: "2021-01-15") } } }`,
			`"authorisation":{"validUntil":"2022-12-31","next":"ACTIVE"}`},
		{`mutation { revokeAuthorisation(input: {id: "Authorisation:ny-skola/0183-sfi", revokedOn: "2021-06-30", reason: "Brister i uppföljningen"}) { authorisation { status validUntil reason last: statusOn(date: "2021-06-30") after: statusOn(date: "2021-07-01") provider { serviceAreas { id } } } } }`,
			`"authorisation":{"status":"REVOKED","validUntil":"2021-06-30","reason":"Brister i uppföljningen","last":"ACTIVE","after":"REVOKED","provider":{"serviceAreas":[{"id":"ServiceArea:sfi"}]}}`},
		{`mutation { grantAuthorisation(input: {provider: "Provider:ny-skola", scheme: "AuthorisationScheme:0183-sfi", grantedOn: "2022-03-01", source: "Source:illustrative-providers", reason: "Bristerna åtgärdade"}) { authorisation { status grantedOn validUntil history { kind date validUntil reason } } } }`,
			`"authorisation":{"status":"ACTIVE","grantedOn":"2022-03-01","validUntil":null,"history":[{"kind":"GRANTED","date":"2020-01-01","validUntil":"2020-12-31","reason":"Uppfyller villkoren"},` +
				`{"kind":"RENEWED","date":"2020-11-15","validUntil":"2022-12-31","reason":"Förlängd"},{"kind":"REVOKED","date":"2021-06-30","validUntil":null,"reason":"Brister i uppföljningen"},` +
				`{"kind":"GRANTED","date":"2022-03-01","validUntil":null,"reason":"Bristerna åtgärdade"}]}`},
		{`mutation { suspendAuthorisation(input: {id: "Authorisation:ny-skola/0183-sfi", from: "2023-02-01", until: "2023-03-31", reason: "Utredning"}) { authorisation { during: statusOn(date: "2023-03-31") after: statusOn(date: "2023-04-01") } } }`,
			`"authorisation":{"during":"SUSPENDED","after":"ACTIVE"}`},
		{`mutation { publishPriceList(input: {scheme: "AuthorisationScheme:0183-sfi", validFrom: "2021-01-01", decidedOn: "2020-11-20", source: "Source:illustrative-providers",
			items: [{label: "Grundersättning", unit: PER_WEEK, amountOre: 90000, resultBasedShare: 0, paidWhen: MONTHLY}]}) { priceList { id validFrom scheme { priceLists { id validTo } } } } }`,
			`"priceLists":[{"id":"PriceList:0183-sfi-2021-01-01","validTo":null},{"id":"PriceList:0183-sfi-2019","validTo":"2020-12-31"},{"id":"PriceList:0183-sfi-2017","validTo":"2018-12-31"}]`},
	}
	for _, s := range steps {
		r := api.asToken(t, admin, s.query, nil)
		if len(r.Errors) > 0 || !strings.Contains(r.raw, s.want) {
			t.Errorf("%.60s…\n got %s\nwant %s", s.query, r.raw, s.want)
		}
	}
}
