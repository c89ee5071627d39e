package main

import (
	"time"

	"github.com/riverqueue/river"

	"github.com/ledgvero/ledgvero/billing/outbox"
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

// addPaymentJobs registers the payment workers and returns the periodic
// reconciliation job.
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
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(reconcileInterval),
			func() (river.JobArgs, *river.InsertOpts) { return stripegw.ReconcileArgs{}, nil }, nil),
	}, nil
}
