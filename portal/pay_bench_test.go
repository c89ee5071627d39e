package portal

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

// BenchmarkPayAttempt measures pay-form submissions against a loopback server
// with the sandbox gateway: each operation is one POST /portal/pay with a fresh
// idempotency key, answered by a 303 to the checkout page. Afterwards every key
// is submitted again and the benchmark fails unless each key still has exactly
// one attempt. The server has the portal's routes and session middleware but
// not cmd/ledgvero's CSRF, gzip and access-log middleware.
func BenchmarkPayAttempt(b *testing.B) {
	ps := newPayServer(b)
	cust := ps.payer(b, "Bench", billing.Terms{NetDays: 30})
	inv := ps.issue(b, cust, "BENCH-1", 500000, billing.NewDate(2026, 3, 1))
	c := ps.login(b, "ap@bench.example")
	c.Transport = &http.Transport{MaxIdleConnsPerHost: 64}

	var mu sync.Mutex
	var keys []string
	var failures atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := billing.NewIdempotencyKey()
			resp, err := c.PostForm(ps.URL+"/portal/pay", payForm(key, inv.ID, "", ""))
			if err != nil {
				failures.Add(1)
				continue
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/sandbox/checkout/") {
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
		resp, err := c.PostForm(ps.URL+"/portal/pay", payForm(key, inv.ID, "", ""))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
	var attempts, distinct int
	err := ps.pool.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT idempotency_key) FROM payment_attempts`).Scan(&attempts, &distinct)
	if err != nil {
		b.Fatal(err)
	}
	if attempts != len(keys) || distinct != len(keys) {
		b.Fatalf("%d attempts with %d distinct keys for %d submitted keys, want one attempt per key", attempts, distinct, len(keys))
	}
}
