package stripegw_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/billing/stripegw"
)

// clock is a settable test clock shared by the processor and the sandbox.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// setDay moves the clock to noon UTC of day.
func (c *clock) setDay(day billing.Date) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = day.Time()
}

// autopayFixture is one customer with one invoice of 600.00 in an approved plan
// of two monthly installments of 300.00, with a saved sandbox payment method.
type autopayFixture struct {
	t       *testing.T
	ctx     context.Context
	pool    *pgxpool.Pool
	clock   *clock
	sandbox *stripegw.Sandbox
	autopay *stripegw.Autopay
	cust    int64
	invoice billing.Invoice
	planID  int64
	first   billing.Date
}

func newAutopayFixture(t *testing.T, name, token string) *autopayFixture {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.New(t)
	f := &autopayFixture{t: t, ctx: ctx, pool: pool, clock: &clock{}, first: billing.NewDate(2026, 5, 4)}
	f.clock.setDay(billing.NewDate(2026, 4, 20))
	proc := newProcessor(t, pool, time.Time{})
	proc.Now = f.clock.Now
	f.sandbox = &stripegw.Sandbox{Pool: pool, Processor: proc, Jobs: proc.Jobs, ACHDelay: 72 * time.Hour,
		Now: f.clock.Now, Logger: proc.Logger}
	f.autopay = &stripegw.Autopay{Gateway: f.sandbox, Processor: proc}

	kind, last4 := billing.MethodCard, token[len(token)-4:]
	if strings.Contains(token, "bank") {
		kind = billing.MethodACH
	}
	err := billing.InTx(ctx, pool, func(tx pgx.Tx) error {
		ext := name
		var err error
		f.cust, err = billing.CreateCustomer(ctx, tx, billing.Customer{ExternalID: &ext, Name: name, Currency: "USD",
			Terms: billing.Terms{NetDays: 30}})
		if err != nil {
			return err
		}
		if _, err := billing.AddContact(ctx, tx, billing.Contact{CustomerID: f.cust, Email: "ap@" + strings.ToLower(name) + ".example",
			Roles: []string{"billing"}, ReceivesReminders: true}); err != nil {
			return err
		}
		f.invoice, err = billing.IssueInvoice(ctx, tx, billing.NewInvoice{
			CustomerID: f.cust, Number: name + "-1", IssueDate: billing.NewDate(2026, 3, 1), Currency: "USD", Source: "test",
			Lines: []billing.Line{{Description: "Goods", QuantityMilli: 1000, UnitPrice: billing.Money{Amount: 60000, Currency: "USD"}}},
		}, billing.SystemActor("test"))
		if err != nil {
			return err
		}
		plan, err := billing.ProposePlan(ctx, tx, billing.PlanProposal{
			CustomerID: f.cust, InvoiceIDs: []int64{f.invoice.ID}, Count: 2, Frequency: billing.FrequencyMonthly,
			First: f.first, DownPayment: billing.Money{Currency: "USD"}, Autopay: true,
			Actor: billing.Actor{Kind: "contact", Name: "ap@example.com"},
		}, billing.NewDate(2026, 4, 20))
		if err != nil {
			return err
		}
		f.planID = plan.ID
		if _, err := tx.Exec(ctx, `UPDATE installment_plans SET status = 'approved' WHERE id = $1`, plan.ID); err != nil {
			return err
		}
		return billing.SavePlanMethod(ctx, tx, f.cust, plan.ID, billing.SavedMethod{
			Gateway: "sandbox", PaymentMethodID: token, CustomerRef: "cus_sandbox_test", Kind: kind, Brand: "visa", Last4: last4,
		}, billing.Actor{Kind: "contact", Name: "ap@example.com"})
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// run makes the automatic charges of day and returns how many reached the gateway.
func (f *autopayFixture) run(day billing.Date) int {
	f.t.Helper()
	f.clock.setDay(day)
	n, err := f.autopay.Run(f.ctx)
	if err != nil {
		f.t.Fatalf("autopay on %s: %v", day, err)
	}
	return n
}

func (f *autopayFixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, query, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *autopayFixture) open() int64 {
	f.t.Helper()
	return int64(f.count(`SELECT open_minor FROM invoices WHERE id = $1`, f.invoice.ID))
}

func (f *autopayFixture) attemptStatus(seq, try int) string {
	f.t.Helper()
	var s string
	err := f.pool.QueryRow(f.ctx, `SELECT status FROM payment_attempts WHERE idempotency_key = $1`,
		billing.InstallmentChargeKey(f.planID, seq, try)).Scan(&s)
	if errors.Is(err, pgx.ErrNoRows) {
		return "none"
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *autopayFixture) planStatus() string {
	f.t.Helper()
	var s string
	if err := f.pool.QueryRow(f.ctx, `SELECT status FROM installment_plans WHERE id = $1`, f.planID).Scan(&s); err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *autopayFixture) emails(kind string) int {
	f.t.Helper()
	return f.count(`SELECT count(*) FROM outbox_emails WHERE customer_id = $1 AND kind = $2`, f.cust, kind)
}

func TestAutopayCardChargedOnce(t *testing.T) {
	t.Parallel()
	f := newAutopayFixture(t, "APCARD", stripegw.SandboxCardSucceeds)

	if n := f.run(f.first.AddDays(-1)); n != 0 {
		t.Errorf("charges the day before = %d, want 0", n)
	}
	if n := f.run(f.first); n != 1 {
		t.Fatalf("charges on the due date = %d, want 1", n)
	}
	if got := f.attemptStatus(1, 1); got != billing.AttemptSucceeded {
		t.Errorf("attempt status = %s, want succeeded", got)
	}
	if got := f.open(); got != 30000 {
		t.Errorf("open balance = %d, want 30000 after the first installment", got)
	}
	if got := f.emails("payment.receipt"); got != 1 {
		t.Errorf("receipts = %d, want 1", got)
	}

	// A second run, a second server and the next days charge nothing more.
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.autopay.Run(f.ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := f.run(f.first.AddDays(1)); n != 0 {
		t.Errorf("charges the day after = %d, want 0", n)
	}
	if got := f.count(`SELECT count(*) FROM payment_attempts WHERE customer_id = $1`, f.cust); got != 1 {
		t.Errorf("attempts = %d, want 1", got)
	}
	if got := f.count(`SELECT count(*) FROM payments WHERE customer_id = $1`, f.cust); got != 1 {
		t.Errorf("payments = %d, want 1", got)
	}

	second := billing.AddMonthsClamped(f.first, 1)
	if n := f.run(second); n != 1 {
		t.Errorf("charges on the second due date = %d, want 1", n)
	}
	if got := f.open(); got != 0 {
		t.Errorf("open balance = %d after both installments, want 0", got)
	}
}

func TestAutopayDeclinedPlanDefaultsOnTime(t *testing.T) {
	t.Parallel()
	f := newAutopayFixture(t, "APDECL", stripegw.SandboxCardDeclined)
	settings, err := billing.LoadPortalSettings(f.ctx, f.pool)
	if err != nil {
		t.Fatal(err)
	}
	grace := settings.PlanGraceDays

	if n := f.run(f.first); n != 1 {
		t.Fatalf("charges on the due date = %d, want 1", n)
	}
	if got := f.attemptStatus(1, 1); got != billing.AttemptFailed {
		t.Errorf("first try status = %s, want failed", got)
	}
	if got := f.emails("payment.autopay_failed"); got != 1 {
		t.Errorf("failure notices = %d, want 1", got)
	}
	if n := f.run(f.first.AddDays(billing.AutopayRetryDays - 1)); n != 0 {
		t.Errorf("charges before the retry day = %d, want 0", n)
	}
	if n := f.run(f.first.AddDays(billing.AutopayRetryDays)); n != 1 {
		t.Errorf("charges on the retry day = %d, want 1", n)
	}
	if got := f.attemptStatus(1, 2); got != billing.AttemptFailed {
		t.Errorf("retry status = %s, want failed", got)
	}
	if got := f.emails("payment.autopay_failed"); got != 2 {
		t.Errorf("failure notices = %d, want 2", got)
	}
	if n := f.run(f.first.AddDays(billing.AutopayRetryDays * 2)); n != 0 {
		t.Errorf("charges after the last try = %d, want 0", n)
	}

	lastDay := f.first.AddDays(grace)
	if _, err := billing.SettleDebtorCommitments(f.ctx, f.pool, lastDay); err != nil {
		t.Fatal(err)
	}
	if got := f.planStatus(); got != billing.PlanApproved {
		t.Errorf("plan on the last grace day = %s, want approved", got)
	}
	res, err := billing.SettleDebtorCommitments(f.ctx, f.pool, lastDay.AddDays(1))
	if err != nil {
		t.Fatal(err)
	}
	if res.PlansDefaulted != 1 || f.planStatus() != "defaulted" {
		t.Errorf("the day after the grace days: defaulted %d, plan %s; want 1 and defaulted", res.PlansDefaulted, f.planStatus())
	}
	if got := f.count(`SELECT count(*) FROM staff_tasks WHERE customer_id = $1 AND kind = $2`, f.cust, billing.TaskPlanDefault); got != 1 {
		t.Errorf("plan default tasks = %d, want 1", got)
	}
}

func TestAutopayBankProcessingThenSettled(t *testing.T) {
	t.Parallel()
	f := newAutopayFixture(t, "APBANK", stripegw.SandboxBankSettles)

	if n := f.run(f.first); n != 1 {
		t.Fatalf("charges on the due date = %d, want 1", n)
	}
	if got := f.attemptStatus(1, 1); got != billing.AttemptProcessing {
		t.Errorf("status = %s, want processing", got)
	}
	if got := f.open(); got != 60000 {
		t.Errorf("open balance = %d while the debit is processing, want 60000", got)
	}
	if n := f.run(f.first.AddDays(1)); n != 0 {
		t.Errorf("charges while the debit is processing = %d, want 0", n)
	}

	var sessionID string
	if err := f.pool.QueryRow(f.ctx, `SELECT s.id FROM sandbox_sessions s JOIN payment_attempts a ON a.id = s.attempt_id
		WHERE a.customer_id = $1`, f.cust).Scan(&sessionID); err != nil {
		t.Fatal(err)
	}
	f.clock.setDay(f.first.AddDays(3))
	if err := f.sandbox.SettleBank(f.ctx, sessionID); err != nil {
		t.Fatal(err)
	}
	if got := f.attemptStatus(1, 1); got != billing.AttemptSucceeded {
		t.Errorf("status after settling = %s, want succeeded", got)
	}
	if got := f.open(); got != 30000 {
		t.Errorf("open balance after settling = %d, want 30000", got)
	}
}

func TestSandboxRefundReversesPayment(t *testing.T) {
	t.Parallel()
	f := newAutopayFixture(t, "APREFUND", stripegw.SandboxCardSucceeds)
	if n := f.run(f.first); n != 1 {
		t.Fatalf("charges = %d, want 1", n)
	}
	var paymentID int64
	if err := f.pool.QueryRow(f.ctx, `SELECT id FROM payments WHERE customer_id = $1`, f.cust).Scan(&paymentID); err != nil {
		t.Fatal(err)
	}
	admin, err := billing.CreateStaff(f.ctx, f.pool, "admin@apr.example", "admin", "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	refunds := &stripegw.Refunds{Pool: f.pool, Gateway: f.sandbox}

	if _, err := refunds.RefundPayment(f.ctx, f.cust, paymentID, " ", admin); err == nil {
		t.Error("refund without a reason: no error")
	}
	if _, err := refunds.RefundPayment(f.ctx, f.cust+1000, paymentID, "Charged by mistake", admin); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("refund through another customer: err = %v, want ErrNotFound", err)
	}
	res, err := refunds.RefundPayment(f.ctx, f.cust, paymentID, "Charged by mistake", admin)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Booked || res.Amount.Amount != 30000 {
		t.Errorf("result = %+v, want booked 30000", res)
	}
	var status string
	if err := f.pool.QueryRow(f.ctx, `SELECT status FROM payments WHERE id = $1`, paymentID).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != billing.PaymentRefunded {
		t.Errorf("payment status = %s, want refunded", status)
	}
	if got := f.open(); got != 60000 {
		t.Errorf("open balance after the refund = %d, want 60000", got)
	}
	if got := f.count(`SELECT count(*) FROM staff_audit WHERE action = 'payment.refund_requested' AND customer_id = $1`, f.cust); got != 1 {
		t.Errorf("audit entries = %d, want 1", got)
	}
	if _, err := refunds.RefundPayment(f.ctx, f.cust, paymentID, "Again", admin); !errors.Is(err, billing.ErrConflict) {
		t.Errorf("second refund: err = %v, want ErrConflict", err)
	}
}

func TestAutopayBankFailureRetried(t *testing.T) {
	t.Parallel()
	f := newAutopayFixture(t, "APBANKFAIL", stripegw.SandboxBankFails)

	if n := f.run(f.first); n != 1 {
		t.Fatalf("charges on the due date = %d, want 1", n)
	}
	var sessionID string
	if err := f.pool.QueryRow(f.ctx, `SELECT s.id FROM sandbox_sessions s JOIN payment_attempts a ON a.id = s.attempt_id
		WHERE a.customer_id = $1`, f.cust).Scan(&sessionID); err != nil {
		t.Fatal(err)
	}
	failedOn := f.first.AddDays(3)
	f.clock.setDay(failedOn)
	if err := f.sandbox.SettleBank(f.ctx, sessionID); err != nil {
		t.Fatal(err)
	}
	if got := f.attemptStatus(1, 1); got != billing.AttemptFailed {
		t.Errorf("status after the bank failed = %s, want failed", got)
	}
	if got := f.emails("payment.failed"); got != 1 {
		t.Errorf("failure e-mails = %d, want 1 with a link to pay", got)
	}

	if n := f.run(failedOn.AddDays(billing.AutopayRetryDays - 1)); n != 0 {
		t.Errorf("charges before the retry day = %d, want 0", n)
	}
	if got := f.attemptStatus(1, 2); got != "none" {
		t.Errorf("retry status before the retry day = %s, want none", got)
	}
	// The retry is three days after the failure, but the catch-up rule does not
	// apply to it: it is made even though the due date is long past.
	if n := f.run(failedOn.AddDays(billing.AutopayRetryDays)); n != 1 {
		t.Errorf("charges on the retry day = %d, want 1", n)
	}
	if got := f.attemptStatus(1, 2); got != billing.AttemptProcessing {
		t.Errorf("retry status = %s, want processing", got)
	}
}

func TestAutopaySkipsCustomerWithoutContact(t *testing.T) {
	t.Parallel()
	f := newAutopayFixture(t, "APNOCONTACT", stripegw.SandboxCardSucceeds)
	if _, err := f.pool.Exec(f.ctx, `DELETE FROM contacts WHERE customer_id = $1`, f.cust); err != nil {
		t.Fatal(err)
	}
	if n := f.run(f.first); n != 0 {
		t.Errorf("charges without a contact = %d, want 0", n)
	}
	if got := f.count(`SELECT count(*) FROM payment_attempts WHERE customer_id = $1`, f.cust); got != 0 {
		t.Errorf("attempts = %d, want 0", got)
	}
}

func TestAutopayParallelServersChargeOnce(t *testing.T) {
	t.Parallel()
	f := newAutopayFixture(t, "APPARALLEL", stripegw.SandboxCardSucceeds)
	f.clock.setDay(f.first)

	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.autopay.Run(f.ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()

	if got := f.count(`SELECT count(*) FROM payment_attempts WHERE customer_id = $1`, f.cust); got != 1 {
		t.Errorf("attempts = %d, want 1", got)
	}
	if got := f.count(`SELECT count(*) FROM payments WHERE customer_id = $1`, f.cust); got != 1 {
		t.Errorf("payments = %d, want 1", got)
	}
	if got := f.open(); got != 30000 {
		t.Errorf("open balance = %d, want 30000", got)
	}
	if got := f.emails("payment.receipt"); got != 1 {
		t.Errorf("receipts = %d, want 1", got)
	}
}
