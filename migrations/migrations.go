// Package migrations holds the numbered SQL migrations of Ledgvero's schema, embedded in
// the binary, and applies them together with River's own job-queue migrations.
//
// Application migrations run through goose; River's tables are versioned by River's
// migrator. Both are applied by Up and checked by Check, so a server never starts
// against a schema older than the binary expects.
package migrations

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed *.sql
var files embed.FS

// ErrOutdated reports a database schema older than this binary expects.
var ErrOutdated = errors.New("database schema is out of date: run `ledgvero migrate`")

// Runner applies and inspects migrations on one database.
type Runner struct {
	pool  *pgxpool.Pool
	db    *sql.DB
	goose *goose.Provider
	river *rivermigrate.Migrator[pgx.Tx]
}

// NewRunner prepares a runner for the database behind pool. Close releases it.
func NewRunner(pool *pgxpool.Pool) (*Runner, error) {
	db := stdlib.OpenDBFromPool(pool)
	// Out-of-order application lets migrations written on parallel branches land in
	// any order; each one still runs exactly once.
	provider, err := goose.NewProvider(goose.DialectPostgres, db, files, goose.WithAllowOutofOrder(true))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("loading migrations: %w", err)
	}

	river, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("loading river migrations: %w", err)
	}
	return &Runner{pool: pool, db: db, goose: provider, river: river}, nil
}

// Close releases the runner's database/sql handle. The pool stays open.
func (r *Runner) Close() error {
	return r.db.Close()
}

// Up applies every pending migration, River's first because application tables
// may refer to River's job table.
func (r *Runner) Up(ctx context.Context) ([]string, error) {
	var applied []string
	res, err := r.river.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("applying river migrations: %w", err)
	}
	for _, v := range res.Versions {
		applied = append(applied, fmt.Sprintf("river %03d", v.Version))
	}

	results, err := r.goose.Up(ctx)
	if err != nil {
		return applied, fmt.Errorf("applying migrations: %w", err)
	}
	for _, m := range results {
		applied = append(applied, m.Source.Path)
	}
	return applied, nil
}

// Down rolls back the newest application migration. River's tables are left alone.
func (r *Runner) Down(ctx context.Context) (string, error) {
	res, err := r.goose.Down(ctx)
	if err != nil {
		return "", fmt.Errorf("rolling back: %w", err)
	}
	return res.Source.Path, nil
}

// Status describes one application migration and whether it is applied.
type Status struct {
	Path    string
	Version int64
	Applied bool
}

// Status lists every embedded migration with its state in the database.
func (r *Runner) Status(ctx context.Context) ([]Status, error) {
	list, err := r.goose.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading migration status: %w", err)
	}
	out := make([]Status, 0, len(list))
	for _, s := range list {
		out = append(out, Status{
			Path:    s.Source.Path,
			Version: s.Source.Version,
			Applied: s.State == goose.StateApplied,
		})
	}
	return out, nil
}

// RiverStatus returns how many of River's migrations are applied and how many
// this binary carries.
func (r *Runner) RiverStatus(ctx context.Context) (applied, known int, err error) {
	existing, err := r.river.ExistingVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("reading river migrations: %w", err)
	}
	return len(existing), len(r.river.AllVersions()), nil
}

// Check returns ErrOutdated unless every embedded migration, River's included, is applied.
func (r *Runner) Check(ctx context.Context) error {
	pending, err := r.goose.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("checking migrations: %w", err)
	}
	if pending {
		return ErrOutdated
	}

	existing, err := r.river.ExistingVersions(ctx)
	if err != nil {
		return fmt.Errorf("checking river migrations: %w", err)
	}
	if len(existing) < len(r.river.AllVersions()) {
		return ErrOutdated
	}
	return nil
}

// Fingerprint returns a short hash of every embedded migration, so test helpers can
// name a migrated template database that changes whenever a migration does.
func Fingerprint() string {
	h := sha256.New()
	entries, _ := fs.ReadDir(files, ".") // an embed.FS read cannot fail
	for _, e := range entries {
		data, _ := files.ReadFile(e.Name())
		fmt.Fprintf(h, "%s\x00%d\x00", e.Name(), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
