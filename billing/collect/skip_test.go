package collect_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
)

func TestHeldBackInvoicesGetNoReminder(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	day := billing.NewDate(2026, 5, 20)
	due := day.AddDays(-4) // past the friendly step (+3) of the standard policy
	usd := func(cents int64) billing.Money { return billing.Money{Amount: cents, Currency: "USD"} }
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := f.pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	inTx := func(fn func(tx pgx.Tx) error) {
		t.Helper()
		if err := billing.InTx(ctx, f.pool, fn); err != nil {
			t.Fatal(err)
		}
	}

	paid := f.customer(t, "Paid Co", "ap@paid.example")
	inv := f.invoice(t, paid, "PAID-1", 1000, due)
	inTx(func(tx pgx.Tx) error {
		_, err := billing.RecordPayment(ctx, tx, billing.NewPayment{CustomerID: paid, ExternalID: "chk-1", Method: "check",
			Amount: usd(1000), ReceivedOn: due, InvoiceIDs: []int64{inv.ID}, Source: "backoffice"}, billing.SystemActor("test"))
		return err
	})

	disputed := f.customer(t, "Disputed Co", "ap@disputed.example")
	inv = f.invoice(t, disputed, "DIS-1", 1000, due)
	exec(`INSERT INTO disputes (customer_id, invoice_id, reason, source) VALUES ($1, $2, 'wrong_amount', 'portal')`, disputed, inv.ID)

	promised := f.customer(t, "Promised Co", "ap@promised.example")
	inv = f.invoice(t, promised, "PRO-1", 1000, due)
	exec(`INSERT INTO promises (customer_id, invoice_id, amount_minor, currency, promised_on, source, actor)
		VALUES ($1, $2, 1000, 'USD', $3, 'portal', 'contact:ap@promised.example')`, promised, inv.ID, day.AddDays(-1))

	planned := f.customer(t, "Planned Co", "ap@planned.example")
	inv = f.invoice(t, planned, "PLN-1", 1000, due)
	exec(`WITH p AS (
		INSERT INTO installment_plans (customer_id, currency, total_minor, installment_count, frequency, first_due_on, status, proposed_by)
		VALUES ($1, 'USD', 1000, 2, 'monthly', $3, 'approved', 'contact:ap@planned.example') RETURNING id)
		INSERT INTO installment_plan_invoices (plan_id, invoice_id, amount_minor) SELECT id, $2, 1000 FROM p`,
		planned, inv.ID, day.AddDays(10))

	credited := f.customer(t, "Credited Co", "ap@credited.example")
	f.invoice(t, credited, "CRD-1", 1000, due)
	inTx(func(tx pgx.Tx) error {
		_, err := billing.IssueCreditNote(ctx, tx, billing.NewCreditNote{CustomerID: credited, Number: "CN-1",
			Amount: usd(1500), IssuedOn: due, Reason: "returned goods", Source: "backoffice"}, billing.SystemActor("test"))
		return err
	})

	inFlight := f.customer(t, "In Flight Co", "ap@inflight.example")
	inv = f.invoice(t, inFlight, "FLY-1", 1000, due)
	inTx(func(tx pgx.Tx) error {
		_, err := billing.RecordPayment(ctx, tx, billing.NewPayment{CustomerID: inFlight, ExternalID: "ach-1", Method: "ach",
			Status: "processing", Amount: usd(1000), ReceivedOn: day, InvoiceIDs: []int64{inv.ID}, Source: "portal"}, billing.SystemActor("test"))
		return err
	})

	optedOut := f.customer(t, "Opted Out Co", "ap@optedout.example")
	f.invoice(t, optedOut, "OPT-1", 1000, due)
	exec(`UPDATE contacts SET opted_out_at = now() WHERE customer_id = $1`, optedOut)

	noContact := f.customer(t, "No Contact Co", "")
	f.invoice(t, noContact, "NOC-1", 1000, due)

	paused := f.customer(t, "Paused Co", "ap@paused.example")
	f.invoice(t, paused, "PAU-1", 1000, due)
	if err := collect.Pause(ctx, f.pool, paused, "negotiating a settlement", billing.SystemActor("test")); err != nil {
		t.Fatal(err)
	}

	reminded := f.customer(t, "Reminded Co", "ap@reminded.example")
	f.invoice(t, reminded, "REM-1", 1000, due)

	res := f.run(t, day)
	if res.Sent != 1 {
		t.Errorf("sent %d e-mails, want 1 (to Reminded Co only)", res.Sent)
	}
	want := map[string]int{
		collect.SkipDisputed: 1, collect.SkipPromised: 1, collect.SkipPlanned: 1, collect.SkipCreditCovered: 1,
		collect.SkipInFlight: 1, collect.SkipOptedOut: 1, collect.SkipNoContact: 1, collect.SkipPaused: 1,
	}
	for reason, n := range want {
		if res.Skipped[reason] != n {
			t.Errorf("skipped[%s] = %d, want %d", reason, res.Skipped[reason], n)
		}
	}
	if len(res.Skipped) != len(want) {
		t.Errorf("skipped = %v, want exactly %v", res.Skipped, want)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox_emails WHERE customer_id <> $1`, reminded); n != 0 {
		t.Errorf("e-mails to held-back customers = %d, want 0", n)
	}
	if n := f.count(t, `SELECT count(*) FROM timeline_events WHERE kind = 'reminder.skipped' AND customer_id = $1`, disputed); n != 1 {
		t.Errorf("reminder.skipped events for the disputed customer = %d, want 1", n)
	}

	// The skip is logged once even when the hold lasts.
	f.run(t, day.AddDays(1))
	if n := f.count(t, `SELECT count(*) FROM reminder_skips WHERE customer_id = $1`, disputed); n != 1 {
		t.Errorf("reminder_skips rows for the disputed customer after two runs = %d, want 1", n)
	}

	// A promise holds only until its date plus the grace days.
	grace := f.count(t, `SELECT promise_grace_days FROM portal_settings`)
	later := f.run(t, day.AddDays(grace+1))
	if n := f.count(t, `SELECT count(*) FROM outbox_emails WHERE customer_id = $1`, promised); n != 1 || later.Sent == 0 {
		t.Errorf("e-mails to Promised Co after the promise lapsed = %d, want 1", n)
	}
}

func TestInvalidAddressDoesNotBlockOthers(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	day := billing.NewDate(2026, 5, 20)
	broken := f.customer(t, "Broken Address Co", "ap@broken.example")
	if _, err := f.pool.Exec(ctx, `UPDATE contacts SET email = 'ap @broken' WHERE customer_id = $1`, broken); err != nil {
		t.Fatal(err)
	}
	f.invoice(t, broken, "BRK-1", 1000, day.AddDays(-4))
	fine := f.customer(t, "Fine Co", "ap@fine.example")
	f.invoice(t, fine, "FIN-1", 1000, day.AddDays(-4))

	res := f.run(t, day)
	if res.Sent != 1 || res.Skipped[collect.SkipInvalidEmail] != 1 {
		t.Errorf("sent %d, skipped %v; want 1 sent and 1 invalid_email", res.Sent, res.Skipped)
	}
}
