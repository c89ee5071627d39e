package importer_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/billing/importer"
)

// ledgerFingerprintSQL digests everything an import writes, leaving out ids,
// timestamps and the timeline text, which differ between two databases.
const ledgerFingerprintSQL = `
SELECT md5(concat_ws('#',
	(SELECT string_agg(concat_ws('|', external_id, name, currency, terms_net_days), '/' ORDER BY external_id) FROM customers),
	(SELECT string_agg(concat_ws('|', c.external_id, ct.email, ct.name, ct.roles), '/' ORDER BY c.external_id, ct.email)
		FROM contacts ct JOIN customers c ON c.id = ct.customer_id),
	(SELECT string_agg(concat_ws('|', i.external_id, c.external_id, i.number, i.issue_date, i.due_date, i.total_minor,
		i.open_minor, i.reduced_from, i.settled_on), '/' ORDER BY i.external_id)
		FROM invoices i JOIN customers c ON c.id = i.customer_id),
	(SELECT string_agg(concat_ws('|', i.external_id, l.position, l.description, l.amount_minor), '/' ORDER BY i.external_id, l.position)
		FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id),
	(SELECT string_agg(concat_ws('|', external_id, amount_minor, received_on, status), '/' ORDER BY external_id) FROM payments),
	(SELECT string_agg(concat_ws('|', i.external_id, p.external_id, a.amount_minor, a.applied_on), '/'
		ORDER BY i.external_id, p.external_id, a.applied_on)
		FROM allocations a JOIN invoices i ON i.id = a.invoice_id JOIN payments p ON p.id = a.payment_id),
	(SELECT string_agg(concat_ws('|', external_id, status, opened_at, resolved_at), '/' ORDER BY external_id) FROM disputes),
	(SELECT string_agg(concat_ws('|', kind, summary), '/' ORDER BY kind, summary) FROM timeline_events)))`

// schemaFingerprintSQL lists the indexes and constraints of the tables a bulk
// load suspends, which must come back exactly as they were.
const schemaFingerprintSQL = `
SELECT string_agg(def, E'\n' ORDER BY def) FROM (
	SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index
	WHERE indrelid IN ('invoices'::regclass, 'invoice_lines'::regclass, 'payments'::regclass,
		'allocations'::regclass, 'disputes'::regclass)
	UNION ALL
	SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' validated=' || convalidated
	FROM pg_constraint
	WHERE conrelid IN ('invoices'::regclass, 'invoice_lines'::regclass, 'payments'::regclass,
		'allocations'::regclass, 'disputes'::regclass)
) d`

func fingerprint(t *testing.T, pool *pgxpool.Pool, sql string) string {
	t.Helper()
	var s string
	if err := pool.QueryRow(context.Background(), sql).Scan(&s); err != nil {
		t.Fatalf("fingerprint: %v", err)
	}
	return s
}

// TestBulkLoadMatchesOnline imports each sample once in bulk mode and once
// online, into two databases, and expects the same ledger and the same indexes
// and constraints. Importing the file again in bulk mode changes nothing.
func TestBulkLoadMatchesOnline(t *testing.T) {
	t.Parallel()
	samples := []struct{ name, preset, path, data string }{
		{"ibm", "ibm-ar", "testdata/ibm-ar.csv", ""},
		{"xero", "xero", "testdata/xero-sales-invoice-mock-sample.csv", ""},
		{"ledgvero", "ledgvero", "", ledgveroCSV},
	}
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			load := func(pool *pgxpool.Pool, mode importer.Load) importer.Report {
				t.Helper()
				// The Xero sample has rows whose due date precedes the issue date.
				opts := importer.Options{Load: mode, SkipInvalid: true}
				var rep importer.Report
				var err error
				if s.path != "" {
					rep, err = importFile(t, pool, s.path, s.preset, opts)
				} else {
					rep, err = importString(t, pool, s.data, s.preset, opts)
				}
				if err != nil {
					t.Fatalf("%s import: %v %v", mode, err, rep.Problems)
				}
				return rep
			}

			online, bulk := dbtest.New(t), dbtest.New(t)
			schema := fingerprint(t, bulk, schemaFingerprintSQL)
			if rep := load(online, importer.LoadOnline); rep.BulkLoad {
				t.Error("online import reports a bulk load")
			}
			if rep := load(bulk, importer.LoadBulk); !rep.BulkLoad {
				t.Error("bulk import does not report a bulk load")
			}
			if got := fingerprint(t, bulk, schemaFingerprintSQL); got != schema {
				t.Errorf("indexes and constraints after a bulk load:\n%s\nwant:\n%s", got, schema)
			}
			want := fingerprint(t, online, ledgerFingerprintSQL)
			if got := fingerprint(t, bulk, ledgerFingerprintSQL); got != want {
				t.Error("the bulk load wrote a different ledger than the online import")
			}

			again := load(bulk, importer.LoadBulk)
			if again.Invoices.Created+again.Invoices.Updated+again.Payments.Created+again.Payments.Updated != 0 {
				t.Errorf("second bulk import changed records: %+v", again)
			}
			if got := fingerprint(t, bulk, ledgerFingerprintSQL); got != want {
				t.Error("a second bulk import of the same file changed the ledger")
			}
		})
	}
}

