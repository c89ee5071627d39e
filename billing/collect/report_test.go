package collect_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
)

func TestVariantReport(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	policies, err := collect.LoadPolicies(ctx, f.pool)
	if err != nil {
		t.Fatal(err)
	}
	var friendly collect.Step
	for _, p := range policies {
		for _, s := range p.Steps {
			if p.Segment == "standard" && s.Tone == collect.ToneFriendly {
				friendly = s
			}
		}
	}
	tmpl, err := collect.LoadTemplates(ctx, f.pool)
	if err != nil {
		t.Fatal(err)
	}
	friendly.TemplateB = "no_such_template"
	if err := collect.SaveStep(ctx, f.pool, tmpl, friendly); err == nil {
		t.Fatal("SaveStep with an unknown template succeeded")
	}
	friendly.TemplateB = "friendly_b"
	if err := collect.SaveStep(ctx, f.pool, tmpl, friendly); err != nil {
		t.Fatal(err)
	}

	day := billing.NewDate(2026, 11, 10)
	var customers []int64
	for i := range 4 {
		cust := f.customer(t, fmt.Sprintf("Variant %d", i), fmt.Sprintf("ap%d@variant.example", i))
		customers = append(customers, cust)
		f.invoice(t, cust, fmt.Sprintf("V-%d", i), 10000, day.AddDays(-3))
	}
	f.run(t, day)
	f.deliver(t, 1)

	// Pay the invoice of the first customer with an odd id, which got variant B.
	paidB := -1
	for i, c := range customers {
		if c%2 == 1 && paidB < 0 {
			paidB = i
		}
	}
	err = billing.InTx(ctx, f.pool, func(tx pgx.Tx) error {
		_, err := billing.RecordPayment(ctx, tx, billing.NewPayment{CustomerID: customers[paidB], ExternalID: "wire-1", Method: "wire",
			Amount: billing.Money{Amount: 10000, Currency: "USD"}, ReceivedOn: day.AddDays(4), Source: "backoffice"}, billing.SystemActor("test"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	for i, c := range customers {
		msgs := f.sink.To(fmt.Sprintf("ap%d@variant.example", i))
		if len(msgs) != 1 {
			t.Fatalf("customer %d received %d e-mails, want 1", i, len(msgs))
		}
		wantB := c%2 == 1
		isB := strings.Contains(msgs[0].Header("Subject"), "invoice past due")
		if isB != wantB {
			t.Errorf("customer %d (id %d) got subject %q; variant B expected: %v", i, c, msgs[0].Header("Subject"), wantB)
		}
	}

	report, err := collect.VariantReport(ctx, f.pool, day, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(report) != 2 {
		t.Fatalf("report rows = %+v, want one per variant", report)
	}
	for _, r := range report {
		if r.Reminded != 2 {
			t.Errorf("variant %s reminded %d invoices, want 2", r.Variant, r.Reminded)
		}
		wantPaid := 0
		if r.Variant == "B" {
			wantPaid = 1
		}
		if r.PaidIn7Days != wantPaid {
			t.Errorf("variant %s paid within 7 days = %d, want %d", r.Variant, r.PaidIn7Days, wantPaid)
		}
	}
}
