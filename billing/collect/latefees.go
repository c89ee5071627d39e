package collect

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing"
)

// interestPeriodDays is the length of one interest period: a monthly rate is
// charged once per 30 days overdue.
const interestPeriodDays = 30

// accrueSQL charges the fees due on $1 under each invoice's own terms. A flat
// fee is due once the invoice is unpaid more than grace days after its due date.
// Interest is due for each completed 30-day period after that, on the open
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

// billFeesSQL bills each late fee in $1 as an invoice of kind 'late_fee' linked
// to the invoice it was charged on, numbered "<invoice>-FEE-<n>" where n is 1 for
// a flat fee and the period for interest, so a number never repeats for one
// invoice. The fee invoice is due on the day the fee accrues, has no discount and
// no late fee of its own (late_fee_kind 'none'), and its single line names the
// charge. The ledger treats it as any open invoice, so statements, the pay page,
// the aging and the reminders include it.
//
// Fee invoices count as credit sales in the KPIs, as every invoice does: the CEI
// is a roll-forward of receivables (opening AR + credit sales - closing AR), which
// balances only when everything billed into AR is in credit sales, so excluding
// fees would show each accrued fee as a shortfall in collections and raise DSO.
const billFeesSQL = `
WITH f AS (
	SELECT lf.id, lf.invoice_id, lf.customer_id, lf.kind, lf.period, lf.currency, lf.amount_minor, lf.accrued_on,
		i.number || '-FEE-' || greatest(lf.period, 1) AS number, i.number AS charged_number
	FROM late_fees lf JOIN invoices i ON i.id = lf.invoice_id
	WHERE lf.id = ANY ($1) AND lf.fee_invoice_id IS NULL
), billed AS (
	INSERT INTO invoices (customer_id, number, issue_date, due_date, currency, subtotal_minor, total_minor,
		terms_net_days, source, kind, charged_on_invoice_id)
	SELECT customer_id, number, accrued_on, accrued_on, currency, amount_minor, amount_minor, 0, 'late_fee', 'late_fee', invoice_id
	FROM f
	RETURNING id, number, total_minor
), lines AS (
	INSERT INTO invoice_lines (invoice_id, position, description, quantity_milli, unit_price_minor, amount_minor)
	SELECT b.id, 1, CASE WHEN f.kind = 'flat' THEN 'Late fee on overdue invoice ' || f.charged_number
		ELSE 'Interest on overdue invoice ' || f.charged_number || ', 30-day period ' || f.period END,
		1000, b.total_minor, b.total_minor
	FROM billed b JOIN f ON f.number = b.number
)
UPDATE late_fees lf SET fee_invoice_id = b.id FROM billed b JOIN f ON f.number = b.number
WHERE lf.id = f.id
RETURNING lf.id, b.id, b.number`

// AccrueLateFees charges every late fee and interest period due on asOf that was
// not charged before and bills each as an invoice of its own. Each charge goes on
// the customer's timeline, visible to the debtor with the rule in words. It
// returns the number charged. Run it daily inside a transaction: a missed day is
// caught up on the next run, and a rerun charges nothing twice.
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
	billed, err := billFees(ctx, db, ids)
	if err != nil {
		return 0, err
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
	var feeInvoiceIDs []int64
	for i, id := range ids {
		rules = append(rules, ruleByID[id])
		summaries[i] = fmt.Sprintf("%s on invoice %s, billed as invoice %s", summaries[i], numberByID[id], billed[id].number)
		feeInvoiceIDs = append(feeInvoiceIDs, billed[id].id)
	}

	_, err = db.Exec(ctx, `
		WITH k AS (
			SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $9::bigint[])
				AS k (id, invoice_id, customer_id, rule, summary, fee_invoice_id)
		), ruled AS (
			UPDATE late_fees f SET rule = k.rule FROM k WHERE f.id = k.id RETURNING f.id
		)
		INSERT INTO timeline_events (customer_id, invoice_id, kind, actor, source, summary, details, visible_to_debtor)
		SELECT k.customer_id, k.invoice_id, 'late_fee.charged', $6, $7, k.summary || '. ' || k.rule,
			jsonb_build_object('late_fee_id', k.id, 'fee_invoice_id', k.fee_invoice_id, 'rule', k.rule, 'as_of', $8::date), true
		FROM k`, ids, invoiceIDs, customerIDs, rules, summaries, actor.String(), source, asOf, feeInvoiceIDs)
	if err != nil {
		return 0, fmt.Errorf("recording late fees: %w", err)
	}
	return len(fees), nil
}

// feeInvoice is the invoice that bills one late fee.
type feeInvoice struct {
	id     int64
	number string
}

