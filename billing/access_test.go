package billing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
)

func seedDemo(t *testing.T, db billing.DB, today billing.Date) {
	t.Helper()
	if _, err := billing.SeedDemo(context.Background(), db, "Test Seller", "America/New_York", "USD", today); err != nil {
		t.Fatal(err)
	}
}

func TestMagicLinkLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	now := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	seedDemo(t, pool, billing.DateOf(now))

	token, err := billing.CreateMagicLink(ctx, pool, "AP@Northwind.example", billing.LinkRequested, now)
	if err != nil {
		t.Fatal(err)
	}
	link, err := billing.LookupMagicLink(ctx, pool, token)
	if err != nil {
		t.Fatal(err)
	}
	if err := link.Usable(now); err != nil {
		t.Errorf("fresh link not usable: %v", err)
	}
	if got := link.ExpiresAt.Sub(now); got != 15*time.Minute {
		t.Errorf("self-requested link lives %v, want 15m", got)
	}

	email, err := billing.RedeemMagicLink(ctx, pool, token, "127.0.0.1", now.Add(time.Minute))
	if err != nil || email != billing.DemoContactEmail {
		t.Fatalf("RedeemMagicLink = %q, %v", email, err)
	}
	if _, err := billing.RedeemMagicLink(ctx, pool, token, "127.0.0.1", now.Add(2*time.Minute)); !errors.Is(err, billing.ErrUsed) {
		t.Errorf("second redeem error = %v, want ErrUsed", err)
	}
}

func TestMagicLinkExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	now := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	seedDemo(t, pool, billing.DateOf(now))

	token, err := billing.CreateMagicLink(ctx, pool, billing.DemoContactEmail, billing.LinkEmailed, now)
	if err != nil {
		t.Fatal(err)
	}
	late := now.Add(billing.EmailedLinkTTL)
	if _, err := billing.RedeemMagicLink(ctx, pool, token, "127.0.0.1", late); !errors.Is(err, billing.ErrExpired) {
		t.Errorf("redeem at expiry error = %v, want ErrExpired", err)
	}
	if _, err := billing.RedeemMagicLink(ctx, pool, "no-such-token", "127.0.0.1", now); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("unknown token error = %v, want ErrNotFound", err)
	}
}

func TestMagicLinkUnknownAddress(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	_, err := billing.CreateMagicLink(context.Background(), pool, "nobody@example.com", billing.LinkRequested, time.Now())
	if !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("error = %v, want ErrNotFound", err)
	}
}

func TestSeedDemoTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	today := billing.NewDate(2026, 5, 1)
	seedDemo(t, pool, today)
	created, err := billing.SeedDemo(ctx, pool, "Test Seller", "America/New_York", "USD", today)
	if err != nil || created {
		t.Fatalf("second SeedDemo = %v, %v; want false, nil", created, err)
	}

	accounts, err := billing.AccountsForEmail(ctx, pool, billing.DemoContactEmail)
	if err != nil || len(accounts) != 1 || accounts[0].Name != "Northwind Traders" {
		t.Fatalf("AccountsForEmail = %v, %v", accounts, err)
	}
	lines, err := billing.OpenInvoices(ctx, pool, accounts[0].CustomerID, today)
	if err != nil {
		t.Fatal(err)
	}
	overdue := map[int]bool{}
	discounted := 0
	for _, l := range lines {
		overdue[l.DaysOverdue] = true
		if !l.DiscountUntil.IsZero() && !today.After(l.DiscountUntil) {
			discounted++
		}
	}
	if len(lines) != 3 || !overdue[40] || discounted != 1 {
		t.Errorf("demo invoices: %d lines, overdue days %v, %d in a discount window; want 3, a 40-day one, 1", len(lines), overdue, discounted)
	}
}

func TestTimelineIsAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	seedDemo(t, pool, billing.NewDate(2026, 5, 1))

	if _, err := pool.Exec(ctx, `UPDATE timeline_events SET summary = 'edited'`); err == nil {
		t.Error("UPDATE of timeline_events succeeded")
	}
	if _, err := pool.Exec(ctx, `DELETE FROM timeline_events`); err == nil {
		t.Error("DELETE from timeline_events succeeded")
	}
}
