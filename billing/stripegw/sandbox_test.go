package stripegw_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/billing/stripegw"
)

func newSandbox(t *testing.T, f *fixture) (*stripegw.Sandbox, string) {
	t.Helper()
	sb := &stripegw.Sandbox{
		Pool: f.pool, Processor: f.proc, Jobs: f.proc.Jobs, ACHDelay: 30 * time.Second,
		Now: f.proc.Now, Logger: f.proc.Logger,
	}
	// The fixture attached a Stripe-style session; the sandbox keeps its own.
	if _, err := f.pool.Exec(f.ctx, `UPDATE payment_attempts SET checkout_session_id = NULL, gateway = 'sandbox' WHERE id = $1`, f.attempt.ID); err != nil {
		t.Fatal(err)
	}
	checkout, err := sb.StartCheckout(f.ctx, f.attempt, stripegw.ReturnURLs{Success: "/ok", Cancel: "/cancel"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := sb.StartCheckout(f.ctx, f.attempt, stripegw.ReturnURLs{Success: "/ok", Cancel: "/cancel"})
	if err != nil {
		t.Fatal(err)
	}
	if again.SessionID != checkout.SessionID {
		t.Fatalf("second StartCheckout made session %s, want %s", again.SessionID, checkout.SessionID)
	}
	if err := billing.AttachCheckout(f.ctx, f.pool, f.attempt.ID, checkout.SessionID, checkout.URL); err != nil {
		t.Fatal(err)
	}
	return sb, checkout.SessionID
}

func TestSandboxCardDeclinedThenPaid(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "SBCARD", billing.Terms{NetDays: 30})
	sb, id := newSandbox(t, f)

	_, err := sb.PayByCard(f.ctx, id, "4000 0000 0000 0002")
	var inputErr *stripegw.SandboxInputError
	if !errors.As(err, &inputErr) || inputErr.Field != "card_number" {
		t.Fatalf("declined card: err = %v, want a card_number input error", err)
	}
	if got := f.status(); got != billing.AttemptPending {
		t.Errorf("status after decline = %s, want pending", got)
	}

	next, err := sb.PayByCard(f.ctx, id, "4242 4242 4242 4242")
	if err != nil {
		t.Fatal(err)
	}
	if next != "/ok" {
		t.Errorf("next page = %q, want the success URL", next)
	}
	if got := f.status(); got != billing.AttemptSucceeded {
		t.Errorf("status = %s, want succeeded", got)
	}
	if _, err := sb.PayByCard(f.ctx, id, "4242424242424242"); !errors.As(err, &inputErr) {
		t.Errorf("paying a complete session: err = %v, want an input error", err)
	}
}

func TestSandboxBankSchedulesOutcome(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "SBBANK", billing.Terms{NetDays: 30})
	sb, id := newSandbox(t, f)

	if _, err := sb.PayByBank(f.ctx, id, "110000000", "000123456789"); err != nil {
		t.Fatal(err)
	}
	if got := f.status(); got != billing.AttemptProcessing {
		t.Errorf("status = %s, want processing", got)
	}
	if got := f.paymentStatus(); got != billing.PaymentProcessing {
		t.Errorf("payment status = %s, want processing", got)
	}
	var scheduled time.Time
	err := f.pool.QueryRow(f.ctx, `SELECT scheduled_at FROM river_job WHERE kind = 'sandbox_ach_outcome'`).Scan(&scheduled)
	if err != nil {
		t.Fatal(err)
	}
	if !scheduled.Equal(f.now.Add(30 * time.Second)) {
		t.Errorf("outcome scheduled at %s, want %s", scheduled, f.now.Add(30*time.Second))
	}

	for range 2 { // a retried job delivers the same events
		if err := sb.SettleBank(f.ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.status(); got != billing.AttemptSucceeded {
		t.Errorf("status after settling = %s, want succeeded", got)
	}
	if got := f.open(); got != 0 {
		t.Errorf("open balance = %d, want 0", got)
	}
}

func TestSandboxRejectsUnknownAccounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "SBBAD", billing.Terms{NetDays: 30})
	sb, id := newSandbox(t, f)
	tests := []struct {
		routing, account, field string
	}{
		{"021000021", "000123456789", "routing_number"},
		{"110000000", "123", "account_number"},
	}
	for _, tt := range tests {
		_, err := sb.PayByBank(f.ctx, id, tt.routing, tt.account)
		var inputErr *stripegw.SandboxInputError
		if !errors.As(err, &inputErr) || inputErr.Field != tt.field {
			t.Errorf("routing %s account %s: err = %v, want an error on %s", tt.routing, tt.account, err, tt.field)
		}
	}
	if _, err := sb.PayByCard(f.ctx, id, "4111111111111111"); err == nil {
		t.Error("an unknown card was accepted")
	}
}

func TestReconcileFindsLostWebhooks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "RECON", billing.Terms{NetDays: 30})
	sb, id := newSandbox(t, f)
	// The sandbox recorded a card payment whose events never arrived.
	_, err := f.pool.Exec(f.ctx, `UPDATE sandbox_sessions SET status = 'complete', payment_status = 'paid', method = 'card' WHERE id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	r := &stripegw.Reconciler{Gateway: sb, Processor: f.proc}

	if n, err := r.Run(f.ctx); err != nil || n != 0 {
		t.Fatalf("fresh attempt: asked about %d, err = %v; want 0 because it is not stale yet", n, err)
	}
	if _, err := f.pool.Exec(f.ctx, `UPDATE payment_attempts SET created_at = $2 WHERE id = $1`, f.attempt.ID, f.now.Add(-31*time.Minute)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := r.Run(f.ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.status(); got != billing.AttemptSucceeded {
		t.Errorf("status = %s, want succeeded", got)
	}
	if got := f.count(`SELECT count(*) FROM payments`); got != 1 {
		t.Errorf("payments = %d, want 1", got)
	}
}

func TestReconcileExpiresAbandonedCheckout(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "ABANDON", billing.Terms{NetDays: 30})
	sb, id := newSandbox(t, f)
	_, err := f.pool.Exec(f.ctx, `UPDATE sandbox_sessions SET created_at = $2 WHERE id = $1`, id, f.now.Add(-25*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(f.ctx, `UPDATE payment_attempts SET created_at = $2 WHERE id = $1`, f.attempt.ID, f.now.Add(-25*time.Hour)); err != nil {
		t.Fatal(err)
	}

	r := &stripegw.Reconciler{Gateway: sb, Processor: f.proc}
	if _, err := r.Run(f.ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.status(); got != billing.AttemptFailed {
		t.Errorf("status = %s, want failed after the checkout expired", got)
	}
	if got := f.count(`SELECT count(*) FROM outbox_emails`); got != 0 {
		t.Errorf("e-mails = %d, want none for an abandoned checkout", got)
	}
}

func TestReconcileSkipsAttemptsWithException(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t), "HELD", billing.Terms{NetDays: 30})
	sb, _ := newSandbox(t, f)
	short := f.session("complete", "paid")
	short["amount_total"] = int64(1)
	f.mustSend(event{"evt_short", "checkout.session.completed", short})
	if _, err := f.pool.Exec(f.ctx, `UPDATE payment_attempts SET created_at = $2 WHERE id = $1`, f.attempt.ID, f.now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}

	r := &stripegw.Reconciler{Gateway: sb, Processor: f.proc}
	n, err := r.Run(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("asked about %d attempts, want 0 while staff review the exception", n)
	}
}
