package stripegw_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
)

// partialFixture adds an older invoice of 1,000.00 to f and replaces its
// attempt with one that pays 300.00 of the fixture's invoice and 150.00 of the
// older one. Allocating oldest first would put all 450.00 on the older invoice.
func partialFixture(t *testing.T, name string) (*fixture, billing.Invoice) {
	t.Helper()
	f := newFixture(t, dbtest.New(t), name, billing.Terms{NetDays: 30})
	today := billing.Today(f.now, time.UTC)
	var older billing.Invoice
	err := billing.InTx(f.ctx, f.pool, func(tx pgx.Tx) error {
		var err error
		older, err = billing.IssueInvoice(f.ctx, tx, billing.NewInvoice{
			CustomerID: f.invoice.CustomerID, Number: name + "-0", IssueDate: today.AddDays(-40), Currency: "USD", Source: "test",
			Lines: []billing.Line{{Description: "Goods", QuantityMilli: 1000, UnitPrice: billing.Money{Amount: 100000, Currency: "USD"}}},
		}, billing.SystemActor("test"))
		if err != nil {
			return err
		}
		f.attempt, _, err = billing.CreatePaymentAttempt(f.ctx, tx, billing.PayRequest{
			CustomerID: f.invoice.CustomerID, ContactEmail: "ap@partial.example", IdempotencyKey: billing.NewIdempotencyKey(),
			Choices: []billing.PayChoice{
				{InvoiceID: f.invoice.ID, Amount: "300.00"},
				{InvoiceID: older.ID, Amount: "150"},
			},
			AllowPartial: true, PartialReason: "two disputed lines", Gateway: "sandbox", InitiatedOn: today,
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if f.attempt.Amount.Amount != 45000 {
		t.Fatalf("attempt amount = %s, want 450.00", f.attempt.Amount.Decimal())
	}
	return f, older
}

func (f *fixture) openOf(invoiceID int64) int64 {
	f.t.Helper()
	var open int64
	if err := f.pool.QueryRow(f.ctx, `SELECT open_minor FROM invoices WHERE id = $1`, invoiceID).Scan(&open); err != nil {
		f.t.Fatal(err)
	}
	return open
}

func TestSandboxCardPaysTypedAmounts(t *testing.T) {
	t.Parallel()
	f, older := partialFixture(t, "SBSPLIT")
	sb, id := newSandbox(t, f)

	if _, err := sb.PayByCard(f.ctx, id, "4242 4242 4242 4242"); err != nil {
		t.Fatal(err)
	}
	if got := f.status(); got != billing.AttemptSucceeded {
		t.Fatalf("status = %s, want succeeded", got)
	}
	if got := f.openOf(f.invoice.ID); got != 248000-30000 {
		t.Errorf("open of %s = %d, want 2,480.00 less the typed 300.00", f.invoice.Number, got)
	}
	if got := f.openOf(older.ID); got != 100000-15000 {
		t.Errorf("open of %s = %d, want 1,000.00 less the typed 150.00", older.Number, got)
	}
}

func TestSandboxBankPaysTypedAmounts(t *testing.T) {
	t.Parallel()
	f, older := partialFixture(t, "SBSPLITACH")
	sb, id := newSandbox(t, f)

	if _, err := sb.PayByBank(f.ctx, id, "110000000", "000123456789"); err != nil {
		t.Fatal(err)
	}
	if got := f.openOf(older.ID); got != 100000 {
		t.Errorf("open of %s while the debit is processing = %d, want 100000", older.Number, got)
	}
	if err := sb.SettleBank(f.ctx, id); err != nil {
		t.Fatal(err)
	}
	if got := f.openOf(f.invoice.ID); got != 248000-30000 {
		t.Errorf("open of %s = %d, want 2,480.00 less the typed 300.00", f.invoice.Number, got)
	}
	if got := f.openOf(older.ID); got != 100000-15000 {
		t.Errorf("open of %s = %d, want 1,000.00 less the typed 150.00", older.Number, got)
	}
}
