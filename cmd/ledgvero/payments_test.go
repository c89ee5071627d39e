package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ledgvero/ledgvero/billing/dbtest"
)

func TestPaymentRoutesAndFormAction(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	for _, key := range []string{"", "sk_test_123"} {
		cfg, _, err := loadConfig(envOf(map[string]string{
			"DATABASE_URL": "postgres://unused@127.0.0.1/unused", "STRIPE_SECRET_KEY": key,
		}))
		if err != nil {
			t.Fatal(err)
		}
		a := &app{cfg: cfg, logger: slog.New(slog.NewTextHandler(io.Discard, nil)), pool: pool, now: time.Now}
		e, err := newServer(a)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/portal/login", nil))
		csp := rec.Header().Get("Content-Security-Policy")

		allowsStripe := strings.Contains(csp, "form-action 'self' https://checkout.stripe.com")
		if key == "" && allowsStripe {
			t.Errorf("sandbox: form-action allows Stripe: %q", csp)
		}
		if key != "" && !allowsStripe {
			t.Errorf("Stripe configured: form-action does not allow checkout.stripe.com: %q", csp)
		}

		// The webhook skips CSRF and rejects an unsigned body before parsing it.
		rec = httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/webhooks/stripe", strings.NewReader(`{"id":"evt_1"}`)))
		if rec.Code != http.StatusBadRequest {
			t.Errorf("key %q: unsigned webhook status %d, want 400", key, rec.Code)
		}
	}
}
