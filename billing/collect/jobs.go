package collect

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

// RunArgs is the River job of the daily reminder run.
type RunArgs struct {
	AsOf string `json:"as_of" river:"unique"` // YYYY-MM-DD in the seller's zone
}

// Kind is the job kind stored by River; it must never change.
func (RunArgs) Kind() string { return "reminders_run" }

// InsertOpts makes one run per day: a second insert for the same date, from a
// restarted leader for example, is dropped while the first is pending or running.
func (RunArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: 24 * time.Hour}}
}

// RunWorker runs the day's collections work (Engine.Daily) for the job's date. A
// retry after a crash charges and sends only what the failed attempt did not commit.
type RunWorker struct {
	river.WorkerDefaults[RunArgs]
	Engine *Engine
}

// Timeout allows the run of a large book to finish.
func (w *RunWorker) Timeout(*river.Job[RunArgs]) time.Duration { return 30 * time.Minute }

// Work runs the day's collections work.
func (w *RunWorker) Work(ctx context.Context, job *river.Job[RunArgs]) error {
	asOf, err := billing.ParseDate(job.Args.AsOf)
	if err != nil {
		return fmt.Errorf("reminder job %d: %w", job.ID, err)
	}
	_, err = w.Engine.Daily(ctx, asOf)
	return err
}

// DailyAt is a River schedule that fires once a day at a local hour.
type DailyAt struct {
	Hour     int // 0-23
	Location *time.Location
}

// Next returns the first instant after current at Hour:00 in Location.
func (d DailyAt) Next(current time.Time) time.Time {
	local := current.In(d.Location)
	next := time.Date(local.Year(), local.Month(), local.Day(), d.Hour, 0, 0, 0, d.Location)
	if !next.After(current) {
		next = time.Date(local.Year(), local.Month(), local.Day()+1, d.Hour, 0, 0, 0, d.Location)
	}
	return next
}

// PeriodicJob returns the daily reminder run at hour in loc, for the job
// client's periodic jobs. now is the clock that picks the day evaluated.
func PeriodicJob(hour int, loc *time.Location, now func() time.Time) *river.PeriodicJob {
	return river.NewPeriodicJob(DailyAt{Hour: hour, Location: loc},
		func() (river.JobArgs, *river.InsertOpts) {
			return RunArgs{AsOf: billing.Today(now(), loc).String()}, nil
		}, nil)
}

// CatchUp queues today's collections run when the run's hour has passed in loc,
// no run finished for today and one finished on an earlier day. So a server that
// was down at the hour runs the day on start-up instead of a day late, while a
// new database, which has never run the cadence, waits for the hour as before.
// It returns whether it queued the job. A second server starting at the same
// time gets River's unique job back instead of a new one, and a day that runs
// twice sends nothing new.
func CatchUp(ctx context.Context, pool *pgxpool.Pool, jobs outbox.Inserter, hour int, loc *time.Location, now time.Time) (bool, error) {
	today := billing.Today(now, loc)
	local := now.In(loc)
	due := time.Date(local.Year(), local.Month(), local.Day(), hour, 0, 0, 0, loc)
	if now.Before(due) {
		return false, nil
	}

	queued := false
	err := billing.InTx(ctx, pool, func(tx pgx.Tx) error {
		var ranToday, ranBefore bool
		err := tx.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM reminder_runs WHERE as_of = $1),
				EXISTS (SELECT 1 FROM reminder_runs WHERE as_of < $1)`, today).Scan(&ranToday, &ranBefore)
		if err != nil {
			return fmt.Errorf("checking the collections run of %s: %w", today, err)
		}
		if ranToday || !ranBefore {
			return nil
		}
		res, err := jobs.InsertTx(ctx, tx, RunArgs{AsOf: today.String()}, nil)
		if err != nil {
			return fmt.Errorf("queueing the missed collections run of %s: %w", today, err)
		}
		queued = !res.UniqueSkippedAsDuplicate
		return nil
	})
	return queued, err
}
