package importer

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// A large import into a small ledger spends most of its time keeping indexes and
// foreign keys up to date one row at a time: on a million invoices, three
// quarters of each insert. PostgreSQL builds an index from sorted input, and
// checks a foreign key with one join, far faster than it maintains either per row.
//
// Bulk mode uses that. It drops the secondary indexes and the foreign keys of the
// tables the import fills, inside the import's transaction, and creates them
// again from their stored definitions before the transaction commits. Adding a
// foreign key back checks every row, so the guarantees are those of the online
// path. When a check fails, the import rolls back, DDL included.
//
// The cost is locking: the dropped indexes keep those tables locked against
// readers until the import commits. That suits an initial load or a migration
// from another system, which is when an import is this large. So LoadAuto
// chooses bulk mode only when the import creates at least bulkMinRows invoices
// and at least as many as the ledger holds. Smaller imports, such as the back
// office's uploads into a full ledger, keep the online path.
const bulkMinRows = 100_000

// bulkTables are the tables an import fills in volume.
var bulkTables = []string{"invoices", "invoice_lines", "payments", "allocations", "disputes"}

// suspendedUpkeep holds the definitions dropped for a bulk load.
type suspendedUpkeep struct {
	indexes     []string // CREATE INDEX statements
	foreignKeys []string // ALTER TABLE ... ADD CONSTRAINT statements
}

// chooseBulk reports whether the writes run in bulk mode under Options.Load.
func (r *run) chooseBulk(ctx context.Context) (bool, error) {
	switch r.opts.Load {
	case LoadBulk:
		return true, nil
	case LoadOnline:
		return false, nil
	}
	var created, stored int64
	err := r.tx.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM import_invoice_changes WHERE created),
			-- reltuples is -1 before the table's first ANALYZE, and an
			-- estimate after it, which is all the choice needs.
			(SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'invoices'::regclass)`).Scan(&created, &stored)
	if err != nil {
		return false, fmt.Errorf("sizing the import: %w", err)
	}
	return created >= bulkMinRows && created >= stored, nil
}

// suspendUpkeep drops the secondary indexes and foreign keys of bulkTables and
// returns their definitions. Primary keys and unique constraints stay: the
// import reads through them and relies on them to reject duplicates. When the
// role may not alter the tables, the error names the missing ownership, and the
// import fails as a whole because its transaction is then unusable.
func (r *run) suspendUpkeep(ctx context.Context) (*suspendedUpkeep, error) {
	start := time.Now()
	var s suspendedUpkeep
	rows, err := r.tx.Query(ctx, `
		SELECT 'DROP INDEX ' || x.indexrelid::regclass::text, pg_get_indexdef(x.indexrelid)
		FROM pg_index x
		WHERE x.indrelid = ANY($1::regclass[]) AND NOT x.indisprimary
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
		UNION ALL
		SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
			format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
		FROM pg_constraint c
		WHERE c.contype = 'f' AND c.conrelid = ANY($1::regclass[])`, bulkTables)
	if err != nil {
		return nil, fmt.Errorf("listing indexes and foreign keys: %w", err)
	}
	type pair struct{ drop, create string }
	pairs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (pair, error) {
		var p pair
		return p, row.Scan(&p.drop, &p.create)
	})
	if err != nil {
		return nil, fmt.Errorf("listing indexes and foreign keys: %w", err)
	}
	for _, p := range pairs {
		if _, err := r.tx.Exec(ctx, p.drop); err != nil {
			return nil, fmt.Errorf("bulk load: %s: %w (the database role needs to own the ledger tables)", p.drop, err)
		}
		if len(p.create) > 6 && p.create[:6] == "CREATE" {
			s.indexes = append(s.indexes, p.create)
		} else {
			s.foreignKeys = append(s.foreignKeys, p.create)
		}
	}
	r.trace(fmt.Sprintf("bulk load: dropped %d indexes and %d foreign keys", len(s.indexes), len(s.foreignKeys)), start)
	return &s, nil
}

// restore creates the dropped indexes and foreign keys again. Each index is
// built from sorted input and each foreign key is checked with one join.
func (s *suspendedUpkeep) restore(ctx context.Context, r *run) error {
	if _, err := r.tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	for _, stmt := range append(append([]string(nil), s.indexes...), s.foreignKeys...) {
		start := time.Now()
		if _, err := r.tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("bulk load: restoring %q: %w", stmt, err)
		}
		r.trace(stmt, start)
	}
	return nil
}
