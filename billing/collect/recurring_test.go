package collect_test

import (
	"context"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
)

func TestIssueDateKeepsDayOfMonth(t *testing.T) {
	anchor := billing.NewDate(2026, 1, 31)
	tests := []struct {
		frequency string
		n         int
		want      billing.Date
	}{
		{collect.EveryMonth, 1, billing.NewDate(2026, 2, 28)},
		{collect.EveryMonth, 2, billing.NewDate(2026, 3, 31)},
		{collect.EveryMonth, 3, billing.NewDate(2026, 4, 30)},
		{collect.EveryQuarter, 1, billing.NewDate(2026, 4, 30)},
		{collect.EveryYear, 1, billing.NewDate(2027, 1, 31)},
		{collect.EveryWeek, 2, billing.NewDate(2026, 2, 14)},
	}
	for _, tt := range tests {
		if got := collect.IssueDate(anchor, tt.frequency, tt.n); got != tt.want {
			t.Errorf("IssueDate(%s, %s, %d) = %s, want %s", anchor, tt.frequency, tt.n, got, tt.want)
		}
	}
}

func TestRecurringInvoicesIssueOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	cust := f.customer(t, "Subscriber Co", "ap@subscriber.example")
	staff := billing.Actor{Kind: "staff", Name: "ana@seller.example"}
	today := billing.NewDate(2026, 1, 20)

	_, err := collect.CreateRecurring(ctx, f.pool, collect.NewRecurring{CustomerID: cust, Name: "Support", Frequency: "daily",
		First: today, NumberPrefix: "SUP", Lines: []collect.RecurringLine{{Description: "Support", QuantityMilli: 1000, UnitPriceMinor: 50000}}, Actor: staff}, today)
	if err == nil {
		t.Fatal("CreateRecurring with frequency daily succeeded")
	}
	_, err = collect.CreateRecurring(ctx, f.pool, collect.NewRecurring{
		CustomerID: cust, Name: "Monthly support", Frequency: collect.EveryMonth, First: billing.NewDate(2026, 1, 31),
		Ends: billing.NewDate(2026, 3, 31), NumberPrefix: "SUP-SUB",
		Lines: []collect.RecurringLine{{Description: "Support plan", QuantityMilli: 1000, UnitPriceMinor: 50000}}, Actor: staff,
	}, today)
	if err != nil {
		t.Fatal(err)
	}

	f.clock.setDay(billing.NewDate(2026, 4, 2))
	mailer := f.mailer()
	n, err := collect.IssueRecurring(ctx, mailer, billing.NewDate(2026, 4, 2))
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("issued %d invoices, want 3 (Jan 31, Feb 28, Mar 31)", n)
	}
	again, err := collect.IssueRecurring(ctx, mailer, billing.NewDate(2026, 4, 2))
	if err != nil {
		t.Fatal(err)
	}
	if again != 0 {
		t.Errorf("second run issued %d invoices, want 0", again)
	}
	for _, want := range []struct {
		number string
		issued billing.Date
	}{{"SUP-SUB-0001", billing.NewDate(2026, 1, 31)}, {"SUP-SUB-0002", billing.NewDate(2026, 2, 28)}, {"SUP-SUB-0003", billing.NewDate(2026, 3, 31)}} {
		if n := f.count(t, `SELECT count(*) FROM invoices WHERE number = $1 AND issue_date = $2 AND total_minor = 50000`, want.number, want.issued); n != 1 {
			t.Errorf("invoice %s issued %s: found %d, want 1", want.number, want.issued, n)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM recurring_invoices WHERE active`); n != 0 {
		t.Errorf("active recurring invoices after the end date = %d, want 0", n)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox_emails WHERE kind = 'invoice.delivered' AND customer_id = $1`, cust); n != 3 {
		t.Errorf("invoice e-mails = %d, want 3", n)
	}
}
