package invoicepdf_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/billing/invoicepdf"
)

func TestRenderInvoice(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	cust, err := billing.CreateCustomer(ctx, pool, billing.Customer{Name: "Northwind Traders", Currency: "USD", Terms: billing.Terms{NetDays: 30}})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := billing.IssueInvoice(ctx, pool, billing.NewInvoice{
		CustomerID: cust, Number: "INV-9", IssueDate: billing.NewDate(2026, 5, 1), Source: "manual",
		Lines: []billing.Line{{Description: "Bearings", QuantityMilli: 1500, UnitPrice: billing.Money{Amount: 1000, Currency: "USD"}}},
	}, billing.SystemActor("test"))
	if err != nil {
		t.Fatal(err)
	}

	doc, err := invoicepdf.Load(ctx, pool, inv.ID, []string{"Payment is due within 30 days."})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Customer != "Northwind Traders" || len(doc.Lines) != 1 || doc.Lines[0].Quantity != "1.5" || doc.Total.Amount != 1500 {
		t.Errorf("document = %+v, want Northwind's invoice with one line of 1.5 and a total of $15.00", doc)
	}
	created := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	first, err := invoicepdf.Render(doc, created)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(first, []byte("%PDF-")) {
		t.Errorf("output starts with %q, want a PDF header", first[:min(8, len(first))])
	}
	// US Letter is 8.5 by 11 inches: 612 by 792 points.
	if !bytes.Contains(first, []byte("/MediaBox [0 0 612.00 792.00]")) {
		t.Error("the invoice PDF is not on US Letter paper")
	}
	second, err := invoicepdf.Render(doc, created)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("two renders of the same invoice at the same time differ")
	}

	if _, err := invoicepdf.Load(ctx, pool, 999999, nil); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("Load of a missing invoice: err = %v, want ErrNotFound", err)
	}
}
