package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/assets"
	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/benchdata"
	"github.com/ledgvero/ledgvero/portal"
	"github.com/ledgvero/ledgvero/templates"
)

// Load of BenchmarkStatementPageVsBare. Each phase stops after its request count
// or its time limit, whichever comes first, so a slow machine bounds the run.
const (
	statementConns      = 32
	statementRequests   = 600 // per phase at statementConns connections
	singleConnRequests  = 200 // per phase at one connection
	statementPhaseLimit = 20 * time.Second
	statementRounds     = 10 // the phases alternate between the servers this many times
	statementOpen       = 200
	statementEmail      = "ap@statement-bench.example"
)

var invoiceRowPattern = regexp.MustCompile(`data-testid="invoice-row" data-invoice="([^"]+)"`)

// BenchmarkStatementPageVsBare compares the portal statement page served by the
// whole server that `ledgvero serve` runs with a bare Echo handler. The full
// server adds the request id, access log, recover, security headers, gzip, body
// limit and CSRF middleware, the PostgreSQL session store and requireDebtor. The
// bare handler loads the same customer, calls the same statement code and renders
// the same template, without sessions or middleware.
//
// Both listen on loopback and share one pool of pgxpool's default size (the
// size `ledgvero serve` uses) on the 1,000,000-invoice ledger of benchdata. They
// show page 1 (50 rows) of a customer with 200 open invoices. One load generator
// drives both with keep-alive connections and without gzip (DisableCompression):
// first statementConns connections for throughput, then one connection for
// latency. The servers alternate phase by phase, statementRounds times, so that
// other load on a shared machine hits both alike. It reports each server's
// requests per second, the full server's share of the bare handler's, and p50
// and p99 latencies.
//
//	TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable' \
//	  go test -run '^$' -bench StatementPageVsBare -benchtime 1x ./cmd/ledgvero/
func BenchmarkStatementPageVsBare(b *testing.B) {
	ctx := context.Background()
	pool := benchdata.Open(b, benchdata.DatabaseURL(b, "ledgvero_bench_portal"), 0)
	start := time.Now()
	filled, err := benchdata.FillLedger(ctx, pool)
	if err != nil {
		b.Fatal(err)
	}
	if filled {
		b.Logf("inserted %d invoices in %s", benchdata.Invoices, time.Since(start).Round(time.Second))
	}
	cust := statementBenchCustomer(b, pool)
	open, err := billing.OpenInvoices(ctx, pool, cust.ID, billing.DateOf(benchdata.Today))
	if err != nil {
		b.Fatal(err)
	}
	if len(open) != statementOpen {
		b.Fatalf("the statement customer has %d open invoices, want %d", len(open), statementOpen)
	}

	now := func() time.Time { return benchdata.Today.Add(15 * time.Hour) }
	full, cookie := fullStatementServer(b, pool, now)
	bare := bareStatementServer(b, pool, now, cust)
	fullURL, bareURL := full.URL+"/portal/", bare.URL+"/portal/"

	fullRows := statementRows(b, fullURL, cookie)
	bareRows := statementRows(b, bareURL, "")
	if len(fullRows) != 50 || !slices.Equal(fullRows, bareRows) {
		b.Fatalf("the servers show different rows: full %v, bare %v", fullRows, bareRows)
	}

	fullClient, bareClient := loadClient(statementConns), loadClient(statementConns)
	runLoad(b, bareClient, bareURL, "", statementConns, 300, statementPhaseLimit) // warm-up
	runLoad(b, fullClient, fullURL, cookie, statementConns, 300, statementPhaseLimit)

	b.ResetTimer()
	var fullMany, bareMany, fullOne, bareOne loadResult
	var ratios []float64 // full/bare at statementConns connections, per round
	for range statementRounds {
		bare := runLoad(b, bareClient, bareURL, "", statementConns, statementRequests, statementPhaseLimit)
		full := runLoad(b, fullClient, fullURL, cookie, statementConns, statementRequests, statementPhaseLimit)
		ratios = append(ratios, 100*full.rps()/bare.rps())
		bareMany.add(bare)
		fullMany.add(full)
		bareOne.add(runLoad(b, bareClient, bareURL, "", 1, singleConnRequests, statementPhaseLimit))
		fullOne.add(runLoad(b, fullClient, fullURL, cookie, 1, singleConnRequests, statementPhaseLimit))
	}
	b.StopTimer()

	b.ReportMetric(bareMany.rps(), "bare-rps")
	b.ReportMetric(fullMany.rps(), "full-rps")
	b.ReportMetric(100*fullMany.rps()/bareMany.rps(), "full/bare-%")
	b.ReportMetric(fullOne.percentile(0.50), "full-1conn-p50-ms")
	b.ReportMetric(fullOne.percentile(0.99), "full-1conn-p99-ms")
	b.ReportMetric(bareOne.percentile(0.99), "bare-1conn-p99-ms")
	b.Logf("%d connections: bare %.0f req/s (p50 %.1f ms, p99 %.1f ms), full %.0f req/s (p50 %.1f ms, p99 %.1f ms), full/bare %.0f%%",
		statementConns, bareMany.rps(), bareMany.percentile(0.50), bareMany.percentile(0.99),
		fullMany.rps(), fullMany.percentile(0.50), fullMany.percentile(0.99), 100*fullMany.rps()/bareMany.rps())
	slices.Sort(ratios)
	b.Logf("full/bare per round at %d connections, sorted: %.0f%%", statementConns, ratios)
	b.Logf("1 connection: bare %.0f req/s (p50 %.2f ms, p99 %.2f ms), full %.0f req/s (p50 %.2f ms, p99 %.2f ms), full/bare %.0f%%",
		bareOne.rps(), bareOne.percentile(0.50), bareOne.percentile(0.99),
		fullOne.rps(), fullOne.percentile(0.50), fullOne.percentile(0.99), 100*fullOne.rps()/bareOne.rps())
}

