package stripegw

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/stripe/stripe-go/v76"

	"github.com/ledgvero/ledgvero/billing"
)

// StaleAfter is how long an attempt may stay pending before the reconciliation
// job asks the gateway about it, in case its webhooks were lost.
const StaleAfter = 30 * time.Minute

// reconcileBatch bounds the attempts one run asks about, so a backlog is worked
// off over several runs instead of one long one.
const reconcileBatch = 100

// Reconciler asks the gateway about attempts still pending after StaleAfter and
// applies what it reports through the processor, as if the lost event arrived.
type Reconciler struct {
	Gateway   Gateway
	Processor *Processor
}

// Run reconciles one batch of stale attempts and returns how many it asked about.
func (r *Reconciler) Run(ctx context.Context) (int, error) {
	p := r.Processor
	stale, err := billing.StaleAttempts(ctx, p.Pool, p.Now().Add(-StaleAfter), reconcileBatch)
	if err != nil {
		return 0, err
	}
	for _, a := range stale {
		sess, err := r.Gateway.Session(ctx, a.CheckoutSessionID)
		if err != nil {
			p.Logger.Warn("reconciling payment attempt failed", "attempt_id", a.ID, "error", err)
			continue
		}
		ev, ok, err := reconcileEvent(a, sess)
		if err != nil {
			return 0, err
		}
		if !ok {
			continue
		}
		p.Logger.Info("reconciling payment attempt", "attempt_id", a.ID, "event_type", ev.Type)
		if err := p.Apply(ctx, ev); err != nil {
			return 0, err
		}
	}
	return len(stale), nil
}

// reconcileEvent turns a session's state into the event that would have
// reported it. Its id is derived from the session and state, so two runs apply
// it once. ok is false for a session still open.
func reconcileEvent(a billing.PaymentAttempt, sess *stripe.CheckoutSession) (stripe.Event, bool, error) {
	var eventType string
	switch {
	case sess.Status == stripe.CheckoutSessionStatusComplete:
		eventType = "checkout.session.completed"
	case sess.Status == stripe.CheckoutSessionStatusExpired:
		eventType = "checkout.session.expired"
	default:
		return stripe.Event{}, false, nil
	}
	fields := SessionFields{
		ID: sess.ID, AttemptID: a.ID, Status: string(sess.Status), PaymentStatus: string(sess.PaymentStatus),
		Amount: billing.Money{Amount: sess.AmountTotal, Currency: strings.ToUpper(string(sess.Currency))},
	}
	if sess.PaymentIntent != nil {
		fields.PaymentIntentID = sess.PaymentIntent.ID
	}
	raw, err := json.Marshal(SessionObject(fields))
	if err != nil {
		return stripe.Event{}, false, fmt.Errorf("encoding reconciled session %s: %w", sess.ID, err)
	}
	return stripe.Event{
		ID:   fmt.Sprintf("reconcile_%s_%s_%s", sess.ID, sess.Status, sess.PaymentStatus),
		Type: stripe.EventType(eventType), Data: &stripe.EventData{Raw: raw},
	}, true, nil
}

// ReconcileArgs is the periodic job that reconciles stale attempts.
type ReconcileArgs struct{}

// Kind returns the job kind.
func (ReconcileArgs) Kind() string { return "payment_reconcile" }

// ReconcileWorker runs ReconcileArgs jobs.
type ReconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	Reconciler *Reconciler
}

// Work reconciles one batch.
func (w *ReconcileWorker) Work(ctx context.Context, _ *river.Job[ReconcileArgs]) error {
	_, err := w.Reconciler.Run(ctx)
	return err
}
