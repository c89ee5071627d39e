package collect_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
)

func (f *fixture) mailer() *collect.InvoiceMailer {
	return &collect.InvoiceMailer{
		Pool: f.pool, Jobs: f.jobs, BaseURL: "https://pay.seller.example", OrgName: "Acme Industrial Supply",
		Logger: f.engine.Logger, Now: f.clock.Now,
	}
}

func TestInvoiceDeliveredOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	cust := f.customer(t, "Northwind Traders", "ap@northwind.example")
	_, err := f.pool.Exec(ctx, `UPDATE customers SET late_fee_kind = 'flat', late_fee_flat_minor = 2500, late_fee_grace_days = 5 WHERE id = $1`, cust)
	if err != nil {
		t.Fatal(err)
	}
	issued := billing.NewDate(2026, 7, 1)
	f.clock.setDay(issued)
	inv := f.invoice(t, cust, "INV-2001", 98000, issued.AddDays(30))

	// The invoice helper issues on due - 30, which is today, and created_at is now.
	sent, err := f.mailer().DeliverNew(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sent != 1 {
		t.Fatalf("DeliverNew queued %d e-mails, want 1", sent)
	}
	again, err := f.mailer().DeliverNew(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again != 0 {
		t.Errorf("second DeliverNew queued %d e-mails, want 0", again)
	}
	err = billing.InTx(ctx, f.pool, func(tx pgx.Tx) error {
		ok, err := f.mailer().SendInvoice(ctx, tx, inv.ID, billing.SystemActor("test"), "job")
		if ok {
			t.Error("SendInvoice after delivery sent the invoice again")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	if failed := f.deliver(t, 1); failed != 0 {
		t.Fatalf("%d deliveries failed", failed)
	}
	msgs := f.sink.To("ap@northwind.example")
	if len(msgs) != 1 {
		t.Fatalf("sink has %d messages for the contact, want 1", len(msgs))
	}
	m := msgs[0]
	if got, want := m.Header("Subject"), "Invoice INV-2001 from Acme Industrial Supply: $980.00 due Jul 31, 2026"; got != want {
		t.Errorf("subject = %q, want %q", got, want)
	}
	body := unfold(m.Data)
	for _, p := range []string{
		"https://pay.seller.example/portal/link/", "Payment is due within 30 days of the invoice date, by Jul 31, 2026.",
		"A late fee of $25.00 is added once if the invoice is still unpaid 5 days after the due date.",
		`filename="invoice-INV-2001.pdf"`, "application/pdf", "Hydraulic fittings: $980.00",
	} {
		if !strings.Contains(body, p) {
			t.Errorf("invoice e-mail lacks %q", p)
		}
	}
}

func TestInvoiceDeliverySkipsOldAndVoid(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	cust := f.customer(t, "Old Books Ltd", "ap@oldbooks.example")
	f.clock.setDay(billing.NewDate(2026, 7, 1))
	f.invoice(t, cust, "OLD-1", 1000, billing.NewDate(2026, 3, 1)) // issued in January: imported history
	void := f.invoice(t, cust, "VOID-1", 1000, billing.NewDate(2026, 7, 31))
	if _, err := f.pool.Exec(ctx, `UPDATE invoices SET voided_at = $2 WHERE id = $1`, void.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	sent, err := f.mailer().DeliverNew(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sent != 0 {
		t.Errorf("DeliverNew queued %d e-mails for an old and a void invoice, want 0", sent)
	}
}
