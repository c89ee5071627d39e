package stripegw_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/stripe/stripe-go/v76"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/stripegw"
)

// recorded is one request that reached stripe-mock.
type recorded struct {
	path           string
	query          url.Values
	form           url.Values
	idempotencyKey string
}

// stripeMockBackends returns backends aimed at stripe-mock through a proxy that
// records each request. STRIPE_MOCK_URL names stripe-mock's HTTP address; the
// Makefile starts it for `make test-go`.
func stripeMockBackends(t *testing.T) (*stripe.Backends, func() []recorded) {
	t.Helper()
	mockURL := os.Getenv("STRIPE_MOCK_URL")
	if mockURL == "" {
		t.Skip("STRIPE_MOCK_URL is not set; `make test-go` starts stripe-mock and sets it")
	}
	target, err := url.Parse(mockURL)
	if err != nil {
		t.Fatalf("invalid STRIPE_MOCK_URL %q: %v", mockURL, err)
	}
	var mu sync.Mutex
	var seen []recorded
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		form, _ := url.ParseQuery(string(body))
		mu.Lock()
		seen = append(seen, recorded{path: r.URL.Path, query: r.URL.Query(), form: form, idempotencyKey: r.Header.Get("Idempotency-Key")})
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	backends := stripe.NewBackendsWithConfig(&stripe.BackendConfig{URL: stripe.String(srv.URL), MaxNetworkRetries: stripe.Int64(0)})
	return backends, func() []recorded {
		mu.Lock()
		defer mu.Unlock()
		return append([]recorded(nil), seen...)
	}
}

func TestStripeCheckoutRequest(t *testing.T) {
	t.Parallel()
	backends, requests := stripeMockBackends(t)
	gw := stripegw.NewStripe("sk_test_123", backends)
	usd := func(minor int64) billing.Money { return billing.Money{Amount: minor, Currency: "USD"} }
	a := billing.PaymentAttempt{
		ID: 42, CustomerID: 7, ContactEmail: "ap@example.com", IdempotencyKey: "0123456789abcdef0123456789abcdef",
		Amount: usd(293040), Discount: usd(4960),
		Lines: []billing.AttemptLine{
			{InvoiceID: 1, Number: "NW-1002", Amount: usd(243040), Discount: usd(4960), Open: usd(248000)},
			{InvoiceID: 2, Number: "NW-1003", Amount: usd(50000), Discount: usd(0), Open: usd(50000)},
		},
	}

	checkout, err := gw.StartCheckout(context.Background(), a, stripegw.ReturnURLs{Success: "https://pay.example.com/ok", Cancel: "https://pay.example.com/cancel"})
	if err != nil {
		t.Fatal(err)
	}
	if checkout.SessionID == "" {
		t.Error("no session id returned")
	}

	reqs := requests()
	if len(reqs) != 1 {
		t.Fatalf("requests = %d, want 1", len(reqs))
	}
	r := reqs[0]
	want := map[string]string{
		"mode":                          "payment",
		"payment_method_types[0]":       "card",
		"payment_method_types[1]":       "us_bank_account",
		"client_reference_id":           "42",
		"metadata[ledgvero_attempt_id]": "42",
		"payment_intent_data[metadata][ledgvero_attempt_id]": "42",
		"line_items[0][price_data][currency]":                "usd",
		"line_items[0][price_data][unit_amount]":             "243040",
		"line_items[0][quantity]":                            "1",
		"line_items[1][price_data][unit_amount]":             "50000",
		"customer_email":                                     "ap@example.com",
		"success_url":                                        "https://pay.example.com/ok",
		"cancel_url":                                         "https://pay.example.com/cancel",
	}
	if r.path != "/v1/checkout/sessions" {
		t.Errorf("path = %s, want /v1/checkout/sessions", r.path)
	}
	for k, v := range want {
		if got := r.form.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if r.idempotencyKey != a.IdempotencyKey {
		t.Errorf("Idempotency-Key = %q, want the attempt's key", r.idempotencyKey)
	}
}

func TestStripeSessionLookup(t *testing.T) {
	t.Parallel()
	backends, requests := stripeMockBackends(t)
	gw := stripegw.NewStripe("sk_test_123", backends)

	sess, err := gw.Session(context.Background(), "cs_test_lookup")
	if err != nil {
		t.Fatal(err)
	}
	if sess.ID == "" {
		t.Error("session without id")
	}
	reqs := requests()
	if len(reqs) != 1 || reqs[0].path != "/v1/checkout/sessions/cs_test_lookup" {
		t.Fatalf("requests = %+v, want one GET of the session", reqs)
	}
}
