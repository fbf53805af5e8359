package store

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAuthorisationHistory writes a history through the committee's decisions and reads it back: A is
// granted, renewed, revoked and granted again (four events); B's grant runs out; C is suspended for a
// year and reinstated; D has applied and waits. Each year's comparison lists exactly the providers
// authorised in it, and each status on a day follows from the events.
func TestAuthorisationHistory(t *testing.T) {
	ds := smallDataset()
	ds.Authorisations, ds.Observations = nil, nil
	src := "Source:test"
	ds.Providers = append(ds.Providers, &Provider{ID: "Provider:p3", Name: "Dalen", OperatingForm: Private, MunicipalityCode: "0183", SourceID: src})
	ds.Authorisations = []*Authorisation{{ID: "Authorisation:p3/0183-sfi", ProviderID: "Provider:p3", SchemeID: "AuthorisationScheme:0183-sfi", SourceID: src}}
	db := openTestDB(t, ds)
	ctx := t.Context()
	why := func(s string) Change { return Change{Actor: "test", Operation: "decide", Reason: &s} }
	d := func(s string) *Date { x := Date(s); return &x }
	const a, b, c, scheme = "Provider:p0", "Provider:p1", "Provider:p2", "AuthorisationScheme:0183-sfi"
	steps := []error{
		func() error {
			_, err := db.GrantAuthorisation(ctx, why("Ansökan beviljad"), a, scheme, "2018-01-01", d("2019-12-31"), src)
			return err
		}(),
		db.RenewAuthorisation(ctx, why("Förlängd"), "Authorisation:p0/0183-sfi", d("2019-11-01"), d("2021-12-31"), nil),
		db.RevokeAuthorisation(ctx, why("Brister"), "Authorisation:p0/0183-sfi", "2020-06-30", nil),
		func() error {
			_, err := db.GrantAuthorisation(ctx, why("Åtgärdat"), a, scheme, "2021-03-01", nil, src)
			return err
		}(),
		func() error {
			_, err := db.GrantAuthorisation(ctx, why("Beviljad"), b, scheme, "2018-01-01", d("2020-12-31"), src)
			return err
		}(),
		func() error {
			_, err := db.GrantAuthorisation(ctx, why("Beviljad"), c, scheme, "2020-05-01", nil, src)
			return err
		}(),
		db.SuspendAuthorisation(ctx, why("Utredning"), "Authorisation:p2/0183-sfi", "2021-01-01", nil, nil),
		db.ReinstateAuthorisation(ctx, why("Utredningen klar"), "Authorisation:p2/0183-sfi", "2022-01-01", nil),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
	}
	// Decisions out of order, or that the history does not allow, are refused.
	for name, err := range map[string]error{
		"a renewal before the latest decision": db.RenewAuthorisation(ctx, why("x"), "Authorisation:p0/0183-sfi", d("2020-01-01"), nil, nil),
		"a grant while active": func() error {
			_, err := db.GrantAuthorisation(ctx, why("x"), a, scheme, "2023-01-01", nil, src)
			return err
		}(),
		"revoking a pending authorisation": db.RevokeAuthorisation(ctx, why("x"), "Authorisation:p3/0183-sfi", "2023-01-01", nil),
		"reinstating an active one":        db.ReinstateAuthorisation(ctx, why("x"), "Authorisation:p1/0183-sfi", "2019-01-01", nil),
		"no reason":                        db.RevokeAuthorisation(ctx, Change{Actor: "test"}, "Authorisation:p1/0183-sfi", "2019-06-30", nil),
	} {
		var problems *ProblemsError
		if !errorsAs(err, &problems) {
			t.Errorf("%s: %v, want the decision refused", name, err)
		}
	}

	cat, _ := db.Catalog(ctx)
	var kinds []AuthorisationEventKind
	for _, e := range cat.Authorisation("Authorisation:p0/0183-sfi").Events {
		kinds = append(kinds, e.Kind)
	}
	if want := []AuthorisationEventKind{Granted, Renewed, Revoked, Granted}; !slices.Equal(kinds, want) {
		t.Errorf("A's history = %v, want %v", kinds, want)
	}
	for _, tt := range []struct {
		id   string
		day  Date
		want AuthorisationStatus
	}{
		{"Authorisation:p0/0183-sfi", "2017-12-31", AuthorisationPending},
		{"Authorisation:p0/0183-sfi", "2019-12-31", AuthorisationActive},
		{"Authorisation:p0/0183-sfi", "2020-06-30", AuthorisationActive}, // the last valid day
		{"Authorisation:p0/0183-sfi", "2020-07-01", AuthorisationRevoked},
		{"Authorisation:p0/0183-sfi", "2021-03-01", AuthorisationActive},
		{"Authorisation:p1/0183-sfi", "2020-12-31", AuthorisationActive},
		{"Authorisation:p1/0183-sfi", "2021-01-01", AuthorisationExpired}, // the day after validUntil
		{"Authorisation:p1/0183-sfi", Today(), AuthorisationExpired},
		{"Authorisation:p2/0183-sfi", "2021-06-01", AuthorisationSuspended},
		{"Authorisation:p2/0183-sfi", "2022-01-01", AuthorisationActive},
		{"Authorisation:p3/0183-sfi", "2022-01-01", AuthorisationPending},
	} {
		if got := cat.Authorisation(tt.id).StatusOn(tt.day); got != tt.want {
			t.Errorf("%s on %s: %s, want %s", tt.id, tt.day, got, tt.want)
		}
	}

	want := map[string][]string{
		"2017": nil, "2018": {"Alfa", "Östra skolan"}, "2019": {"Alfa", "Östra skolan"},
		// A until June; B all year; C from May.
		"2020": {"Alfa", "Ängen", "Östra skolan"},
		// A again from March; B expired; C suspended all year.
		"2021": {"Östra skolan"},
		"2022": {"Ängen", "Östra skolan"},
	}
	for year := 2017; year <= 2022; year++ {
		cmpn, err := db.Comparison(ctx, cat, ComparisonArgs{ServiceArea: "ServiceArea:sfi", Period: fmt.Sprint(year), Municipality: "0183"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, row := range cmpn.Rows {
			names = append(names, row.Provider.Name)
		}
		if diff := cmp.Diff(want[fmt.Sprint(year)], names); diff != "" {
			t.Errorf("%d: providers (-want +got):\n%s", year, diff)
		}
	}
}

func errorsAs(err error, target **ProblemsError) bool {
	p, ok := err.(*ProblemsError)
	*target = p
	return ok
}

// TestMigratingAuthorisationsKeepsWhatTheyWere: rows of the old one-row-per-authorisation table become
// the events that lead to what they said, and a grant whose validUntil has passed is no longer ACTIVE.
func TestMigratingAuthorisationsKeepsWhatTheyWere(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	err := oldDatabase(t, path, 6, `
		INSERT INTO schemes (id, name, service_area_id, municipality_code, status, source_id, updated_at) VALUES ('AuthorisationScheme:0183-sfi', 'S', 'ServiceArea:sfi', '0183', 'IN_FORCE', 'Source:s', 'x');
		INSERT INTO providers (id, name, operating_form, municipality_code, source_id, updated_at) VALUES
			('Provider:a', 'A', 'PRIVATE', '0183', 'Source:s', 'x'), ('Provider:b', 'B', 'PRIVATE', '0183', 'Source:s', 'x'),
			('Provider:c', 'C', 'PRIVATE', '0183', 'Source:s', 'x'), ('Provider:d', 'D', 'PRIVATE', '0183', 'Source:s', 'x');
		INSERT INTO authorisations (id, provider_id, scheme_id, status, granted_on, valid_until, reason, source_id, updated_at) VALUES
			('Authorisation:a/0183-sfi', 'Provider:a', 'AuthorisationScheme:0183-sfi', 'ACTIVE', '2017-01-01', '2020-12-31', NULL, 'Source:s', 'x'),
			('Authorisation:b/0183-sfi', 'Provider:b', 'AuthorisationScheme:0183-sfi', 'REVOKED', '2017-01-01', '2019-06-30', 'Brister', 'Source:s', 'x'),
			('Authorisation:c/0183-sfi', 'Provider:c', 'AuthorisationScheme:0183-sfi', 'PENDING', NULL, NULL, NULL, 'Source:s', 'x'),
			('Authorisation:d/0183-sfi', 'Provider:d', 'AuthorisationScheme:0183-sfi', 'ACTIVE', '2018-01-01', NULL, NULL, 'Source:s', 'x');`)
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string][]AuthorisationStatus{ // on 2018-06-01, 2020-06-01, today
		"Authorisation:a/0183-sfi": {AuthorisationActive, AuthorisationActive, AuthorisationExpired},
		"Authorisation:b/0183-sfi": {AuthorisationActive, AuthorisationRevoked, AuthorisationRevoked},
		"Authorisation:c/0183-sfi": {AuthorisationPending, AuthorisationPending, AuthorisationPending},
		"Authorisation:d/0183-sfi": {AuthorisationActive, AuthorisationActive, AuthorisationActive},
	} {
		a := cat.Authorisation(id)
		got := []AuthorisationStatus{a.StatusOn("2018-06-01"), a.StatusOn("2020-06-01"), a.StatusOn(Today())}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v (events %+v)", id, got, want, a.Events)
		}
	}
	if r := cat.Authorisation("Authorisation:b/0183-sfi").Reason(Today()); r == nil || *r != "Brister" {
		t.Errorf("the revocation's reason = %v, want Brister", r)
	}
}

// oldDatabase makes a database as a program of an older schema version left it: a data set (version 7)
// with one source, municipality and service area, and the data given.
func oldDatabase(t *testing.T, path string, version int, data string) error {
	t.Helper()
	old, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		return err
	}
	defer old.Close()
	names, _ := migrations.ReadDir("migrations")
	for _, name := range names[:version] {
		script, _ := migrations.ReadFile("migrations/" + name.Name())
		if _, err := old.Exec(string(script)); err != nil {
			return fmt.Errorf("%s: %w", name.Name(), err)
		}
	}
	_, err = old.Exec(fmt.Sprintf(`PRAGMA user_version = %d;
		INSERT INTO dataset (id, title, description, publisher, license, license_url, version, updated_at) VALUES (1, 't', 'd', 'p', 'CC0-1.0', 'https://example.org', 7, '2020-01-01T00:00:00Z');
		INSERT INTO sources (id, title, publisher, illustrative) VALUES ('Source:s', 'S', 'P', 1);
		INSERT INTO municipalities (code, name) VALUES ('0183', 'Sundbyberg');
		INSERT INTO service_areas (id, code, name, description, position) VALUES ('ServiceArea:sfi', 'sfi', 'SFI', 'd', 0);
		%s`, version, data))
	return err
}
