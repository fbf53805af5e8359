package store

import (
	"database/sql"
	"reflect"
	"testing"
)

// TestAWriteOfFiguresCarriesTheCatalog checks that after an import (which changes only figures) the
// catalog this DB serves is the one a load would read: the version, its time and the service area's
// latest period, which the import moves on, are all new; the rest is the catalog of before, not loaded
// again.
func TestAWriteOfFiguresCarriesTheCatalog(t *testing.T) {
	db := openTestDB(t, smallDataset())
	before := catalog(t, db)
	addFigure(t, db, "2031")
	after := catalog(t, db)
	if after.Info.Version != before.Info.Version+1 || after.LatestPeriod("ServiceArea:sfi") != "2031" {
		t.Fatalf("version %d after %d, latest period %q; want the next version and 2031",
			after.Info.Version, before.Info.Version, after.LatestPeriod("ServiceArea:sfi"))
	}
	if &after.metrics[0] != &before.metrics[0] {
		t.Error("the catalog was loaded again")
	}
	tx, err := db.sql.BeginTx(t.Context(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	loaded, err := db.loadCatalog(t.Context(), tx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after, loaded) {
		t.Errorf("the carried catalog differs from the one loaded:\n%+v\n%+v", after.Info, loaded.Info)
	}
}
