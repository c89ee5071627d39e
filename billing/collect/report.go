package collect

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

// VariantResult is how one template variant of one step performed.
type VariantResult struct {
	Segment        string
	StepID         int64
	Tone           string
	OffsetDays     int
	Variant        string // "A" or "B"
	Template       string
	Reminded       int // invoices reminded with this variant
	PaidIn7Days    int // of those, settled within 7 days of the reminder
	PaidIn7DaysPct float64
}

// VariantReport compares the template variants of every step that used more than
// one, over reminders sent from since to until: per variant, how many reminded
// invoices were paid within 7 days. An invoice counts as paid on the day its
// balance reached zero.
func VariantReport(ctx context.Context, db billing.DB, since, until billing.Date) ([]VariantResult, error) {
	rows, err := db.Query(ctx, `
		WITH tested AS (
			SELECT step_id FROM reminder_sends WHERE sent_on BETWEEN $1 AND $2
			GROUP BY step_id HAVING count(DISTINCT variant) > 1
		)
		SELECT p.segment, s.id, s.tone, s.offset_days, r.variant,
			CASE WHEN r.variant = 'B' THEN coalesce(s.template_b, s.template) ELSE s.template END,
			count(*), count(*) FILTER (WHERE i.settled_on IS NOT NULL AND i.settled_on <= r.sent_on + 7)
		FROM reminder_sends r
		JOIN tested t ON t.step_id = r.step_id
		JOIN reminder_steps s ON s.id = r.step_id
		JOIN reminder_policies p ON p.id = s.policy_id
		JOIN invoices i ON i.id = r.invoice_id
		WHERE r.sent_on BETWEEN $1 AND $2 AND r.reminder_email_id IS NOT NULL
		GROUP BY p.segment, s.id, s.tone, s.offset_days, r.variant, s.template, s.template_b
		ORDER BY p.segment, s.offset_days, r.variant`, since, until)
	if err != nil {
		return nil, fmt.Errorf("querying template variants: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (VariantResult, error) {
		var v VariantResult
		err := row.Scan(&v.Segment, &v.StepID, &v.Tone, &v.OffsetDays, &v.Variant, &v.Template, &v.Reminded, &v.PaidIn7Days)
		if v.Reminded > 0 {
			v.PaidIn7DaysPct = 100 * float64(v.PaidIn7Days) / float64(v.Reminded)
		}
		return v, err
	})
}
