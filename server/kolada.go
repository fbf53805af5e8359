package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jamforelse/api/kolada"
	"github.com/jamforelse/api/store"
)

// importKolada is `server import-kolada [-db FILE] [-source ID] FILE…`: it reads files of Kolada v3
// pages and adds, corrects or (where Kolada marks them isdeleted) removes the figures of every metric
// whose koladaId they name, all files in one transaction.
func importKolada(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	flags, dbPath := commandFlags("import-kolada", "import-kolada [-db FILE] [-source ID] FILE.json…", getenv, stdout)
	source := flags.String("source", "Source:kolada", "the `ID` of the source the figures are attributed to")
	actor := flags.String("as", "command line", "the `name` the audit log records the import under")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() == 0 {
		flags.Usage()
		return errors.New("import-kolada: name at least one file")
	}
	db, err := openSeeded(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := db.Catalog(ctx)
	if err != nil {
		return err
	}
	if c.Source(*source) == nil {
		return fmt.Errorf("import-kolada: no source has the ID %q", *source)
	}
	into := kolada.IntoCatalog(c, *source)
	all := kolada.NewResult()
	for _, name := range flags.Args() {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		res, err := kolada.Parse(f, into)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		all.Merge(res)
	}
	for _, line := range all.Summary() {
		fmt.Fprintln(stdout, line)
	}
	res, err := db.ImportObservations(ctx, store.Change{Actor: *actor, Operation: "importKolada"}, all.Observations,
		store.ImportOptions{Remove: all.Removed})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %s (%d page(s)): %d added, %d corrected, %d removed, %d unchanged\n",
		strings.Join(flags.Args(), ", "), all.Pages, res.Added, res.Changed, res.Deleted, res.Unchanged)
	return nil
}

// koladaSync is `server kolada-sync [-db FILE] [-kolada-url URL] [-years 2015-2024] [-municipalities
// CODES] [-full]`: it fetches from Kolada's API every KPI a metric names, for the places and years asked,
// only what changed since the last run, and imports it in one transaction. Run it nightly (README).
func koladaSync(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	flags, dbPath := commandFlags("kolada-sync", "kolada-sync [-db FILE] [-kolada-url URL] [-years FROM-TO] [-municipalities CODE,…] [-full]", getenv, stdout)
	base := flags.String("kolada-url", cmp.Or(getenv("KOLADA_URL"), kolada.DefaultBaseURL), "Kolada's API, version 3 (env KOLADA_URL)")
	thisYear := time.Now().Year()
	years := flags.String("years", fmt.Sprintf("%d-%d", thisYear-9, thisYear), "the `years` to fetch: FROM-TO or a comma-separated list")
	places := flags.String("municipalities", "", "comma-separated `codes` to fetch (municipalities, regions, 0000); empty for every place of the register")
	source := flags.String("source", "Source:kolada", "the `ID` of the source the figures are attributed to")
	full := flags.Bool("full", false, "fetch everything, not only what changed since the last run")
	if err := flags.Parse(args); err != nil {
		return err
	}
	ys, err := parseYears(*years)
	if err != nil {
		return err
	}
	req := kolada.SyncRequest{Years: ys, SourceID: *source, Actor: "kolada-sync", Full: *full}
	if *places != "" {
		req.Municipalities = strings.Split(*places, ",")
	}
	db, err := openSeeded(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	client := &kolada.Client{BaseURL: *base, HTTP: &http.Client{Timeout: 2 * time.Minute}}
	rep, err := kolada.Sync(ctx, db, client, req)
	if rep != nil {
		from := "everything"
		if rep.FromDate != "" {
			from = "changes from " + rep.FromDate
		}
		fmt.Fprintf(stdout, "kolada-sync: %s: %d request(s), %d page(s), %d retried after 429 or a server error (%s waited)\n",
			from, rep.Requests, rep.Pages, rep.Retries, rep.Waited)
		if rep.Result != nil {
			for _, line := range rep.Result.Summary() {
				fmt.Fprintln(stdout, "kolada-sync: "+line)
			}
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "kolada-sync: %d added, %d corrected, %d removed, %d unchanged\n",
		rep.Import.Added, rep.Import.Changed, rep.Import.Deleted, rep.Import.Unchanged)
	return nil
}

// parseYears reads "2015-2024" or "2018,2019".
func parseYears(s string) ([]int, error) {
	bad := fmt.Errorf("-years %q: give FROM-TO, such as 2015-2024, or years separated by commas", s)
	if from, to, ok := strings.Cut(s, "-"); ok {
		a, err1 := strconv.Atoi(from)
		b, err2 := strconv.Atoi(to)
		if err1 != nil || err2 != nil || a > b || b-a > 100 {
			return nil, bad
		}
		var ys []int
		for y := a; y <= b; y++ {
			ys = append(ys, y)
		}
		return ys, nil
	}
	var ys []int
	for _, f := range strings.Split(s, ",") {
		y, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, bad
		}
		ys = append(ys, y)
	}
	return ys, nil
}
