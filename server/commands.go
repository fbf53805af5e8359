package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/jamforelse/api/kolada"
	"github.com/jamforelse/api/seed"
	"github.com/jamforelse/api/store"
)

// importKolada is `server import-kolada [-db FILE] [-source ID] FILE…`: it reads files in Kolada's v3
// data format and adds or corrects the municipality-wide figures of every metric whose koladaId they
// name, all files in one transaction.
func importKolada(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	flags := flag.NewFlagSet("import-kolada", flag.ContinueOnError)
	flags.SetOutput(stdout)
	dbPath := flags.String("db", cmp.Or(getenv("DB_PATH"), "jamforelse.db"), "SQLite database `file` (env DB_PATH)")
	source := flags.String("source", "Source:kolada", "the `ID` of the source the figures are attributed to")
	actor := flags.String("as", "command line", "the `name` the audit log records the import under")
	flags.Usage = func() {
		fmt.Fprintln(stdout, "usage: server import-kolada [-db FILE] [-source ID] FILE.json…")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() == 0 {
		flags.Usage()
		return fmt.Errorf("import-kolada: name at least one file")
	}
	db, err := store.Open(ctx, *dbPath, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := seed.LoadIfEmpty(ctx, db); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	c, err := db.Catalog(ctx)
	if err != nil {
		return err
	}
	var all []*store.Observation
	for _, name := range flags.Args() {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		res, err := kolada.Parse(f, c.Metrics(""), *source)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		all = append(all, res.Observations...)
		for _, kpi := range slices.Sorted(maps.Keys(res.Unmapped)) {
			fmt.Fprintf(stdout, "%s: skipped %d figure(s) of %s, which no metric's koladaId names\n", name, res.Unmapped[kpi], kpi)
		}
	}
	res, err := db.ImportObservations(ctx, store.Change{Actor: *actor, Operation: "importKolada"}, all, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %s: %d added, %d corrected, %d unchanged\n", strings.Join(flags.Args(), ", "), res.Added, res.Changed, res.Unchanged)
	return nil
}
