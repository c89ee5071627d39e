// Package importer loads customers, contacts, invoices and payments from CSV
// exports of other systems into the ledger. The command line (`ledgvero import`)
// and the back office's upload page share Import.
//
// An import is one transaction in three steps. First the file is streamed, each
// row is checked on its own (missing fields, dates, amounts, currencies) and the
// valid rows are copied into a temporary staging table with COPY. Then SQL checks
// the rows against each other and against the database (one invoice number with
// two different contents, unknown customers or invoices, numbers already used by
// another record). Only when no row is invalid, or when Options.SkipInvalid drops
// the invalid ones, do set-based INSERT ... ON CONFLICT and UPDATE statements
// write the real tables. Each changed record gets its own timeline event, and
// each customer gets one event counting the records the import created for it.
// Nothing reaches the real tables before the checks pass, and memory stays flat
// because rows are streamed rather than held.
//
// Every record has an external id, so importing the same file twice changes
// nothing, and a changed row updates its record and appends the change to the
// customer's timeline.
//
// Presets (the layout of the file) are "ledgvero", "xero", "quickbooks" and
// "ibm-ar"; each one's doc comment lists the columns it reads.
package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing"
)

// ErrInvalid reports an import stopped because rows are invalid; the Report lists them.
var ErrInvalid = errors.New("invalid rows: nothing was imported")

// Options tune one import.
type Options struct {
	FileName        string         // name used in problem reports; defaults to "input"
	DryRun          bool           // check and compute the changes, then roll everything back
	SkipInvalid     bool           // import the valid rows and report the invalid ones
	Rejects         io.Writer      // receives the rejected rows as CSV with their reasons; may be nil
	Location        *time.Location // the seller's zone (ORG_TIMEZONE) for timeline instants; defaults to UTC
	Today           billing.Date   // the seller's today, for presets that need it (quickbooks open balances)
	DefaultCurrency string         // currency of rows that name none; defaults to USD
	Actor           billing.Actor  // who runs the import; defaults to system:import
	Source          string         // timeline source, "cli" or "backoffice"; defaults to "import"
	MaxProblems     int            // problems kept in the report (all are counted); defaults to 1000
	Load            Load           // the load mode for indexes and foreign keys; defaults to LoadAuto
	Progress        func(bytes int64)
	Logger          *slog.Logger // receives the duration of each step at debug level; may be nil
}

// Problem is one reason a row was rejected.
type Problem struct {
	File   string `json:"file"`
	Row    int64  `json:"row"` // line of the CSV record, the header being line 1
	Column string `json:"column"`
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Row, p.Column, p.Reason)
}

// Counts are the records of one kind that an import created, updated or left
// unchanged (or would have, in a dry run).
type Counts struct {
	Created   int64 `json:"created"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
}

// Report is the outcome of an import.
type Report struct {
	Preset       string    `json:"preset"`
	File         string    `json:"file"`
	Rows         int64     `json:"rows"`          // data rows read
	Rejected     int64     `json:"rejected_rows"` // rows with at least one problem
	ProblemCount int64     `json:"problem_count"`
	Problems     []Problem `json:"problems"` // the first Options.MaxProblems problems, by row
	DryRun       bool      `json:"dry_run"`
	Committed    bool      `json:"committed"` // true when the changes were written
	Customers    Counts    `json:"customers"`
	Contacts     Counts    `json:"contacts"`
	Invoices     Counts    `json:"invoices"`
	Payments     Counts    `json:"payments"`
	Disputes     Counts    `json:"disputes"`
	BulkLoad     bool      `json:"bulk_load"` // the writes ran in bulk mode (see Load)
}

// Load is the way an import keeps the ledger's indexes and foreign keys during its writes.
type Load string

const (
	// LoadAuto uses bulk mode when the import creates at least 100,000
	// invoices and at least as many as the ledger holds, and online mode otherwise.
	LoadAuto Load = "auto"
	// LoadBulk drops the secondary indexes and foreign keys of the tables it
	// fills and creates them again before it commits. It is the fastest way to
	// load a large file, but those tables stay locked, readers included, until
	// the import ends.
	LoadBulk Load = "bulk"
	// LoadOnline keeps every index and foreign key up to date row by row, so the
	// ledger stays readable during the import.
	LoadOnline Load = "online"
)

// ParseLoad reads a --load value.
func ParseLoad(s string) (Load, error) {
	switch l := Load(s); l {
	case LoadAuto, LoadBulk, LoadOnline:
		return l, nil
	}
	return "", fmt.Errorf("invalid load %q: use auto, bulk or online", s)
}

// Presets lists the preset names Import accepts.
func Presets() []string { return []string{"ledgvero", "xero", "quickbooks", "ibm-ar"} }

// Import reads a CSV file in the given preset's layout from r and writes it to the
// ledger in one transaction, as the package documentation describes. It returns
// the report and ErrInvalid when rows are invalid and opts.SkipInvalid is off, in
// which case nothing was written. Other errors (an unreadable file, a wrong
// header, a database failure) also leave the database unchanged.
func Import(ctx context.Context, pool *pgxpool.Pool, r io.Reader, presetName string, opts Options) (Report, error) {
	p, err := newPreset(presetName, &opts)
	if err != nil {
		return Report{}, err
	}
	setDefaults(&opts)
	rep := Report{Preset: presetName, File: opts.FileName, DryRun: opts.DryRun}
	run := &run{opts: opts, preset: p, report: &rep}

	err = billing.InTx(ctx, pool, func(tx pgx.Tx) error {
		run.tx = tx
		// Sorts and hashes over a whole file run in the database; more memory per
		// operation keeps them off disk. It lasts until the transaction ends.
		if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '128MB'`); err != nil {
			return fmt.Errorf("configuring import transaction: %w", err)
		}
		// The write steps spend their time in index and foreign key upkeep,
		// which JIT compilation does not speed up, but on a million rows their
		// cost estimates pass jit_above_cost, so each would be compiled first.
		if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
			return fmt.Errorf("configuring import transaction: %w", err)
		}
		t0 := time.Now()
		if err := run.stage(ctx, r); err != nil {
			return err
		}
		run.trace("stage", t0)
		if err := run.checkAcrossRows(ctx); err != nil {
			return err
		}
		if rep.Rejected > 0 && !opts.SkipInvalid {
			return ErrInvalid
		}
		if err := run.apply(ctx); err != nil {
			return err
		}
		if opts.DryRun {
			return errDryRun
		}
		return nil
	})
	sort.SliceStable(rep.Problems, func(i, j int) bool { return rep.Problems[i].Row < rep.Problems[j].Row })
	if errors.Is(err, errDryRun) {
		return rep, nil
	}
	if err != nil {
		return rep, err
	}
	rep.Committed = true
	return rep, nil
}

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("dry run")

