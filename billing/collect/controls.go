package collect

import (
	"context"
	"fmt"
	"strings"

	"github.com/ledgvero/ledgvero/billing"
)

// Pause stops reminders to a customer until Resume, with the reason on the timeline.
func Pause(ctx context.Context, db billing.DB, customerID int64, reason string, actor billing.Actor) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return billing.FieldErrors{"reason": "Enter why reminders are paused, for example \"negotiating a settlement\"."}
	}
	tag, err := db.Exec(ctx, `
		UPDATE customers SET reminders_paused_at = now(), reminders_paused_by = $2, reminders_paused_reason = $3, updated_at = now()
		WHERE id = $1`, customerID, actor.String(), reason)
	if err != nil {
		return fmt.Errorf("pausing reminders of customer %d: %w", customerID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("customer %d: %w", customerID, billing.ErrNotFound)
	}
	return billing.AppendEvent(ctx, db, billing.Event{
		CustomerID: customerID, Kind: "reminders.paused", Actor: actor.String(), Source: sourceOf(actor),
		Summary: "Reminders paused: " + reason, Details: map[string]any{"reason": reason},
	})
}

// Resume lifts a pause and a snooze, so the next run reminds the customer again.
func Resume(ctx context.Context, db billing.DB, customerID int64, actor billing.Actor) error {
	tag, err := db.Exec(ctx, `
		UPDATE customers SET reminders_paused_at = NULL, reminders_paused_by = NULL, reminders_paused_reason = '',
			reminders_snoozed_until = NULL, updated_at = now()
		WHERE id = $1`, customerID)
	if err != nil {
		return fmt.Errorf("resuming reminders of customer %d: %w", customerID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("customer %d: %w", customerID, billing.ErrNotFound)
	}
	return billing.AppendEvent(ctx, db, billing.Event{
		CustomerID: customerID, Kind: "reminders.resumed", Actor: actor.String(), Source: sourceOf(actor),
		Summary: "Reminders resumed",
	})
}

// Snooze holds reminders to a customer through the given date; they resume by
// themselves the day after.
func Snooze(ctx context.Context, db billing.DB, customerID int64, until, today billing.Date, actor billing.Actor) error {
	if !until.After(today) {
		return billing.FieldErrors{"until": fmt.Sprintf("Choose a date after today (%s).", today.Format())}
	}
	if until.After(today.AddDays(180)) {
		return billing.FieldErrors{"until": "Choose a date at most 180 days ahead, or pause reminders instead."}
	}
	tag, err := db.Exec(ctx, `UPDATE customers SET reminders_snoozed_until = $2, updated_at = now() WHERE id = $1`, customerID, until)
	if err != nil {
		return fmt.Errorf("snoozing reminders of customer %d: %w", customerID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("customer %d: %w", customerID, billing.ErrNotFound)
	}
	return billing.AppendEvent(ctx, db, billing.Event{
		CustomerID: customerID, Kind: "reminders.snoozed", Actor: actor.String(), Source: sourceOf(actor),
		Summary: "Reminders snoozed through " + until.Format() + "; they resume " + until.AddDays(1).Format(), Details: map[string]any{"until": until.String()},
	})
}

// SendNow runs the cadence for one customer at once, as staff ask from the back
// office. It follows every rule of the daily run, so it sends nothing that is not
// due, nothing twice, and nothing when the customer already had today's e-mail.
func (e *Engine) SendNow(ctx context.Context, customerID int64, today billing.Date, actor billing.Actor) (RunResult, error) {
	var exists bool
	if err := e.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM customers WHERE id = $1)`, customerID).Scan(&exists); err != nil {
		return RunResult{}, fmt.Errorf("loading customer %d: %w", customerID, err)
	}
	if !exists {
		return RunResult{}, fmt.Errorf("customer %d: %w", customerID, billing.ErrNotFound)
	}
	return e.Run(ctx, RunOptions{AsOf: today, CustomerID: customerID, Actor: actor, Source: sourceOf(actor)})
}

func sourceOf(a billing.Actor) string {
	if a.Kind == "staff" {
		return "backoffice"
	}
	return "job"
}
