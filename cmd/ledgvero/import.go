package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/importer"
)

// cmdImport loads a CSV export into the ledger: `import --preset NAME FILE`.
func cmdImport(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("import", a.stdout)
	preset := fs.String("preset", "", "file layout: ledgvero, xero, quickbooks or ibm-ar")
	dryRun := fs.Bool("dry-run", false, "check the file and print what would change, without writing")
	skipInvalid := fs.Bool("skip-invalid", false, "import the valid rows and skip the invalid ones (needs --rejects)")
	rejectsPath := fs.String("rejects", "", "with --skip-invalid: write the skipped rows and their reasons to this CSV file")
	loadFlag := fs.String("load", "auto", "bulk (fastest; locks the ledger's tables until done), online (tables stay readable) or auto (bulk for a large file into a small ledger)")
	if err := fs.Parse(reorderFlags(args)); err != nil {
		return err
	}
	if !slices.Contains(importer.Presets(), *preset) {
		return usageError{fmt.Sprintf("invalid or missing --preset %q: use ledgvero, xero, quickbooks or ibm-ar", *preset)}
	}
	if fs.NArg() != 1 {
		return usageError{"expected one FILE after the flags, as in `ledgvero import --preset ibm-ar ar.csv`"}
	}
	if *skipInvalid && *rejectsPath == "" {
		return usageError{"--skip-invalid needs --rejects FILE.csv to record the skipped rows"}
	}
	load, err := importer.ParseLoad(*loadFlag)
	if err != nil {
		return usageError{"--load: " + err.Error()}
	}
	if err := requireSchema(ctx, a); err != nil {
		return err
	}

	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()

	opts := importer.Options{
		FileName: path, DryRun: *dryRun, SkipInvalid: *skipInvalid, Location: a.cfg.OrgTimezone,
		Today: a.today(), DefaultCurrency: a.cfg.OrgCurrency, Actor: billing.SystemActor("cli-import"), Source: "cli", Logger: a.logger,
		Load: load,
	}
	if *rejectsPath != "" {
		rf, err := os.Create(*rejectsPath)
		if err != nil {
			return fmt.Errorf("creating %s: %w", *rejectsPath, err)
		}
		defer rf.Close()
		opts.Rejects = rf
	}
	if bar := newProgressBar(f); bar != nil {
		opts.Progress = func(n int64) { bar.Add64(n) } //nolint:errcheck // a progress bar that fails to draw is harmless
		defer bar.Finish()                             //nolint:errcheck
	}

	rep, err := importer.Import(ctx, a.pool, f, *preset, opts)
	printImportReport(a.stdout, rep)
	if errors.Is(err, importer.ErrInvalid) {
		return fmt.Errorf("%d of %d rows are invalid, so nothing was imported: fix them, or import the valid rows with --skip-invalid --rejects FILE.csv",
			rep.Rejected, rep.Rows)
	}
	return err
}

// newProgressBar returns a byte progress bar on standard error when it is a
// terminal, and nil otherwise (in scripts, CI and tests).
func newProgressBar(f *os.File) *progressbar.ProgressBar {
	if !term.IsTerminal(int(os.Stderr.Fd())) {
		return nil
	}
	info, err := f.Stat()
	if err != nil {
		return nil
	}
	return progressbar.NewOptions64(info.Size(),
		progressbar.OptionSetWriter(os.Stderr), progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription("importing"), progressbar.OptionClearOnFinish())
}

func printImportReport(w io.Writer, rep importer.Report) {
	if rep.Preset == "" {
		return
	}
	verb := "imported"
	switch {
	case rep.DryRun:
		verb = "dry run, nothing written"
	case !rep.Committed:
		verb = "nothing written"
	}
	if rep.BulkLoad && rep.Committed {
		verb = "imported in bulk mode"
	}
	fmt.Fprintf(w, "%s (%s preset): %d rows read, %d rejected; %s\n", rep.File, rep.Preset, rep.Rows, rep.Rejected, verb)
	for _, p := range rep.Problems {
		fmt.Fprintln(w, "  "+p.String())
	}
	if more := rep.ProblemCount - int64(len(rep.Problems)); more > 0 {
		fmt.Fprintf(w, "  ... and %d more problems\n", more)
	}
	if !rep.Committed && !rep.DryRun {
		return
	}
	fmt.Fprintf(w, "  %-10s %8s %8s %10s\n", "", "created", "updated", "unchanged")
	for _, row := range []struct {
		name string
		c    importer.Counts
	}{
		{"customers", rep.Customers}, {"contacts", rep.Contacts}, {"invoices", rep.Invoices},
		{"payments", rep.Payments}, {"disputes", rep.Disputes},
	} {
		fmt.Fprintf(w, "  %-10s %8d %8d %10d\n", row.name, row.c.Created, row.c.Updated, row.c.Unchanged)
	}
}

// reorderFlags moves flags after positional arguments to the front, so
// `import FILE --preset x` works as well as `import --preset x FILE`.
func reorderFlags(args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if len(arg) > 1 && arg[0] == '-' {
			flags = append(flags, arg)
			if !hasValue(arg) && i+1 < len(args) && takesValue(arg) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		rest = append(rest, arg)
	}
	return append(flags, rest...)
}

func hasValue(arg string) bool {
	for _, r := range arg {
		if r == '=' {
			return true
		}
	}
	return false
}

// takesValue reports whether a flag of the import and report commands expects a value.
func takesValue(arg string) bool {
	switch trimDashes(arg) {
	case "dry-run", "skip-invalid":
		return false
	}
	return true
}

func trimDashes(s string) string {
	for len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	return s
}
