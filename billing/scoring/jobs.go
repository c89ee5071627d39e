// Package scoring runs the back office's nightly computations as River jobs:
// risk scores and segments for every customer, and the daily KPI snapshot.
package scoring

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/ledgvero/ledgvero/billing"
)

// SegmentsArgs is the job that recomputes every customer's risk score and segment.
type SegmentsArgs struct{}

// Kind is the stable job kind stored by River.
func (SegmentsArgs) Kind() string { return "scoring.segments" }

// SegmentsWorker recomputes every customer's risk score, value tier and
// balances as of the seller's today.
type SegmentsWorker struct {
	river.WorkerDefaults[SegmentsArgs]
	Pool     *pgxpool.Pool
	Logger   *slog.Logger
	Now      func() time.Time
	Timezone *time.Location
}

// Work runs one recomputation.
func (w *SegmentsWorker) Work(ctx context.Context, job *river.Job[SegmentsArgs]) error {
	start := time.Now()
	n, err := billing.RecomputeSegments(ctx, w.Pool, billing.Today(w.Now(), w.Timezone), 0)
	if err != nil {
		return err
	}
	w.Logger.Info("segments recomputed", "job_id", job.ID, "customers", n, "duration_ms", time.Since(start).Milliseconds())
	return nil
}

// Timeout allows a large ledger the time a full pass takes.
func (w *SegmentsWorker) Timeout(*river.Job[SegmentsArgs]) time.Duration { return 30 * time.Minute }

// SnapshotArgs is the job that takes the KPI snapshot of the seller's today.
type SnapshotArgs struct{}

// Kind is the stable job kind stored by River.
func (SnapshotArgs) Kind() string { return "scoring.kpi_snapshot" }

// SnapshotWorker stores the KPI snapshot of the seller's today with
// billing.TakeSnapshot; running it again the same day replaces that day's row.
type SnapshotWorker struct {
	river.WorkerDefaults[SnapshotArgs]
	Pool     *pgxpool.Pool
	Logger   *slog.Logger
	Now      func() time.Time
	Timezone *time.Location
}

// Work takes one snapshot.
func (w *SnapshotWorker) Work(ctx context.Context, job *river.Job[SnapshotArgs]) error {
	day := billing.Today(w.Now(), w.Timezone)
	if _, err := billing.TakeSnapshot(ctx, w.Pool, day); err != nil {
		return err
	}
	w.Logger.Info("KPI snapshot taken", "job_id", job.ID, "date", day.String())
	return nil
}

// Timeout allows the two aging passes over a large ledger.
func (w *SnapshotWorker) Timeout(*river.Job[SnapshotArgs]) time.Duration { return 10 * time.Minute }

// Daily is a River schedule that fires once a day at hour:00 in loc.
type Daily struct {
	Hour int
	Loc  *time.Location
}

// Next returns the next hour:00 in loc after t.
func (d Daily) Next(t time.Time) time.Time {
	local := t.In(d.Loc)
	next := time.Date(local.Year(), local.Month(), local.Day(), d.Hour, 0, 0, 0, d.Loc)
	if !next.After(local) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}
