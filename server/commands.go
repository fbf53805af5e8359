package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jamforelse/api/csvimport"
	"github.com/jamforelse/api/seed"
	"github.com/jamforelse/api/store"
)

// command is one of the program's subcommands besides serving: `server NAME …`.
type command struct {
	summary string // one line for `server help`
	run     func(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error
}

// commands are the subcommands. help is added in init, since it lists the map it is in.
var commands = map[string]command{
	"import":           {"publish a spreadsheet of results, all or nothing: import [-dry-run] [-reason TEXT] FILE.csv", importCSV},
	"import-kolada":    {"add, correct or remove figures from files of Kolada v3 pages: import-kolada FILE.json…", importKolada},
	"kolada-sync":      {"fetch and import what changed in Kolada since the last run (nightly): kolada-sync [-full]", koladaSync},
	"token":            {"make, list and revoke the API tokens that writes need: token create|list|revoke", token},
	"snapshot":         {"write a consistent copy of a database in use: snapshot COPY.db", snapshot},
	"check":            {"check a database file, a restored one above all: integrity, version, figures, last write", check},
	"generate":         {"write the national data set for benchmarks and load tests: generate -db national.db", generate},
	"disclosure-audit": {"find withheld figures that published ones give back, as an attacker would; exit 1 if any", disclosureAudit},
}

func init() {
	commands["help"] = command{"list the subcommands, or show one's flags: help [COMMAND]", help}
}

// help is `server help [COMMAND]`.
func help(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stdout, "usage: server [flags]    serve the API (server -h lists the flags)")
		fmt.Fprintf(stdout, "       server COMMAND …\n\n")
		listCommands(stdout)
		return nil
	}
	c, ok := commands[args[0]]
	if !ok || args[0] == "help" {
		return unknownCommand(args[0])
	}
	flags := []string{"-h"}
	if args[0] == "token" {
		flags = []string{"create", "-h"} // its flags come after the action
	}
	if err := c.run(ctx, flags, getenv, stdout); !errors.Is(err, flag.ErrHelp) {
		return err
	}
	return nil
}

// listCommands writes one line for each subcommand.
func listCommands(w io.Writer) {
	fmt.Fprintln(w, "commands:")
	for _, name := range slices.Sorted(maps.Keys(commands)) {
		fmt.Fprintf(w, "  %-17s %s\n", name, commands[name].summary)
	}
}

// unknownCommand refuses a command line naming no subcommand, with the list of those there are.
func unknownCommand(name string) error {
	var list strings.Builder
	listCommands(&list)
	return usageError{fmt.Sprintf("unknown command %q; nothing was started\n%s", name, strings.TrimRight(list.String(), "\n"))}
}

// commandFlags starts a subcommand's flags with the database flag every subcommand has.
func commandFlags(name, usage string, getenv func(string) string, stdout io.Writer) (*flag.FlagSet, *string) {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.SetOutput(stdout)
	flags.Usage = func() {
		fmt.Fprintln(stdout, "usage: server "+usage)
		flags.PrintDefaults()
	}
	dbPath := flags.String("db", cmp.Or(getenv("DB_PATH"), "jamforelse.db"), "SQLite database `file` (env DB_PATH)")
	return flags, dbPath
}

// openSeeded opens the database, loading the seed data if it is new, as the server does.
func openSeeded(ctx context.Context, path string) (*store.DB, error) {
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return nil, err
	}
	if _, err := seed.LoadIfEmpty(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("seed: %w", err)
	}
	return db, nil
}

