package backoffice

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/assets"
	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/benchdata"
	"github.com/ledgvero/ledgvero/billing/outbox"
	"github.com/ledgvero/ledgvero/billing/websession"
	"github.com/ledgvero/ledgvero/templates"
)

// The benchmarks run against the 1,000,000-invoice ledger of package benchdata in
// the database ledgvero_bench_backoffice on the server of TEST_DATABASE_URL (or in
// the database that BENCH_DATABASE_URL names). They create and fill it on first
// use, in about a minute on 2 cores, and reuse it afterwards. Without either variable they are
// skipped. Each one times at least minRequests requests, whatever b.N is, so that
// `make bench` with -benchtime 1x still reports a meaningful p99.
//
//	TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable' \
//	  go test -run '^$' -bench . -benchtime 500x ./backoffice/
const minRequests = 300

var benchToday = billing.DateOf(benchdata.Today)

func benchPool(b *testing.B, maxConns int32) *pgxpool.Pool {
	b.Helper()
	pool := benchdata.Open(b, benchdata.DatabaseURL(b, "ledgvero_bench_backoffice"), maxConns)
	fillBenchLedger(b, pool)
	return pool
}

// fillBenchLedger fills the generated ledger of benchdata unless the database
// already holds it. After filling it takes 13 month-end KPI snapshots and
// computes every customer's segment, as the daily and nightly jobs would.
func fillBenchLedger(b *testing.B, pool *pgxpool.Pool) {
	ctx := context.Background()
	start := time.Now()
	filled, err := benchdata.FillLedger(ctx, pool)
	if err != nil {
		b.Fatal(err)
	}
	if !filled {
		return
	}
	b.Logf("inserted %d invoices in %s", benchdata.Invoices, time.Since(start).Round(time.Second))

	start = time.Now()
	for i := 12; i >= 0; i-- {
		day := billing.DateOf(time.Date(2026, time.Month(3-i), 1, 12, 0, 0, 0, time.UTC).AddDate(0, 1, -1))
		if i == 0 {
			day = benchToday
		}
		if _, err := billing.TakeSnapshot(ctx, pool, day); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("took 13 snapshots in %s", time.Since(start).Round(time.Second))
	start = time.Now()
	if _, err := billing.RecomputeSegments(ctx, pool, benchToday, 0); err != nil {
		b.Fatal(err)
	}
	b.Logf("computed segments in %s", time.Since(start).Round(time.Second))
}

// benchServer serves the back office over pool with an admin signed in.
func benchServer(b *testing.B, pool *pgxpool.Pool) (*httptest.Server, *http.Client) {
	set, err := assets.Load()
	if err != nil {
		b.Fatal(err)
	}
	renderer, err := templates.New(set.URL)
	if err != nil {
		b.Fatal(err)
	}
	jobs, err := outbox.NewInserter(pool)
	if err != nil {
		b.Fatal(err)
	}
	tz, _ := time.LoadLocation("America/New_York")
	now := func() time.Time { return time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC) }
	e := echo.New()
	e.Validator = billing.NewFormValidator()
	e.Renderer = echoRenderer{renderer}
	h := &Handler{
		Pool: pool, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: now, Timezone: tz,
		OrgName: "Bench Co", Currency: "USD", BaseURL: "http://bench.test", Jobs: jobs,
		Sessions: websession.New(pool, websession.Options{
			Surface: "backoffice", CookieName: "ledgvero_backoffice", Secret: []byte(strings.Repeat("k", 32)),
			IdleTimeout: time.Hour, MaxLifetime: 12 * time.Hour, Now: now,
		}),
	}
	h.Routes(e)
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)

	email := fmt.Sprintf("bench-%d@example.com", time.Now().UnixNano())
	if _, err := billing.CreateStaff(context.Background(), pool, email, billing.RoleAdmin, staffPassword); err != nil {
		b.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(srv.URL+"/backoffice/login", url.Values{"email": {email}, "password": {staffPassword}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("bench sign-in: status %d", resp.StatusCode)
	}
	return srv, c
}

// timeGet fetches u and returns how long the whole response took. It reports
// failures with Error because the concurrent benchmark calls it from goroutines.
func timeGet(b *testing.B, c *http.Client, u string) time.Duration {
	start := time.Now()
	resp, err := c.Get(u)
	if err != nil {
		b.Error(err)
		return time.Since(start)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	return time.Since(start)
}

func reportPercentiles(b *testing.B, d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	ms := func(p float64) float64 {
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
	}
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
	b.ReportMetric(float64(d[len(d)-1].Microseconds())/1000, "max-ms")
}

func BenchmarkDashboardOneConn(b *testing.B) {
	pool := benchPool(b, 1)
	srv, c := benchServer(b, pool)
	timeGet(b, c, srv.URL+"/backoffice/")
	b.ResetTimer()
	n := max(b.N, minRequests)
	d := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		d = append(d, timeGet(b, c, srv.URL+"/backoffice/"))
	}
	reportPercentiles(b, d)
}

// customerListURLs mix the list's filters, sorts and pages.
var customerListURLs = []string{
	"/backoffice/customers",
	"/backoffice/customers?page=40",
	"/backoffice/customers?q=00042",
	"/backoffice/customers?status=overdue&sort=overdue",
	"/backoffice/customers?risk=high&value=high",
	"/backoffice/customers?min_overdue=5000.00&page=3",
	"/backoffice/customers?status=credit_hold",
	"/backoffice/customers?owner=-1&sort=overdue&page=10",
}

func BenchmarkCustomerListOneConn(b *testing.B) {
	pool := benchPool(b, 1)
	srv, c := benchServer(b, pool)
	b.ResetTimer()
	n := max(b.N, minRequests)
	d := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		d = append(d, timeGet(b, c, srv.URL+customerListURLs[i%len(customerListURLs)]))
	}
	reportPercentiles(b, d)
}

func BenchmarkDashboard16Conns(b *testing.B) {
	pool := benchPool(b, 16)
	srv, c := benchServer(b, pool)
	b.ResetTimer()
	var mu sync.Mutex
	n := max(b.N, minRequests)
	d := make([]time.Duration, 0, n)
	var wg sync.WaitGroup
	next := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		next <- struct{}{}
	}
	close(next)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				t := timeGet(b, c, srv.URL+"/backoffice/")
				mu.Lock()
				d = append(d, t)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	reportPercentiles(b, d)
}

// BenchmarkAgingReportOneConn measures the full aging report as of today, which
// reads every invoice open on that date; it has no target and is for reference.
func BenchmarkAgingReportOneConn(b *testing.B) {
	pool := benchPool(b, 1)
	srv, c := benchServer(b, pool)
	b.ResetTimer()
	n := max(b.N, 20) // each report reads every open invoice, so fewer requests keep the run short
	d := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		d = append(d, timeGet(b, c, srv.URL+"/backoffice/aging?as_of=2026-03-02"))
	}
	reportPercentiles(b, d)
}

// BenchmarkCustomerPageOneConn measures one customer's page with its 50 invoices
// and timeline; it has no target and is for reference.
func BenchmarkCustomerPageOneConn(b *testing.B) {
	pool := benchPool(b, 1)
	srv, c := benchServer(b, pool)
	var id int64
	if err := pool.QueryRow(context.Background(), `SELECT min(id) + 4242 FROM customers`).Scan(&id); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	n := max(b.N, minRequests)
	d := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		d = append(d, timeGet(b, c, srv.URL+"/backoffice/customers/"+itoa(id)))
	}
	reportPercentiles(b, d)
}
