package main

import (
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/ledgvero/ledgvero/billing/outbox"
	"github.com/ledgvero/ledgvero/billing/scoring"
	"github.com/ledgvero/ledgvero/billing/stripegw"
	"github.com/ledgvero/ledgvero/portal"
)

// reconcileInterval is how often the leader queries the gateway about attempts
// pending for longer than stripegw.StaleAfter.
const reconcileInterval = 5 * time.Minute

// newPayments builds the payment gateway and the webhook processor: Stripe
// Checkout when STRIPE_SECRET_KEY is set, the sandbox otherwise.
func newPayments(a *app) (portal.Payments, error) {
	jobs, err := outbox.NewInserter(a.pool)
	if err != nil {
		return portal.Payments{}, err
	}
	logger := a.logger.With("component", "payments")
	proc := &stripegw.Processor{
		Pool: a.pool, Secret: a.cfg.StripeWebhook, Jobs: jobs, Logger: logger, Now: a.now,
		Timezone: a.cfg.OrgTimezone, BaseURL: a.cfg.BaseURL, OrgName: a.cfg.OrgName,
	}
	p := portal.Payments{Processor: proc}
	if a.cfg.Sandbox() {
		sb := &stripegw.Sandbox{Pool: a.pool, Processor: proc, Jobs: jobs, ACHDelay: a.cfg.SandboxACHDelay, Now: a.now, Logger: logger}
		p.Gateway, p.Sandbox = sb, sb
	} else {
		p.Gateway = stripegw.NewStripe(a.cfg.StripeSecretKey, nil)
	}
	return p, nil
}

// autopayHour is the hour of the seller's day when due installments are
// charged to their saved payment methods.
const autopayHour = 7

// addPaymentJobs registers the payment workers and returns the periodic
// reconciliation and automatic-charge jobs.
func addPaymentJobs(a *app, workers *river.Workers) ([]*river.PeriodicJob, error) {
	p, err := newPayments(a)
	if err != nil {
		return nil, err
	}
	reconciler := &stripegw.Reconciler{Gateway: p.Gateway, Processor: p.Processor}
	river.AddWorker(workers, &stripegw.ReconcileWorker{Reconciler: reconciler})
	if p.Sandbox != nil {
		river.AddWorker(workers, &stripegw.SandboxACHWorker{Sandbox: p.Sandbox})
	}
	methods, ok := p.Gateway.(stripegw.MethodGateway)
	if !ok {
		return nil, fmt.Errorf("payment gateway %s cannot charge saved payment methods", p.Gateway.Name())
	}
	river.AddWorker(workers, &stripegw.AutopayWorker{Autopay: &stripegw.Autopay{Gateway: methods, Processor: p.Processor}})
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(reconcileInterval),
			func() (river.JobArgs, *river.InsertOpts) { return stripegw.ReconcileArgs{}, nil }, nil),
		// Charges are keyed by plan, installment and try, so the run at start-up
		// charges what is due today once, however often servers restart.
		river.NewPeriodicJob(scoring.Daily{Hour: autopayHour, Loc: a.cfg.OrgTimezone},
			func() (river.JobArgs, *river.InsertOpts) { return stripegw.AutopayArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}, nil
}