// importCSV is `server import [-db FILE] [-as NAME] [-reason TEXT] [-dry-run] FILE.csv`: it adds or
// corrects the figures of a spreadsheet (see csvimport/template.csv), all or nothing, with the same
// checks as the API, and reports problems as file:line.
func importCSV(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	flags, dbPath := commandFlags("import", "import [-db FILE] [-as NAME] [-reason TEXT] [-dry-run] FILE.csv", getenv, stdout)
	actor := flags.String("as", "command line", "the `name` the audit log records the import under")
	reason := flags.String("reason", "", "why the figures are published or corrected, for the history")
	dryRun := flags.Bool("dry-run", false, "check and count, but write nothing")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return errors.New("import: name one CSV file")
	}
	name := flags.Arg(0)
	db, err := openSeeded(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := db.Catalog(ctx)
	if err != nil {
		return err
	}
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	file, err := csvimport.Parse(f, name, c.Metrics(""))
	f.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d rows read; checking and writing in one transaction\n", name, len(file.Observations))
	ch := store.Change{Actor: *actor, Operation: "importCSV", Reason: nonEmpty(*reason)}
	progress := func(rows int) { fmt.Fprintf(stdout, "%s: %d rows written, not yet committed\n", name, rows) }
	res, err := db.ImportObservations(ctx, ch, file.Observations, store.ImportOptions{DryRun: *dryRun, Progress: progress})
	if err != nil {
		return file.Explain(name, err)
	}
	verb := "imported"
	if res.DryRun {
		verb = "dry run, nothing written"
	}
	fmt.Fprintf(stdout, "%s: %s: %d added, %d corrected, %d unchanged\n", name, verb, res.Added, res.Changed, res.Unchanged)
	return nil
}