// TestAutoLoadChoosesOnlineForSmallFiles keeps small imports, such as the back
// office's uploads, on the path that leaves the ledger readable.
func TestAutoLoadChoosesOnlineForSmallFiles(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	rep, err := importFile(t, pool, "testdata/ibm-ar.csv", "ibm-ar", importer.Options{})
	if err != nil {
		t.Fatalf("import: %v %v", err, rep.Problems)
	}
	if rep.BulkLoad {
		t.Error("a 2,466-row import ran in bulk mode")
	}
}

func TestParseLoad(t *testing.T) {
	for _, s := range []string{"auto", "bulk", "online"} {
		if l, err := importer.ParseLoad(s); err != nil || string(l) != s {
			t.Errorf("ParseLoad(%q) = %q, %v", s, l, err)
		}
	}
	if _, err := importer.ParseLoad("fast"); err == nil {
		t.Error(`ParseLoad("fast") succeeded`)
	}
}

// splitPaymentsCSV pays B-1 (300.00) in two payments aimed at it: the second
// settles it and leaves 50.00 of customer credit. B-2 is paid in one payment.
const splitPaymentsCSV = `record,customer_id,customer_name,currency,terms_days,contact_email,contact_name,invoice_id,issue_date,due_date,description,quantity,amount,tax,payment_id,payment_date,method
customer,BETA,Beta LLC,USD,30,,,,,,,,,,,,
invoice,BETA,,,,,,B-1,2026-01-05,,Parts,,300.00,,,,
invoice,BETA,,,,,,B-2,2026-01-06,,Labor,,80.00,,,,
payment,BETA,,,,,,B-1,,,,,250.00,,Q-2,2026-02-03,ach
payment,BETA,,,,,,B-1,,,,,100.00,,Q-1,2026-01-20,ach
payment,BETA,,,,,,B-2,,,,,80.00,,Q-3,2026-01-25,check
`

// TestImportSplitPayments checks the balances a new invoice is written with
// when the file pays it in several payments, in either load mode.
func TestImportSplitPayments(t *testing.T) {
	t.Parallel()
	for _, mode := range []importer.Load{importer.LoadOnline, importer.LoadBulk} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			pool := dbtest.New(t)
			if rep, err := importString(t, pool, splitPaymentsCSV, "ledgvero", importer.Options{Load: mode}); err != nil {
				t.Fatalf("import: %v %v", err, rep.Problems)
			}
			want := map[string]string{
				"B-1": "0 2026-01-20 2026-02-03 Q-1:10000,Q-2:20000",
				"B-2": "0 2026-01-25 2026-01-25 Q-3:8000",
			}
			for number, w := range want {
				var got string
				err := pool.QueryRow(context.Background(), `
					SELECT concat_ws(' ', i.open_minor, i.reduced_from, i.settled_on,
						(SELECT string_agg(p.external_id || ':' || a.amount_minor, ',' ORDER BY p.external_id)
						FROM allocations a JOIN payments p ON p.id = a.payment_id WHERE a.invoice_id = i.id))
					FROM invoices i WHERE i.number = $1`, number).Scan(&got)
				if err != nil {
					t.Fatal(err)
				}
				if got != w {
					t.Errorf("%s: open, reduced from, settled on, allocations = %q, want %q", number, got, w)
				}
			}
		})
	}
}
