package stripegw_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/billing/outbox"
	"github.com/ledgvero/ledgvero/billing/stripegw"
)

const testSecret = "whsec_test_secret"

// fixture is one customer with one invoice and one pending attempt for it.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	pool    *pgxpool.Pool
	proc    *stripegw.Processor
	now     time.Time
	invoice billing.Invoice
	attempt billing.PaymentAttempt
}

var testNow = time.Date(2026, 3, 5, 15, 0, 0, 0, time.UTC)

func newProcessor(t *testing.T, pool *pgxpool.Pool, now time.Time) *stripegw.Processor {
	t.Helper()
	jobs, err := outbox.NewInserter(pool)
	if err != nil {
		t.Fatal(err)
	}
	return &stripegw.Processor{
		Pool: pool, Secret: testSecret, Jobs: jobs, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return now }, Timezone: time.UTC, BaseURL: "http://127.0.0.1:1", OrgName: "Test Seller",
	}
}

func newFixture(t *testing.T, pool *pgxpool.Pool, name string, terms billing.Terms) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, ctx: ctx, pool: pool, proc: newProcessor(t, pool, testNow), now: testNow}
	today := billing.Today(testNow, time.UTC)

	err := billing.InTx(ctx, pool, func(tx pgx.Tx) error {
		ext := name
		cust, err := billing.CreateCustomer(ctx, tx, billing.Customer{ExternalID: &ext, Name: name, Currency: "USD", Terms: terms})
		if err != nil {
			return err
		}
		f.invoice, err = billing.IssueInvoice(ctx, tx, billing.NewInvoice{
			CustomerID: cust, Number: name + "-1", IssueDate: today.AddDays(-3), Currency: "USD", Source: "test",
			Lines: []billing.Line{{Description: "Goods", QuantityMilli: 1000, UnitPrice: billing.Money{Amount: 248000, Currency: "USD"}}},
		}, billing.SystemActor("test"))
		if err != nil {
			return err
		}
		f.attempt, _, err = billing.CreatePaymentAttempt(ctx, tx, billing.PayRequest{
			CustomerID: cust, ContactEmail: "ap@" + strings.ToLower(name) + ".example", IdempotencyKey: billing.NewIdempotencyKey(),
			Choices: []billing.PayChoice{{InvoiceID: f.invoice.ID}}, Gateway: "stripe", InitiatedOn: today,
		})
		if err != nil {
			return err
		}
		return billing.AttachCheckout(ctx, tx, f.attempt.ID, "cs_test_"+name, "https://checkout.stripe.com/c/pay/cs_test_"+name)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) intentID() string { return "pi_" + f.invoice.Number }

func (f *fixture) session(status, paymentStatus string) map[string]any {
	return stripegw.SessionObject(stripegw.SessionFields{
		ID: "cs_test_" + strings.TrimSuffix(f.invoice.Number, "-1"), AttemptID: f.attempt.ID, PaymentIntentID: f.intentID(),
		Amount: f.attempt.Amount, Status: status, PaymentStatus: paymentStatus, Created: f.now,
	})
}

func (f *fixture) intent(status, method string) map[string]any {
	return stripegw.IntentObject(stripegw.IntentFields{
		ID: f.intentID(), AttemptID: f.attempt.ID, Amount: f.attempt.Amount, Status: status, Method: method, Created: f.now,
	})
}

// event is one signed delivery.
type event struct {
	id, kind string
	object   map[string]any
}

func (f *fixture) send(ev event) error {
	payload, err := stripegw.EventJSON(ev.id, ev.kind, ev.object, f.now)
	if err != nil {
		return err
	}
	return f.proc.Handle(f.ctx, payload, stripegw.Sign(payload, testSecret, f.now))
}

func (f *fixture) mustSend(evs ...event) {
	f.t.Helper()
	for _, ev := range evs {
		if err := f.send(ev); err != nil {
			f.t.Fatalf("sending %s: %v", ev.kind, err)
		}
	}
}

func (f *fixture) status() string {
	f.t.Helper()
	var s string
	if err := f.pool.QueryRow(f.ctx, `SELECT status FROM payment_attempts WHERE id = $1`, f.attempt.ID).Scan(&s); err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, query, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) open() int64 {
	f.t.Helper()
	var open int64
	if err := f.pool.QueryRow(f.ctx, `SELECT open_minor FROM invoices WHERE id = $1`, f.invoice.ID).Scan(&open); err != nil {
		f.t.Fatal(err)
	}
	return open
}

func (f *fixture) paymentStatus() string {
	f.t.Helper()
	var s string
	err := f.pool.QueryRow(f.ctx, `SELECT coalesce((SELECT status FROM payments WHERE customer_id = $1), 'none')`,
		f.attempt.CustomerID).Scan(&s)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func TestVerifyRejectsBadDeliveries(t *testing.T) {
	t.Parallel()
	proc := &stripegw.Processor{Secret: testSecret, Now: func() time.Time { return testNow }}
	payload, err := stripegw.EventJSON("evt_1", "payment_intent.succeeded", map[string]any{"id": "pi_1", "object": "payment_intent"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	oldVersion := strings.Replace(string(payload), `"2023-10-16"`, `"2020-08-27"`, 1)
	tests := []struct {
		name    string
		payload string
		header  string
	}{
		{"wrong secret", string(payload), stripegw.Sign(payload, "whsec_other", testNow)},
		{"altered body", strings.Replace(string(payload), "pi_1", "pi_2", 1), stripegw.Sign(payload, testSecret, testNow)},
		{"timestamp six minutes old", string(payload), stripegw.Sign(payload, testSecret, testNow.Add(-6*time.Minute))},
		{"timestamp six minutes ahead", string(payload), stripegw.Sign(payload, testSecret, testNow.Add(6*time.Minute))},
		{"missing header", string(payload), ""},
		{"garbage header", string(payload), "t=abc,v1=00"},
		{"other API version", oldVersion, stripegw.Sign([]byte(oldVersion), testSecret, testNow)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := proc.Verify([]byte(tt.payload), tt.header)
			if !errors.Is(err, stripegw.ErrSignature) {
				t.Errorf("err = %v, want ErrSignature", err)
			}
		})
	}

	for _, skew := range []time.Duration{-4 * time.Minute, 0, 4 * time.Minute} {
		if _, err := proc.Verify(payload, stripegw.Sign(payload, testSecret, testNow.Add(skew))); err != nil {
			t.Errorf("skew %s: err = %v, want the event accepted", skew, err)
		}
	}
}

func TestCardPaymentAppliedOnce(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	f := newFixture(t, pool, "CARD", billing.Terms{NetDays: 30})
	completed := event{"evt_completed", "checkout.session.completed", f.session("complete", "paid")}
	succeeded := event{"evt_succeeded", "payment_intent.succeeded", f.intent("succeeded", "card")}
	for range 3 {
		f.mustSend(completed, succeeded)
	}

	if got := f.status(); got != billing.AttemptSucceeded {
		t.Errorf("attempt status = %s, want succeeded", got)
	}
	if got := f.count(`SELECT count(*) FROM payments`); got != 1 {
		t.Errorf("payments = %d, want 1", got)
	}
	if got := f.open(); got != 0 {
		t.Errorf("open balance = %d, want 0", got)
	}
	if got := f.count(`SELECT count(*) FROM outbox_emails WHERE kind = 'payment.receipt'`); got != 1 {
		t.Errorf("receipts queued = %d, want 1", got)
	}
	number := billing.ReceiptNumber(f.attempt.ID)
	if got := f.count(`SELECT count(*) FROM outbox_emails WHERE kind = 'payment.receipt'
		AND subject LIKE '%' || $1 || '%' AND body_text LIKE '%' || $1 || '%'`, number); got != 1 {
		t.Errorf("receipts naming %s in the subject and text = %d, want 1", number, got)
	}
	if got := f.count(`SELECT count(*) FROM outbox_emails WHERE kind = 'payment.receipt'
		AND body_text LIKE 'Hello,%' AND body_text LIKE '%received your payment of % on % by card.%'
		AND body_text LIKE '%Accounts Receivable%'`); got != 1 {
		t.Errorf("receipts with a greeting, the date, the method and a signature = %d, want 1", got)
	}
	if got := f.count(`SELECT count(*) FROM processed_webhook_events`); got != 2 {
		t.Errorf("processed events = %d, want 2", got)
	}
}

// permutations returns every order of evs.
func permutations(evs []event) [][]event {
	if len(evs) <= 1 {
		return [][]event{evs}
	}
	var out [][]event
	for i := range evs {
		rest := append(append([]event{}, evs[:i]...), evs[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([]event{evs[i]}, p...))
		}
	}
	return out
}

func TestACHSettledInAnyOrder(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	for n, order := range permutations([]event{
		{"completed", "checkout.session.completed", nil},
		{"processing", "payment_intent.processing", nil},
		{"async_succeeded", "checkout.session.async_payment_succeeded", nil},
		{"succeeded", "payment_intent.succeeded", nil},
	}) {
		f := newFixture(t, pool, fmt.Sprintf("ACHOK%02d", n), billing.Terms{NetDays: 30})
		objects := map[string]map[string]any{
			"completed": f.session("complete", "unpaid"), "processing": f.intent("processing", "ach"),
			"async_succeeded": f.session("complete", "paid"), "succeeded": f.intent("succeeded", "ach"),
		}
		for _, ev := range order {
			f.mustSend(event{fmt.Sprintf("evt_%d_%s", n, ev.id), ev.kind, objects[ev.id]})
			f.mustSend(event{fmt.Sprintf("evt_%d_%s", n, ev.id), ev.kind, objects[ev.id]}) // redelivery
		}

		if got := f.status(); got != billing.AttemptSucceeded {
			t.Errorf("order %d: attempt status = %s, want succeeded", n, got)
		}
		if got := f.paymentStatus(); got != billing.PaymentSucceeded {
			t.Errorf("order %d: payment status = %s, want succeeded", n, got)
		}
		if got := f.open(); got != 0 {
			t.Errorf("order %d: open balance = %d, want 0", n, got)
		}
	}
}

func TestACHFailedInAnyOrder(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	for n, order := range permutations([]event{
		{"completed", "checkout.session.completed", nil},
		{"processing", "payment_intent.processing", nil},
		{"async_failed", "checkout.session.async_payment_failed", nil},
		{"failed", "payment_intent.payment_failed", nil},
	}) {
		f := newFixture(t, pool, fmt.Sprintf("ACHNO%02d", n), billing.Terms{NetDays: 30})
		objects := map[string]map[string]any{
			"completed": f.session("complete", "unpaid"), "processing": f.intent("processing", "ach"),
			"async_failed": f.session("complete", "unpaid"), "failed": f.intent("requires_payment_method", "ach"),
		}
		for _, ev := range order {
			f.mustSend(event{fmt.Sprintf("evt_%d_%s", n, ev.id), ev.kind, objects[ev.id]})
		}

		if got := f.status(); got != billing.AttemptFailed {
			t.Errorf("order %d: attempt status = %s, want failed", n, got)
		}
		if got := f.paymentStatus(); got != billing.PaymentFailed && got != "none" {
			t.Errorf("order %d: payment status = %s, want failed or no payment", n, got)
		}
		if got := f.open(); got != 248000 {
			t.Errorf("order %d: open balance = %d, want 248000", n, got)
		}
		if got := f.count(`SELECT count(*) FROM outbox_emails WHERE kind = 'payment.failed' AND customer_id = $1`, f.attempt.CustomerID); got != 1 {
			t.Errorf("order %d: failure e-mails = %d, want 1", n, got)
		}
	}
}

func TestCardDeclineKeepsAttemptOpen(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	f := newFixture(t, pool, "DECLINE", billing.Terms{NetDays: 30})
	declined := stripegw.IntentObject(stripegw.IntentFields{
		ID: f.intentID(), AttemptID: f.attempt.ID, Amount: f.attempt.Amount, Status: "requires_payment_method",
		Method: "card", Failure: "Your card was declined.", Created: f.now,
	})
	f.mustSend(event{"evt_declined", "payment_intent.payment_failed", declined})
	if got := f.status(); got != billing.AttemptPending {
		t.Errorf("status after decline = %s, want pending", got)
	}

	f.mustSend(event{"evt_succeeded", "payment_intent.succeeded", f.intent("succeeded", "card")})
	if got := f.status(); got != billing.AttemptSucceeded {
		t.Errorf("status after second card = %s, want succeeded", got)
	}
}

func TestAmountMismatchGoesToStaff(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	f := newFixture(t, pool, "MISMATCH", billing.Terms{NetDays: 30})
	short := f.session("complete", "paid")
	short["amount_total"] = f.attempt.Amount.Amount - 100
	eur := f.intent("succeeded", "card")
	eur["currency"] = "eur"
	f.mustSend(event{"evt_short", "checkout.session.completed", short}, event{"evt_eur", "payment_intent.succeeded", eur})

	if got := f.status(); got != billing.AttemptPending {
		t.Errorf("attempt status = %s, want pending", got)
	}
	if got := f.count(`SELECT count(*) FROM payments`); got != 0 {
		t.Errorf("payments = %d, want 0", got)
	}
	if got := f.count(`SELECT count(*) FROM payment_exceptions WHERE kind = 'amount_mismatch'`); got != 1 {
		t.Errorf("amount exceptions = %d, want 1", got)
	}
	if got := f.count(`SELECT count(*) FROM payment_exceptions WHERE kind = 'currency_mismatch'`); got != 1 {
		t.Errorf("currency exceptions = %d, want 1", got)
	}
	if got := f.count(`SELECT count(*) FROM staff_tasks WHERE kind = 'amount_mismatch'`); got != 2 {
		t.Errorf("staff tasks = %d, want 2", got)
	}
	if got := f.count(`SELECT count(*) FROM timeline_events WHERE kind = 'payment.exception'`); got != 2 {
		t.Errorf("timeline events = %d, want 2", got)
	}
}

func TestOtherEventTypesAcknowledged(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	f := newFixture(t, pool, "OTHER", billing.Terms{NetDays: 30})
	f.mustSend(event{"evt_customer", "customer.created", map[string]any{"id": "cus_1", "object": "customer"}})
	foreign := f.intent("succeeded", "card")
	foreign["id"], foreign["metadata"] = "pi_not_ours", map[string]string{}
	f.mustSend(event{"evt_foreign", "payment_intent.succeeded", foreign})

	if got := f.status(); got != billing.AttemptPending {
		t.Errorf("attempt status = %s, want pending", got)
	}
	if got := f.count(`SELECT count(*) FROM payments`); got != 0 {
		t.Errorf("payments = %d, want 0", got)
	}
}

func TestRefundAndDisputeAfterSuccess(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	refunded := newFixture(t, pool, "REFUND", billing.Terms{NetDays: 30})
	disputed := newFixture(t, pool, "DISPUTE", billing.Terms{NetDays: 30})
	for _, f := range []*fixture{refunded, disputed} {
		f.mustSend(event{"evt_ok_" + f.invoice.Number, "payment_intent.succeeded", f.intent("succeeded", "card")})
	}

	// A dispute that arrives twice and a refund redelivered leave one effect each.
	charge := stripegw.ChargeObject("ch_"+refunded.invoice.Number, refunded.intentID(), refunded.attempt.Amount, refunded.attempt.Amount.Amount)
	refunded.mustSend(event{"evt_refund", "charge.refunded", charge}, event{"evt_refund", "charge.refunded", charge})
	dispute := stripegw.DisputeObject("dp_1", "ch_"+disputed.invoice.Number, disputed.intentID(), disputed.attempt.Amount, "needs_response")
	disputed.mustSend(event{"evt_dispute", "charge.dispute.created", dispute}, event{"evt_dispute_2", "charge.dispute.created", dispute})
	closed := stripegw.DisputeObject("dp_1", "ch_"+disputed.invoice.Number, disputed.intentID(), disputed.attempt.Amount, "lost")
	disputed.mustSend(event{"evt_dispute_closed", "charge.dispute.closed", closed})

	if got := refunded.status(); got != billing.AttemptRefunded {
		t.Errorf("refunded attempt status = %s", got)
	}
	if got := refunded.open(); got != 248000 {
		t.Errorf("open balance after refund = %d, want 248000", got)
	}
	if got := disputed.status(); got != billing.AttemptDisputed {
		t.Errorf("disputed attempt status = %s", got)
	}
	if got := disputed.paymentStatus(); got != billing.PaymentDisputed {
		t.Errorf("disputed payment status = %s", got)
	}
	if got := disputed.count(`SELECT count(*) FROM staff_tasks WHERE title LIKE '%closed as lost%'`); got != 1 {
		t.Errorf("dispute outcome tasks = %d, want 1", got)
	}

	// A late success event after the refund does not move the attempt back.
	refunded.mustSend(event{"evt_late", "checkout.session.completed", refunded.session("complete", "paid")})
	if got := refunded.status(); got != billing.AttemptRefunded {
		t.Errorf("status after a late event = %s, want refunded", got)
	}
}

func TestDiscountAppliedOnSuccess(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	f := newFixture(t, pool, "DISC", billing.Terms{NetDays: 30, DiscountRateBP: 200, DiscountDays: 10})
	if f.attempt.Discount.Amount != 4960 {
		t.Fatalf("attempt discount = %d, want 4960", f.attempt.Discount.Amount)
	}
	f.mustSend(event{"evt_disc", "payment_intent.succeeded", f.intent("succeeded", "card")})

	if got := f.open(); got != 0 {
		t.Errorf("open balance = %d, want 0", got)
	}
	if got := f.count(`SELECT count(*) FROM credit_notes WHERE amount_minor = 4960`); got != 1 {
		t.Errorf("discount credit notes = %d, want 1", got)
	}
}

func TestFailedACHWithdrawsDiscount(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	f := newFixture(t, pool, "ACHDISC", billing.Terms{NetDays: 30, DiscountRateBP: 200, DiscountDays: 10})
	f.mustSend(
		event{"evt_processing", "payment_intent.processing", f.intent("processing", "ach")},
		event{"evt_failed", "checkout.session.async_payment_failed", f.session("complete", "unpaid")},
	)
	if got := f.count(`SELECT count(*) FROM credit_notes`); got != 0 {
		t.Errorf("credit notes after the failure = %d, want 0", got)
	}
	if got := f.open(); got != 248000 {
		t.Errorf("open balance = %d, want 248000", got)
	}

	// A new payment earns the discount again only while the window is open.
	today := billing.Today(f.now, time.UTC)
	windowEnd := f.invoice.DiscountUntil
	for _, tt := range []struct {
		initiated billing.Date
		want      int64
	}{{today, 4960}, {windowEnd, 4960}, {windowEnd.AddDays(1), 0}} {
		retry, _, err := billing.CreatePaymentAttempt(f.ctx, pool, billing.PayRequest{
			CustomerID: f.attempt.CustomerID, ContactEmail: f.attempt.ContactEmail, IdempotencyKey: billing.NewIdempotencyKey(),
			Choices: []billing.PayChoice{{InvoiceID: f.invoice.ID}}, Gateway: "stripe", InitiatedOn: tt.initiated,
		})
		if err != nil {
			t.Fatal(err)
		}
		if retry.Discount.Amount != tt.want {
			t.Errorf("retry initiated on %s: discount = %d, want %d", tt.initiated, retry.Discount.Amount, tt.want)
		}
	}
}

func TestCardPaymentMethodAndReference(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	for n, order := range permutations([]event{
		{"completed", "checkout.session.completed", nil},
		{"succeeded", "payment_intent.succeeded", nil},
	}) {
		f := newFixture(t, pool, fmt.Sprintf("CARDREF%d", n), billing.Terms{NetDays: 30})
		// Stripe Checkout lists every type the session offered on its payment
		// intent, so the intent alone does not name the card.
		intent := f.intent("succeeded", "card")
		intent["payment_method_types"] = []string{"card", "us_bank_account"}
		objects := map[string]map[string]any{"completed": f.session("complete", "paid"), "succeeded": intent}
		for _, ev := range order {
			f.mustSend(event{fmt.Sprintf("evt_%d_%s", n, ev.id), ev.kind, objects[ev.id]})
		}

		var method, reference string
		err := pool.QueryRow(f.ctx, `SELECT method, reference FROM payments WHERE customer_id = $1`, f.attempt.CustomerID).
			Scan(&method, &reference)
		if err != nil {
			t.Fatal(err)
		}
		if method != billing.MethodCard {
			t.Errorf("order %d: payment method = %q, want card", n, method)
		}
		if reference != f.intentID() {
			t.Errorf("order %d: payment reference = %q, want %q", n, reference, f.intentID())
		}
		if got := f.count(`SELECT count(*) FROM timeline_events WHERE customer_id = $1 AND summary LIKE '%by card%'`,
			f.attempt.CustomerID); got != 1 {
			t.Errorf("order %d: timeline events naming the card = %d, want 1", n, got)
		}
	}
}