// token is `server token create -name NAME -role editor|admin`, `server token list` and
// `server token revoke NAME`. A new token's secret is printed once; the database keeps only its hash.
func token(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	usage := "token create -name NAME -role editor|admin | token list | token revoke NAME"
	if len(args) == 0 {
		return errors.New("usage: server " + usage)
	}
	flags, dbPath := commandFlags("token "+args[0], usage, getenv, stdout)
	name := flags.String("name", "", "the token's `name`, recorded with every write it makes")
	role := flags.String("role", "editor", "`editor` (publishes results) or admin (also providers, authorisations, prices, audit log)")
	if err := flags.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openSeeded(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "create":
		secret, err := db.CreateToken(ctx, *name, store.Role(strings.ToUpper(*role)))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created token %q (%s). Its secret is shown only now; keep it safe:\n%s\n", *name, strings.ToLower(*role), secret)
	case "list":
		tokens, err := db.Tokens(ctx)
		if err != nil {
			return err
		}
		for _, t := range tokens {
			state := "active"
			if t.RevokedAt != nil {
				state = "revoked " + t.RevokedAt.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(stdout, "%-24s %-6s created %s  %s\n", t.Name, strings.ToLower(string(t.Role)), t.CreatedAt.Format("2006-01-02 15:04"), state)
		}
	case "revoke":
		if flags.NArg() != 1 {
			return errors.New("usage: server token revoke NAME")
		}
		if err := db.RevokeToken(ctx, flags.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked token %q\n", flags.Arg(0))
	default:
		return errors.New("usage: server " + usage)
	}
	return nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// snapshot is `server snapshot [-db FILE] COPY.db`: a consistent copy of the database, taken while
// the server goes on serving and writing, for backups and for starting new read-only servers.
func snapshot(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	flags, dbPath := commandFlags("snapshot", "snapshot [-db FILE] COPY.db", getenv, stdout)
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return errors.New("snapshot: name the file to write")
	}
	db, err := store.Open(ctx, *dbPath, store.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Snapshot(ctx, flags.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote a snapshot of %s to %s\n", *dbPath, flags.Arg(0))
	return nil
}

// check is `server check [-db FILE]`: what an operator wants to know of a database file before it is
// served, after a restore above all: SQLite's integrity check, the data version and the time of the
// last write, how many figures it holds, and the writer's last beat (see store.DB.Beat), one per line.
// It only reads, and fails when the integrity check does.
func check(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	flags, dbPath := commandFlags("check", "check [-db FILE]", getenv, stdout)
	if err := flags.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dbPath, store.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.IntegrityCheck(ctx); err != nil {
		fmt.Fprintf(stdout, "integrity: FAILED: %v\n", err)
		return err
	}
	c, err := db.Catalog(ctx)
	if err != nil {
		return err
	}
	page, err := db.Observations(ctx, c, store.ObservationFilter{}, store.ObservationOrder{}, store.PageArgs{})
	if err != nil {
		return err
	}
	figures, err := page.TotalCount(ctx)
	if err != nil {
		return err
	}
	beat, err := db.LastBeat(ctx)
	if err != nil {
		return err
	}
	lastBeat := "none"
	if !beat.IsZero() {
		lastBeat = beat.Format(time.RFC3339Nano)
	}
	fmt.Fprintf(stdout, "integrity: ok\ndata version: %d\nlast write: %s\nobservations: %d\nlast beat: %s\n",
		c.Info.Version, c.Info.UpdatedAt.Format(time.RFC3339Nano), figures, lastBeat)
	return nil
}

// generate is `server generate [-db FILE]`: a new database holding the national scale data set (see
// seed.National), for benchmarks and load tests.
func generate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	flags, dbPath := commandFlags("generate", "generate [-db national.db]", getenv, stdout)
	if err := flags.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(*dbPath); err == nil {
		return fmt.Errorf("generate: %s exists; name a new file with -db", *dbPath)
	}
	db, err := store.Open(ctx, *dbPath, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	progress := func(msg string) { fmt.Fprintf(stdout, "%6.1fs  %s\n", time.Since(start).Seconds(), msg) }
	n, err := seed.LoadNational(ctx, db, progress)
	if err != nil {
		return err
	}
	progress(fmt.Sprintf("done: %d observations in %s", n, *dbPath))
	return nil
}

// disclosureAudit is `server disclosure-audit [-db FILE]`: an attacker's program over the published
// figures (see store.Audit). It prints every withheld figure based on too few individuals that it could
// work out, and fails if there is any. A database in use is only read; a new one is seeded first, as the
// server would.
func disclosureAudit(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	flags, dbPath := commandFlags("disclosure-audit", "disclosure-audit [-db FILE]", getenv, stdout)
	if err := flags.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(*dbPath); errors.Is(err, os.ErrNotExist) {
		db, err := openSeeded(ctx, *dbPath)
		if err != nil {
			return err
		}
		db.Close()
	}
	db, err := store.Open(ctx, *dbPath, store.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	report, err := db.Audit(ctx)
	if err != nil {
		return err
	}
	withheld := 0
	for _, n := range report.Withheld {
		withheld += n
	}
	genders := 0
	for _, n := range report.WithheldGenders {
		genders += n
	}
	fmt.Fprintf(stdout, "%s: threshold %d; %d figures, %d withheld (%d too few individuals, %d protecting another figure, %d of unknown size); "+
		"of those shown, %d without their values for women and men (%d too few, %d protecting another figure, %d of unknown size)\n",
		*dbPath, report.Threshold, report.Figures, withheld, report.Withheld[store.TooFewIndividuals], report.Withheld[store.ProtectsOtherFigure],
		report.Withheld[store.SizeUnknown], genders, report.WithheldGenders[store.TooFewIndividuals], report.WithheldGenders[store.ProtectsOtherFigure],
		report.WithheldGenders[store.SizeUnknown])
	fmt.Fprintf(stdout, "tried: municipality minus providers, period minus parts, total minus women or men (together, by exact elimination), "+
		"what each subtraction leaves over, payments under the price lists, summaries and ranks\n")
	for _, r := range report.Recovered {
		fmt.Fprintln(stdout, "RECOVERED", r)
	}
	fmt.Fprintf(stdout, "%d withheld figures worked out that rest on at least %d individuals (no disclosure in themselves)\n", report.WorkedOut, report.Threshold)
	fmt.Fprintf(stdout, "%d figures based on fewer than %d individuals recovered, in %.1f s\n", len(report.Recovered), report.Threshold, time.Since(start).Seconds())
	if len(report.Recovered) > 0 {
		return fmt.Errorf("disclosure-audit: %d withheld figures can be worked out from published ones", len(report.Recovered))
	}
	return nil
}