// statementBenchCustomer returns the benchmark's customer, creating it on first
// use: one contact, statementOpen open invoices due from 120 days before
// benchdata.Today to 27 days after it, every tenth with an open promise, and 30
// settled invoices for the paid history. It creates them in one transaction, so
// a failed run leaves nothing behind.
func statementBenchCustomer(b *testing.B, pool *pgxpool.Pool) billing.Customer {
	ctx := context.Background()
	var id int64
	err := pool.QueryRow(ctx, `SELECT customer_id FROM contacts WHERE email = $1`, statementEmail).Scan(&id)
	if err == nil {
		return customerByID(b, pool, id)
	}
	err = billing.InTx(ctx, pool, func(tx pgx.Tx) error {
		id, err = createStatementCustomer(ctx, tx)
		return err
	})
	if err != nil {
		b.Fatalf("creating the statement customer: %v", err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE invoices`); err != nil {
		b.Fatal(err)
	}
	return customerByID(b, pool, id)
}

func createStatementCustomer(ctx context.Context, tx pgx.Tx) (int64, error) {
	id, err := billing.CreateCustomer(ctx, tx, billing.Customer{Name: "Statement Bench Ltd", Currency: "USD", Terms: billing.Terms{NetDays: 30}})
	if err != nil {
		return 0, err
	}
	if _, err := billing.AddContact(ctx, tx, billing.Contact{CustomerID: id, Email: statementEmail, ReceivesReminders: true}); err != nil {
		return 0, err
	}
	today := benchdata.Today.Format(time.DateOnly)
	steps := []string{
		fmt.Sprintf(`INSERT INTO invoices (customer_id, number, issue_date, due_date, currency, subtotal_minor, total_minor,
				terms_net_days, open_minor, source)
			SELECT %d, 'SB-' || lpad(g::text, 4, '0'), DATE '%s' - 150 + (g * 3) %% 148, DATE '%s' - 120 + (g * 3) %% 148,
				'USD', 10000 + g * 137, 10000 + g * 137, 30, 10000 + g * 137, 'bench'
			FROM generate_series(1, %d) g`, id, today, today, statementOpen),
		fmt.Sprintf(`INSERT INTO invoices (customer_id, number, issue_date, due_date, currency, subtotal_minor, total_minor,
				terms_net_days, open_minor, reduced_from, settled_on, source)
			SELECT %d, 'SP-' || lpad(g::text, 4, '0'), DATE '%s' - 400 + g * 7, DATE '%s' - 370 + g * 7,
				'USD', 5000 + g * 11, 5000 + g * 11, 30, 0, DATE '%s' - 365 + g * 7, DATE '%s' - 365 + g * 7, 'bench'
			FROM generate_series(1, 30) g`, id, today, today, today, today),
	}
	for _, sql := range steps {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return 0, err
		}
	}

	rows, err := tx.Query(ctx, `SELECT id, total_minor FROM invoices WHERE customer_id = $1 AND number LIKE 'SB-%' ORDER BY id`, id)
	if err != nil {
		return 0, err
	}
	type invoice struct{ id, total int64 }
	var open []invoice
	for rows.Next() {
		var inv invoice
		if err := rows.Scan(&inv.id, &inv.total); err != nil {
			rows.Close()
			return 0, err
		}
		open = append(open, inv)
	}
	rows.Close()
	day := billing.DateOf(benchdata.Today)
	for i := 0; i < len(open); i += 10 {
		_, err := billing.CreatePromise(ctx, tx, billing.NewPromise{CustomerID: id, InvoiceID: open[i].id,
			Date: day.AddDays(14), Amount: billing.Money{Amount: open[i].total, Currency: "USD"},
			Actor: billing.SystemActor("bench"), Source: "portal"}, day)
		if err != nil {
			return 0, err
		}
	}
	return id, nil
}

func customerByID(b *testing.B, pool *pgxpool.Pool, id int64) billing.Customer {
	cust, err := billing.CustomerByID(context.Background(), pool, id)
	if err != nil {
		b.Fatal(err)
	}
	return cust
}

// fullStatementServer starts the server of `ledgvero serve` on loopback and
// returns it with the Cookie header of a signed-in session of the customer's
// contact.
func fullStatementServer(b *testing.B, pool *pgxpool.Pool, now func() time.Time) (*httptest.Server, string) {
	ctx := context.Background()
	cfg, _, err := loadConfig(envOf(map[string]string{"DATABASE_URL": "postgres://unused@127.0.0.1/unused"}))
	if err != nil {
		b.Fatal(err)
	}
	a := &app{cfg: cfg, logger: slog.New(slog.NewTextHandler(io.Discard, nil)), pool: pool, now: now}
	e, err := newServer(a)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)

	token, err := billing.CreateMagicLink(ctx, pool, statementEmail, billing.LinkSupport, now())
	if err != nil {
		b.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	landing := fetchPage(b, c, srv.URL+"/portal/link/"+token)
	csrf := csrfField.FindStringSubmatch(landing)
	if csrf == nil {
		b.Fatal("sign-in link page without a CSRF token")
	}
	postPage(b, c, srv.URL+"/portal/link", url.Values{"csrf": {csrf[1]}, "token": {token}})

	u, _ := url.Parse(srv.URL + "/portal/")
	var cookies []string
	for _, ck := range jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	return srv, strings.Join(cookies, "; ")
}

// bareStatementServer serves GET /portal/ with plain Echo and the template
// renderer: it loads the customer as requireDebtor does and calls the same
// statement code, with no session, middleware or error page.
func bareStatementServer(b *testing.B, pool *pgxpool.Pool, now func() time.Time, cust billing.Customer) *httptest.Server {
	set, err := assets.Load()
	if err != nil {
		b.Fatal(err)
	}
	renderer, err := templates.New(set.URL)
	if err != nil {
		b.Fatal(err)
	}
	tz, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	// Sandbox matches the full server, which has no Stripe key here.
	h := &portal.Handler{Pool: pool, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: now, Timezone: tz, Sandbox: true}
	e := echo.New()
	e.Renderer = echoRenderer{renderer}
	e.GET("/portal/", func(c echo.Context) error {
		loaded, err := billing.CustomerByID(c.Request().Context(), pool, cust.ID)
		if err != nil {
			return err
		}
		return h.ServeStatement(c, statementEmail, loaded)
	})
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)
	return srv
}

// statementRows fetches the page once and returns the numbers of its open invoices.
func statementRows(b *testing.B, u, cookie string) []string {
	resp, err := http.DefaultClient.Do(statementRequest(b, u, cookie))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: status %d", u, resp.StatusCode)
	}
	var rows []string
	for _, m := range invoiceRowPattern.FindAllStringSubmatch(string(body), -1) {
		rows = append(rows, m[1])
	}
	return rows
}

func statementRequest(b *testing.B, u, cookie string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	return req
}

// loadClient returns a keep-alive client for conns connections to one server.
// It requests uncompressed responses, so the gzip middleware passes them through.
func loadClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true,
	}}
}

// loadResult is what one or more load phases measured.
type loadResult struct {
	requests  int
	elapsed   time.Duration
	latencies []time.Duration
}

func (r *loadResult) add(o loadResult) {
	r.requests += o.requests
	r.elapsed += o.elapsed
	r.latencies = append(r.latencies, o.latencies...)
}

func (r *loadResult) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// percentile returns the latency at p (0.99 for p99) in milliseconds.
func (r *loadResult) percentile(p float64) float64 {
	d := slices.Clone(r.latencies)
	slices.Sort(d)
	return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
}

// runLoad sends up to n GET requests for u over conns connections, stopping
// early at limit, and fails the benchmark on any status other than 200.
func runLoad(b *testing.B, c *http.Client, u, cookie string, conns, n int, limit time.Duration) loadResult {
	var (
		mu        sync.Mutex
		wg        sync.WaitGroup
		latencies = make([]time.Duration, 0, n)
		tickets   = make(chan struct{}, n)
	)
	for range n {
		tickets <- struct{}{}
	}
	close(tickets)
	start := time.Now()
	deadline := start.Add(limit)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range tickets {
				if time.Now().After(deadline) {
					return
				}
				t0 := time.Now()
				resp, err := c.Do(statementRequest(b, u, cookie))
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				if resp.StatusCode != http.StatusOK {
					b.Errorf("GET %s: status %d", u, resp.StatusCode)
					return
				}
				mu.Lock()
				latencies = append(latencies, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return loadResult{requests: len(latencies), elapsed: time.Since(start), latencies: latencies}
}
