package billing

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// beginner is a DB that can open a transaction: a pool, a connection, or a
// transaction (which opens a savepoint).
type beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// readReport runs the read-only queries of a ledger-wide report in a transaction
// with JIT compilation off and work_mem at 64 MB, then rolls the transaction back
// so the settings never reach the caller's connection or transaction. The
// per-invoice allocation subqueries of these reports are costed far above
// jit_above_cost (about 1,900,000 against 100,000 on 1,000,000 invoices), and
// compiling them took 110-140 ms per statement on PostgreSQL 15, longer than
// running them. At the default work_mem of 4 MB the aging report's sorts of about
// 76,000 open invoices spilled to disk. A db that cannot begin a transaction runs
// fn directly, with the server's settings.
func readReport(ctx context.Context, db DB, fn func(db DB) error) error {
	b, ok := db.(beginner)
	if !ok {
		return fn(db)
	}
	tx, err := b.Begin(ctx)
	if err != nil {
		return fmt.Errorf("beginning report transaction: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // the transaction only read

	if err := configureReport(ctx, tx); err != nil {
		return err
	}
	return fn(tx)
}

// configureReport turns JIT off and raises work_mem for the rest of tx.
func configureReport(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
		return fmt.Errorf("turning JIT off for a report: %w", err)
	}
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
		return fmt.Errorf("raising work_mem for a report: %w", err)
	}
	return nil
}

// readReportInParallel runs first and second as readReport does, but at once, on
// two connections of pool. The second transaction imports the snapshot that the
// first one exports, so both read the ledger as of the same instant, and each
// query gets one of the machine's cores. A db that is not a pool with room for
// two connections runs them one after the other in one transaction.
func readReportInParallel(ctx context.Context, db DB, first, second func(db DB) error) error {
	pool, ok := db.(*pgxpool.Pool)
	if !ok || pool.Config().MaxConns < 2 {
		return readReport(ctx, db, func(db DB) error {
			if err := first(db); err != nil {
				return err
			}
			return second(db)
		})
	}

	options := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	tx1, err := pool.BeginTx(ctx, options)
	if err != nil {
		return fmt.Errorf("beginning report transaction: %w", err)
	}
	defer tx1.Rollback(ctx) //nolint:errcheck // the transaction only read
	var snapshot string
	if err := tx1.QueryRow(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return fmt.Errorf("exporting the report snapshot: %w", err)
	}
	if err := configureReport(ctx, tx1); err != nil {
		return err
	}

	tx2, err := pool.BeginTx(ctx, options)
	if err != nil {
		return fmt.Errorf("beginning report transaction: %w", err)
	}
	defer tx2.Rollback(ctx) //nolint:errcheck // the transaction only read
	// SET TRANSACTION SNAPSHOT must come before the transaction's first query.
	if _, err := tx2.Exec(ctx, `SET TRANSACTION SNAPSHOT '`+snapshot+`'`); err != nil {
		return fmt.Errorf("importing the report snapshot: %w", err)
	}
	if err := configureReport(ctx, tx2); err != nil {
		return err
	}

	done := make(chan error, 1)
	go func() { done <- second(tx2) }()
	err = first(tx1)
	if secondErr := <-done; err == nil {
		err = secondErr
	}
	return err
}
