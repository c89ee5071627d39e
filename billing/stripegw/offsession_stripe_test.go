package stripegw_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/billing/stripegw"
)

// checkForm reports each form field of r that differs from want.
func checkForm(t *testing.T, r recorded, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := r.form.Get(k); got != v {
			t.Errorf("%s %s = %q, want %q", r.path, k, got, v)
		}
	}
}

func TestStripeOffSessionRequest(t *testing.T) {
	t.Parallel()
	backends, requests := stripeMockBackends(t)
	gw := stripegw.NewStripe("sk_test_123", backends)
	a := billing.PaymentAttempt{
		ID: 77, CustomerID: 7, IdempotencyKey: billing.InstallmentChargeKey(12, 2, 1),
		Amount: billing.Money{Amount: 30000, Currency: "USD"},
	}
	m := billing.SavedMethod{Gateway: "stripe", PaymentMethodID: "pm_card_visa", CustomerRef: "cus_123", Kind: billing.MethodCard}

	res, err := gw.ChargeSaved(context.Background(), a, m)
	if err != nil {
		t.Fatal(err)
	}
	if res.PaymentIntentID == "" {
		t.Error("no payment intent id returned")
	}

	reqs := requests()
	if len(reqs) != 1 {
		t.Fatalf("requests = %d, want 1", len(reqs))
	}
	if reqs[0].path != "/v1/payment_intents" {
		t.Errorf("path = %s, want /v1/payment_intents", reqs[0].path)
	}
	checkForm(t, reqs[0], map[string]string{
		"amount": "30000", "currency": "usd", "customer": "cus_123", "payment_method": "pm_card_visa",
		"payment_method_types[0]": "card", "off_session": "true", "confirm": "true",
		"metadata[ledgvero_attempt_id]": "77",
	})
	if reqs[0].idempotencyKey != "plan-12-installment-2-try-1" {
		t.Errorf("Idempotency-Key = %q, want the installment charge key", reqs[0].idempotencyKey)
	}
}

func TestStripeOffSessionBankRequest(t *testing.T) {
	t.Parallel()
	backends, requests := stripeMockBackends(t)
	gw := stripegw.NewStripe("sk_test_123", backends)
	a := billing.PaymentAttempt{ID: 78, IdempotencyKey: billing.InstallmentChargeKey(12, 3, 2),
		Amount: billing.Money{Amount: 500, Currency: "USD"}}
	m := billing.SavedMethod{Gateway: "stripe", PaymentMethodID: "pm_bank", CustomerRef: "cus_123", Kind: billing.MethodACH}

	if _, err := gw.ChargeSaved(context.Background(), a, m); err != nil {
		t.Fatal(err)
	}
	reqs := requests()
	if len(reqs) != 1 {
		t.Fatalf("requests = %d, want 1", len(reqs))
	}
	checkForm(t, reqs[0], map[string]string{"payment_method_types[0]": "us_bank_account", "amount": "500"})
	if reqs[0].idempotencyKey != "plan-12-installment-3-try-2" {
		t.Errorf("Idempotency-Key = %q, want the installment charge key", reqs[0].idempotencyKey)
	}
}

func TestStripeRefundRequest(t *testing.T) {
	t.Parallel()
	backends, requests := stripeMockBackends(t)
	gw := stripegw.NewStripe("sk_test_123", backends)
	a := billing.PaymentAttempt{ID: 91, PaymentIntentID: "pi_123", Amount: billing.Money{Amount: 30000, Currency: "USD"}}

	id, err := gw.Refund(context.Background(), a, "Charged twice")
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Error("no refund id returned")
	}
	reqs := requests()
	if len(reqs) != 1 {
		t.Fatalf("requests = %d, want 1", len(reqs))
	}
	if reqs[0].path != "/v1/refunds" {
		t.Errorf("path = %s, want /v1/refunds", reqs[0].path)
	}
	checkForm(t, reqs[0], map[string]string{
		"payment_intent": "pi_123", "reason": "requested_by_customer",
		"metadata[ledgvero_attempt_id]": "91", "metadata[reason]": "Charged twice",
	})
	if reqs[0].form.Has("amount") {
		t.Errorf("amount = %q, want none, so the whole payment is refunded", reqs[0].form.Get("amount"))
	}
	if reqs[0].idempotencyKey != stripegw.RefundKey(91) {
		t.Errorf("Idempotency-Key = %q, want %q", reqs[0].idempotencyKey, stripegw.RefundKey(91))
	}
}