func setDefaults(o *Options) {
	if o.FileName == "" {
		o.FileName = "input"
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.DefaultCurrency == "" {
		o.DefaultCurrency = "USD"
	}
	if o.Actor.Kind == "" {
		o.Actor = billing.SystemActor("import")
	}
	if o.Source == "" {
		o.Source = "import"
	}
	if o.Load == "" {
		o.Load = LoadAuto
	}
	if o.MaxProblems <= 0 {
		o.MaxProblems = 1000
	}
	if o.Today.IsZero() {
		o.Today = billing.Today(time.Now(), o.Location)
	}
}

// run is the state of one import.
type run struct {
	opts    Options
	preset  preset
	report  *Report
	tx      pgx.Tx
	header  []string
	rejects *csv.Writer // nil unless SkipInvalid and Rejects are set
}

// trace logs how long a step took, for tuning large imports.
func (r *run) trace(step string, start time.Time) {
	if r.opts.Logger == nil {
		return
	}
	step = strings.Join(strings.Fields(step), " ")
	if len(step) > 80 {
		step = step[:80]
	}
	r.opts.Logger.Debug("import step", "step", step, "duration", time.Since(start).Round(time.Millisecond))
}

// addProblem records a problem; the report keeps the first MaxProblems of them.
func (r *run) addProblem(row int64, column, reason string) {
	r.report.ProblemCount++
	if len(r.report.Problems) < r.opts.MaxProblems {
		r.report.Problems = append(r.report.Problems, Problem{File: r.opts.FileName, Row: row, Column: column, Reason: reason})
	}
}

// countingReader reports progress as bytes are read.
type countingReader struct {
	r        io.Reader
	n        int64
	progress func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && n > 0 {
		c.progress(int64(n))
	}
	return n, err
}

func newCSVReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.LazyQuotes = false
	return cr
}

// normalizeHeader makes header names comparable: lower case, without the '*' that
// marks required columns in Xero templates, a byte-order mark, spaces and punctuation.
func normalizeHeader(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// columns maps normalized header names to their index in a record.
type columns map[string]int

func bindColumns(header []string) columns {
	c := columns{}
	for i, h := range header {
		n := normalizeHeader(h)
		if _, dup := c[n]; !dup {
			c[n] = i
		}
	}
	return c
}

// require returns an error naming the missing columns among names.
func (c columns) require(preset string, names ...string) error {
	var missing []string
	for _, n := range names {
		if _, ok := c[normalizeHeader(n)]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s preset: missing column(s) %s in the header: export the file in the %s layout",
			preset, strings.Join(missing, ", "), preset)
	}
	return nil
}

// lookupNames caches the normalized form of the column names that presets look
// up on every row, because normalizing them each time cost a fifth of parsing a file.
var lookupNames sync.Map

// index returns the position of the named column.
func (c columns) index(name string) (int, bool) {
	key, ok := lookupNames.Load(name)
	if !ok {
		key, _ = lookupNames.LoadOrStore(name, normalizeHeader(name))
	}
	i, ok := c[key.(string)]
	return i, ok
}

// get returns the trimmed cell of the named column, or "" when the column or cell is absent.
func (c columns) get(rec []string, name string) string {
	i, ok := c.index(name)
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// has reports whether the header has the named column.
func (c columns) has(name string) bool {
	_, ok := c.index(name)
	return ok
}
