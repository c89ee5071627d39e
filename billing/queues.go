package billing

import (
	"context"
	"fmt"
	"time"
)

// QueueCounts are the numbers of items waiting for staff, for the dashboard.
type QueueCounts struct {
	PlansToApprove int
	OpenDisputes   int
	TasksDue       int // open tasks due today or earlier
	FailedPayments int // payments that failed in the last 30 days
}

// CountQueues returns the queue counts as of today (the seller's calendar date)
// and now.
func CountQueues(ctx context.Context, db DB, today Date, now time.Time) (QueueCounts, error) {
	var q QueueCounts
	err := db.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM installment_plans WHERE status = 'pending'),
			(SELECT count(*) FROM disputes WHERE status = 'open'),
			(SELECT count(*) FROM staff_tasks WHERE done_at IS NULL AND due_date <= $1),
			(SELECT count(*) FROM payments WHERE status = 'failed' AND status_changed_at > $2)`,
		today, now.Add(-30*24*time.Hour)).Scan(&q.PlansToApprove, &q.OpenDisputes, &q.TasksDue, &q.FailedPayments)
	if err != nil {
		return QueueCounts{}, fmt.Errorf("counting queues: %w", err)
	}
	return q, nil
}
