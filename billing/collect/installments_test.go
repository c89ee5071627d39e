package collect_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
)

func TestMissedInstallmentDefaultsPlan(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	cust := f.customer(t, "Planned Co", "ap@planned.example")
	invoiceDue := billing.NewDate(2026, 4, 1)
	inv := f.invoice(t, cust, "PL-1", 60000, invoiceDue)
	first := billing.NewDate(2026, 5, 1)
	_, err := f.pool.Exec(ctx, `
		WITH p AS (
			INSERT INTO installment_plans (customer_id, currency, total_minor, installment_count, frequency, first_due_on, status, proposed_by)
			VALUES ($1, 'USD', 60000, 2, 'monthly', $3, 'approved', 'contact:ap@planned.example') RETURNING id
		), pi AS (
			INSERT INTO installment_plan_invoices (plan_id, invoice_id, amount_minor) SELECT id, $2, 60000 FROM p
		)
		INSERT INTO installments (plan_id, seq, due_on, amount_minor)
		SELECT id, s, ($3::date + make_interval(months => s - 1))::date, 30000 FROM p, generate_series(1, 2) s`,
		cust, inv.ID, first)
	if err != nil {
		t.Fatal(err)
	}
	grace := f.count(t, `SELECT plan_grace_days FROM portal_settings`)
	notices := func(day billing.Date) int {
		t.Helper()
		f.clock.setDay(day)
		n, err := f.engine.SendInstallmentNotices(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	// The plan holds the invoice's reminders.
	if res := f.run(t, first.AddDays(-10)); res.Sent != 0 || res.Skipped[collect.SkipPlanned] != 1 {
		t.Errorf("run during the plan: sent %d, skipped %v; want 0 and 1 planned", res.Sent, res.Skipped)
	}
	if n := notices(first.AddDays(-4)); n != 0 {
		t.Errorf("notices 4 days before the installment = %d, want 0", n)
	}
	if n := notices(first.AddDays(-3)); n != 1 {
		t.Errorf("notices 3 days before the installment = %d, want 1", n)
	}
	if n := notices(first.AddDays(-3)); n != 0 {
		t.Errorf("notices on a second run = %d, want 0", n)
	}
	if n := notices(first); n != 0 {
		t.Errorf("notices on the due date = %d, want 0", n)
	}
	if n := notices(first.AddDays(1)); n != 1 {
		t.Errorf("notices the day after a missed installment = %d, want 1", n)
	}
	f.deliver(t, 1)
	msgs := f.sink.To("ap@planned.example")
	if len(msgs) != 2 {
		t.Fatalf("contact received %d e-mails, want 2", len(msgs))
	}
	if got := msgs[1].Header("Subject"); got != "Missed installment: $300.00 was due May 1, 2026" {
		t.Errorf("missed notice subject = %q", got)
	}
	if body := unfold(msgs[1].Data); !strings.Contains(body, "Please pay by "+first.AddDays(grace).Format()) {
		t.Errorf("missed notice lacks the grace date %s", first.AddDays(grace).Format())
	}

	// The plan defaults the day after the grace days end, and the invoice goes
	// straight to the final notice.
	for day := first.AddDays(1); !day.After(first.AddDays(grace + 1)); day = day.AddDays(1) {
		res, err := billing.SettleDebtorCommitments(ctx, f.pool, day)
		if err != nil {
			t.Fatal(err)
		}
		wantDefaulted := 0
		if day == first.AddDays(grace+1) {
			wantDefaulted = 1
		}
		if res.PlansDefaulted != wantDefaulted {
			t.Errorf("%s: plans defaulted = %d, want %d", day, res.PlansDefaulted, wantDefaulted)
		}
	}
	res := f.run(t, first.AddDays(grace+1))
	if res.Sent != 1 {
		t.Fatalf("run after the default sent %d e-mails, want 1", res.Sent)
	}
	f.deliver(t, 1)
	msgs = f.sink.To("ap@planned.example")
	if got := msgs[len(msgs)-1].Header("Subject"); !strings.HasPrefix(got, "Final notice:") {
		t.Errorf("reminder after the default = %q, want the final notice", got)
	}
}
