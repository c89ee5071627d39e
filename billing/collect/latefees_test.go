package collect_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
)

func TestLateFeeAccrual(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	system := billing.SystemActor("test")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := f.pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	accrue := func(day billing.Date) int {
		t.Helper()
		n, err := collect.AccrueLateFees(ctx, f.pool, day, system, "job")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	flat := f.customer(t, "Flat Fee Co", "ap@flat.example")
	exec(`UPDATE customers SET late_fee_kind = 'flat', late_fee_flat_minor = 2500, late_fee_grace_days = 5 WHERE id = $1`, flat)
	interest := f.customer(t, "Interest Co", "ap@interest.example")
	exec(`UPDATE customers SET late_fee_kind = 'interest', late_fee_rate_bp = 150 WHERE id = $1`, interest)
	disputed := f.customer(t, "Disputed Fee Co", "ap@disputedfee.example")
	exec(`UPDATE customers SET late_fee_kind = 'flat', late_fee_flat_minor = 2500 WHERE id = $1`, disputed)

	due := billing.NewDate(2026, 3, 1)
	f.invoice(t, flat, "F-1", 100000, due)
	f.invoice(t, interest, "I-1", 200000, due)
	inv := f.invoice(t, disputed, "D-1", 100000, due)
	exec(`INSERT INTO disputes (customer_id, invoice_id, reason, source) VALUES ($1, $2, 'damaged', 'portal')`, disputed, inv.ID)

	if n := accrue(due.AddDays(5)); n != 0 {
		t.Errorf("fees on the last grace day = %d, want 0", n)
	}
	if n := accrue(due.AddDays(6)); n != 1 {
		t.Errorf("fees the day after grace = %d, want 1 (the flat fee)", n)
	}
	if n := accrue(due.AddDays(6)); n != 0 {
		t.Errorf("fees on a second run the same day = %d, want 0", n)
	}
	if n := accrue(due.AddDays(65)); n != 2 {
		t.Errorf("fees 65 days late = %d, want 2 interest periods", n)
	}

	fees, err := collect.CustomerLateFees(ctx, f.pool, interest)
	if err != nil {
		t.Fatal(err)
	}
	if len(fees) != 2 {
		t.Fatalf("interest charges = %d, want 2", len(fees))
	}
	for _, fee := range fees {
		if fee.Amount.Amount != 3000 {
			t.Errorf("interest charge %d = %s, want $30.00 (1.5%% of $2,000.00)", fee.Period, fee.Amount)
		}
		if fee.Rule != "Interest of 1.5% of the overdue balance is charged for every 30 days the invoice is still unpaid after the due date." {
			t.Errorf("rule = %q", fee.Rule)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM late_fees WHERE customer_id = $1`, disputed); n != 0 {
		t.Errorf("fees on a disputed invoice = %d, want 0", n)
	}

	flatFees, err := collect.CustomerLateFees(ctx, f.pool, flat)
	if err != nil {
		t.Fatal(err)
	}
	staff := billing.Actor{Kind: "staff", Name: "ana@seller.example"}
	if err := collect.WaiveLateFee(ctx, f.pool, flatFees[0].ID, " ", staff); err == nil {
		t.Error("WaiveLateFee without a reason succeeded")
	}
	if err := collect.WaiveLateFee(ctx, f.pool, flatFees[0].ID, "first late payment", staff); err != nil {
		t.Fatal(err)
	}
	if err := collect.WaiveLateFee(ctx, f.pool, flatFees[0].ID, "again", staff); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("second waiver: err = %v, want ErrNotFound", err)
	}
	owed, err := collect.OutstandingLateFees(ctx, f.pool, flat, "USD")
	if err != nil {
		t.Fatal(err)
	}
	if owed.Amount != 0 {
		t.Errorf("outstanding fees after the waiver = %s, want $0.00", owed)
	}
	if n := f.count(t, `SELECT count(*) FROM timeline_events WHERE customer_id = $1 AND kind IN ('late_fee.charged', 'late_fee.waived') AND visible_to_debtor`, flat); n != 2 {
		t.Errorf("debtor-visible fee events = %d, want 2", n)
	}
}

func TestCreditLimitHold(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	cust := f.customer(t, "Over Limit Co", "ap@overlimit.example")
	within := f.customer(t, "Within Limit Co", "ap@within.example")
	if _, err := f.pool.Exec(ctx, `UPDATE customers SET credit_limit_minor = 10000 WHERE id IN ($1, $2)`, cust, within); err != nil {
		t.Fatal(err)
	}
	due := billing.NewDate(2026, 8, 1)
	f.invoice(t, cust, "L-1", 9000, due)
	f.invoice(t, cust, "L-2", 6000, due.AddDays(10))
	f.invoice(t, within, "W-1", 9000, due)

	placed, err := collect.HoldOverLimit(ctx, f.pool, due, billing.SystemActor("test"), "job")
	if err != nil {
		t.Fatal(err)
	}
	if placed != 1 {
		t.Errorf("holds placed = %d, want 1", placed)
	}
	if n := f.count(t, `SELECT count(*) FROM customers WHERE credit_hold`); n != 1 {
		t.Errorf("customers on hold = %d, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM staff_tasks WHERE customer_id = $1 AND kind = 'follow_up'`, cust); n != 1 {
		t.Errorf("hold tasks = %d, want 1", n)
	}
	again, err := collect.HoldOverLimit(ctx, f.pool, due, billing.SystemActor("test"), "job")
	if err != nil {
		t.Fatal(err)
	}
	if again != 0 {
		t.Errorf("holds placed on the second check = %d, want 0", again)
	}
}
