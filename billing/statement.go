package billing

import (
	"context"
	"fmt"
)

// StatementLine is one open invoice on a customer's statement.
type StatementLine struct {
	Invoice
	Open        Money
	DaysOverdue int // 0 when not yet due
}

// OpenInvoices returns a customer's invoices that are not void and not settled as of
// asOf, oldest due date first.
//
// TODO: the open balance is the invoice total until payments and credits are
// allocated; the ledger subtracts them once allocations exist.
func OpenInvoices(ctx context.Context, db DB, customerID int64, asOf Date) ([]StatementLine, error) {
	rows, err := db.Query(ctx, `
		SELECT id, customer_id, number, po_number, issue_date, due_date, currency, total_minor,
			discount_rate_bp, discount_until
		FROM invoices
		WHERE customer_id = $1 AND voided_at IS NULL AND issue_date <= $2
		ORDER BY due_date, id`, customerID, asOf)
	if err != nil {
		return nil, fmt.Errorf("querying open invoices: %w", err)
	}
	defer rows.Close()

	var out []StatementLine
	for rows.Next() {
		var l StatementLine
		if err := rows.Scan(&l.ID, &l.CustomerID, &l.Number, &l.PONumber, &l.IssueDate, &l.DueDate,
			&l.Total.Currency, &l.Total.Amount, &l.DiscountRateBP, &l.DiscountUntil); err != nil {
			return nil, fmt.Errorf("scanning invoice: %w", err)
		}
		l.Open = l.Total
		if asOf.After(l.DueDate) {
			l.DaysOverdue = asOf.DaysSince(l.DueDate)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
