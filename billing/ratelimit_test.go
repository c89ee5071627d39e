package billing_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
)

func TestAllowHitLimit(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	limit := billing.RateLimit{Max: 3, Window: 15 * time.Minute}
	now := time.Date(2026, 3, 2, 10, 1, 0, 0, time.UTC)

	for i := 1; i <= 3; i++ {
		ok, err := billing.AllowHit(ctx, pool, "addr:a@example.com", limit, now)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Fatalf("hit %d rejected, want allowed", i)
		}
	}
	ok, err := billing.AllowHit(ctx, pool, "addr:a@example.com", limit, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Error("fourth hit in the window allowed, want rejected")
	}

	ok, err = billing.AllowHit(ctx, pool, "addr:b@example.com", limit, now)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Error("another bucket rejected")
	}

	ok, err = billing.AllowHit(ctx, pool, "addr:a@example.com", limit, now.Add(15*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Error("first hit of the next window rejected")
	}
}

func TestAllowHitConcurrent(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	limit := billing.RateLimit{Max: 5, Window: time.Hour}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := billing.AllowHit(context.Background(), pool, "ip:127.0.0.1", limit, now)
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if allowed != 5 {
		t.Errorf("%d of 20 concurrent hits allowed, want exactly 5", allowed)
	}
}
