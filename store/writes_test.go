package store

import (
	"context"
	"errors"
	"iter"
	"strings"
	"testing"
)

// written is what a write leaves behind that every write must: the data version and the audit log.
type written struct {
	version int64
	audit   []string // "actor operation", newest first
}

func writtenNow(t *testing.T, db *DB) written {
	t.Helper()
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	page, err := db.AuditLog(t.Context(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := written{version: c.Info.Version}
	for _, e := range page.Nodes() {
		w.audit = append(w.audit, e.Actor+" "+e.Operation)
	}
	return w
}

// TestEveryWritePath runs each of the store's writes twice: once with input it must refuse, which
// changes nothing at all (no data version, no audit entry), and once with good input, which moves the
// data version by one, records the change in the audit log under its actor and operation, and changes
// what it says.
func TestEveryWritePath(t *testing.T) {
	const p0 = "Provider:p0"
	figure := func(period string, value float64) *Observation {
		return &Observation{MetricID: "Metric:sfi-pass-rate", ProviderID: ptr(p0), MunicipalityCode: "0183", Period: period,
			Value: &value, SampleSize: ptr(40), Status: StatusFinal, SourceID: "Source:test"}
	}
	type write func(ctx context.Context, db *DB, ch Change) error
	tests := []struct {
		operation string
		refused   write
		good      write
		check     func(t *testing.T, db *DB) // that the good write did what it says
	}{{
		"importObservations",
		func(ctx context.Context, db *DB, ch Change) error {
			_, err := db.ImportObservations(ctx, ch, []*Observation{figure("2020", 70), figure("autumn", 70)}, ImportOptions{})
			return err
		},
		func(ctx context.Context, db *DB, ch Change) error {
			_, err := db.ImportObservations(ctx, ch, []*Observation{figure("2020", 70), figure("2018", 99)}, ImportOptions{})
			return err
		},
		func(t *testing.T, db *DB) {
			if v := value(t, db, "Observation:sfi-pass-rate/p0/2020"); v == nil || *v != 70 {
				t.Errorf("the new figure is %v, want 70", v)
			}
			if v := value(t, db, "Observation:sfi-pass-rate/p0/2018"); v == nil || *v != 99 {
				t.Errorf("the corrected figure is %v, want 99", v)
			}
			c, _ := db.Catalog(t.Context())
			revs, err := db.Revisions(t.Context(), c, []string{"Observation:sfi-pass-rate/p0/2018"})
			if h := revs["Observation:sfi-pass-rate/p0/2018"]; err != nil || len(h) != 1 || *h[0].Value != 60 || h[0].ReplacedBy != "tester" {
				t.Errorf("the corrected figure's history = %+v, %v; want its former 60, replaced by tester", h, err)
			}
		},
	}, {
		"addObservations", // the bulk load of the national data set
		func(ctx context.Context, db *DB, ch Change) error {
			bad := figure("2020", 70)
			bad.MetricID = "Metric:none" // the foreign key refuses it, after the first figure is written
			_, err := db.AddObservations(ctx, ch, stream(figure("2021", 70), bad), nil)
			return err
		},
		func(ctx context.Context, db *DB, ch Change) error {
			_, err := db.AddObservations(ctx, ch, stream(figure("2020", 70), figure("2021", 71)), nil)
			return err
		},
		func(t *testing.T, db *DB) {
			if v := value(t, db, "Observation:sfi-pass-rate/p0/2021"); v == nil || *v != 71 {
				t.Errorf("the loaded figure is %v, want 71", v)
			}
		},
	}, {
		"deleteObservations",
		func(ctx context.Context, db *DB, ch Change) error {
			return db.DeleteObservations(ctx, ch, []string{"Observation:sfi-pass-rate/p0/2017", "Observation:sfi-pass-rate/p0/1999"})
		},
		func(ctx context.Context, db *DB, ch Change) error {
			return db.DeleteObservations(ctx, ch, []string{"Observation:sfi-pass-rate/p0/2017"})
		},
		func(t *testing.T, db *DB) {
			if v := value(t, db, "Observation:sfi-pass-rate/p0/2017"); v != nil {
				t.Errorf("the deleted figure is still there: %v", *v)
			}
			page, err := db.Deletions(t.Context(), nil, nil, nil)
			if err != nil || len(page.Edges) != 1 || page.Edges[0].Node.ID != "Observation:sfi-pass-rate/p0/2017" {
				t.Errorf("tombstones = %+v, %v; want the deleted figure's", page, err)
			}
		},
	}, {
		"createProvider",
		func(ctx context.Context, db *DB, ch Change) error {
			_, err := db.CreateProvider(ctx, ch, ProviderInput{Slug: ptr("ny"), Name: ptr("Ny AB"), OperatingForm: ptr(Private),
				MunicipalityCode: ptr("9999"), SourceID: ptr("Source:test")})
			return err
		},
		func(ctx context.Context, db *DB, ch Change) error {
			_, err := db.CreateProvider(ctx, ch, ProviderInput{Slug: ptr("ny"), Name: ptr("Ny AB"), OperatingForm: ptr(Private),
				MunicipalityCode: ptr("0183"), SourceID: ptr("Source:test")})
			return err
		},
		func(t *testing.T, db *DB) {
			if p := catalog(t, db).Provider("Provider:ny"); p == nil || p.Name != "Ny AB" {
				t.Errorf("the new provider is %+v", p)
			}
		},
	}, {
		"updateProvider",
		func(ctx context.Context, db *DB, ch Change) error {
			return db.UpdateProvider(ctx, ch, p0, ProviderInput{Website: ptr("ftp://x")})
		},
		func(ctx context.Context, db *DB, ch Change) error {
			return db.UpdateProvider(ctx, ch, p0, ProviderInput{Website: ptr("https://p0.example")})
		},
		func(t *testing.T, db *DB) {
			if p := catalog(t, db).Provider(p0); p.Website == nil || *p.Website != "https://p0.example" {
				t.Errorf("the provider's website is %v", p.Website)
			}
		},
	}, {
		"grantAuthorisation",
		func(ctx context.Context, db *DB, ch Change) error { // p0 holds an active one already
			_, err := db.GrantAuthorisation(ctx, ch, p0, "AuthorisationScheme:0183-sfi", "2020-01-01", nil, "Source:test")
			return err
		},
		func(ctx context.Context, db *DB, ch Change) error {
			if _, err := db.CreateProvider(ctx, Change{Actor: "setup", Operation: "createProvider"}, ProviderInput{Slug: ptr("ny"),
				Name: ptr("Ny AB"), OperatingForm: ptr(Private), MunicipalityCode: ptr("0183"), SourceID: ptr("Source:test")}); err != nil {
				return err
			}
			_, err := db.GrantAuthorisation(ctx, ch, "Provider:ny", "AuthorisationScheme:0183-sfi", "2020-01-01", nil, "Source:test")
			return err
		},
		func(t *testing.T, db *DB) {
			if a := catalog(t, db).Authorisation("Authorisation:ny/0183-sfi"); a == nil || a.StatusOn(Today()) != AuthorisationActive {
				t.Errorf("the new authorisation is %+v", a)
			}
		},
	}, {
		"renewAuthorisation",
		func(ctx context.Context, db *DB, ch Change) error {
			return db.RenewAuthorisation(ctx, ch, "Authorisation:nobody/0183-sfi", nil, ptr(Date("2030-12-31")), nil)
		},
		func(ctx context.Context, db *DB, ch Change) error {
			return db.RenewAuthorisation(ctx, ch, "Authorisation:p0/0183-sfi", nil, ptr(Date("2030-12-31")), nil)
		},
		func(t *testing.T, db *DB) {
			if until := catalog(t, db).Authorisation("Authorisation:p0/0183-sfi").ValidUntil(Today()); until == nil || *until != "2030-12-31" {
				t.Errorf("the renewed authorisation is valid until %v", until)
			}
		},
	}, {
		"suspendAuthorisation",
		func(ctx context.Context, db *DB, ch Change) error {
			return db.SuspendAuthorisation(ctx, ch, "Authorisation:p0/0183-sfi", "2020-06-30", ptr(Date("2020-01-01")), nil)
		},
		func(ctx context.Context, db *DB, ch Change) error {
			return db.SuspendAuthorisation(ctx, ch, "Authorisation:p0/0183-sfi", "2020-06-30", nil, nil)
		},
		func(t *testing.T, db *DB) {
			if st := catalog(t, db).Authorisation("Authorisation:p0/0183-sfi").StatusOn(Today()); st != AuthorisationSuspended {
				t.Errorf("the suspended authorisation is %s", st)
			}
		},
	}, {
		"reinstateAuthorisation",
		func(ctx context.Context, db *DB, ch Change) error { // it is not suspended
			return db.ReinstateAuthorisation(ctx, ch, "Authorisation:p1/0183-sfi", "2020-07-01", nil)
		},
		func(ctx context.Context, db *DB, ch Change) error {
			if err := db.SuspendAuthorisation(ctx, Change{Actor: "setup", Operation: "suspendAuthorisation", Reason: ptr("setup")},
				"Authorisation:p0/0183-sfi", "2020-06-30", nil, nil); err != nil {
				return err
			}
			return db.ReinstateAuthorisation(ctx, ch, "Authorisation:p0/0183-sfi", "2020-07-01", nil)
		},
		func(t *testing.T, db *DB) {
			if st := catalog(t, db).Authorisation("Authorisation:p0/0183-sfi").StatusOn(Today()); st != AuthorisationActive {
				t.Errorf("the reinstated authorisation is %s", st)
			}
		},
	}, {
		"revokeAuthorisation",
		func(ctx context.Context, db *DB, ch Change) error {
			return db.RevokeAuthorisation(ctx, ch, "Authorisation:p0/0183-sfi", "someday", nil)
		},
		func(ctx context.Context, db *DB, ch Change) error {
			return db.RevokeAuthorisation(ctx, ch, "Authorisation:p0/0183-sfi", "2020-06-30", nil)
		},
		func(t *testing.T, db *DB) {
			if st := catalog(t, db).Authorisation("Authorisation:p0/0183-sfi").StatusOn(Today()); st != AuthorisationRevoked {
				t.Errorf("the revoked authorisation is %s", st)
			}
		},
	}, {
		"publishPriceList",
		func(ctx context.Context, db *DB, ch Change) error {
			_, err := db.PublishPriceList(ctx, ch, &PriceList{SchemeID: "AuthorisationScheme:0183-sfi", ValidFrom: "2020-01-01", SourceID: "Source:test",
				Items: []PriceItem{{Label: "Kurs", Unit: PerCourse, Amount: Money{Ore: -1}, PaidWhen: OnPass}}})
			return err
		},
		func(ctx context.Context, db *DB, ch Change) error {
			_, err := db.PublishPriceList(ctx, ch, &PriceList{SchemeID: "AuthorisationScheme:0183-sfi", ValidFrom: "2020-01-01", SourceID: "Source:test",
				Items: []PriceItem{{Label: "Kurs", Unit: PerCourse, Amount: Money{Ore: 500000}, PaidWhen: OnPass}}})
			return err
		},
		func(t *testing.T, db *DB) {
			if l := catalog(t, db).CurrentPriceList("AuthorisationScheme:0183-sfi", "2021-01-01"); l == nil || l.Items[0].Amount.Ore != 500000 {
				t.Errorf("the current price list is %+v", l)
			}
		},
	}, {
		"createToken",
		func(ctx context.Context, db *DB, ch Change) error {
			_, err := db.CreateToken(ctx, "bad name!", Editor)
			return err
		},
		func(ctx context.Context, db *DB, ch Change) error {
			_, err := db.CreateToken(ctx, "kansliet", Editor)
			return err
		},
		func(t *testing.T, db *DB) {
			if tokens, err := db.Tokens(t.Context()); err != nil || len(tokens) != 1 || tokens[0].Name != "kansliet" {
				t.Errorf("tokens = %v, %v", tokens, err)
			}
		},
	}, {
		"revokeToken",
		func(ctx context.Context, db *DB, ch Change) error { return db.RevokeToken(ctx, "nobody") },
		func(ctx context.Context, db *DB, ch Change) error { return db.RevokeToken(ctx, "kansliet") },
		func(t *testing.T, db *DB) {
			if tokens, err := db.Tokens(t.Context()); err != nil || tokens[0].RevokedAt == nil {
				t.Errorf("tokens = %v, %v; want kansliet revoked", tokens, err)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.operation, func(t *testing.T) {
			db := openTestDB(t, smallDataset())
			if tt.operation == "revokeToken" {
				if _, err := db.CreateToken(t.Context(), "kansliet", Editor); err != nil {
					t.Fatal(err)
				}
			}
			ch := Change{Actor: "tester", Operation: tt.operation, Reason: ptr("a test")}
			before := writtenNow(t, db)
			if err := tt.refused(t.Context(), db, ch); err == nil {
				t.Fatal("the bad input was accepted")
			}
			if after := writtenNow(t, db); after.version != before.version || len(after.audit) != len(before.audit) {
				t.Fatalf("a refused write changed the data version (%d → %d) or the audit log (%d → %d entries)",
					before.version, after.version, len(before.audit), len(after.audit))
			}
			if err := tt.good(t.Context(), db, ch); err != nil {
				t.Fatal(err)
			}
			after := writtenNow(t, db)
			steps := after.version - before.version
			if len(after.audit)-len(before.audit) != int(steps) || steps < 1 {
				t.Fatalf("the write moved the data version by %d and added %d audit entries; want as many, at least one", steps, len(after.audit)-len(before.audit))
			}
			wantActor := "tester " + tt.operation
			if strings.HasSuffix(tt.operation, "Token") { // tokens are made on the server's machine
				wantActor = "command line " + tt.operation
			}
			if after.audit[0] != wantActor {
				t.Errorf("the newest audit entry is %q, want %q", after.audit[0], wantActor)
			}
			tt.check(t, db)
		})
	}
}

// TestAWriteThatChangesNothingMovesNothing: importing figures exactly as stored, and a dry run, leave
// the data version and the audit log alone.
func TestAWriteThatChangesNothingMovesNothing(t *testing.T) {
	db := openTestDB(t, smallDataset())
	before := writtenNow(t, db)
	same := smallDataset().Observations[:2]
	res, err := db.ImportObservations(t.Context(), Change{Actor: "tester", Operation: "importObservations"}, same, ImportOptions{})
	if err != nil || res.Unchanged != 2 || res.Added+res.Changed != 0 {
		t.Fatalf("importing the stored figures again = %+v, %v; want 2 unchanged", res, err)
	}
	v := 1.0
	dry := []*Observation{{MetricID: "Metric:sfi-pass-rate", MunicipalityCode: "0183", Period: "2030", Value: &v, Status: StatusFinal, SourceID: "Source:test"}}
	if res, err := db.ImportObservations(t.Context(), Change{Actor: "tester"}, dry, ImportOptions{DryRun: true}); err != nil || res.Added != 1 {
		t.Fatalf("dry run = %+v, %v; want 1 added", res, err)
	}
	if after := writtenNow(t, db); after.version != before.version || len(after.audit) != len(before.audit) {
		t.Errorf("the data version went %d → %d and the audit log %d → %d entries; want neither to move", before.version, after.version, len(before.audit), len(after.audit))
	}
}

// TestATokenLookupThatFailsIsNotAWrongToken: only an unknown or revoked secret is ErrUnauthenticated;
// a database that cannot answer is another error, so no caller is told a valid token is wrong.
func TestATokenLookupThatFailsIsNotAWrongToken(t *testing.T) {
	db := openTestDB(t, nil)
	secret, err := db.CreateToken(t.Context(), "kansliet", Admin)
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := db.Authenticate(t.Context(), secret); err != nil || tok.Name != "kansliet" || tok.Role != Admin {
		t.Fatalf("Authenticate(the secret) = %+v, %v", tok, err)
	}
	for _, wrong := range []string{"", "jfs_wrong", secret + "x"} {
		if _, err := db.Authenticate(t.Context(), wrong); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("Authenticate(%q) = %v, want ErrUnauthenticated", wrong, err)
		}
	}
	db.Close()
	if _, err := db.Authenticate(t.Context(), secret); err == nil || errors.Is(err, ErrUnauthenticated) {
		t.Errorf("Authenticate on a closed database = %v, want an error other than ErrUnauthenticated", err)
	}
}

func catalog(t *testing.T, db *DB) *Catalog {
	t.Helper()
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// value is an observation's value, nil if there is none.
func value(t *testing.T, db *DB, id string) *float64 {
	t.Helper()
	found, err := db.ObservationsByID(t.Context(), catalog(t, db), []string{id})
	if err != nil {
		t.Fatal(err)
	}
	if o := found[id]; o != nil {
		return o.Value
	}
	return nil
}

// stream is what AddObservations reads: observations one at a time.
func stream(obs ...*Observation) iter.Seq2[*Observation, error] {
	return func(yield func(*Observation, error) bool) {
		for _, o := range obs {
			if !yield(o, nil) {
				return
			}
		}
	}
}
