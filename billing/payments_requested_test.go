package billing_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
)

func recordTestPayment(t *testing.T, db *pgxpool.Pool, in billing.NewPayment) (billing.Payment, error) {
	t.Helper()
	var p billing.Payment
	err := billing.InTx(context.Background(), db, func(tx pgx.Tx) error {
		var err error
		p, err = billing.RecordPayment(context.Background(), tx, in, testActor)
		return err
	})
	return p, err
}

// allocatedTo sums a payment's allocations per invoice.
func allocatedTo(p billing.Payment) map[int64]int64 {
	out := map[int64]int64{}
	for _, a := range p.Allocations {
		out[a.InvoiceID] += a.Amount.Amount
	}
	return out
}

func TestRecordPaymentRequestedAmounts(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	cust := newTestCustomer(t, pool, "R1", "USD")
	jan := billing.NewDate(2026, 1, 5)
	oldest := issueTestInvoice(t, pool, cust, "R-1", jan, 10000, "USD")
	middle := issueTestInvoice(t, pool, cust, "R-2", jan.AddDays(5), 5000, "USD")
	newest := issueTestInvoice(t, pool, cust, "R-3", jan.AddDays(10), 8000, "USD")

	p, err := recordTestPayment(t, pool, billing.NewPayment{
		CustomerID: cust, ExternalID: "req-1", Method: billing.MethodCard, Amount: usd(9000), ReceivedOn: jan.AddDays(20),
		InvoiceIDs:  []int64{oldest.ID, middle.ID, newest.ID},
		Allocations: []billing.InvoiceAmount{{InvoiceID: newest.ID, Amount: usd(3000)}, {InvoiceID: middle.ID, Amount: usd(2000)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := allocatedTo(p)
	if got[newest.ID] != 3000 {
		t.Errorf("R-3 got %d, want its requested 3000", got[newest.ID])
	}
	if got[middle.ID] != 2000 {
		t.Errorf("R-2 got %d, want its requested 2000", got[middle.ID])
	}
	if got[oldest.ID] != 4000 {
		t.Errorf("R-1 got %d, want the rest 4000", got[oldest.ID])
	}
	if p.Credit.Amount != 0 {
		t.Errorf("credit = %s, want 0", p.Credit.Decimal())
	}

	again, err := recordTestPayment(t, pool, billing.NewPayment{
		CustomerID: cust, ExternalID: "req-1", Method: billing.MethodCard, Amount: usd(9000), ReceivedOn: jan.AddDays(20),
		Allocations: []billing.InvoiceAmount{{InvoiceID: oldest.ID, Amount: usd(9000)}},
	})
	if err != nil || !again.Duplicate || again.ID != p.ID {
		t.Fatalf("redelivered payment = %+v, %v; want the first payment marked duplicate", again, err)
	}
	if after := allocatedTo(again); after[oldest.ID] != 4000 || after[newest.ID] != 3000 {
		t.Errorf("redelivery changed the allocations to %v", after)
	}
}

func TestRecordPaymentRequestedAmountCapped(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	cust := newTestCustomer(t, pool, "R2", "USD")
	jan := billing.NewDate(2026, 1, 5)
	oldest := issueTestInvoice(t, pool, cust, "C-1", jan, 10000, "USD")
	newer := issueTestInvoice(t, pool, cust, "C-2", jan.AddDays(5), 5000, "USD")
	other := issueTestInvoice(t, pool, cust, "C-3", jan.AddDays(1), 700, "USD")

	p, err := recordTestPayment(t, pool, billing.NewPayment{
		CustomerID: cust, ExternalID: "cap-1", Method: billing.MethodWire, Amount: usd(20000), ReceivedOn: jan.AddDays(20),
		Allocations: []billing.InvoiceAmount{{InvoiceID: newer.ID, Amount: usd(9999)}, {InvoiceID: oldest.ID, Amount: usd(1)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := allocatedTo(p)
	if got[newer.ID] != 5000 {
		t.Errorf("C-2 got %d, want its open balance 5000", got[newer.ID])
	}
	if got[oldest.ID] != 10000 {
		t.Errorf("C-1 got %d, want its open balance 10000", got[oldest.ID])
	}
	if got[other.ID] != 0 {
		t.Errorf("C-3 got %d, want 0 because it was not chosen", got[other.ID])
	}
	if p.Credit != usd(5000) {
		t.Errorf("credit = %s, want 50.00", p.Credit.Decimal())
	}
}

func TestPendingPaymentKeepsRequestedAmounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	cust := newTestCustomer(t, pool, "R3", "USD")
	jan := billing.NewDate(2026, 1, 5)
	oldest := issueTestInvoice(t, pool, cust, "P-1", jan, 10000, "USD")
	newer := issueTestInvoice(t, pool, cust, "P-2", jan.AddDays(5), 5000, "USD")

	p, err := recordTestPayment(t, pool, billing.NewPayment{
		CustomerID: cust, ExternalID: "ach-1", Method: billing.MethodACH, Status: billing.PaymentProcessing,
		Amount: usd(6000), ReceivedOn: jan.AddDays(20), InvoiceIDs: []int64{oldest.ID, newer.ID},
		Allocations: []billing.InvoiceAmount{{InvoiceID: oldest.ID, Amount: usd(2500)}, {InvoiceID: newer.ID, Amount: usd(3500)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Allocations) != 0 {
		t.Fatalf("processing payment has allocations %+v, want none", p.Allocations)
	}
	err = inTx(t, pool, func(tx pgx.Tx) error {
		p, err = billing.SetPaymentStatus(ctx, tx, p.ID, billing.PaymentSucceeded, jan.AddDays(23), testActor, "test")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := allocatedTo(p)
	if got[oldest.ID] != 2500 || got[newer.ID] != 3500 {
		t.Errorf("allocations = %v, want 2500 on P-1 and 3500 on P-2", got)
	}
}

func TestRecordPaymentRejectsBadAllocations(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	cust := newTestCustomer(t, pool, "R4", "USD")
	jan := billing.NewDate(2026, 1, 5)
	first := issueTestInvoice(t, pool, cust, "B-1", jan, 10000, "USD")
	second := issueTestInvoice(t, pool, cust, "B-2", jan, 10000, "USD")

	tests := []struct {
		name        string
		invoiceIDs  []int64
		allocations []billing.InvoiceAmount
		want        string
	}{
		{"more than the payment", nil, []billing.InvoiceAmount{{InvoiceID: first.ID, Amount: usd(600)}, {InvoiceID: second.ID, Amount: usd(500)}}, "more than the payment"},
		{"not chosen", []int64{first.ID}, []billing.InvoiceAmount{{InvoiceID: second.ID, Amount: usd(100)}}, "not among the chosen invoices"},
		{"named twice", nil, []billing.InvoiceAmount{{InvoiceID: first.ID, Amount: usd(100)}, {InvoiceID: first.ID, Amount: usd(100)}}, "named twice"},
		{"other currency", nil, []billing.InvoiceAmount{{InvoiceID: first.ID, Amount: billing.Money{Amount: 100, Currency: "EUR"}}}, "currency EUR"},
		{"zero", nil, []billing.InvoiceAmount{{InvoiceID: first.ID, Amount: usd(0)}}, "must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := recordTestPayment(t, pool, billing.NewPayment{
				CustomerID: cust, ExternalID: "bad-" + tt.name, Method: billing.MethodCard, Amount: usd(1000),
				ReceivedOn: jan.AddDays(1), InvoiceIDs: tt.invoiceIDs, Allocations: tt.allocations,
			})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
	var stored int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM payments WHERE customer_id = $1`, cust).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != 0 {
		t.Errorf("%d payments stored from rejected input, want 0", stored)
	}
}
