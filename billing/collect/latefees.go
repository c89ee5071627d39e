package collect

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

// interestPeriodDays is the length of one interest period: a monthly rate is
// charged once per 30 days overdue.
const interestPeriodDays = 30

// accrueSQL charges the fees due on $1 under each invoice's own terms. A flat
// fee is due once the invoice is unpaid more than grace days after its due date;
// interest is due for each completed 30-day period after that, on the open
// balance of the day it is charged. Invoices with an open dispute or in an
// approved installment plan accrue nothing. $2 limits the run to one invoice
// (0 for all) and $3 set ignores the grace days, for a reminder step whose
// action applies the late fee. The rule column is filled in by Go.
const accrueSQL = `
WITH overdue AS (
	SELECT i.id, i.customer_id, i.currency, i.open_minor, i.late_fee_kind, i.late_fee_flat_minor, i.late_fee_rate_bp,
		$1::date - (i.due_date + CASE WHEN $3::bool THEN 0 ELSE i.late_fee_grace_days END) AS days_late
	FROM invoices i
	WHERE i.late_fee_kind <> 'none' AND i.open_minor > 0 AND i.voided_at IS NULL
		AND i.due_date < $1::date AND ($2::bigint = 0 OR i.id = $2)
		AND NOT EXISTS (SELECT 1 FROM disputes d WHERE d.invoice_id = i.id AND d.status = 'open')
		AND NOT EXISTS (SELECT 1 FROM installment_plan_invoices pi JOIN installment_plans p ON p.id = pi.plan_id
			WHERE pi.invoice_id = i.id AND p.status = 'approved')
), charges AS (
	SELECT id, customer_id, currency, 'flat' AS kind, 0 AS period, late_fee_flat_minor AS amount, 0::bigint AS basis
	FROM overdue WHERE late_fee_kind = 'flat' AND late_fee_flat_minor > 0 AND days_late > 0
	UNION ALL
	SELECT o.id, o.customer_id, o.currency, 'interest', p.period,
		round(o.open_minor * o.late_fee_rate_bp / 10000.0)::bigint, o.open_minor
	FROM overdue o CROSS JOIN LATERAL generate_series(1, o.days_late / %d) AS p (period)
	WHERE o.late_fee_kind = 'interest' AND o.late_fee_rate_bp > 0 AND o.days_late >= %d
)
INSERT INTO late_fees (invoice_id, customer_id, kind, period, currency, amount_minor, basis_minor, accrued_on, rule)
SELECT id, customer_id, kind, period, currency, amount, basis, $1, '' FROM charges WHERE amount > 0
ON CONFLICT (invoice_id, kind, period) DO NOTHING
RETURNING id, invoice_id, customer_id, kind, period, currency, amount_minor`

// LateFee is one late fee or interest charge on an invoice.
type LateFee struct {
	ID          int64
	InvoiceID   int64
	Number      string
	CustomerID  int64
	Kind        string // "flat" or "interest"
	Period      int    // 0 for a flat fee; the 30-day period for interest
	Amount      billing.Money
	AccruedOn   billing.Date
	Rule        string // the rule in words
	WaivedAt    *time.Time
	WaivedBy    string
	WaiveReason string
}

// AccrueLateFees charges every late fee and interest period due on asOf that was
// not charged before, records each on the customer's timeline, visible to the
// debtor with the rule in words, and returns the number charged. Run it daily;
// a missed day is caught up on the next run.
//
// NOTE: the fees live in late_fees only. They are not added to the invoices'
// open balances, so the pay page, the aging and the reminders' totals leave them
// out until the ledger bills them.
func AccrueLateFees(ctx context.Context, db billing.DB, asOf billing.Date, actor billing.Actor, source string) (int, error) {
	return accrue(ctx, db, asOf, 0, false, actor, source)
}