// billFees bills the late fees with the given ids and returns their invoices by fee id.
func billFees(ctx context.Context, db billing.DB, feeIDs []int64) (map[int64]feeInvoice, error) {
	rows, err := db.Query(ctx, billFeesSQL, feeIDs)
	if err != nil {
		return nil, fmt.Errorf("billing late fees: %w", err)
	}
	defer rows.Close()
	billed := make(map[int64]feeInvoice, len(feeIDs))
	for rows.Next() {
		var feeID int64
		var inv feeInvoice
		if err := rows.Scan(&feeID, &inv.id, &inv.number); err != nil {
			return nil, fmt.Errorf("scanning late fee invoice: %w", err)
		}
		billed[feeID] = inv
	}
	if err := rows.Err(); err != nil {
		if isUniqueViolation(err) {
			return nil, fmt.Errorf("billing late fees: an invoice numbered like \"<invoice>-FEE-<n>\" already exists, so rename it: %w", billing.ErrConflict)
		}
		return nil, fmt.Errorf("billing late fees: %w", err)
	}
	if len(billed) != len(feeIDs) {
		return nil, fmt.Errorf("billing late fees: billed %d of %d fees", len(billed), len(feeIDs))
	}
	return billed, nil
}

// WaiveLateFee cancels a fee with the staff member's reason. The fee row stays,
// marked waived, and the waiver goes on the timeline where the debtor sees it.
// The unpaid part of the fee's invoice is credited through billing.IssueCreditNote,
// numbered "<fee invoice>-W", so the fee leaves every balance. A part already paid
// stays paid: a refund is a separate staff action. With a pool it runs in its own
// transaction; a transaction passed in must be committed by the caller.
func WaiveLateFee(ctx context.Context, db billing.DB, feeID int64, reason string, actor billing.Actor) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return billing.FieldErrors{"reason": "Enter why the fee is waived, for example \"first late payment in five years\"."}
	}
	if pool, ok := db.(*pgxpool.Pool); ok {
		return billing.InTx(ctx, pool, func(tx pgx.Tx) error { return waive(ctx, tx, feeID, reason, actor) })
	}
	return waive(ctx, db, feeID, reason, actor)
}

func waive(ctx context.Context, db billing.DB, feeID int64, reason string, actor billing.Actor) error {
	var f LateFee
	var feeInvoiceID *int64
	err := db.QueryRow(ctx, `
		UPDATE late_fees SET waived_at = now(), waived_by = $2, waive_reason = $3
		WHERE id = $1 AND waived_at IS NULL
		RETURNING invoice_id, customer_id, currency, amount_minor, fee_invoice_id`, feeID, actor.String(), reason).Scan(
		&f.InvoiceID, &f.CustomerID, &f.Amount.Currency, &f.Amount.Amount, &feeInvoiceID)
	if err != nil {
		err = notFound(err)
		if err == billing.ErrNotFound {
			return fmt.Errorf("late fee %d not found or already waived: %w", feeID, billing.ErrNotFound)
		}
		return fmt.Errorf("waiving late fee %d: %w", feeID, err)
	}

	credited := billing.Money{Currency: f.Amount.Currency}
	details := map[string]any{"late_fee_id": feeID, "reason": reason}
	if feeInvoiceID != nil {
		// The credit note is dated today in the seller's time zone, by the same
		// database clock as waived_at, and never before the fee was billed.
		var number string
		var on billing.Date
		err := db.QueryRow(ctx, `
			SELECT number, open_minor, greatest(issue_date,
				(now() AT TIME ZONE coalesce((SELECT timezone FROM organization), 'UTC'))::date)
			FROM invoices WHERE id = $1 AND voided_at IS NULL`,
			*feeInvoiceID).Scan(&number, &credited.Amount, &on)
		if err != nil {
			return fmt.Errorf("loading invoice of late fee %d: %w", feeID, notFound(err))
		}
		details["fee_invoice_id"] = *feeInvoiceID
		if credited.Amount > 0 {
			cn, err := billing.IssueCreditNote(ctx, db, billing.NewCreditNote{
				CustomerID: f.CustomerID, Number: number + "-W", InvoiceID: feeInvoiceID, Amount: credited,
				IssuedOn: on, Reason: "Late fee waived: " + reason, Source: sourceOf(actor),
			}, actor)
			if err != nil {
				return fmt.Errorf("crediting waived late fee %d: %w", feeID, err)
			}
			details["credit_note_id"] = cn.ID
		}
	}
	details["credited"] = credited.Decimal()

	summary := fmt.Sprintf("Late fee of %s waived: %s", f.Amount, reason)
	if credited.Amount > 0 && credited.Amount < f.Amount.Amount {
		summary = fmt.Sprintf("Late fee of %s waived, %s of it unpaid and credited: %s", f.Amount, credited, reason)
	}
	return billing.AppendEvent(ctx, db, billing.Event{
		CustomerID: f.CustomerID, InvoiceID: &f.InvoiceID, Kind: "late_fee.waived", Actor: actor.String(),
		Source: sourceOf(actor), VisibleToDebtor: true, Summary: summary, Details: details,
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

// OutstandingLateFees returns the open balance of a customer's fee invoices:
// what the customer still owes in late fees and interest.
func OutstandingLateFees(ctx context.Context, db billing.DB, customerID int64, currency string) (billing.Money, error) {
	total := billing.Money{Currency: currency}
	err := db.QueryRow(ctx, `
		SELECT coalesce(sum(open_minor), 0) FROM invoices
		WHERE customer_id = $1 AND kind = 'late_fee' AND voided_at IS NULL AND currency = $2`, customerID, currency).Scan(&total.Amount)
	if err != nil {
		return billing.Money{}, fmt.Errorf("summing late fees: %w", err)
	}
	return total, nil
}
