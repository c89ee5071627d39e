package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
)

var (
	csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	keyField  = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`)
	payBox    = regexp.MustCompile(`name="invoice" value="(\d+)"`)
)

// BenchmarkPayAttemptServer measures pay-form submissions through the whole
// server that `ledgvero serve` runs (CSRF, sessions, gzip, access log, sandbox
// gateway) on a loopback listener. Each operation is one POST /portal/pay with a
// fresh idempotency key, ending in a 303 to the sandbox checkout. Afterwards
// every key is posted again and the benchmark fails unless each key has exactly
// one attempt.
func BenchmarkPayAttemptServer(b *testing.B) {
	ctx := context.Background()
	cfg, _, err := loadConfig(envOf(map[string]string{"DATABASE_URL": "postgres://unused@127.0.0.1/unused"}))
	if err != nil {
		b.Fatal(err)
	}
	pool := dbtest.New(b)
	a := &app{cfg: cfg, logger: slog.New(slog.NewTextHandler(io.Discard, nil)), pool: pool, now: time.Now}
	e, err := newServer(a)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(e)
	defer srv.Close()

	if _, err := billing.SeedDemo(ctx, pool, cfg.OrgName, cfg.OrgTimezone.String(), cfg.OrgCurrency, billing.Today(time.Now(), cfg.OrgTimezone)); err != nil {
		b.Fatal(err)
	}
	token, err := billing.CreateMagicLink(ctx, pool, "ap@northwind.example", billing.LinkSupport, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: &http.Transport{MaxIdleConnsPerHost: 64},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page := fetchPage(b, c, srv.URL+"/portal/link/"+token)
	csrf := csrfField.FindStringSubmatch(page)[1]
	postPage(b, c, srv.URL+"/portal/link", url.Values{"csrf": {csrf}, "token": {token}})
	form := fetchPage(b, c, srv.URL+"/portal/pay")
	if keyField.FindStringSubmatch(form) == nil || payBox.FindStringSubmatch(form) == nil {
		b.Fatal("pay form without a key or an invoice")
	}
	invoiceID := payBox.FindStringSubmatch(form)[1]
	submission := func(key string) url.Values {
		return url.Values{"csrf": {csrf}, "idempotency_key": {key}, "invoice": {invoiceID}}
	}

	var mu sync.Mutex
	var keys []string
	var failures atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := billing.NewIdempotencyKey()
			resp, err := c.PostForm(srv.URL+"/portal/pay", submission(key))
			if err != nil {
				failures.Add(1)
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/sandbox/checkout/") {
				failures.Add(1)
				continue
			}
			mu.Lock()
			keys = append(keys, key)
			mu.Unlock()
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d of %d submissions did not redirect to the checkout", n, b.N)
	}

	for _, key := range keys {
		postPage(b, c, srv.URL+"/portal/pay", submission(key))
	}
	var attempts, distinct int
	err = pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT idempotency_key) FROM payment_attempts`).Scan(&attempts, &distinct)
	if err != nil {
		b.Fatal(err)
	}
	if attempts != len(keys) || distinct != len(keys) {
		b.Fatalf("%d attempts with %d distinct keys for %d submitted keys, want one attempt per key", attempts, distinct, len(keys))
	}
}

func fetchPage(b *testing.B, c *http.Client, u string) string {
	b.Helper()
	resp, err := c.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: status %d", u, resp.StatusCode)
	}
	return string(body)
}

func postPage(b *testing.B, c *http.Client, u string, form url.Values) {
	b.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("POST %s: status %d, want 303", u, resp.StatusCode)
	}
}
