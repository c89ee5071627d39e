package collect

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

// HoldOverLimit puts every customer whose open balance is over its credit limit
// on credit hold, with a task for the account owner, and returns how many it
// placed. Customers already on hold are left alone, and staff lift a hold by
// hand. Run it inside a transaction.
func HoldOverLimit(ctx context.Context, db billing.DB, today billing.Date, actor billing.Actor, source string) (int, error) {
	rows, err := db.Query(ctx, `
		SELECT c.id, c.currency, c.credit_limit_minor, sum(i.open_minor)
		FROM customers c JOIN invoices i ON i.customer_id = c.id AND i.open_minor > 0 AND i.voided_at IS NULL
		WHERE c.credit_limit_minor IS NOT NULL AND NOT c.credit_hold
		GROUP BY c.id HAVING sum(i.open_minor) > c.credit_limit_minor
		ORDER BY c.id`)
	if err != nil {
		return 0, fmt.Errorf("finding customers over their credit limit: %w", err)
	}
	type over struct {
		id          int64
		limit, open billing.Money
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (over, error) {
		var o over
		err := row.Scan(&o.id, &o.limit.Currency, &o.limit.Amount, &o.open.Amount)
		o.open.Currency = o.limit.Currency
		return o, err
	})
	if err != nil {
		return 0, fmt.Errorf("finding customers over their credit limit: %w", err)
	}

	placed := 0
	for _, o := range list {
		reason := fmt.Sprintf("the open balance of %s is over the credit limit of %s", o.open, o.limit)
		ok, err := PlaceCreditHold(ctx, db, o.id, reason, today, actor, source)
		if err != nil {
			return placed, err
		}
		if ok {
			placed++
		}
	}
	return placed, nil
}

// DailyResult counts what the daily collections job did.
type DailyResult struct {
	LateFees           int
	CreditHolds        int
	InstallmentNotices int
	Reminders          RunResult
}

// Daily runs the day's collections work for asOf in order: it charges the late
// fees due, puts customers over their credit limit on hold, sends the installment
// notices, then runs the reminder cadence so the e-mails show the new state.
func (e *Engine) Daily(ctx context.Context, asOf billing.Date) (DailyResult, error) {
	return e.DailyBy(ctx, asOf, billing.Actor{}, "job")
}

// DailyBy is Daily recorded on the timeline under actor and source, such as a
// run started from the command line. A zero actor is the system: "collections"
// for the fees and holds, "reminders" for the cadence.
func (e *Engine) DailyBy(ctx context.Context, asOf billing.Date, actor billing.Actor, source string) (DailyResult, error) {
	var res DailyResult
	work := actor
	if work == (billing.Actor{}) {
		work = billing.SystemActor("collections")
	}
	err := billing.InTx(ctx, e.Pool, func(tx pgx.Tx) error {
		var err error
		if res.LateFees, err = AccrueLateFees(ctx, tx, asOf, work, source); err != nil {
			return err
		}
		res.CreditHolds, err = HoldOverLimit(ctx, tx, asOf, work, source)
		return err
	})
	if err != nil {
		return res, err
	}
	e.Logger.Info("late fees and credit limits checked", "as_of", asOf.String(), "late_fees", res.LateFees, "credit_holds", res.CreditHolds)

	if res.InstallmentNotices, err = e.SendInstallmentNotices(ctx, asOf); err != nil {
		return res, err
	}
	if res.Reminders, err = e.Run(ctx, RunOptions{AsOf: asOf, Actor: actor, Source: source}); err != nil {
		return res, err
	}

	_, err = e.Pool.Exec(ctx, `
		INSERT INTO reminder_runs (as_of, finished_at) VALUES ($1, $2)
		ON CONFLICT (as_of) DO UPDATE SET finished_at = excluded.finished_at`, asOf, e.Now())
	if err != nil {
		return res, fmt.Errorf("recording the collections run of %s: %w", asOf, err)
	}
	return res, nil
}
