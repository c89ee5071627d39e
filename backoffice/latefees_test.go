package backoffice

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
)

// chargeLateFee charges a flat $25.00 late fee on the customer's oldest overdue
// invoice and returns the customer and fee ids.
func chargeLateFee(t *testing.T, ts *testServer) (customerID, feeID int64) {
	t.Helper()
	ctx := context.Background()
	today := billing.Today(testNow, mustNY(t))
	var invoiceID int64
	err := ts.pool.QueryRow(ctx, `SELECT customer_id, id FROM invoices WHERE open_minor > 0 AND due_date < $1 ORDER BY due_date, id LIMIT 1`, today).
		Scan(&customerID, &invoiceID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.pool.Exec(ctx, `UPDATE invoices SET late_fee_kind = 'flat', late_fee_flat_minor = 2500, late_fee_grace_days = 0 WHERE id = $1`, invoiceID); err != nil {
		t.Fatal(err)
	}
	if n, err := collect.AccrueLateFees(ctx, ts.pool, today, billing.SystemActor("test"), "job"); err != nil || n != 1 {
		t.Fatalf("accrued %d late fees (%v), want 1", n, err)
	}
	if err := ts.pool.QueryRow(ctx, `SELECT id FROM late_fees WHERE invoice_id = $1`, invoiceID).Scan(&feeID); err != nil {
		t.Fatal(err)
	}
	return customerID, feeID
}

func TestWaiveLateFee(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	customerID, feeID := chargeLateFee(t, ts)
	page := ts.URL + customerURL(customerID)
	waiveURL := page + "/late-fees/" + itoa(feeID) + "/waive"
	waived := func() bool {
		t.Helper()
		var on bool
		if err := ts.pool.QueryRow(ctx, `SELECT waived_at IS NOT NULL FROM late_fees WHERE id = $1`, feeID).Scan(&on); err != nil {
			t.Fatal(err)
		}
		return on
	}

	viewer := ts.signIn(t, "viewer@example.com", billing.RoleViewer)
	_, body := get(t, viewer, page)
	if !strings.Contains(body, `data-testid="late-fee-row"`) {
		t.Error("late fee missing from the customer page")
	}
	if strings.Contains(body, `data-testid="waive-fee-form"`) {
		t.Error("viewer sees the waiver form")
	}
	if status, _ := post(t, viewer, waiveURL, url.Values{"reason": {"Goodwill"}}); status != http.StatusForbidden {
		t.Errorf("viewer waiver: status %d, want 403", status)
	}

	collector := ts.signIn(t, "col@example.com", billing.RoleCollector)
	_, body = get(t, collector, page)
	if !strings.Contains(body, `action="/backoffice/customers/`+itoa(customerID)+`/late-fees/`+itoa(feeID)+`/waive"`) {
		t.Error("collector sees no waiver form for the fee")
	}

	status, body := post(t, collector, waiveURL, url.Values{"reason": {"   "}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("waiver without a reason: status %d, want 422", status)
	}
	if !strings.Contains(body, `data-testid="waive-fee-error">Enter why the fee is waived`) {
		t.Error("waiver without a reason: no error at the reason field")
	}
	if !strings.Contains(body, `aria-invalid="true"`) {
		t.Error("waiver without a reason: the reason field is not marked invalid")
	}
	if waived() {
		t.Error("a waiver without a reason waived the fee")
	}

	other := ts.URL + "/backoffice/customers/" + itoa(customerID+1000) + "/late-fees/" + itoa(feeID) + "/waive"
	if status, _ := post(t, collector, other, url.Values{"reason": {"Goodwill"}}); status != http.StatusNotFound {
		t.Errorf("waiver under another customer: status %d, want 404", status)
	}

	if status, _ := post(t, collector, waiveURL, url.Values{"reason": {"First late payment in five years"}}); status != http.StatusSeeOther {
		t.Fatalf("waiver: status %d, want 303", status)
	}
	if !waived() {
		t.Error("fee not waived")
	}
	var events int
	err := ts.pool.QueryRow(ctx, `SELECT count(*) FROM timeline_events WHERE customer_id = $1 AND kind = 'late_fee.waived'
		AND actor = 'staff:col@example.com' AND details->>'reason' = 'First late payment in five years'`, customerID).Scan(&events)
	if err != nil || events != 1 {
		t.Errorf("timeline waiver entries = %d (%v), want 1", events, err)
	}
	var audits int
	err = ts.pool.QueryRow(ctx, `SELECT count(*) FROM staff_audit WHERE action = 'late_fee.waived' AND customer_id = $1`, customerID).Scan(&audits)
	if err != nil || audits != 1 {
		t.Errorf("audit waiver entries = %d (%v), want 1", audits, err)
	}

	_, body = get(t, collector, page)
	if !strings.Contains(body, `data-testid="late-fee-waived"`) || !strings.Contains(body, "by col@example.com: First late payment in five years") {
		t.Error("customer page does not show the waiver")
	}
	if strings.Contains(body, `data-testid="waive-fee-form"`) {
		t.Error("a waived fee still has a waiver form")
	}

	if status, _ := post(t, collector, waiveURL, url.Values{"reason": {"Again"}}); status != http.StatusSeeOther {
		t.Errorf("second waiver: status %d, want a redirect with an error", status)
	}
	err = ts.pool.QueryRow(ctx, `SELECT count(*) FROM timeline_events WHERE customer_id = $1 AND kind = 'late_fee.waived'`, customerID).Scan(&events)
	if err != nil || events != 1 {
		t.Errorf("timeline waiver entries after a second waiver = %d (%v), want 1", events, err)
	}
}