func accrue(ctx context.Context, db billing.DB, asOf billing.Date, invoiceID int64, ignoreGrace bool, actor billing.Actor, source string) (int, error) {
	rows, err := db.Query(ctx, fmt.Sprintf(accrueSQL, interestPeriodDays, interestPeriodDays), asOf, invoiceID, ignoreGrace)
	if err != nil {
		return 0, fmt.Errorf("accruing late fees: %w", err)
	}
	type charged struct {
		id, invoiceID, customerID int64
		kind                      string
		period                    int
		amount                    billing.Money
	}
	var fees []charged
	for rows.Next() {
		var c charged
		if err := rows.Scan(&c.id, &c.invoiceID, &c.customerID, &c.kind, &c.period, &c.amount.Currency, &c.amount.Amount); err != nil {
			rows.Close()
			return 0, fmt.Errorf("scanning late fee: %w", err)
		}
		fees = append(fees, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("accruing late fees: %w", err)
	}
	if len(fees) == 0 {
		return 0, nil
	}

	// Each invoice's rule in words, from its own terms, stored on the fee and
	// shown on the timeline.
	var ids, invoiceIDs, customerIDs []int64
	var rules, summaries []string
	for _, f := range fees {
		ids, invoiceIDs, customerIDs = append(ids, f.id), append(invoiceIDs, f.invoiceID), append(customerIDs, f.customerID)
		what := "Late fee"
		if f.kind == "interest" {
			what = fmt.Sprintf("Interest for 30-day period %d", f.period)
		}
		summaries = append(summaries, fmt.Sprintf("%s of %s charged", what, f.amount))
	}
	ruleRows, err := db.Query(ctx, `
		SELECT f.id, i.number, i.currency, i.late_fee_kind, i.late_fee_flat_minor, i.late_fee_rate_bp, i.late_fee_grace_days
		FROM late_fees f JOIN invoices i ON i.id = f.invoice_id WHERE f.id = ANY ($1)`, ids)
	if err != nil {
		return 0, fmt.Errorf("loading late fee rules: %w", err)
	}
	ruleByID := map[int64]string{}
	numberByID := map[int64]string{}
	for ruleRows.Next() {
		var id int64
		var number, currency string
		var p billing.LateFeePolicy
		if err := ruleRows.Scan(&id, &number, &currency, &p.Kind, &p.FlatMinor, &p.RateBP, &p.GraceDays); err != nil {
			ruleRows.Close()
			return 0, fmt.Errorf("scanning late fee rule: %w", err)
		}
		ruleByID[id], numberByID[id] = LateFeeRule(p, currency), number
	}
	ruleRows.Close()
	if err := ruleRows.Err(); err != nil {
		return 0, fmt.Errorf("loading late fee rules: %w", err)
	}
	for i, id := range ids {
		rules = append(rules, ruleByID[id])
		summaries[i] = summaries[i] + " on invoice " + numberByID[id]
	}

	_, err = db.Exec(ctx, `
		WITH k AS (
			SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])
				AS k (id, invoice_id, customer_id, rule, summary)
		), ruled AS (
			UPDATE late_fees f SET rule = k.rule FROM k WHERE f.id = k.id RETURNING f.id
		)
		INSERT INTO timeline_events (customer_id, invoice_id, kind, actor, source, summary, details, visible_to_debtor)
		SELECT k.customer_id, k.invoice_id, 'late_fee.charged', $6, $7, k.summary || '. ' || k.rule,
			jsonb_build_object('late_fee_id', k.id, 'rule', k.rule, 'as_of', $8::date), true
		FROM k`, ids, invoiceIDs, customerIDs, rules, summaries, actor.String(), source, asOf)
	if err != nil {
		return 0, fmt.Errorf("recording late fees: %w", err)
	}
	return len(fees), nil
}

// WaiveLateFee cancels a fee with the staff member's reason. The fee row stays,
// marked waived, and the waiver goes on the timeline where the debtor sees it.
func WaiveLateFee(ctx context.Context, db billing.DB, feeID int64, reason string, actor billing.Actor) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return billing.FieldErrors{"reason": "Enter why the fee is waived, for example \"first late payment in five years\"."}
	}
	var f LateFee
	err := db.QueryRow(ctx, `
		UPDATE late_fees SET waived_at = now(), waived_by = $2, waive_reason = $3
		WHERE id = $1 AND waived_at IS NULL
		RETURNING invoice_id, customer_id, currency, amount_minor`, feeID, actor.String(), reason).Scan(
		&f.InvoiceID, &f.CustomerID, &f.Amount.Currency, &f.Amount.Amount)
	if err != nil {
		err = notFound(err)
		if err == billing.ErrNotFound {
			return fmt.Errorf("late fee %d not found or already waived: %w", feeID, billing.ErrNotFound)
		}
		return fmt.Errorf("waiving late fee %d: %w", feeID, err)
	}
	return billing.AppendEvent(ctx, db, billing.Event{
		CustomerID: f.CustomerID, InvoiceID: &f.InvoiceID, Kind: "late_fee.waived", Actor: actor.String(),
		Source: sourceOf(actor), VisibleToDebtor: true,
		Summary: fmt.Sprintf("Late fee of %s waived: %s", f.Amount, reason),
		Details: map[string]any{"late_fee_id": feeID, "reason": reason},
	})
}

// CustomerLateFees returns a customer's late fees, newest first, waived ones included.
func CustomerLateFees(ctx context.Context, db billing.DB, customerID int64) ([]LateFee, error) {
	rows, err := db.Query(ctx, `
		SELECT f.id, f.invoice_id, i.number, f.customer_id, f.kind, f.period, f.currency, f.amount_minor, f.accrued_on,
			f.rule, f.waived_at, coalesce(f.waived_by, ''), f.waive_reason
		FROM late_fees f JOIN invoices i ON i.id = f.invoice_id
		WHERE f.customer_id = $1 ORDER BY f.accrued_on DESC, f.id DESC`, customerID)
	if err != nil {
		return nil, fmt.Errorf("querying late fees: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (LateFee, error) {
		var f LateFee
		err := row.Scan(&f.ID, &f.InvoiceID, &f.Number, &f.CustomerID, &f.Kind, &f.Period, &f.Amount.Currency,
			&f.Amount.Amount, &f.AccruedOn, &f.Rule, &f.WaivedAt, &f.WaivedBy, &f.WaiveReason)
		return f, err
	})
}

// OutstandingLateFees returns the total of a customer's fees that are not waived.
func OutstandingLateFees(ctx context.Context, db billing.DB, customerID int64, currency string) (billing.Money, error) {
	total := billing.Money{Currency: currency}
	err := db.QueryRow(ctx, `
		SELECT coalesce(sum(amount_minor), 0) FROM late_fees
		WHERE customer_id = $1 AND waived_at IS NULL AND currency = $2`, customerID, currency).Scan(&total.Amount)
	if err != nil {
		return billing.Money{}, fmt.Errorf("summing late fees: %w", err)
	}
	return total, nil
}
