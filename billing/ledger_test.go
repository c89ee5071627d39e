package billing_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
)

var testActor = billing.SystemActor("test")

func newTestCustomer(t *testing.T, db billing.DB, ext, currency string) int64 {
	t.Helper()
	id, err := billing.CreateCustomer(context.Background(), db, billing.Customer{
		ExternalID: &ext, Name: "Customer " + ext, Currency: currency, Terms: billing.Terms{NetDays: 30},
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func issueTestInvoice(t *testing.T, db billing.DB, customerID int64, number string, issued billing.Date, minor int64, currency string) billing.Invoice {
	t.Helper()
	inv, err := billing.IssueInvoice(context.Background(), db, billing.NewInvoice{
		CustomerID: customerID, Number: number, IssueDate: issued, Currency: currency, Source: "test",
		Lines: []billing.Line{{Description: "Goods", QuantityMilli: 1000, UnitPrice: billing.Money{Amount: minor, Currency: currency}}},
	}, testActor)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func usd(minor int64) billing.Money { return billing.Money{Amount: minor, Currency: "USD"} }

func inTx(t *testing.T, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) error {
	t.Helper()
	return billing.InTx(context.Background(), pool, fn)
}

func TestRecordPaymentOldestFirstAndCredit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	cust := newTestCustomer(t, pool, "C1", "USD")
	jan := billing.NewDate(2026, 1, 5)
	older := issueTestInvoice(t, pool, cust, "INV-1", jan, 10000, "USD")
	newer := issueTestInvoice(t, pool, cust, "INV-2", jan.AddDays(10), 5000, "USD")

	var p billing.Payment
	err := inTx(t, pool, func(tx pgx.Tx) error {
		var err error
		p, err = billing.RecordPayment(ctx, tx, billing.NewPayment{
			CustomerID: cust, ExternalID: "pay-1", Method: billing.MethodWire, Amount: usd(17000),
			ReceivedOn: jan.AddDays(20),
		}, testActor)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Allocations) != 2 || p.Allocations[0].InvoiceID != older.ID || p.Allocations[1].InvoiceID != newer.ID {
		t.Fatalf("allocations = %+v, want INV-1 then INV-2", p.Allocations)
	}
	if p.Credit != usd(2000) {
		t.Errorf("credit = %s, want 20.00", p.Credit.Decimal())
	}

	var again billing.Payment
	err = inTx(t, pool, func(tx pgx.Tx) error {
		var err error
		again, err = billing.RecordPayment(ctx, tx, billing.NewPayment{
			CustomerID: cust, ExternalID: "pay-1", Method: billing.MethodWire, Amount: usd(17000), ReceivedOn: jan.AddDays(20),
		}, testActor)
		return err
	})
	if err != nil || !again.Duplicate || again.ID != p.ID {
		t.Errorf("second RecordPayment = %+v, %v; want the first payment marked duplicate", again, err)
	}
	err = inTx(t, pool, func(tx pgx.Tx) error {
		_, err := billing.RecordPayment(ctx, tx, billing.NewPayment{
			CustomerID: cust, ExternalID: "pay-1", Method: billing.MethodWire, Amount: usd(1), ReceivedOn: jan.AddDays(20),
		}, testActor)
		return err
	})
	if !errors.Is(err, billing.ErrConflict) {
		t.Errorf("same key, other amount: error = %v, want ErrConflict", err)
	}

	open, err := billing.OpenInvoices(ctx, pool, cust, jan.AddDays(19))
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 2 {
		t.Errorf("open the day before payment = %d invoices, want 2", len(open))
	}
	open, err = billing.OpenInvoices(ctx, pool, cust, jan.AddDays(20))
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 0 {
		t.Errorf("open on payment day = %d invoices, want 0", len(open))
	}

	third := issueTestInvoice(t, pool, cust, "INV-3", jan.AddDays(30), 3000, "USD")
	var applied []billing.Allocation
	err = inTx(t, pool, func(tx pgx.Tx) error {
		var err error
		applied, err = billing.ApplyCredit(ctx, tx, cust, nil, jan.AddDays(31), testActor, "test")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 1 || applied[0].InvoiceID != third.ID || applied[0].Amount != usd(2000) {
		t.Errorf("ApplyCredit = %+v, want 20.00 on INV-3", applied)
	}
}

func TestPaymentStatusMovesForward(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	cust := newTestCustomer(t, pool, "C1", "USD")
	day := billing.NewDate(2026, 2, 1)
	inv := issueTestInvoice(t, pool, cust, "INV-1", day, 10000, "USD")

	var p billing.Payment
	err := inTx(t, pool, func(tx pgx.Tx) error {
		var err error
		p, err = billing.RecordPayment(ctx, tx, billing.NewPayment{
			CustomerID: cust, ExternalID: "ach-1", Method: billing.MethodACH, Status: billing.PaymentProcessing,
			Amount: usd(10000), ReceivedOn: day.AddDays(1), InvoiceIDs: []int64{inv.ID},
		}, testActor)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Allocations) != 0 {
		t.Errorf("processing payment has allocations %+v, want none", p.Allocations)
	}

	steps := []struct {
		to      string
		wantErr bool
		open    int
	}{
		{billing.PaymentPending, true, 1},
		{billing.PaymentSucceeded, false, 0},
		{billing.PaymentFailed, true, 0},
		{billing.PaymentRefunded, false, 1},
		{billing.PaymentSucceeded, true, 1},
	}
	for i, s := range steps {
		err := inTx(t, pool, func(tx pgx.Tx) error {
			_, err := billing.SetPaymentStatus(ctx, tx, p.ID, s.to, day.AddDays(5+i), testActor, "test")
			return err
		})
		if (err != nil) != s.wantErr {
			t.Errorf("step %d to %s: error = %v, want error %v", i, s.to, err, s.wantErr)
		}
		open, err := billing.OpenInvoices(ctx, pool, cust, day.AddDays(5+i))
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != s.open {
			t.Errorf("step %d to %s: %d open invoices, want %d", i, s.to, len(open), s.open)
		}
	}
	open, err := billing.OpenInvoices(ctx, pool, cust, day.AddDays(7))
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 0 {
		t.Errorf("between success and refund: %d open invoices, want 0", len(open))
	}
}

func TestWriteOffAndCreditNote(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	cust := newTestCustomer(t, pool, "C1", "JPY")
	day := billing.NewDate(2026, 3, 1)
	inv := issueTestInvoice(t, pool, cust, "INV-1", day, 10000, "JPY")
	yen := func(n int64) billing.Money { return billing.Money{Amount: n, Currency: "JPY"} }

	err := inTx(t, pool, func(tx pgx.Tx) error {
		cn, err := billing.IssueCreditNote(ctx, tx, billing.NewCreditNote{
			CustomerID: cust, Number: "CN-1", InvoiceID: &inv.ID, Amount: yen(3000), IssuedOn: day.AddDays(2), Reason: "damaged goods",
		}, testActor)
		if err != nil {
			return err
		}
		if cn.Credit.Amount != 0 {
			return fmt.Errorf("credit note left %s unapplied, want 0", cn.Credit)
		}
		return billing.WriteOff(ctx, tx, inv.ID, billing.Money{}, day.AddDays(40), "customer insolvent", testActor, "test")
	})
	if err != nil {
		t.Fatal(err)
	}
	err = inTx(t, pool, func(tx pgx.Tx) error {
		return billing.WriteOff(ctx, tx, inv.ID, yen(1), day.AddDays(41), "again", testActor, "test")
	})
	if err == nil {
		t.Error("write-off of a settled invoice succeeded, want an error")
	}

	st, err := billing.Statement(ctx, pool, cust, day.AddDays(10))
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalDue != yen(7000) || st.Balance != yen(7000) {
		t.Errorf("statement on day 10: due %s, balance %s, want 7000 each", st.TotalDue, st.Balance)
	}
	st, err = billing.Statement(ctx, pool, cust, day.AddDays(40))
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalDue.Amount != 0 || len(st.Activity) != 3 {
		t.Errorf("statement after write-off: due %s, %d entries; want 0 and 3", st.TotalDue, len(st.Activity))
	}
}

// TestLedgerProperties runs random sequences of invoices, payments, credits,
// refunds and write-offs and checks the ledger's invariants after each step.
func TestLedgerProperties(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	rng := rand.New(rand.NewSource(20260301))

	for run := range 4 {
		cust := newTestCustomer(t, pool, fmt.Sprintf("P%d", run), "USD")
		day := billing.NewDate(2025, 1, 1)
		var invoices []int64
		var payments []int64
		for step := range 40 {
			day = day.AddDays(rng.Intn(4))
			var err error
			switch op := rng.Intn(7); {
			case op <= 1 || len(invoices) == 0:
				inv := issueTestInvoice(t, pool, cust, fmt.Sprintf("P%d-%d", run, step), day, int64(1+rng.Intn(50000)), "USD")
				invoices = append(invoices, inv.ID)
			case op == 2:
				var chosen []int64
				if rng.Intn(2) == 0 {
					chosen = openIDs(t, pool, cust, rng, 2)
				}
				amount := usd(int64(1 + rng.Intn(60000)))
				// Half of the chosen payments put an amount on each invoice,
				// which may exceed the invoice's open balance.
				var requested []billing.InvoiceAmount
				if len(chosen) > 0 && rng.Intn(2) == 0 {
					var sum int64
					for _, id := range chosen {
						share := int64(1 + rng.Intn(30000))
						requested = append(requested, billing.InvoiceAmount{InvoiceID: id, Amount: usd(share)})
						sum += share
					}
					amount.Amount = max(amount.Amount, sum)
				}
				err = inTx(t, pool, func(tx pgx.Tx) error {
					p, err := billing.RecordPayment(ctx, tx, billing.NewPayment{
						CustomerID: cust, ExternalID: fmt.Sprintf("P%d-pay-%d", run, step), Method: billing.MethodCard,
						Amount: amount, ReceivedOn: day, InvoiceIDs: chosen, Allocations: requested,
					}, testActor)
					payments = append(payments, p.ID)
					return err
				})
			case op == 3:
				var target *int64
				if ids := openIDs(t, pool, cust, rng, 1); len(ids) == 1 {
					target = &ids[0]
				}
				err = inTx(t, pool, func(tx pgx.Tx) error {
					_, err := billing.IssueCreditNote(ctx, tx, billing.NewCreditNote{
						CustomerID: cust, Number: fmt.Sprintf("P%d-CN-%d", run, step), InvoiceID: target,
						Amount: usd(int64(1 + rng.Intn(20000))), IssuedOn: day, Reason: "price correction",
					}, testActor)
					return err
				})
			case op == 4:
				err = inTx(t, pool, func(tx pgx.Tx) error {
					_, err := billing.ApplyCredit(ctx, tx, cust, nil, day, testActor, "test")
					return err
				})
			case op == 5:
				ids := openIDs(t, pool, cust, rng, 1)
				if len(ids) == 0 {
					continue
				}
				err = inTx(t, pool, func(tx pgx.Tx) error {
					return billing.WriteOff(ctx, tx, ids[0], billing.Money{}, day, "uncollectable", testActor, "test")
				})
			case op == 6 && len(payments) > 0:
				id := payments[rng.Intn(len(payments))]
				err = inTx(t, pool, func(tx pgx.Tx) error {
					_, err := billing.SetPaymentStatus(ctx, tx, id, billing.PaymentRefunded, day, testActor, "test")
					if errors.Is(err, billing.ErrConflict) {
						return nil
					}
					return err
				})
			}
			if err != nil {
				t.Fatalf("run %d step %d: %v", run, step, err)
			}
			checkLedgerInvariants(t, pool, cust, day)
		}
	}

	// PeriodKPIs sums opening and closing AR with queries of its own. Each must
	// match the aging report's total on the same day, partly paid, credited and
	// written-off invoices included.
	for from := billing.NewDate(2025, 1, 1); from.Before(billing.NewDate(2025, 6, 1)); from = from.AddDays(9) {
		to := from.AddDays(13)
		k, err := billing.PeriodKPIs(ctx, pool, from, to)
		if err != nil {
			t.Fatal(err)
		}
		opening, err := billing.Aging(ctx, pool, from.AddDays(-1))
		if err != nil {
			t.Fatal(err)
		}
		closing, err := billing.Aging(ctx, pool, to)
		if err != nil {
			t.Fatal(err)
		}
		if k.OpeningAR != opening.Buckets.Total() {
			t.Errorf("opening AR %s to %s = %s, aging on %s = %s", from, to, k.OpeningAR, from.AddDays(-1), opening.Buckets.Total())
		}
		if k.ClosingAR != closing.Buckets.Total() {
			t.Errorf("closing AR %s to %s = %s, aging on %s = %s", from, to, k.ClosingAR, to, closing.Buckets.Total())
		}
		if k.ClosingCurrentAR != closing.Buckets.Current {
			t.Errorf("closing current AR %s to %s = %s, aging current = %s", from, to, k.ClosingCurrentAR, closing.Buckets.Current)
		}
	}
}

func openIDs(t *testing.T, pool *pgxpool.Pool, cust int64, rng *rand.Rand, n int) []int64 {
	t.Helper()
	rows, err := pool.Query(context.Background(),
		`SELECT id FROM invoices WHERE customer_id = $1 AND open_minor > 0 ORDER BY random() LIMIT $2`, cust, rng.Intn(n)+1)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func checkLedgerInvariants(t *testing.T, pool *pgxpool.Pool, cust int64, today billing.Date) {
	t.Helper()
	ctx := context.Background()
	var bad int
	err := pool.QueryRow(ctx, `
		SELECT count(*) FROM invoices i
		WHERE i.customer_id = $1 AND (
			i.open_minor <> i.total_minor
				- coalesce((SELECT sum(amount_minor) FROM allocations WHERE invoice_id = i.id), 0)
				- coalesce((SELECT sum(amount_minor) FROM write_offs WHERE invoice_id = i.id), 0)
			OR i.open_minor < 0 OR i.open_minor > i.total_minor
			OR (i.open_minor = 0) <> (i.settled_on IS NOT NULL))`, cust).Scan(&bad)
	if err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Fatalf("%d invoices whose balance differs from total minus allocations and write-offs", bad)
	}
	err = pool.QueryRow(ctx, `
		SELECT count(*) FROM (
			SELECT p.id FROM payments p LEFT JOIN allocations a ON a.payment_id = p.id
			WHERE p.customer_id = $1 GROUP BY p.id, p.amount_minor
			HAVING coalesce(sum(a.amount_minor), 0) > p.amount_minor OR coalesce(sum(a.amount_minor), 0) < 0
			UNION ALL
			SELECT c.id FROM credit_notes c LEFT JOIN allocations a ON a.credit_note_id = c.id
			WHERE c.customer_id = $1 GROUP BY c.id, c.amount_minor
			HAVING coalesce(sum(a.amount_minor), 0) > c.amount_minor OR coalesce(sum(a.amount_minor), 0) < 0
		) x`, cust).Scan(&bad)
	if err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Fatalf("%d payments or credit notes allocated beyond their amount", bad)
	}

	st, err := billing.Statement(ctx, pool, cust, today)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.TotalDue.Sub(st.Credit); got != st.Balance {
		t.Fatalf("statement on %s: total due %s minus credit %s = %s, running balance %s",
			today, st.TotalDue, st.Credit, got, st.Balance)
	}
	customer, err := billing.CustomerByID(ctx, pool, cust)
	if err != nil {
		t.Fatal(err)
	}
	open, err := billing.OpenStatement(ctx, pool, customer, today)
	if err != nil {
		t.Fatal(err)
	}
	if open.TotalDue != st.TotalDue || open.Credit != st.Credit || open.Balance != st.Balance || len(open.OpenItems) != len(st.OpenItems) {
		t.Fatalf("open statement: due %s, credit %s, balance %s, %d items; statement: %s, %s, %s, %d",
			open.TotalDue, open.Credit, open.Balance, len(open.OpenItems), st.TotalDue, st.Credit, st.Balance, len(st.OpenItems))
	}
	var stored int64
	if err := pool.QueryRow(ctx, `SELECT coalesce(sum(open_minor), 0) FROM invoices WHERE customer_id = $1`, cust).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != st.TotalDue.Amount {
		t.Fatalf("stored open balances %d differ from the statement's total due %s", stored, st.TotalDue.Decimal())
	}
	for back := 1; back <= 30; back += 7 {
		checkAsOf(t, pool, cust, today.AddDays(-back))
	}
}

// checkAsOf compares OpenInvoices on a past date with a plain recomputation.
func checkAsOf(t *testing.T, pool *pgxpool.Pool, cust int64, asOf billing.Date) {
	t.Helper()
	ctx := context.Background()
	var want int64
	err := pool.QueryRow(ctx, `
		SELECT coalesce(sum(b), 0) FROM (
			SELECT i.total_minor
				- coalesce((SELECT sum(amount_minor) FROM allocations WHERE invoice_id = i.id AND applied_on <= $2), 0)
				- coalesce((SELECT sum(amount_minor) FROM write_offs WHERE invoice_id = i.id AND written_off_on <= $2), 0) AS b
			FROM invoices i WHERE i.customer_id = $1 AND i.issue_date <= $2) x`, cust, asOf).Scan(&want)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := billing.OpenInvoices(ctx, pool, cust, asOf)
	if err != nil {
		t.Fatal(err)
	}
	var got int64
	for _, l := range lines {
		got += l.Open.Amount
	}
	if got != want {
		t.Fatalf("open on %s = %d, recomputed %d", asOf, got, want)
	}
}
