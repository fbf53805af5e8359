package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jamforelse/api/seed"
	"github.com/jamforelse/api/store"
)

// TestDisclosureAudit: on the seed, the audit works out nothing withheld and succeeds; on the seed
// protected by primary suppression alone, it recovers the six figures the municipality's figures give
// away (pass and dropout rates, 2017–2019), prints each, and fails. (The seed's payments, which now count
// every price, transitions included, no longer pin a count on their own; the property test in store
// shows the attack on payments.)
func TestDisclosureAudit(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(t.Context(), []string{"server", "disclosure-audit", "-db", filepath.Join(dir, "seed.db")}, func(string) string { return "" }, &out); err != nil {
		t.Fatalf("disclosure-audit on the seed: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "0 figures based on fewer than 10 individuals recovered") {
		t.Errorf("disclosure-audit on the seed said:\n%s", out.String())
	}

	path := filepath.Join(dir, "primary-only.db")
	db, err := store.Open(t.Context(), path, store.Options{PrimarySuppressionOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := seed.Load(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out.Reset()
	err = run(t.Context(), []string{"server", "disclosure-audit", "-db", path}, func(string) string { return "" }, &out)
	if err == nil || !strings.Contains(err.Error(), "6 withheld figures can be worked out") {
		t.Errorf("disclosure-audit without complements = %v, want 6 figures worked out:\n%s", err, out.String())
	}
	for _, want := range []string{
		// Sundbyberg's 69.8 % of 213 minus the others' 208: about 63 % of 5.
		"RECOVERED Observation:basic-pass-rate/kunskapsvagen-vux/2019: worked out",
		"5 individuals; value 63.30",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("disclosure-audit without complements did not print %q:\n%s", want, out.String())
		}
	}
}
