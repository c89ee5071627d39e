package collect_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
)

// feeCustomer creates a customer whose terms charge a flat $25.00 fee, or 1.5%
// interest per 30 days with kind "interest", and an invoice of $1,000.00 due on due.
func feeCustomer(t *testing.T, f *fixture, name, kind string, due billing.Date) (int64, billing.Invoice) {
	t.Helper()
	id := f.customer(t, name, "ap@"+kind+".example")
	_, err := f.pool.Exec(context.Background(), `
		UPDATE customers SET late_fee_kind = $2, late_fee_flat_minor = 2500, late_fee_rate_bp = 150 WHERE id = $1`, id, kind)
	if err != nil {
		t.Fatal(err)
	}
	return id, f.invoice(t, id, name[:1]+"-100", 100000, due)
}

func accrueOn(t *testing.T, f *fixture, day billing.Date) int {
	t.Helper()
	var n int
	err := billing.InTx(context.Background(), f.pool, func(tx pgx.Tx) error {
		var err error
		n, err = collect.AccrueLateFees(context.Background(), tx, day, billing.SystemActor("test"), "job")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLateFeeBilledOncePerPeriod(t *testing.T) {
	t.Parallel()
	f := setup(t)
	due := billing.NewDate(2026, 3, 1)
	customer, inv := feeCustomer(t, f, "Interest Billing Co", "interest", due)

	for range 3 {
		accrueOn(t, f, due.AddDays(31))
	}
	if n := f.count(t, `SELECT count(*) FROM invoices WHERE customer_id = $1 AND kind = 'late_fee'`, customer); n != 1 {
		t.Fatalf("fee invoices after three runs in period 1 = %d, want 1", n)
	}
	if n := accrueOn(t, f, due.AddDays(61)); n != 1 {
		t.Errorf("fees charged in period 2 = %d, want 1", n)
	}
	accrueOn(t, f, due.AddDays(61))

	rows, err := f.pool.Query(context.Background(), `
		SELECT number, total_minor, open_minor, due_date, issue_date, discount_rate_bp, late_fee_kind, charged_on_invoice_id
		FROM invoices WHERE customer_id = $1 AND kind = 'late_fee' ORDER BY number`, customer)
	if err != nil {
		t.Fatal(err)
	}
	type feeRow struct {
		number             string
		total, open        int64
		dueDate, issueDate billing.Date
		discountBP         int64
		lateFeeKind        string
		chargedOn          int64
	}
	fees, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (feeRow, error) {
		var r feeRow
		err := row.Scan(&r.number, &r.total, &r.open, &r.dueDate, &r.issueDate, &r.discountBP, &r.lateFeeKind, &r.chargedOn)
		return r, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fees) != 2 {
		t.Fatalf("fee invoices after period 2 = %d, want 2", len(fees))
	}
	for i, fee := range fees {
		if want := inv.Number + "-FEE-" + string(rune('1'+i)); fee.number != want {
			t.Errorf("fee invoice number = %q, want %q", fee.number, want)
		}
		if fee.total != 1500 || fee.open != 1500 {
			t.Errorf("fee invoice %s total %d open %d, want 1500 each (1.5%% of $1,000.00)", fee.number, fee.total, fee.open)
		}
		if fee.dueDate != fee.issueDate {
			t.Errorf("fee invoice %s due %s, issued %s: want due at once", fee.number, fee.dueDate, fee.issueDate)
		}
		if fee.discountBP != 0 || fee.lateFeeKind != "none" {
			t.Errorf("fee invoice %s has discount %d bp and late fee %q, want none of either", fee.number, fee.discountBP, fee.lateFeeKind)
		}
		if fee.chargedOn != inv.ID {
			t.Errorf("fee invoice %s is linked to invoice %d, want %d", fee.number, fee.chargedOn, inv.ID)
		}
	}

	for i, fee := range fees {
		want := fmt.Sprintf("Interest on overdue invoice %s, 30-day period %d", inv.Number, i+1)
		if n := f.count(t, `SELECT count(*) FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
			WHERE i.number = $1 AND l.description = $2`, fee.number, want); n != 1 {
			t.Errorf("fee invoice %s has no line %q", fee.number, want)
		}
	}

	// The fee invoices carry no late fee, so interest is never charged on interest.
	accrueOn(t, f, due.AddDays(200))
	if n := f.count(t, `SELECT count(*) FROM late_fees l JOIN invoices i ON i.id = l.invoice_id WHERE i.kind = 'late_fee'`); n != 0 {
		t.Errorf("fees charged on fee invoices = %d, want 0", n)
	}
}

func TestLateFeeInStatementTotal(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	due := billing.NewDate(2026, 3, 1)
	customer, _ := feeCustomer(t, f, "Flat Statement Co", "flat", due)
	day := due.AddDays(1)
	accrueOn(t, f, day)

	st, err := billing.Statement(ctx, f.pool, customer, day)
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalDue.Amount != 102500 {
		t.Errorf("statement total = %s, want $1,025.00 with the fee", st.TotalDue)
	}
	if len(st.OpenItems) != 2 {
		t.Errorf("open items = %d, want the invoice and its fee", len(st.OpenItems))
	}
	aging, err := billing.AgingIn(ctx, f.pool, day, "USD")
	if err != nil {
		t.Fatal(err)
	}
	if aging.Buckets.Total().Amount != 102500 {
		t.Errorf("aging total = %s, want $1,025.00 with the fee", aging.Buckets.Total())
	}
}

func TestLateFeePaid(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	due := billing.NewDate(2026, 3, 1)
	customer, _ := feeCustomer(t, f, "Flat Paying Co", "flat", due)
	day := due.AddDays(1)
	accrueOn(t, f, day)
	var feeInvoice int64
	if err := f.pool.QueryRow(ctx, `SELECT id FROM invoices WHERE customer_id = $1 AND kind = 'late_fee'`, customer).Scan(&feeInvoice); err != nil {
		t.Fatal(err)
	}

	err := billing.InTx(ctx, f.pool, func(tx pgx.Tx) error {
		_, err := billing.RecordPayment(ctx, tx, billing.NewPayment{
			CustomerID: customer, ExternalID: "pay-fee-1", Method: billing.MethodCard, Status: "succeeded",
			Amount: billing.Money{Amount: 2500, Currency: "USD"}, ReceivedOn: day, InvoiceIDs: []int64{feeInvoice}, Source: "portal",
		}, billing.SystemActor("test"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT open_minor FROM invoices WHERE id = $1`, feeInvoice); n != 0 {
		t.Errorf("fee invoice open balance after payment = %d, want 0", n)
	}
	owed, err := collect.OutstandingLateFees(ctx, f.pool, customer, "USD")
	if err != nil {
		t.Fatal(err)
	}
	if owed.Amount != 0 {
		t.Errorf("outstanding fees after payment = %s, want $0.00", owed)
	}
}

func TestLateFeeWaiverCredits(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	due := billing.NewDate(2026, 3, 1)
	customer, _ := feeCustomer(t, f, "Flat Waiver Co", "flat", due)
	day := due.AddDays(1)
	accrueOn(t, f, day)
	fees, err := collect.CustomerLateFees(ctx, f.pool, customer)
	if err != nil {
		t.Fatal(err)
	}
	if len(fees) != 1 {
		t.Fatalf("fees = %d, want 1", len(fees))
	}

	staff := billing.Actor{Kind: "staff", Name: "ana@seller.example"}
	if err := collect.WaiveLateFee(ctx, f.pool, fees[0].ID, "goodwill after a bank error", staff); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT coalesce(sum(open_minor), 0) FROM invoices WHERE customer_id = $1 AND kind = 'late_fee'`, customer); n != 0 {
		t.Errorf("fee invoice open balance after the waiver = %d, want 0", n)
	}
	if n := f.count(t, `SELECT count(*) FROM credit_notes WHERE customer_id = $1 AND amount_minor = 2500 AND reason LIKE '%goodwill%'`, customer); n != 1 {
		t.Errorf("credit notes for the waived fee = %d, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM timeline_events WHERE customer_id = $1 AND kind = 'late_fee.waived' AND visible_to_debtor`, customer); n != 1 {
		t.Errorf("debtor-visible waiver entries = %d, want 1", n)
	}
	// The credit note is dated on the day of the waiver, by the database clock.
	var waivedOn billing.Date
	if err := f.pool.QueryRow(ctx, `SELECT issued_on FROM credit_notes WHERE customer_id = $1`, customer).Scan(&waivedOn); err != nil {
		t.Fatal(err)
	}
	st, err := billing.Statement(ctx, f.pool, customer, waivedOn)
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalDue.Amount != 100000 {
		t.Errorf("statement total after the waiver = %s, want $1,000.00", st.TotalDue)
	}
}

func TestLateFeeWaiverAfterPartPayment(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	due := billing.NewDate(2026, 3, 1)
	customer, _ := feeCustomer(t, f, "Flat Part Co", "flat", due)
	day := due.AddDays(1)
	accrueOn(t, f, day)
	var feeInvoice int64
	if err := f.pool.QueryRow(ctx, `SELECT id FROM invoices WHERE customer_id = $1 AND kind = 'late_fee'`, customer).Scan(&feeInvoice); err != nil {
		t.Fatal(err)
	}
	err := billing.InTx(ctx, f.pool, func(tx pgx.Tx) error {
		_, err := billing.RecordPayment(ctx, tx, billing.NewPayment{
			CustomerID: customer, ExternalID: "pay-fee-part", Method: billing.MethodCheck, Status: "succeeded",
			Amount: billing.Money{Amount: 1000, Currency: "USD"}, ReceivedOn: day, InvoiceIDs: []int64{feeInvoice}, Source: "backoffice",
		}, billing.SystemActor("test"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fees, err := collect.CustomerLateFees(ctx, f.pool, customer)
	if err != nil {
		t.Fatal(err)
	}

	staff := billing.Actor{Kind: "staff", Name: "ana@seller.example"}
	if err := collect.WaiveLateFee(ctx, f.pool, fees[0].ID, "goodwill", staff); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT coalesce(sum(amount_minor), 0) FROM credit_notes WHERE customer_id = $1`, customer); n != 1500 {
		t.Errorf("credited = %d, want 1500 (the unpaid part of the $25.00 fee)", n)
	}
	if n := f.count(t, `SELECT open_minor FROM invoices WHERE id = $1`, feeInvoice); n != 0 {
		t.Errorf("fee invoice open balance after the waiver = %d, want 0", n)
	}
}
