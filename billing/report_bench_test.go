package billing

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing/dbtest"
)

// benchLedgerSQL builds a ledger of 1,000,000 invoices of 20,000 customers with
// set-based SQL: invoices issued over two years from 2022-01-01, due after 30
// days; 90% paid in full 0 to 60 days after issue, 5% paid half, 5% unpaid. Each
// payment has its allocation, and the stored balances are set as the ledger
// would leave them.
const benchLedgerSQL = `
SELECT setseed(0.42);
INSERT INTO organization (name, currency) VALUES ('Bench Seller', 'USD') ON CONFLICT DO NOTHING;
INSERT INTO customers (external_id, name, currency)
SELECT 'BC' || g, 'Bench customer ' || g, 'USD' FROM generate_series(1, 20000) g;
CREATE TEMP TABLE bench_plan AS
SELECT g, c.min_id + (g % 20000) AS customer_id, date '2022-01-01' + (random() * 729)::int AS issue_date,
	1000 + (random() * 500000)::bigint AS total, random() AS fate, (random() * 60)::int AS pay_after
FROM generate_series(1, 1000000) g, (SELECT min(id) AS min_id FROM customers) c;
INSERT INTO invoices (customer_id, number, external_id, issue_date, due_date, currency, subtotal_minor, tax_minor,
	total_minor, open_minor, reduced_from, settled_on, terms_net_days, source)
SELECT customer_id, 'BI' || g, 'bi:' || g, issue_date, issue_date + 30, 'USD', total, 0, total,
	CASE WHEN fate < 0.90 THEN 0 WHEN fate < 0.95 THEN total - total / 2 ELSE total END,
	CASE WHEN fate < 0.95 THEN issue_date + pay_after END,
	CASE WHEN fate < 0.90 THEN issue_date + pay_after END, 30, 'bench'
FROM bench_plan ORDER BY g;
INSERT INTO payments (customer_id, external_id, method, status, currency, amount_minor, received_on, source, status_changed_on)
SELECT customer_id, 'bp:' || g, 'ach', 'succeeded', 'USD', CASE WHEN fate < 0.90 THEN total ELSE total / 2 END,
	issue_date + pay_after, 'bench', issue_date + pay_after
FROM bench_plan WHERE fate < 0.95 ORDER BY g;
INSERT INTO allocations (invoice_id, payment_id, amount_minor, applied_on)
SELECT i.id, p.id, p.amount_minor, p.received_on
FROM payments p JOIN invoices i ON i.external_id = 'bi:' || substr(p.external_id, 4);
DROP TABLE bench_plan;
VACUUM ANALYZE invoices;
VACUUM ANALYZE payments;
VACUUM ANALYZE allocations;
VACUUM ANALYZE customers`

// BenchmarkReports measures the aging report on a random date, the KPIs of a
// 90-day period and one customer's statement on a ledger of 1,000,000 invoices,
// and logs the query plans (run with -v to see them).
func BenchmarkReports(b *testing.B) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	started := time.Now()
	for _, stmt := range strings.Split(benchLedgerSQL, ";\n") {
		if _, err := pool.Exec(ctx, stmt); err != nil {
			b.Fatalf("building the ledger: %v\n%s", err, stmt)
		}
	}
	b.Logf("built a ledger of 1,000,000 invoices in %s", time.Since(started).Round(time.Second))

	rng := rand.New(rand.NewSource(7))
	randomDate := func() Date { return NewDate(2022, 2, 1).AddDays(rng.Intn(700)) }
	var minCustomer int64
	if err := pool.QueryRow(ctx, `SELECT min(id) FROM customers`).Scan(&minCustomer); err != nil {
		b.Fatal(err)
	}

	if testing.Verbose() || os.Getenv("BENCH_EXPLAIN") != "" {
		asOf := NewDate(2023, 6, 30)
		explain(b, pool, "aging", agingSQL, asOf, "USD")
		explain(b, pool, "closing AR", arAsOfSQL, asOf, "USD")
		explain(b, pool, "statement open items", fmt.Sprintf(openAsOfCustomerSQL, `ORDER BY i.due_date, i.id`), asOf, minCustomer+17)
		explain(b, pool, "statement activity", statementActivitySQL, minCustomer+17, asOf)
	}

	reports := []struct {
		name string
		run  func() error
	}{
		{"aging", func() error {
			_, err := Aging(ctx, pool, randomDate())
			return err
		}},
		{"kpis-90-days", func() error {
			from := randomDate()
			_, err := PeriodKPIs(ctx, pool, from, from.AddDays(89))
			return err
		}},
		// The same KPIs on one connection, where the opening and closing AR
		// run one after the other: the baseline for the run above.
		{"kpis-90-days-one-connection", func() error {
			conn, err := pool.Acquire(ctx)
			if err != nil {
				return err
			}
			defer conn.Release()
			from := randomDate()
			_, err = PeriodKPIs(ctx, conn, from, from.AddDays(89))
			return err
		}},
		{"statement", func() error {
			_, err := Statement(ctx, pool, minCustomer+rng.Int63n(20000), randomDate())
			return err
		}},
	}
	for _, r := range reports {
		b.Run(r.name, func(b *testing.B) {
			for b.Loop() {
				if err := r.run(); err != nil {
					b.Fatal(err)
				}
			}
			// `make bench` runs each benchmark once, so also report the median
			// and the slowest of 15 more runs on random dates.
			b.StopTimer()
			var times []time.Duration
			for range 15 {
				started := time.Now()
				if err := r.run(); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(started))
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
			b.ReportMetric(float64(times[len(times)-1].Microseconds())/1000, "max-ms")
		})
	}
}

func explain(b *testing.B, pool *pgxpool.Pool, name, query string, args ...any) {
	rows, err := pool.Query(context.Background(), "EXPLAIN (ANALYZE, BUFFERS) "+query, args...)
	if err != nil {
		b.Fatalf("explaining %s: %v", name, err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	b.Logf("plan of %s:\n%s", name, plan.String())
}
