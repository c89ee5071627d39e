package billing

import (
	"context"
	"fmt"
)

// InvoiceState is the set of debtor commitments and payments in flight on an
// invoice, which decide its status on the statement and its reminders.
type InvoiceState struct {
	Disputed   bool   // an open dispute
	PlanStatus string // "pending" or "approved" when the invoice is in such a plan
	PromisedOn Date   // date of the open promise, zero without one
	Processing bool   // a payment naming the invoice is pending or processing
}

// InvoiceStates returns the state of each of the customer's invoices that has
// one; invoices without any are absent from the map.
func InvoiceStates(ctx context.Context, db DB, customerID int64) (map[int64]InvoiceState, error) {
	rows, err := db.Query(ctx, `
		SELECT invoice_id, 'dispute', NULL::date FROM disputes WHERE customer_id = $1 AND status = 'open'
		UNION ALL
		SELECT pi.invoice_id, p.status, NULL FROM installment_plan_invoices pi JOIN installment_plans p ON p.id = pi.plan_id
			WHERE p.customer_id = $1 AND p.status IN ('pending', 'approved')
		UNION ALL
		SELECT invoice_id, 'promise', promised_on FROM promises WHERE customer_id = $1 AND status = 'open'
		UNION ALL
		SELECT unnest(requested_invoice_ids), 'processing', NULL FROM payments
			WHERE customer_id = $1 AND status IN ('pending', 'processing')`, customerID)
	if err != nil {
		return nil, fmt.Errorf("querying invoice states: %w", err)
	}
	defer rows.Close()

	out := map[int64]InvoiceState{}
	for rows.Next() {
		var id int64
		var kind string
		var on Date
		if err := rows.Scan(&id, &kind, &on); err != nil {
			return nil, fmt.Errorf("scanning invoice state: %w", err)
		}
		st := out[id]
		switch kind {
		case "dispute":
			st.Disputed = true
		case PlanPending, PlanApproved:
			if st.PlanStatus != PlanApproved {
				st.PlanStatus = kind
			}
		case "promise":
			st.PromisedOn = on
		case "processing":
			st.Processing = true
		}
		out[id] = st
	}
	return out, rows.Err()
}

// DebtorStatus returns the single status shown to the debtor for an invoice, the most
// specific first: paid, disputed, in a plan, promised, processing, partially
// paid, open.
func DebtorStatus(l StatementLine, st InvoiceState) string {
	switch {
	case l.Open.Amount <= 0:
		return "paid"
	case st.Disputed:
		return "disputed"
	case st.PlanStatus == PlanApproved:
		return "in a plan"
	case st.PlanStatus == PlanPending:
		return "plan pending"
	case !st.PromisedOn.IsZero():
		return "promised"
	case st.Processing:
		return "processing"
	case l.Open.Amount < l.Total.Amount:
		return "partially paid"
	}
	return "open"
}

// PaidInvoice is a settled invoice in the debtor's paid history.
type PaidInvoice struct {
	ID        int64
	Number    string
	IssueDate Date
	DueDate   Date
	Total     Money
	PaidOn    Date
}

