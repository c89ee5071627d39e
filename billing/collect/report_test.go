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

func TestPolicyEdits(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	tmpl, err := collect.LoadTemplates(ctx, f.pool)
	if err != nil {
		t.Fatal(err)
	}
	policies, err := collect.LoadPolicies(ctx, f.pool)
	if err != nil {
		t.Fatal(err)
	}
	var standard collect.Policy
	for _, p := range policies {
		if p.Segment == "standard" {
			standard = p
		}
	}
	if len(standard.Steps) != 4 {
		t.Fatalf("standard policy has %d steps, want 4", len(standard.Steps))
	}

	call := collect.Step{PolicyID: standard.ID, OffsetDays: 20, Tone: collect.ToneFirm, Channel: collect.ChannelTask, Template: "firm"}
	if _, err := collect.AddStep(ctx, f.pool, tmpl, call); err != nil {
		t.Fatal(err)
	}
	if _, err := collect.AddStep(ctx, f.pool, tmpl, call); err == nil {
		t.Error("a second step on day 20 was added")
	}
	bad := call
	bad.OffsetDays, bad.Tone = 21, "angry"
	if _, err := collect.AddStep(ctx, f.pool, tmpl, bad); err == nil {
		t.Error("a step with tone angry was added")
	}
	if err := collect.SavePolicy(ctx, f.pool, standard.ID, "Standard terms", "nobody"); err == nil {
		t.Error("SavePolicy with sender nobody succeeded")
	}
	if err := collect.SavePolicy(ctx, f.pool, standard.ID, "Standard terms", collect.SenderOwner); err != nil {
		t.Fatal(err)
	}

	// The new staff-call step opens a task on day 20 and sends no e-mail.
	cust := f.customer(t, "Call Me Co", "ap@callme.example")
	due := billing.NewDate(2026, 2, 1)
	f.invoice(t, cust, "CALL-1", 1000, due)
	res := f.run(t, due.AddDays(20))
	if res.Sent != 0 || res.Tasks != 1 || res.Invoices != 1 {
		t.Errorf("run on day 20: sent %d, tasks %d, invoices %d; want 0, 1, 1", res.Sent, res.Tasks, res.Invoices)
	}
}
