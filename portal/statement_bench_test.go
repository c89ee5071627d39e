package portal

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

// BenchmarkStatementPage renders page 1 of the statement of a customer with 1,000
// open invoices, a promise on every tenth, over loopback HTTP.
func BenchmarkStatementPage(b *testing.B) {
	ts := newTestServer(b)
	id := ts.customer(b, "Northwind", "ap@northwind.example")
	seedManyInvoices(b, ts, id, 1000)
	c := ts.signIn(b, "ap@northwind.example")

	b.ResetTimer()
	for b.Loop() {
		status, _ := get(b, c, ts.URL, "/portal/")
		if status != http.StatusOK {
			b.Fatalf("status %d", status)
		}
	}
}

func seedManyInvoices(tb testing.TB, ts *testServer, customerID int64, n int) {
	tb.Helper()
	ctx := context.Background()
	err := billing.InTx(ctx, ts.pool, func(tx pgx.Tx) error {
		for i := 0; i < n; i++ {
			inv, err := billing.IssueInvoice(ctx, tx, billing.NewInvoice{
				CustomerID: customerID, Number: fmt.Sprintf("B-%05d", i), IssueDate: billing.NewDate(2026, 1, 1+i%28),
				Source: "manual", Lines: []billing.Line{{Description: "Item", QuantityMilli: 1000,
					UnitPrice: billing.Money{Amount: int64(1000 + i), Currency: "USD"}}},
			}, billing.SystemActor("bench"))
			if err != nil {
				return err
			}
			if i%10 == 0 {
				if _, err := billing.CreatePromise(ctx, tx, billing.NewPromise{CustomerID: customerID, InvoiceID: inv.ID,
					Date: billing.NewDate(2026, 3, 20), Amount: inv.Total, Actor: billing.SystemActor("bench"), Source: "portal"},
					billing.NewDate(2026, 3, 2)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}
