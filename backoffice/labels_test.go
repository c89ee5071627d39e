package backoffice

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

// TestPagesShowLabelsNotCodes opens a dispute the way the portal does and
// records a card payment, then reads the dispute queue and the customer page.
func TestPagesShowLabelsNotCodes(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	var customerID, invoiceID int64
	if err := ts.pool.QueryRow(ctx, `SELECT customer_id, id FROM invoices WHERE open_minor > 0 ORDER BY due_date, id LIMIT 1`).
		Scan(&customerID, &invoiceID); err != nil {
		t.Fatal(err)
	}
	tx, err := ts.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := billing.OpenDispute(ctx, tx, billing.NewDispute{
		CustomerID: customerID, InvoiceID: invoiceID, Reason: "wrong_amount", Message: "The unit price is not the quoted one.",
		Actor: billing.SystemActor("test"),
	}, billing.NewDate(2026, 3, 2)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := billing.RecordPayment(ctx, ts.pool, billing.NewPayment{CustomerID: customerID, ExternalID: "ch_label", Reference: "ch_label", Method: billing.MethodCard,
		Amount: billing.Money{Amount: 1000, Currency: "USD"}, ReceivedOn: billing.NewDate(2026, 3, 1), InvoiceIDs: []int64{invoiceID},
		Source: "backoffice"}, billing.SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	c := ts.signIn(t, "admin@example.com", billing.RoleAdmin)

	status, queue := get(t, c, ts.URL+"/backoffice/queues/disputes")
	if status != http.StatusOK {
		t.Fatalf("dispute queue: status %d", status)
	}
	if !strings.Contains(queue, "<strong>Wrong amount or price</strong>") {
		t.Error("dispute queue does not show the reason label")
	}
	if strings.Contains(queue, "wrong_amount") {
		t.Error("dispute queue shows the reason code wrong_amount")
	}

	status, page := get(t, c, ts.URL+"/backoffice/customers/"+itoa(customerID))
	if status != http.StatusOK {
		t.Fatalf("customer page: status %d", status)
	}
	if !strings.Contains(page, "<td>Wrong amount or price</td>") {
		t.Error("customer page disputes table does not show the reason label")
	}
	if !strings.Contains(page, "Reason: Wrong amount or price") {
		t.Error("timeline does not show the reason label")
	}
	if strings.Contains(page, "wrong_amount") {
		t.Error("customer page shows the reason code wrong_amount")
	}
	if !strings.Contains(page, `<td>Card</td><td><span class="status">Paid</span></td><td>ch_label</td>`) {
		t.Error("payments table does not show the method and status labels")
	}
}
