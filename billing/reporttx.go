package billing

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
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

	if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
		return fmt.Errorf("turning JIT off for a report: %w", err)
	}
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
		return fmt.Errorf("raising work_mem for a report: %w", err)
	}
	return fn(tx)
}
