package collect_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/billing/outbox"
	"github.com/ledgvero/ledgvero/billing/outbox/smtpsink"
)

// benchSize reads a positive integer from the environment, or returns def.
func benchSize(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// generateOpenBook inserts customers, each with one billing contact, and open
// invoices spread over them with due dates from 60 days before asOf to 14 days
// after it, so almost every invoice has a reminder step due on asOf.
func generateOpenBook(b *testing.B, pool *pgxpool.Pool, customers, invoices int, asOf billing.Date) {
	b.Helper()
	ctx := context.Background()
	statements := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO customers (name, currency, external_id)
			SELECT 'Bench customer ' || g, 'USD', 'BENCH-' || g FROM generate_series(1, $1::int) g`, []any{customers}},
		{`INSERT INTO contacts (customer_id, name, email)
			SELECT id, 'Accounts Payable', 'ap' || id || '@bench.example' FROM customers`, nil},
		{`INSERT INTO invoices (customer_id, number, issue_date, due_date, currency, subtotal_minor, total_minor, terms_net_days, source)
			SELECT (SELECT min(id) FROM customers) + g % $1::int, 'B' || g, due - 30, due, 'USD', amount, amount, 30, 'bench'
			FROM (SELECT g, $3::date - 60 + ((g * 7919) % 75)::int AS due, 1000 + (g * 104729) % 100000 AS amount
				FROM generate_series(1::bigint, $2::int) g) x`, []any{customers, invoices, asOf}},
		{`ANALYZE`, nil},
	}
	for _, st := range statements {
		if _, err := pool.Exec(ctx, st.sql, st.args...); err != nil {
			b.Fatalf("generating data: %v", err)
		}
	}
}

// processCPU returns the user and system CPU time of this process so far.
func processCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// backendCPU returns the CPU time used so far by each server process of the
// pool's database, by process id, read from /proc. The CPU figures of a run on a
// shared machine vary less than its wall time, because they leave out the time
// spent waiting for other programs. A server on another machine or a process
// that ended gives no figure, so the result is then too low, never too high.
func backendCPU(b *testing.B, pool *pgxpool.Pool) map[int]time.Duration {
	b.Helper()
	rows, err := pool.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		b.Fatalf("listing server processes: %v", err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatalf("listing server processes: %v", err)
	}
	out := map[int]time.Duration{}
	for _, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// The fields after the parenthesized command name start with the state.
		// utime and stime are the 12th and 13th of them, in clock ticks of 1/100 s
		// (USER_HZ on Linux).
		s := string(raw)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 13 {
			continue
		}
		utime, err1 := strconv.ParseInt(fields[11], 10, 64)
		stime, err2 := strconv.ParseInt(fields[12], 10, 64)
		if err1 == nil && err2 == nil {
			out[int(pid)] = time.Duration(utime+stime) * 10 * time.Millisecond
		}
	}
	return out
}

// sumCPU returns the CPU time the processes in after used since before.
func sumCPU(after, before map[int]time.Duration) time.Duration {
	var total time.Duration
	for pid, d := range after {
		total += d - before[pid]
	}
	return total
}

// BenchmarkCadence1M evaluates the cadence for 1,000,000 open invoices of
// 20,000 customers (BENCH_INVOICES and BENCH_CUSTOMERS override the sizes), then
// runs the same day again and checks that the second run queues nothing. The
// engine writes with 4 transactions at once (BENCH_WORKERS), as many as the
// benchmark's pool has connections, because nothing else shares that pool.
func BenchmarkCadence1M(b *testing.B) {
	invoices := benchSize("BENCH_INVOICES", 1_000_000)
	customers := benchSize("BENCH_CUSTOMERS", 20_000)
	asOf := billing.NewDate(2026, 9, 15)

	for range b.N {
		b.StopTimer()
		pool := dbtest.New(b)
		started := time.Now()
		generateOpenBook(b, pool, customers, invoices, asOf)
		b.Logf("generated %d invoices of %d customers in %s", invoices, customers, time.Since(started).Round(time.Millisecond))
		jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
		if err != nil {
			b.Fatal(err)
		}
		engine := &collect.Engine{
			Pool: pool, Jobs: jobs, BaseURL: "https://pay.seller.example", From: "billing@seller.example",
			OrgName: "Bench Seller", Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})),
			Now: time.Now, Workers: benchSize("BENCH_WORKERS", 4),
		}
		b.StartTimer()

		started = time.Now()
		goBefore, dbBefore := processCPU(), backendCPU(b, pool)
		res, err := engine.Run(context.Background(), collect.RunOptions{AsOf: asOf})
		if err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(started)
		goCPU, dbCPU := processCPU()-goBefore, sumCPU(backendCPU(b, pool), dbBefore)
		b.ReportMetric(elapsed.Seconds(), "s/run")
		b.ReportMetric(goCPU.Seconds(), "go-cpu-s")
		b.ReportMetric(dbCPU.Seconds(), "db-cpu-s")
		b.ReportMetric(float64(res.Sent), "emails")
		b.ReportMetric(float64(res.Invoices), "invoice-steps")
		b.Logf("first run: %d e-mails about %d invoice steps, skipped %v, in %s (CPU: Go %s, database %s)",
			res.Sent, res.Invoices, res.Skipped, elapsed.Round(time.Millisecond), goCPU.Round(time.Millisecond), dbCPU.Round(time.Millisecond))

		b.StopTimer()
		started = time.Now()
		again, err := engine.Run(context.Background(), collect.RunOptions{AsOf: asOf})
		if err != nil {
			b.Fatal(err)
		}
		if again.Sent != 0 || again.Invoices != 0 {
			b.Fatalf("second run for the same day sent %d e-mails about %d invoices, want none", again.Sent, again.Invoices)
		}
		b.Logf("second run for the same day: nothing queued, in %s", time.Since(started).Round(time.Millisecond))

		started = time.Now()
		next, err := engine.Run(context.Background(), collect.RunOptions{AsOf: asOf.AddDays(1)})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("next day's run: %d e-mails about %d invoice steps in %s", next.Sent, next.Invoices, time.Since(started).Round(time.Millisecond))
	}
}

// BenchmarkDelivery queues BENCH_EMAILS reminder-sized e-mails (default 2,000)
// and measures how fast River workers deliver them into the in-process SMTP
// sink, and into the SMTP server at BENCH_SMTP_URL (such as Mailpit's,
// smtp://127.0.0.1:1025) when it is set.
func BenchmarkDelivery(b *testing.B) {
	b.Run("sink=in-process", func(b *testing.B) { benchmarkDelivery(b, "") })
	if url := os.Getenv("BENCH_SMTP_URL"); url != "" {
		b.Run("sink=smtp-url", func(b *testing.B) { benchmarkDelivery(b, url) })
	}
}

// benchmarkDelivery delivers into the SMTP server at smtpURL, or into a new
// in-process sink when smtpURL is empty.
func benchmarkDelivery(b *testing.B, smtpURL string) {
	count := benchSize("BENCH_EMAILS", 2_000)
	ctx := context.Background()

	for range b.N {
		b.StopTimer()
		pool := dbtest.New(b)
		target := smtpURL
		var sink *smtpsink.Sink
		if target == "" {
			sink = smtpsink.Start(b)
			target = sink.URL()
		}
		sender, err := outbox.NewSMTPSender(target)
		if err != nil {
			b.Fatal(err)
		}
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		workers := river.NewWorkers()
		river.AddWorker(workers, &outbox.Worker{Pool: pool, Sender: sender, From: "billing@seller.example", Logger: logger, Now: time.Now})
		client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
			Logger:        logger,
			Queues:        map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}},
			FetchCooldown: 20 * time.Millisecond,
			Workers:       workers,
		})
		if err != nil {
			b.Fatal(err)
		}
		customer, err := billing.CreateCustomer(ctx, pool, billing.Customer{Name: "Bench", Currency: "USD"})
		if err != nil {
			b.Fatal(err)
		}
		body := fmt.Sprintf("%0*d", 4000, 0)
		err = billing.InTx(ctx, pool, func(tx pgx.Tx) error {
			for i := range count {
				_, err := outbox.Queue(ctx, tx, client, outbox.Message{
					To: fmt.Sprintf("ap%d@bench.example", i), Subject: "Reminder", Text: body, HTML: "<p>" + body + "</p>",
					CustomerID: customer, Kind: "reminder.friendly",
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
		b.StartTimer()

		started := time.Now()
		if err := client.Start(ctx); err != nil {
			b.Fatal(err)
		}
		timeout := time.After(5 * time.Minute)
		for delivered := 0; delivered < count; {
			select {
			case ev := <-done:
				if ev.Kind != river.EventKindJobCompleted {
					b.Fatalf("delivery job failed: %v", ev.Job.Errors)
				}
				delivered++
			case <-timeout:
				b.Fatalf("delivered %d of %d e-mails in 5 minutes", delivered, count)
			}
		}
		elapsed := time.Since(started)
		b.StopTimer()
		cancel()
		if err := client.Stop(ctx); err != nil {
			b.Fatal(err)
		}
		// A job completes only after the server accepted its message.
		if sink != nil {
			if got := len(sink.Messages()); got != count {
				b.Fatalf("sink received %d messages, want %d", got, count)
			}
		}
		b.ReportMetric(float64(count)/elapsed.Seconds(), "emails/s")
	}
}