func TestStripeSetupRequest(t *testing.T) {
	t.Parallel()
	backends, requests := stripeMockBackends(t)
	gw := stripegw.NewStripe("sk_test_123", backends)

	checkout, err := gw.StartSetup(context.Background(), stripegw.SetupRequest{
		PlanID: 12, CustomerID: 7, Email: "ap@example.com",
		Success: "https://pay.example.com/done?setup={CHECKOUT_SESSION_ID}", Cancel: "https://pay.example.com/plan",
	})
	if err != nil {
		t.Fatal(err)
	}
	if checkout.SessionID == "" {
		t.Error("no session id returned")
	}
	reqs := requests()
	if len(reqs) != 2 {
		t.Fatalf("requests = %d, want 2: the customer and the session", len(reqs))
	}
	if reqs[0].path != "/v1/customers" || reqs[0].idempotencyKey != "plan-12-customer" {
		t.Errorf("first request = %s with key %q, want /v1/customers with key plan-12-customer", reqs[0].path, reqs[0].idempotencyKey)
	}
	checkForm(t, reqs[0], map[string]string{"email": "ap@example.com"})
	if reqs[1].path != "/v1/checkout/sessions" {
		t.Errorf("second request path = %s, want /v1/checkout/sessions", reqs[1].path)
	}
	checkForm(t, reqs[1], map[string]string{
		"mode": "setup", "payment_method_types[0]": "card", "payment_method_types[1]": "us_bank_account",
		"metadata[ledgvero_plan_id]": "12", "setup_intent_data[metadata][ledgvero_plan_id]": "12",
		"success_url": "https://pay.example.com/done?setup={CHECKOUT_SESSION_ID}",
	})
	if reqs[1].form.Has("client_reference_id") {
		t.Error("setup session with a client_reference_id, which the webhook processor would read as an attempt id")
	}
	if reqs[1].form.Get("customer") == "" {
		t.Error("setup session without a customer, so the method could not be charged later")
	}
}

func TestStripeFinishSetupRequest(t *testing.T) {
	t.Parallel()
	backends, requests := stripeMockBackends(t)
	gw := stripegw.NewStripe("sk_test_123", backends)

	// stripe-mock's fixture session has no completed setup intent, so no method
	// is returned; the request is what this test checks.
	if _, err := gw.FinishSetup(context.Background(), "cs_test_setup"); err == nil {
		t.Error("FinishSetup of the fixture session: no error, want not complete")
	}
	reqs := requests()
	if len(reqs) != 1 {
		t.Fatalf("requests = %d, want 1", len(reqs))
	}
	if reqs[0].path != "/v1/checkout/sessions/cs_test_setup" {
		t.Errorf("path = %s, want the session", reqs[0].path)
	}
	if got := reqs[0].query.Get("expand[0]"); got != "setup_intent.payment_method" {
		t.Errorf("expand[0] = %q, want setup_intent.payment_method", got)
	}
}

func TestSetupSessionEventIgnored(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "SETUPEV", billing.Terms{NetDays: 30})
	plan := strconv.FormatInt(f.attempt.ID, 10) // a plan id that equals an attempt id
	f.mustSend(event{"evt_setup_completed", "checkout.session.completed", map[string]any{
		"id": "cs_test_setup", "object": "checkout.session", "mode": "setup", "status": "complete",
		"payment_status": "no_payment_required", "currency": nil, "amount_total": nil, "client_reference_id": nil,
		"metadata": map[string]string{"ledgvero_plan_id": plan}, "setup_intent": "seti_123", "customer": "cus_123",
	}})
	if got := f.status(); got != billing.AttemptPending {
		t.Errorf("attempt status = %s, want pending", got)
	}
	if got := f.count(`SELECT count(*) FROM payment_exceptions`); got != 0 {
		t.Errorf("payment exceptions = %d, want 0", got)
	}
}
