package collect

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

// Statuses of schedule entries.
const (
	EntrySent    = "sent"
	EntryTask    = "task"    // handed to staff instead of e-mailed
	EntrySkipped = "skipped" // due but held back for the cause in Reason
	EntryPlanned = "planned"
)

// ScheduleEntry is one reminder step of one invoice, past or planned.
type ScheduleEntry struct {
	Date       billing.Date
	InvoiceID  int64
	Number     string
	StepID     int64
	Tone       string
	OffsetDays int
	Channel    string
	Status     string
	Reason     string // the cause a skipped step was held back
	Variant    string // "A" or "B" for a sent step
}

// Schedule is a customer's reminders: what happened and what comes next.
type Schedule struct {
	Segment      string // the reminder policy in force
	Paused       bool
	PausedReason string
	SnoozedUntil billing.Date    // zero when not snoozed
	Past         []ScheduleEntry // newest first
	Next         []ScheduleEntry // soonest first
}

// CustomerSchedule returns the reminders sent and held back for a customer and
// the steps still planned for its open invoices as of today. A planned step of
// an invoice that is held back today shows the latest reason it was held.
func CustomerSchedule(ctx context.Context, db billing.DB, customerID int64, today billing.Date) (Schedule, error) {
	var sc Schedule
	err := db.QueryRow(ctx, `
		SELECT crp.segment, c.reminders_paused_at IS NOT NULL, c.reminders_paused_reason, c.reminders_snoozed_until
		FROM customers c JOIN customer_reminder_policies crp ON crp.customer_id = c.id WHERE c.id = $1`, customerID).Scan(&sc.Segment, &sc.Paused, &sc.PausedReason, &sc.SnoozedUntil)
	if err != nil {
		return Schedule{}, fmt.Errorf("loading customer %d: %w", customerID, notFound(err))
	}

	past, err := db.Query(ctx, `
		SELECT r.sent_on, r.invoice_id, i.number, s.id, s.tone, s.offset_days, s.channel,
			CASE WHEN r.reminder_email_id IS NULL THEN 'task' ELSE 'sent' END, '', r.variant
		FROM reminder_sends r JOIN invoices i ON i.id = r.invoice_id JOIN reminder_steps s ON s.id = r.step_id
		WHERE r.customer_id = $1
		UNION ALL
		SELECT k.skipped_on, k.invoice_id, i.number, s.id, s.tone, s.offset_days, s.channel, 'skipped', k.reason, ''
		FROM reminder_skips k JOIN invoices i ON i.id = k.invoice_id JOIN reminder_steps s ON s.id = k.step_id
		WHERE k.customer_id = $1
		ORDER BY 1 DESC, 2, 6 DESC`, customerID)
	if err != nil {
		return Schedule{}, fmt.Errorf("querying past reminders: %w", err)
	}
	sent := map[[2]int64]bool{}
	held := map[[2]int64]string{}
	for past.Next() {
		var e ScheduleEntry
		if err := past.Scan(&e.Date, &e.InvoiceID, &e.Number, &e.StepID, &e.Tone, &e.OffsetDays, &e.Channel,
			&e.Status, &e.Reason, &e.Variant); err != nil {
			past.Close()
			return Schedule{}, fmt.Errorf("scanning past reminder: %w", err)
		}
		key := [2]int64{e.InvoiceID, e.StepID}
		if e.Status == EntrySkipped {
			if _, ok := held[key]; !ok {
				held[key] = e.Reason
			}
		} else {
			sent[key] = true
		}
		sc.Past = append(sc.Past, e)
	}
	past.Close()
	if err := past.Err(); err != nil {
		return Schedule{}, fmt.Errorf("querying past reminders: %w", err)
	}

	next, err := db.Query(ctx, `
		SELECT i.id, i.number, i.due_date, s.id, s.tone, s.offset_days, s.channel,
			lead(s.offset_days) OVER (PARTITION BY i.id ORDER BY s.offset_days) AS next_offset
		FROM invoices i
		JOIN customer_reminder_policies crp ON crp.customer_id = i.customer_id
		JOIN reminder_steps s ON s.policy_id = crp.policy_id
		WHERE i.customer_id = $1 AND i.open_minor > 0 AND i.voided_at IS NULL`, customerID)
	if err != nil {
		return Schedule{}, fmt.Errorf("querying planned reminders: %w", err)
	}
	defer next.Close()
	for next.Next() {
		var e ScheduleEntry
		var due billing.Date
		var nextOffset *int
		if err := next.Scan(&e.InvoiceID, &e.Number, &due, &e.StepID, &e.Tone, &e.OffsetDays, &e.Channel, &nextOffset); err != nil {
			return Schedule{}, fmt.Errorf("scanning planned reminder: %w", err)
		}
		key := [2]int64{e.InvoiceID, e.StepID}
		e.Date = due.AddDays(e.OffsetDays)
		reached := !e.Date.After(today)
		superseded := nextOffset != nil && !due.AddDays(*nextOffset).After(today)
		if sent[key] || (reached && superseded) {
			continue
		}
		if reached {
			e.Date = today // the latest reached step goes out with the next run
			e.Reason = held[key]
		}
		e.Status = EntryPlanned
		sc.Next = append(sc.Next, e)
	}
	if err := next.Err(); err != nil {
		return Schedule{}, fmt.Errorf("querying planned reminders: %w", err)
	}
	sort.Slice(sc.Next, func(i, j int) bool {
		a, b := sc.Next[i], sc.Next[j]
		if a.Date != b.Date {
			return a.Date.Before(b.Date)
		}
		return a.InvoiceID < b.InvoiceID
	})
	return sc, nil
}

// notFound maps pgx.ErrNoRows to billing.ErrNotFound and leaves other errors alone.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return billing.ErrNotFound
	}
	return err
}
