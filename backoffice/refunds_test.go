package backoffice

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
	"github.com/ledgvero/ledgvero/billing/stripegw"
)

func TestAdminRefundsCardPayment(t *testing.T) {
	t.Parallel()
	var sandbox *stripegw.Sandbox
	ts := newTestServer(t, func(h *Handler) {
		jobs, err := outbox.NewInserter(h.Pool)
		if err != nil {
			t.Fatal(err)
		}
		proc := &stripegw.Processor{Pool: h.Pool, Secret: "whsec_test", Jobs: jobs, Now: h.Now, Timezone: h.Timezone,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: "http://ledgvero.test", OrgName: "Acme"}
		sandbox = &stripegw.Sandbox{Pool: h.Pool, Processor: proc, Jobs: jobs, ACHDelay: time.Hour, Now: h.Now, Logger: proc.Logger}
		h.Refunds = &stripegw.Refunds{Pool: h.Pool, Gateway: sandbox}
	})
	ctx := context.Background()
	var customerID, invoiceID, open int64
	if err := ts.pool.QueryRow(ctx, `SELECT customer_id, id, open_minor FROM invoices WHERE open_minor > 0 ORDER BY due_date, id LIMIT 1`).Scan(&customerID, &invoiceID, &open); err != nil {
		t.Fatal(err)
	}

	// Pay the invoice by card through the sandbox, as the portal does.
	attempt, _, err := billing.CreatePaymentAttempt(ctx, ts.pool, billing.PayRequest{
		CustomerID: customerID, ContactEmail: "ap@example.com", IdempotencyKey: billing.NewIdempotencyKey(),
		Choices: []billing.PayChoice{{InvoiceID: invoiceID}}, Gateway: "sandbox", InitiatedOn: billing.Today(testNow, time.UTC),
		AllowPartial: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	checkout, err := sandbox.StartCheckout(ctx, attempt, stripegw.ReturnURLs{Success: "/ok", Cancel: "/cancel"})
	if err != nil {
		t.Fatal(err)
	}
	if err := billing.AttachCheckout(ctx, ts.pool, attempt.ID, checkout.SessionID, checkout.URL); err != nil {
		t.Fatal(err)
	}
	if _, err := sandbox.PayByCard(ctx, checkout.SessionID, stripegw.TestCardSucceeds); err != nil {
		t.Fatal(err)
	}
	var paymentID int64
	if err := ts.pool.QueryRow(ctx, `SELECT payment_id FROM payment_attempts WHERE id = $1`, attempt.ID).Scan(&paymentID); err != nil {
		t.Fatal(err)
	}
	base := ts.URL + "/backoffice/customers/" + itoa(customerID)
	status := func() string {
		t.Helper()
		var s string
		if err := ts.pool.QueryRow(ctx, `SELECT status FROM payments WHERE id = $1`, paymentID).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}

	collector := ts.signIn(t, "col@example.com", billing.RoleCollector)
	if code, _ := post(t, collector, base+"/gateway-refunds", url.Values{"payment_id": {itoa(paymentID)}, "reason": {"x"}}); code != http.StatusForbidden {
		t.Errorf("collector refund: status %d, want 403", code)
	}

	admin := ts.signIn(t, "admin@example.com", billing.RoleAdmin)
	_, body := get(t, admin, base)
	if !strings.Contains(body, `data-testid="gateway-refund"`) {
		t.Error("no refund button for the card payment")
	}
	if code, _ := post(t, admin, base+"/gateway-refunds", url.Values{"payment_id": {itoa(paymentID)}, "reason": {""}}); code != http.StatusSeeOther {
		t.Errorf("refund without a reason: status %d, want a redirect with an error", code)
	}
	if got := status(); got != billing.PaymentSucceeded {
		t.Errorf("status after a refund without a reason = %s, want succeeded", got)
	}
	if code, _ := post(t, admin, base+"/gateway-refunds", url.Values{"payment_id": {itoa(paymentID)}, "reason": {"Charged twice"}}); code != http.StatusSeeOther {
		t.Fatalf("refund: status %d", code)
	}
	if got := status(); got != billing.PaymentRefunded {
		t.Errorf("status after the refund = %s, want refunded", got)
	}
	var after int64
	if err := ts.pool.QueryRow(ctx, `SELECT open_minor FROM invoices WHERE id = $1`, invoiceID).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != open {
		t.Errorf("open balance after the refund = %d, want %d", after, open)
	}
	if code, _ := post(t, admin, base+"/gateway-refunds", url.Values{"payment_id": {itoa(paymentID)}, "reason": {"Again"}}); code != http.StatusSeeOther {
		t.Errorf("second refund: status %d, want a redirect with an error", code)
	}
}
