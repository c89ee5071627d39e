package billing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
)

func TestCreateMagicLinksBulk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	now := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	seedDemo(t, pool, billing.DateOf(now))

	tokens, err := billing.CreateMagicLinks(ctx, pool, []string{"AP@Northwind.example", billing.DemoContactEmail}, billing.LinkEmailed, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(tokens) != 2 || tokens[0] == tokens[1] {
		t.Fatalf("tokens = %q, want two different tokens", tokens)
	}
	for _, token := range tokens {
		link, err := billing.LookupMagicLink(ctx, pool, token)
		if err != nil {
			t.Fatal(err)
		}
		if link.Email != billing.DemoContactEmail {
			t.Errorf("link e-mail = %q, want %q", link.Email, billing.DemoContactEmail)
		}
		if got := link.ExpiresAt.Sub(now); got != billing.EmailedLinkTTL {
			t.Errorf("e-mailed link lives %v, want %v", got, billing.EmailedLinkTTL)
		}
	}
	if _, err := billing.RedeemMagicLink(ctx, pool, tokens[1], "127.0.0.1", now.Add(time.Minute)); err != nil {
		t.Errorf("redeeming the second link: %v", err)
	}
}

func TestCreateMagicLinksUnknownAddress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	now := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	seedDemo(t, pool, billing.DateOf(now))

	_, err := billing.CreateMagicLinks(ctx, pool, []string{billing.DemoContactEmail, "nobody@example.com"}, billing.LinkEmailed, now)
	if !errors.Is(err, billing.ErrNotFound) {
		t.Fatalf("error = %v, want ErrNotFound", err)
	}
	var stored int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM magic_links`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != 0 {
		t.Errorf("stored %d links after the rejected call, want none", stored)
	}
}
