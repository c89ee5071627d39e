package websession

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
)

// CleanupArgs are the arguments of the periodic job that deletes ended sessions.
type CleanupArgs struct{}

// Kind is the job's stable name in River's table.
func (CleanupArgs) Kind() string { return "session_cleanup" }

// CleanupWorker deletes sessions past their lifetime or idle timeout.
type CleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	Pool        *pgxpool.Pool
	IdleTimeout time.Duration
	Now         func() time.Time
}

// Work runs one cleanup.
func (w *CleanupWorker) Work(ctx context.Context, job *river.Job[CleanupArgs]) error {
	_, err := DeleteExpired(ctx, w.Pool, w.Now(), w.IdleTimeout)
	return err
}
