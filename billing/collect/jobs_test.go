package collect_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
)

func TestDailyAtNext(t *testing.T) {
	schedule := collect.DailyAt{Hour: 9, Location: newYork}
	tests := []struct {
		now, want time.Time
	}{
		{time.Date(2026, 3, 2, 8, 59, 0, 0, newYork), time.Date(2026, 3, 2, 9, 0, 0, 0, newYork)},
		{time.Date(2026, 3, 2, 9, 0, 0, 0, newYork), time.Date(2026, 3, 3, 9, 0, 0, 0, newYork)},
		{time.Date(2026, 3, 2, 23, 30, 0, 0, newYork), time.Date(2026, 3, 3, 9, 0, 0, 0, newYork)},
		// Daylight saving time starts on Mar 8, 2026 in New York: still 09:00 local.
		{time.Date(2026, 3, 7, 10, 0, 0, 0, newYork), time.Date(2026, 3, 8, 9, 0, 0, 0, newYork)},
		// A UTC instant that is still the previous day in New York.
		{time.Date(2026, 3, 3, 2, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 9, 0, 0, 0, newYork)},
	}
	for _, tt := range tests {
		if got := schedule.Next(tt.now); !got.Equal(tt.want) {
			t.Errorf("Next(%s) = %s, want %s", tt.now, got, tt.want)
		}
	}
}

func TestRunWorkerRunsTheDay(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	cust := f.customer(t, "Job Co", "ap@job.example")
	day := billing.NewDate(2026, 7, 14)
	f.invoice(t, cust, "J-1", 1000, day.AddDays(-3))
	if _, err := f.pool.Exec(ctx, `UPDATE invoices SET late_fee_kind = 'flat', late_fee_flat_minor = 500 WHERE customer_id = $1`, cust); err != nil {
		t.Fatal(err)
	}
	f.clock.setDay(day)

	w := &collect.RunWorker{Engine: f.engine}
	job := &river.Job[collect.RunArgs]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 1}, Args: collect.RunArgs{AsOf: day.String()}}
	if err := w.Work(ctx, job); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox_emails WHERE customer_id = $1`, cust); n != 1 {
		t.Errorf("e-mails after the daily job = %d, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM late_fees WHERE customer_id = $1`, cust); n != 1 {
		t.Errorf("late fees after the daily job = %d, want 1", n)
	}

	bad := &river.Job[collect.RunArgs]{JobRow: &rivertype.JobRow{ID: 2, Attempt: 1}, Args: collect.RunArgs{AsOf: "July 14"}}
	if err := w.Work(ctx, bad); err == nil {
		t.Error("Work with an invalid date succeeded")
	}
}

func TestCatchUpQueuesMissedRun(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	day := billing.NewDate(2026, 7, 14)
	jobsFor := func() int {
		return f.count(t, `SELECT count(*) FROM river_job WHERE kind = 'reminders_run' AND args->>'as_of' = $1`, day.String())
	}

	late := time.Date(2026, 7, 14, 11, 0, 0, 0, newYork)
	queued, err := collect.CatchUp(ctx, f.pool, f.jobs, 9, newYork, late)
	if err != nil {
		t.Fatal(err)
	}
	if queued || jobsFor() != 0 {
		t.Errorf("database that never ran the cadence: queued %v with %d jobs, want no job", queued, jobsFor())
	}

	_, err = f.pool.Exec(ctx, `INSERT INTO reminder_runs (as_of, finished_at) VALUES ($1, now())`, day.AddDays(-1))
	if err != nil {
		t.Fatal(err)
	}
	early := time.Date(2026, 7, 14, 8, 30, 0, 0, newYork)
	queued, err = collect.CatchUp(ctx, f.pool, f.jobs, 9, newYork, early)
	if err != nil {
		t.Fatal(err)
	}
	if queued || jobsFor() != 0 {
		t.Errorf("before the hour: queued %v with %d jobs, want no job", queued, jobsFor())
	}

	queued, err = collect.CatchUp(ctx, f.pool, f.jobs, 9, newYork, late)
	if err != nil {
		t.Fatal(err)
	}
	if !queued || jobsFor() != 1 {
		t.Errorf("after the hour without a run: queued %v with %d jobs, want one job", queued, jobsFor())
	}

	queued, err = collect.CatchUp(ctx, f.pool, f.jobs, 9, newYork, late)
	if err != nil {
		t.Fatal(err)
	}
	if queued || jobsFor() != 1 {
		t.Errorf("second start-up while the job waits: queued %v with %d jobs, want the first job only", queued, jobsFor())
	}
}

func TestCatchUpSkipsFinishedRun(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	day := billing.NewDate(2026, 7, 14)
	f.clock.setDay(day.AddDays(-1))
	if _, err := f.engine.Daily(ctx, day.AddDays(-1)); err != nil {
		t.Fatal(err)
	}
	f.clock.setDay(day)
	if _, err := f.engine.Daily(ctx, day); err != nil {
		t.Fatal(err)
	}

	queued, err := collect.CatchUp(ctx, f.pool, f.jobs, 9, newYork, time.Date(2026, 7, 14, 11, 0, 0, 0, newYork))
	if err != nil {
		t.Fatal(err)
	}
	if queued {
		t.Error("CatchUp queued a run for a day whose run finished")
	}
	if n := f.count(t, `SELECT count(*) FROM river_job WHERE kind = 'reminders_run'`); n != 0 {
		t.Errorf("reminder jobs = %d, want none", n)
	}
}
