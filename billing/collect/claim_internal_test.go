package collect

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
)

// TestClaimSendsSkipsKeysTakenSinceEvaluation records one key the way a
// parallel run would between the evaluation and the chunk's COPY, and checks
// that the chunk falls back to claiming only the other keys.
func TestClaimSendsSkipsKeysTakenSinceEvaluation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	day := billing.NewDate(2026, 5, 4)
	customer, err := billing.CreateCustomer(ctx, pool, billing.Customer{Name: "Claim Co", Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	var invoices []int64
	for _, number := range []string{"C-1", "C-2", "C-3"} {
		err := billing.InTx(ctx, pool, func(tx pgx.Tx) error {
			inv, err := billing.IssueInvoice(ctx, tx, billing.NewInvoice{
				CustomerID: customer, Number: number, IssueDate: day.AddDays(-40), DueDate: day.AddDays(-10), Source: "manual",
				Lines: []billing.Line{{Description: "Valves", QuantityMilli: 1000, UnitPrice: billing.Money{Amount: 5000, Currency: "USD"}}},
			}, billing.SystemActor("test"))
			invoices = append(invoices, inv.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	steps, err := loadSteps(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	step := steps[0].ID
	plan := &customerPlan{info: customerInfo{ID: customer}, variant: "A"}
	for _, id := range invoices {
		plan.taskRows = append(plan.taskRows, dueRow{InvoiceID: id, CustomerID: customer, StepID: step})
	}
	s := sender{opts: RunOptions{AsOf: day}}

	_, err = pool.Exec(ctx, `INSERT INTO reminder_sends (invoice_id, step_id, customer_id, sent_on) VALUES ($1, $2, $3, $4)`,
		invoices[1], step, customer, day)
	if err != nil {
		t.Fatal(err)
	}
	var claimed map[dueRow]bool
	err = billing.InTx(ctx, pool, func(tx pgx.Tx) error {
		var err error
		claimed, err = s.claimSends(ctx, tx, []*customerPlan{plan})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if claimed == nil || len(claimed) != 2 {
		t.Fatalf("claimed = %v, want the 2 keys no other run recorded", claimed)
	}
	if claimed[plan.taskRows[1]] {
		t.Errorf("claimed the key of %d that was recorded before", invoices[1])
	}
	var recorded int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM reminder_sends WHERE customer_id = $1`, customer).Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if recorded != 3 {
		t.Errorf("reminder_sends rows = %d, want 3", recorded)
	}
}

func TestClaimSendsCopiesFreshKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	day := billing.NewDate(2026, 5, 4)
	customer, err := billing.CreateCustomer(ctx, pool, billing.Customer{Name: "Fresh Co", Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	steps, err := loadSteps(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	var invoice billing.Invoice
	err = billing.InTx(ctx, pool, func(tx pgx.Tx) error {
		var err error
		invoice, err = billing.IssueInvoice(ctx, tx, billing.NewInvoice{
			CustomerID: customer, Number: "F-1", IssueDate: day.AddDays(-40), DueDate: day.AddDays(-10), Source: "manual",
			Lines: []billing.Line{{Description: "Valves", QuantityMilli: 1000, UnitPrice: billing.Money{Amount: 5000, Currency: "USD"}}},
		}, billing.SystemActor("test"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	plan := &customerPlan{info: customerInfo{ID: customer}, variant: "B",
		emailRows: []dueRow{{InvoiceID: invoice.ID, CustomerID: customer, StepID: steps[0].ID}}}
	s := sender{opts: RunOptions{AsOf: day}}

	var claimed map[dueRow]bool
	err = billing.InTx(ctx, pool, func(tx pgx.Tx) error {
		var err error
		claimed, err = s.claimSends(ctx, tx, []*customerPlan{plan})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if claimed != nil {
		t.Errorf("claimed = %v, want nil for every key claimed", claimed)
	}
	var variant string
	var sentOn billing.Date
	err = pool.QueryRow(ctx, `SELECT variant, sent_on FROM reminder_sends WHERE invoice_id = $1`, invoice.ID).Scan(&variant, &sentOn)
	if err != nil {
		t.Fatal(err)
	}
	if variant != "B" || sentOn != day {
		t.Errorf("recorded variant %q on %s, want B on %s", variant, sentOn, day)
	}
}
