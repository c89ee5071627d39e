// Package followupjob runs billing.SettleDebtorCommitments as a periodic River
// job, so promises are marked kept or broken and plans completed or defaulted
// soon after their dates pass.
package followupjob

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/ledgvero/ledgvero/billing"
)

// Args is the periodic follow-up job. It carries nothing: each run looks at
// every open promise and approved plan.
type Args struct{}

// Kind is the job kind stored by River; it must never change.
func (Args) Kind() string { return "debtor_follow_up" }

// Worker settles due promises and plans. Its fields are its dependencies.
type Worker struct {
	river.WorkerDefaults[Args]
	Pool     *pgxpool.Pool
	Timezone *time.Location // the seller's zone, which decides "today"
	Now      func() time.Time
	Logger   *slog.Logger
}

// Work runs one follow-up in one transaction.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	today := billing.Today(w.Now(), w.Timezone)
	var res billing.FollowUpResult
	err := billing.InTx(ctx, w.Pool, func(tx pgx.Tx) error {
		var err error
		res, err = billing.SettleDebtorCommitments(ctx, tx, today)
		return err
	})
	if err != nil {
		return fmt.Errorf("settling promises and plans: %w", err)
	}
	w.Logger.Info("debtor follow-up done", "job_id", job.ID, "today", today.String(),
		"promises_kept", res.PromisesKept, "promises_broken", res.PromisesBroken,
		"plans_completed", res.PlansCompleted, "plans_defaulted", res.PlansDefaulted)
	return nil
}

// PeriodicJob runs the follow-up every hour and once at start-up.
func PeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return Args{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
