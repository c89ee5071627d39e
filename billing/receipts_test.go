package billing_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
)

func TestReceiptNumber(t *testing.T) {
	for id, want := range map[int64]string{1: "R-000001", 42: "R-000042", 1234567: "R-1234567"} {
		if got := billing.ReceiptNumber(id); got != want {
			t.Errorf("ReceiptNumber(%d) = %q, want %q", id, got, want)
		}
	}
}

func TestChargedMethod(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	cust := newTestCustomer(t, pool, "RCPT", "USD")
	today := billing.NewDate(2026, 3, 2)
	inv := issueTestInvoice(t, pool, cust, "RC-1", today.AddDays(-10), 90000, "USD")
	newAttempt := func() billing.PaymentAttempt {
		t.Helper()
		a, _, err := billing.CreatePaymentAttempt(ctx, pool, billing.PayRequest{
			CustomerID: cust, ContactEmail: "ap@rcpt.example", IdempotencyKey: billing.NewIdempotencyKey(),
			Choices: []billing.PayChoice{{InvoiceID: inv.ID, Amount: "10.00"}}, Gateway: "sandbox", InitiatedOn: today,
			AllowPartial: true, PartialReason: "test",
		})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}

	checkout := newAttempt()
	if _, ok, err := billing.ChargedMethod(ctx, pool, checkout.ID); err != nil || ok {
		t.Errorf("checkout attempt: known method %v (%v), want none", ok, err)
	}

	var plan billing.Plan
	err := billing.InTx(ctx, pool, func(tx pgx.Tx) error {
		var err error
		plan, err = billing.ProposePlan(ctx, tx, billing.PlanProposal{
			CustomerID: cust, InvoiceIDs: []int64{inv.ID}, Count: 3, Frequency: billing.FrequencyMonthly,
			First: today.AddDays(7), DownPayment: billing.Money{Currency: "USD"}, Autopay: true,
			Actor: billing.Actor{Kind: "contact", Name: "ap@rcpt.example"},
		}, today)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = pool.Exec(ctx, `UPDATE installment_plans SET payment_method_gateway = 'sandbox', payment_method_id = 'pm_card_visa',
		payment_method_kind = 'card', payment_method_brand = 'visa', payment_method_last4 = '4242' WHERE id = $1`, plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	charge := newAttempt()
	if _, err := pool.Exec(ctx, `INSERT INTO installment_charges (attempt_id, plan_id, seq, try) VALUES ($1, $2, 1, 1)`, charge.ID, plan.ID); err != nil {
		t.Fatal(err)
	}
	m, ok, err := billing.ChargedMethod(ctx, pool, charge.ID)
	if err != nil || !ok {
		t.Fatalf("installment charge: known method %v (%v), want the plan's card", ok, err)
	}
	if got := m.Label(); got != "Visa ending 4242" {
		t.Errorf("method label = %q, want Visa ending 4242", got)
	}
}
