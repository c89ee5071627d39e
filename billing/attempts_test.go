package billing_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
)

func payable(id int64, number string, open, discount int64) billing.PayableInvoice {
	p := billing.PayableInvoice{Discount: usd(discount), DueNow: usd(open - discount)}
	p.ID, p.Number, p.Total, p.Open = id, number, usd(open), usd(open)
	return p
}

func TestQuotePaymentAmounts(t *testing.T) {
	t.Parallel()
	invoices := []billing.PayableInvoice{payable(1, "A-1", 100000, 2000), payable(2, "A-2", 50000, 0)}
	tests := []struct {
		name         string
		choices      []billing.PayChoice
		reason       string
		wantAmounts  []int64
		wantDiscount []int64
	}{
		{"full with discount", []billing.PayChoice{{InvoiceID: 1}}, "", []int64{98000}, []int64{2000}},
		{"typed open balance takes discount", []billing.PayChoice{{InvoiceID: 1, Amount: "1000.00"}}, "", []int64{98000}, []int64{2000}},
		{"typed due-now amount", []billing.PayChoice{{InvoiceID: 1, Amount: "980"}}, "", []int64{98000}, []int64{2000}},
		{"partial forfeits discount", []billing.PayChoice{{InvoiceID: 1, Amount: "500"}}, "short shipment", []int64{50000}, []int64{0}},
		{"several invoices", []billing.PayChoice{{InvoiceID: 1}, {InvoiceID: 2}}, "", []int64{98000, 50000}, []int64{2000, 0}},
		{"two partial amounts", []billing.PayChoice{{InvoiceID: 1, Amount: "500"}, {InvoiceID: 2, Amount: "120.50"}}, "disputed lines",
			[]int64{50000, 12050}, []int64{0, 0}},
		{"partial beside a full invoice", []billing.PayChoice{{InvoiceID: 1, Amount: "10"}, {InvoiceID: 2}}, "short shipment",
			[]int64{1000, 50000}, []int64{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, err := billing.QuotePayment(invoices, billing.PayRequest{Choices: tt.choices, PartialReason: tt.reason, AllowPartial: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(lines) != len(tt.wantAmounts) {
				t.Fatalf("got %d lines, want %d", len(lines), len(tt.wantAmounts))
			}
			for i, l := range lines {
				if l.Amount.Amount != tt.wantAmounts[i] {
					t.Errorf("line %d amount = %d, want %d", i, l.Amount.Amount, tt.wantAmounts[i])
				}
				if l.Discount.Amount != tt.wantDiscount[i] {
					t.Errorf("line %d discount = %d, want %d", i, l.Discount.Amount, tt.wantDiscount[i])
				}
			}
		})
	}
}

func TestQuotePaymentRejects(t *testing.T) {
	t.Parallel()
	invoices := []billing.PayableInvoice{payable(1, "A-1", 100000, 0)}
	inFlight := payable(2, "A-2", 5000, 0)
	inFlight.InFlight = true
	invoices = append(invoices, inFlight, payable(3, "A-3", 7000, 0))
	tests := []struct {
		name         string
		choices      []billing.PayChoice
		reason       string
		allowPartial bool
		field        string
	}{
		{"no invoice", nil, "", true, "invoices"},
		{"over open balance", []billing.PayChoice{{InvoiceID: 1, Amount: "1000.01"}}, "", true, "amount_1"},
		{"zero", []billing.PayChoice{{InvoiceID: 1, Amount: "0"}}, "x", true, "amount_1"},
		{"negative", []billing.PayChoice{{InvoiceID: 1, Amount: "-5"}}, "x", true, "amount_1"},
		{"too many decimals", []billing.PayChoice{{InvoiceID: 1, Amount: "10.001"}}, "x", true, "amount_1"},
		{"not a number", []billing.PayChoice{{InvoiceID: 1, Amount: "ten"}}, "x", true, "amount_1"},
		{"partial without reason", []billing.PayChoice{{InvoiceID: 1, Amount: "10"}}, " ", true, "reason"},
		{"partial not allowed", []billing.PayChoice{{InvoiceID: 1, Amount: "10"}}, "x", false, "invoices"},
		{"payment in flight", []billing.PayChoice{{InvoiceID: 2}}, "", true, "amount_2"},
		{"two partials not allowed", []billing.PayChoice{{InvoiceID: 1, Amount: "10"}, {InvoiceID: 3, Amount: "5"}}, "x", false, "invoices"},
		{"two partials without reason", []billing.PayChoice{{InvoiceID: 1, Amount: "10"}, {InvoiceID: 3, Amount: "5"}}, "", true, "reason"},
		{"second partial over balance", []billing.PayChoice{{InvoiceID: 1, Amount: "10"}, {InvoiceID: 3, Amount: "70.01"}}, "x", true, "amount_3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := billing.QuotePayment(invoices, billing.PayRequest{Choices: tt.choices, PartialReason: tt.reason, AllowPartial: tt.allowPartial})
			var inputErr *billing.InputError
			if !errors.As(err, &inputErr) {
				t.Fatalf("err = %v, want an InputError", err)
			}
			if inputErr.Fields[tt.field] == "" {
				t.Errorf("fields = %v, want a message for %s", inputErr.Fields, tt.field)
			}
		})
	}
}

func TestQuotePaymentUnknownInvoice(t *testing.T) {
	t.Parallel()
	_, err := billing.QuotePayment([]billing.PayableInvoice{payable(1, "A-1", 100, 0)},
		billing.PayRequest{Choices: []billing.PayChoice{{InvoiceID: 9}}})
	if !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

func newPayCustomer(t *testing.T, db billing.DB, ext string, terms billing.Terms) int64 {
	t.Helper()
	id, err := billing.CreateCustomer(context.Background(), db, billing.Customer{
		ExternalID: &ext, Name: "Payer " + ext, Currency: "USD", Terms: terms,
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func createAttempt(t *testing.T, pool billing.DB, req billing.PayRequest) (billing.PaymentAttempt, bool, error) {
	t.Helper()
	return billing.CreatePaymentAttempt(context.Background(), pool, req)
}

func TestCreatePaymentAttemptIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	issued := billing.NewDate(2026, 3, 1)
	cust := newPayCustomer(t, pool, "P1", billing.Terms{NetDays: 30, DiscountRateBP: 200, DiscountDays: 10})
	inv := issueTestInvoice(t, pool, cust, "P1-1", issued, 248000, "USD")

	req := billing.PayRequest{
		CustomerID: cust, ContactEmail: "ap@p1.example", IdempotencyKey: billing.NewIdempotencyKey(),
		Choices: []billing.PayChoice{{InvoiceID: inv.ID}}, Gateway: "sandbox", InitiatedOn: issued.AddDays(5),
	}
	var wg sync.WaitGroup
	ids := make([]int64, 8)
	errs := make([]error, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = billing.InTx(ctx, pool, func(tx pgx.Tx) error {
				a, _, err := billing.CreatePaymentAttempt(ctx, tx, req)
				ids[i] = a.ID
				return err
			})
		}()
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil {
			t.Fatalf("submission %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Errorf("submission %d made attempt %d, want %d", i, ids[i], ids[0])
		}
	}
	var count int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM payment_attempts`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != 1 {
		t.Errorf("attempts = %d, want 1", count)
	}

	a, err := billing.AttemptOfCustomer(ctx, pool, cust, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if a.Amount != usd(243040) {
		t.Errorf("amount = %s, want 2430.40", a.Amount.Decimal())
	}
	if a.Discount != usd(4960) {
		t.Errorf("discount = %s, want 49.60", a.Discount.Decimal())
	}
}

func TestCreatePaymentAttemptAfterWindow(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	issued := billing.NewDate(2026, 3, 1)
	cust := newPayCustomer(t, pool, "P2", billing.Terms{NetDays: 30, DiscountRateBP: 200, DiscountDays: 10})
	inv := issueTestInvoice(t, pool, cust, "P2-1", issued, 248000, "USD")

	a, created, err := createAttempt(t, pool, billing.PayRequest{
		CustomerID: cust, ContactEmail: "ap@p2.example", IdempotencyKey: billing.NewIdempotencyKey(),
		Choices: []billing.PayChoice{{InvoiceID: inv.ID}}, Gateway: "sandbox", InitiatedOn: issued.AddDays(11),
	})
	if err != nil || !created {
		t.Fatalf("created = %v, err = %v", created, err)
	}
	if a.Amount != usd(248000) {
		t.Errorf("amount = %s, want 2480.00", a.Amount.Decimal())
	}
	if a.Discount.Amount != 0 {
		t.Errorf("discount = %s, want none after the window", a.Discount.Decimal())
	}
}

func TestCreatePaymentAttemptForeignInvoice(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	issued := billing.NewDate(2026, 3, 1)
	mine := newPayCustomer(t, pool, "P3", billing.Terms{NetDays: 30})
	other := newPayCustomer(t, pool, "P4", billing.Terms{NetDays: 30})
	issueTestInvoice(t, pool, mine, "P3-1", issued, 1000, "USD")
	theirs := issueTestInvoice(t, pool, other, "P4-1", issued, 1000, "USD")

	_, _, err := createAttempt(t, pool, billing.PayRequest{
		CustomerID: mine, ContactEmail: "ap@p3.example", IdempotencyKey: billing.NewIdempotencyKey(),
		Choices: []billing.PayChoice{{InvoiceID: theirs.ID}}, Gateway: "sandbox", InitiatedOn: issued,
	})
	if !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

func TestCreatePaymentAttemptForeignKey(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	issued := billing.NewDate(2026, 3, 1)
	mine := newPayCustomer(t, pool, "P5", billing.Terms{NetDays: 30})
	other := newPayCustomer(t, pool, "P6", billing.Terms{NetDays: 30})
	inv := issueTestInvoice(t, pool, mine, "P5-1", issued, 1000, "USD")
	otherInv := issueTestInvoice(t, pool, other, "P6-1", issued, 1000, "USD")
	key := billing.NewIdempotencyKey()

	_, _, err := createAttempt(t, pool, billing.PayRequest{
		CustomerID: other, ContactEmail: "ap@p6.example", IdempotencyKey: key,
		Choices: []billing.PayChoice{{InvoiceID: otherInv.ID}}, Gateway: "sandbox", InitiatedOn: issued,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = createAttempt(t, pool, billing.PayRequest{
		CustomerID: mine, ContactEmail: "ap@p5.example", IdempotencyKey: key,
		Choices: []billing.PayChoice{{InvoiceID: inv.ID}}, Gateway: "sandbox", InitiatedOn: issued,
	})
	if !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound for another customer's key", err)
	}
}

func TestCanAdvance(t *testing.T) {
	t.Parallel()
	statuses := []string{billing.AttemptPending, billing.AttemptProcessing, billing.AttemptSucceeded,
		billing.AttemptFailed, billing.AttemptRefunded, billing.AttemptDisputed}
	allowed := map[[2]string]bool{
		{"pending", "processing"}: true, {"pending", "succeeded"}: true, {"pending", "failed"}: true,
		{"processing", "succeeded"}: true, {"processing", "failed"}: true,
		{"succeeded", "refunded"}: true, {"succeeded", "disputed"}: true,
	}
	for _, from := range statuses {
		for _, to := range statuses {
			if got := billing.CanAdvance(from, to); got != allowed[[2]string{from, to}] {
				t.Errorf("CanAdvance(%s, %s) = %v", from, to, got)
			}
		}
	}
}

func TestAttemptStatusTriggerRejectsBackwards(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	issued := billing.NewDate(2026, 3, 1)
	cust := newPayCustomer(t, pool, "P7", billing.Terms{NetDays: 30})
	inv := issueTestInvoice(t, pool, cust, "P7-1", issued, 1000, "USD")
	a, _, err := createAttempt(t, pool, billing.PayRequest{
		CustomerID: cust, ContactEmail: "ap@p7.example", IdempotencyKey: billing.NewIdempotencyKey(),
		Choices: []billing.PayChoice{{InvoiceID: inv.ID}}, Gateway: "sandbox", InitiatedOn: issued,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE payment_attempts SET status = 'succeeded' WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE payment_attempts SET status = 'processing' WHERE id = $1`, a.ID); err == nil {
		t.Error("moving a succeeded attempt back to processing was allowed")
	}
}
