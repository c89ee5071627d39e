package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/ledgvero/ledgvero/billing/collect"
	"github.com/ledgvero/ledgvero/billing/followupjob"
	"github.com/ledgvero/ledgvero/billing/outbox"
	"github.com/ledgvero/ledgvero/billing/scoring"
	"github.com/ledgvero/ledgvero/billing/websession"
	"github.com/ledgvero/ledgvero/migrations"
)

func cmdServe(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("serve", a.stdout)
	if err := fs.Parse(args); err != nil {
		return err
	}

	runner, err := migrations.NewRunner(a.pool)
	if err != nil {
		return err
	}
	err = runner.Check(ctx)
	runner.Close()
	if err != nil {
		return err
	}

	jobs, err := newJobClient(a)
	if err != nil {
		return err
	}
	e, err := newServer(a)
	if err != nil {
		return err
	}

	if err := jobs.Start(ctx); err != nil {
		return fmt.Errorf("starting job client: %w", err)
	}
	// The periodic job only fires at the next REMINDER_HOUR, so a server that
	// was down at today's hour queues today's missed run now.
	caughtUp, err := collect.CatchUp(ctx, a.pool, jobs, a.cfg.ReminderHour, a.cfg.OrgTimezone, a.now())
	switch {
	case err != nil:
		a.logger.Error("queueing the missed daily reminder run failed", "error", err)
	case caughtUp:
		a.logger.Info("queued the missed daily reminder run", "hour", a.cfg.ReminderHour)
	}
	serveErr := make(chan error, 1)
	go func() {
		a.logger.Info("server listening", "addr", a.cfg.Addr, "url", a.cfg.BaseURL, "sandbox", a.cfg.Sandbox())
		serveErr <- e.Start(a.cfg.Addr)
	}()

	select {
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			stopJobs(a, jobs)
			return fmt.Errorf("serving HTTP: %w", err)
		}
	case <-ctx.Done():
		a.logger.Info("shutting down", "timeout", a.cfg.ShutdownTimeout)
	}

	// Drain in-flight requests first, then let running jobs finish, then the
	// deferred pool.Close in run releases the connections.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := e.Shutdown(shutdownCtx); err != nil {
		a.logger.Error("HTTP shutdown incomplete", "error", err)
	}
	stopJobs(a, jobs)
	a.logger.Info("stopped")
	return nil
}

func stopJobs(a *app, jobs *river.Client[pgxTx]) {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := jobs.Stop(ctx); err != nil {
		a.logger.Error("job shutdown incomplete", "error", err)
	}
}

func newJobClient(a *app) (*river.Client[pgxTx], error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &websession.CleanupWorker{Pool: a.pool, IdleTimeout: a.cfg.SessionIdle, Now: a.now})
	sender, err := outbox.NewSMTPSender(a.cfg.SMTPURL)
	if err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	river.AddWorker(workers, &outbox.Worker{
		Pool: a.pool, Sender: sender, From: a.cfg.MailFrom, FromName: true, Logger: a.logger.With("component", "outbox"), Now: a.now,
	})
	river.AddWorker(workers, &followupjob.Worker{Pool: a.pool, Timezone: a.cfg.OrgTimezone, Now: a.now, Logger: a.logger})
	river.AddWorker(workers, &scoring.SegmentsWorker{Pool: a.pool, Logger: a.logger, Now: a.now, Timezone: a.cfg.OrgTimezone})
	river.AddWorker(workers, &scoring.SnapshotWorker{Pool: a.pool, Logger: a.logger, Now: a.now, Timezone: a.cfg.OrgTimezone})

	reminders, err := newReminderEngine(a)
	if err != nil {
		return nil, err
	}
	river.AddWorker(workers, &collect.RunWorker{Engine: reminders})
	mailer, err := newInvoiceMailer(a)
	if err != nil {
		return nil, err
	}
	river.AddWorker(workers, &collect.DeliverWorker{Mailer: mailer})
	river.AddWorker(workers, &collect.RecurringWorker{Mailer: mailer, Location: a.cfg.OrgTimezone})

	paymentJobs, err := addPaymentJobs(a, workers)
	if err != nil {
		return nil, err
	}

	client, err := river.NewClient(riverpgxv5.New(a.pool), &river.Config{
		Logger:  a.logger.With("component", "jobs"),
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}},
		Workers: workers,
		PeriodicJobs: append([]*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return websession.CleanupArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			// Risk scores and segments, which also carry the customer list's balances,
			// are recomputed nightly at 02:00 in the seller's zone and at start-up, so
			// a new install does not list every customer at zero until the first night.
			river.NewPeriodicJob(scoring.Daily{Hour: 2, Loc: a.cfg.OrgTimezone},
				func() (river.JobArgs, *river.InsertOpts) { return scoring.SegmentsArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			// The dashboard trends read one KPI snapshot a day. It is taken late in the
			// seller's day and at start-up, so a new install has a first point at once;
			// a second snapshot on the same day replaces the first.
			river.NewPeriodicJob(scoring.Daily{Hour: 23, Loc: a.cfg.OrgTimezone},
				func() (river.JobArgs, *river.InsertOpts) { return scoring.SnapshotArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			collect.PeriodicJob(a.cfg.ReminderHour, a.cfg.OrgTimezone, a.now),
			collect.DeliveryPeriodicJob(),
			// Recurring invoices are issued at 06:00 in the seller's zone.
			collect.RecurringPeriodicJob(6, a.cfg.OrgTimezone),
			followupjob.PeriodicJob(),
		}, paymentJobs...),
	})
	if err != nil {
		return nil, fmt.Errorf("creating job client: %w", err)
	}
	return client, nil
}
