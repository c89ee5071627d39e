package stripegw

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

// idempotencyWindow is how long after an attempt was made the gateway still
// recognises its idempotency key. Stripe keeps keys for 24 hours, so an attempt
// that never reached the gateway within that window is left to staff, because
// repeating it could charge twice.
const idempotencyWindow = 23 * time.Hour

// Autopay charges the installments of plans with a saved payment method on
// their due dates. Outcomes reach the ledger through the Processor, as for
// payments made in the portal.
type Autopay struct {
	Gateway   MethodGateway
	Processor *Processor
}

// Run makes today's automatic charges and returns how many it sent to the
// gateway. It goes on after a failed charge and returns the first error, so
// River runs the job again; charges already made are found by their keys.
func (ap *Autopay) Run(ctx context.Context) (int, error) {
	p := ap.Processor
	today := p.today()
	due, err := billing.DueInstallmentCharges(ctx, p.Pool, today, p.Timezone)
	if err != nil {
		return 0, err
	}
	var firstErr error
	charged := 0
	for _, c := range due {
		if c.Method.Gateway != ap.Gateway.Name() {
			p.Logger.Warn("saved payment method belongs to another gateway", "plan_id", c.PlanID,
				"customer_id", c.CustomerID, "gateway", c.Method.Gateway)
			continue
		}
		if c.ContactEmail == "" {
			// The receipt and any failure notice need an address, and the
			// webhook could not record the payment without one.
			p.Logger.Error("plan's customer has no contact; installment not charged", "plan_id", c.PlanID,
				"customer_id", c.CustomerID, "installment", c.Seq)
			continue
		}
		ok, err := ap.charge(ctx, c, today)
		if err != nil {
			p.Logger.Error("automatic installment charge failed", "plan_id", c.PlanID, "customer_id", c.CustomerID,
				"installment", c.Seq, "try", c.Try, "error", err)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if ok {
			charged++
		}
	}
	p.Logger.Info("automatic installment charges done", "due", len(due), "charged", charged)
	return charged, firstErr
}

// charge makes one automatic charge and reports whether it reached the gateway.
func (ap *Autopay) charge(ctx context.Context, c billing.DueCharge, today billing.Date) (bool, error) {
	p := ap.Processor
	var a billing.PaymentAttempt
	err := billing.InTx(ctx, p.Pool, func(tx pgx.Tx) error {
		var err error
		a, _, err = billing.CreateInstallmentAttempt(ctx, tx, c, today)
		return err
	})
	if errors.Is(err, billing.ErrNotFound) {
		p.Logger.Info("plan owes nothing; no automatic charge", "plan_id", c.PlanID, "installment", c.Seq)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if a.Status != billing.AttemptPending || a.PaymentIntentID != "" {
		return false, nil
	}
	if p.Now().Sub(a.CreatedAt) > idempotencyWindow {
		p.Logger.Error("automatic charge never reached the gateway and is too old to repeat safely; check it in the gateway",
			"attempt_id", a.ID, "plan_id", c.PlanID, "customer_id", c.CustomerID)
		return false, nil
	}

	res, err := ap.Gateway.ChargeSaved(ctx, a, c.Method)
	if err != nil {
		return false, err
	}
	err = billing.InTx(ctx, p.Pool, func(tx pgx.Tx) error {
		if err := billing.SetAttemptGatewayIDs(ctx, tx, a.ID, res.PaymentIntentID, c.Method.Kind); err != nil {
			return err
		}
		if res.Status != billing.AttemptFailed {
			return nil
		}
		return ap.fail(ctx, tx, a.ID, res.Failure, c)
	})
	return true, err
}

// fail ends a declined charge and e-mails the debtor: a retry date, or after the
// last try a link to pay by hand before the plan's grace days run out. A
// decline event may have arrived first and only noted the message, because for
// a checkout the debtor can try another card; off-session nobody can.
func (ap *Autopay) fail(ctx context.Context, tx pgx.Tx, attemptID int64, failure string, c billing.DueCharge) error {
	p := ap.Processor
	a, err := billing.LockAttempt(ctx, tx, billing.AttemptRef{ID: attemptID})
	if err != nil {
		return err
	}
	if failure == "" {
		failure = "The payment was declined."
	}
	if err := p.failed(ctx, tx, &a, failure); err != nil {
		return err
	}
	settings, err := billing.LoadPortalSettings(ctx, tx)
	if err != nil {
		return err
	}

	var b strings.Builder
	fmt.Fprintf(&b, "The automatic charge of %s to %s for installment %d of your payment plan with %s failed: %s\n\n",
		a.Amount, c.Method.Label(), c.Seq, p.OrgName, failure)
	if c.Try < billing.AutopayMaxTries {
		fmt.Fprintf(&b, "We will try again on %s. To pay now instead, use the link below.\n",
			p.today().AddDays(billing.AutopayRetryDays).Format())
	} else {
		fmt.Fprintf(&b, "We will not try again. Pay this installment by %s to keep your plan.\n",
			c.DueOn.AddDays(settings.PlanGraceDays).Format())
	}
	fmt.Fprintf(&b, "\nPay now: %s/portal/pay\n", p.BaseURL)
	return p.queue(ctx, tx, outbox.Message{
		To: a.ContactEmail, Subject: fmt.Sprintf("Your automatic installment payment of %s failed", a.Amount),
		Text: b.String(), CustomerID: a.CustomerID, Kind: "payment.autopay_failed",
		DedupeKey: fmt.Sprintf("autopay-failed:%d", a.ID),
	})
}

// AutopayArgs is the daily job that charges due installments.
type AutopayArgs struct{}

// Kind returns the job kind.
func (AutopayArgs) Kind() string { return "installment_autopay" }

// AutopayWorker runs AutopayArgs jobs.
type AutopayWorker struct {
	river.WorkerDefaults[AutopayArgs]
	Autopay *Autopay
}

// Work makes today's automatic charges.
func (w *AutopayWorker) Work(ctx context.Context, _ *river.Job[AutopayArgs]) error {
	_, err := w.Autopay.Run(ctx)
	return err
}
