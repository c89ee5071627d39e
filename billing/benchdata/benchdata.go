// Package benchdata creates and fills the generated ledger that benchmarks of
// several packages read: 1,000,000 invoices of 20,000 customers issued over two
// years before March 2, 2026. Filling it takes about 30 s on 2 cores, so each
// benchmark keeps its ledger in a database of its own name and reuses it across
// runs. It is for benchmarks only and imports testing.
package benchdata

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/migrations"
)

// Size of the generated ledger.
const (
	Invoices  = 1_000_000
	Customers = 20_000
)

// Today is the day the ledger is generated for: the last invoices are issued on it.
var Today = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// DatabaseURL returns the URL of the benchmark database name on the server of
// TEST_DATABASE_URL, or BENCH_DATABASE_URL when that is set. It skips the
// benchmark when neither is set.
func DatabaseURL(tb testing.TB, name string) string {
	tb.Helper()
	if raw := os.Getenv("BENCH_DATABASE_URL"); raw != "" {
		return raw
	}
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		tb.Skip("TEST_DATABASE_URL and BENCH_DATABASE_URL are not set")
	}
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("invalid TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open creates the database at raw when it does not exist, migrates it and
// returns a pool on it with at most maxConns connections, or with pgxpool's
// default size (the size `ledgvero serve` uses) when maxConns is 0. The pool is
// closed when the benchmark ends.
func Open(tb testing.TB, raw string, maxConns int32) *pgxpool.Pool {
	tb.Helper()
	ctx := context.Background()
	ensureDatabase(tb, raw)
	cfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		tb.Fatal(err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)

	runner, err := migrations.NewRunner(pool)
	if err != nil {
		tb.Fatal(err)
	}
	_, err = runner.Up(ctx)
	runner.Close()
	if err != nil {
		tb.Fatal(err)
	}
	return pool
}

func ensureDatabase(tb testing.TB, raw string) {
	tb.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin := *u
	admin.Path = "/postgres"
	conn, err := pgx.Connect(context.Background(), admin.String())
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		tb.Fatal(err)
	}
	if !exists {
		if _, err := conn.Exec(context.Background(), `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
			tb.Fatal(err)
		}
	}
}

// FillLedger inserts Customers customers and Invoices invoices with set-based SQL
// unless the database already holds that many invoices, and reports whether it
// inserted them. The invoices are issued over the two years up to Today, due 30
// days later; 95% of those whose due date plus 0 to 60 days lies on or before
// Today are settled then, the rest are open. Every third customer has a credit
// limit and every 50th is on credit hold. It ends with ANALYZE.
func FillLedger(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM invoices`).Scan(&n); err != nil {
		return false, fmt.Errorf("counting invoices: %w", err)
	}
	if n >= Invoices {
		return false, nil
	}
	today := Today.Format(time.DateOnly)
	steps := []string{
		`INSERT INTO organization (name, currency) VALUES ('Bench Co', 'USD') ON CONFLICT DO NOTHING`,
		fmt.Sprintf(`INSERT INTO customers (name, currency, credit_limit_minor, credit_hold)
			SELECT 'Customer ' || lpad(g::text, 6, '0'), 'USD', CASE WHEN g %% 3 = 0 THEN 5000000 END, g %% 50 = 0
			FROM generate_series(1, %d) g`, Customers),
		fmt.Sprintf(`INSERT INTO invoices (customer_id, number, issue_date, due_date, currency, subtotal_minor, total_minor,
				terms_net_days, open_minor, reduced_from, settled_on, source)
			SELECT c.first + (g %% %d), 'B-' || g, x.issue, x.issue + 30, 'USD', x.amount, x.amount, 30,
				CASE WHEN x.settled THEN 0 ELSE x.amount END,
				CASE WHEN x.settled THEN x.issue + 30 + x.late END,
				CASE WHEN x.settled THEN x.issue + 30 + x.late END, 'bench'
			FROM generate_series(1, %d) g
			CROSS JOIN (SELECT min(id) AS first FROM customers) c
			CROSS JOIN LATERAL (SELECT DATE '%s' - (g %% 730) AS issue, 1000 + (g::bigint * 7919) %% 500000 AS amount,
				(g * 31) %% 61 AS late) y
			CROSS JOIN LATERAL (SELECT y.issue, y.amount, y.late,
				CASE WHEN y.issue + 30 + y.late <= DATE '%s' THEN g %% 20 <> 0 ELSE false END AS settled) x`,
			Customers, Invoices, today, today),
		`ANALYZE`,
	}
	for _, sql := range steps {
		if _, err := pool.Exec(ctx, sql); err != nil {
			return false, fmt.Errorf("filling bench ledger: %w", err)
		}
	}
	return true, nil
}