// PaidInvoices returns the customer's settled invoices, most recently settled
// first, at most limit of them starting at offset.
func PaidInvoices(ctx context.Context, db DB, customerID int64, limit, offset int) ([]PaidInvoice, error) {
	rows, err := db.Query(ctx, `
		SELECT id, number, issue_date, due_date, currency, total_minor, settled_on FROM invoices
		WHERE customer_id = $1 AND voided_at IS NULL AND open_minor = 0 AND settled_on IS NOT NULL
		ORDER BY settled_on DESC, id DESC LIMIT $2 OFFSET $3`, customerID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("querying paid invoices: %w", err)
	}
	defer rows.Close()
	var out []PaidInvoice
	for rows.Next() {
		var p PaidInvoice
		if err := rows.Scan(&p.ID, &p.Number, &p.IssueDate, &p.DueDate, &p.Total.Currency, &p.Total.Amount, &p.PaidOn); err != nil {
			return nil, fmt.Errorf("scanning paid invoice: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ReminderHold returns why reminders for an invoice are paused on today, or ""
// when nothing pauses them: an open dispute, an approved plan, or an open promise
// until its date plus the grace days. The view invoice_reminder_holds returns the
// same reasons for many invoices in one query.
func ReminderHold(ctx context.Context, db DB, invoiceID int64, today Date) (string, error) {
	var reason string
	err := db.QueryRow(ctx, `
		SELECT coalesce((SELECT reason FROM invoice_reminder_holds
			WHERE invoice_id = $1 AND (held_until IS NULL OR held_until >= $2)
			ORDER BY held_until NULLS FIRST LIMIT 1), '')`, invoiceID, today).Scan(&reason)
	if err != nil {
		return "", fmt.Errorf("checking reminder hold of invoice %d: %w", invoiceID, err)
	}
	return reason, nil
}

// InvoiceLine is one stored line of an invoice.
type InvoiceLine struct {
	ID            int64
	Position      int
	Description   string
	QuantityMilli int64
	UnitPrice     Money
	Amount        Money
}

// AppliedAmount is a payment, credit note or write-off applied to an invoice.
type AppliedAmount struct {
	Kind      string // "payment", "credit_note" or "write_off"
	Reference string
	On        Date
	Amount    Money // positive when it lowered the balance; a reversal is negative
}

// InvoiceTerms are the terms copied onto an invoice when it was issued.
type InvoiceTerms struct {
	NetDays        int
	DiscountRateBP int64
	DiscountUntil  Date
	LateFee        LateFeePolicy
}

// InvoiceDetail is everything the debtor's invoice page shows.
type InvoiceDetail struct {
	StatementLine
	Terms    InvoiceTerms
	Lines    []InvoiceLine
	Applied  []AppliedAmount
	State    InvoiceState
	Timeline []Event // the events of this invoice the debtor may see, newest first
}

// DebtorInvoiceDetail returns one invoice of the customer with its lines, terms,
// applied amounts and debtor-visible timeline. Another customer's invoice wraps
// ErrNotFound like a missing one.
func DebtorInvoiceDetail(ctx context.Context, db DB, customerID, invoiceID int64, today Date) (InvoiceDetail, error) {
	line, err := DebtorInvoice(ctx, db, customerID, invoiceID, today)
	if err != nil {
		return InvoiceDetail{}, err
	}
	d := InvoiceDetail{StatementLine: line}
	cur := line.Total.Currency

	err = db.QueryRow(ctx, `
		SELECT terms_net_days, discount_rate_bp, discount_until, late_fee_kind, late_fee_flat_minor, late_fee_rate_bp, late_fee_grace_days
		FROM invoices WHERE id = $1`, invoiceID).Scan(&d.Terms.NetDays, &d.Terms.DiscountRateBP, &d.Terms.DiscountUntil,
		&d.Terms.LateFee.Kind, &d.Terms.LateFee.FlatMinor, &d.Terms.LateFee.RateBP, &d.Terms.LateFee.GraceDays)
	if err != nil {
		return InvoiceDetail{}, fmt.Errorf("loading terms of invoice %d: %w", invoiceID, err)
	}

	rows, err := db.Query(ctx, `
		SELECT id, position, description, quantity_milli, unit_price_minor, amount_minor
		FROM invoice_lines WHERE invoice_id = $1 ORDER BY position`, invoiceID)
	if err != nil {
		return InvoiceDetail{}, fmt.Errorf("querying lines of invoice %d: %w", invoiceID, err)
	}
	for rows.Next() {
		l := InvoiceLine{UnitPrice: Money{Currency: cur}, Amount: Money{Currency: cur}}
		if err := rows.Scan(&l.ID, &l.Position, &l.Description, &l.QuantityMilli, &l.UnitPrice.Amount, &l.Amount.Amount); err != nil {
			rows.Close()
			return InvoiceDetail{}, fmt.Errorf("scanning invoice line: %w", err)
		}
		d.Lines = append(d.Lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return InvoiceDetail{}, err
	}

	rows, err = db.Query(ctx, `
		SELECT 'payment', coalesce(nullif(p.reference, ''), p.external_id), a.applied_on, a.amount_minor
			FROM allocations a JOIN payments p ON p.id = a.payment_id WHERE a.invoice_id = $1
		UNION ALL
		SELECT 'credit_note', c.number, a.applied_on, a.amount_minor
			FROM allocations a JOIN credit_notes c ON c.id = a.credit_note_id WHERE a.invoice_id = $1
		UNION ALL
		SELECT 'write_off', '', written_off_on, amount_minor FROM write_offs WHERE invoice_id = $1
		ORDER BY 3, 1`, invoiceID)
	if err != nil {
		return InvoiceDetail{}, fmt.Errorf("querying amounts applied to invoice %d: %w", invoiceID, err)
	}
	for rows.Next() {
		a := AppliedAmount{Amount: Money{Currency: cur}}
		if err := rows.Scan(&a.Kind, &a.Reference, &a.On, &a.Amount.Amount); err != nil {
			rows.Close()
			return InvoiceDetail{}, fmt.Errorf("scanning applied amount: %w", err)
		}
		d.Applied = append(d.Applied, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return InvoiceDetail{}, err
	}

	states, err := InvoiceStates(ctx, db, customerID)
	if err != nil {
		return InvoiceDetail{}, err
	}
	d.State = states[invoiceID]
	d.Timeline, err = debtorInvoiceTimeline(ctx, db, customerID, invoiceID)
	return d, err
}

func debtorInvoiceTimeline(ctx context.Context, db DB, customerID, invoiceID int64) ([]Event, error) {
	rows, err := db.Query(ctx, `
		SELECT id, kind, summary, occurred_at FROM timeline_events
		WHERE customer_id = $1 AND invoice_id = $2 AND visible_to_debtor
		ORDER BY occurred_at DESC, id DESC LIMIT 100`, customerID, invoiceID)
	if err != nil {
		return nil, fmt.Errorf("querying invoice timeline: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		ev := Event{CustomerID: customerID, InvoiceID: &invoiceID, VisibleToDebtor: true}
		if err := rows.Scan(&ev.ID, &ev.Kind, &ev.Summary, &ev.OccurredAt); err != nil {
			return nil, fmt.Errorf("scanning timeline event: %w", err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}
