package billing

import (
	"context"
	"fmt"
)

// AgingInvoice is one invoice open on the aging date, for the report's drill-down.
type AgingInvoice struct {
	InvoiceID   int64
	Number      string
	IssueDate   Date
	DueDate     Date
	Total       Money
	Open        Money
	DaysOverdue int
}

// agingInvoicesSQL lists one customer's invoices open at the end of $1 in currency $2.
var agingInvoicesSQL = fmt.Sprintf(`
SELECT o.id, o.number, o.issue_date, o.due_date, o.total_minor, o.open_minor
FROM (%s) o WHERE o.open_minor <> 0
ORDER BY o.due_date, o.id`, fmt.Sprintf(openAsOfSQL, `AND i.currency = $2 AND i.customer_id = $3`))

// AgingInvoices returns a customer's invoices open at the end of asOf in currency,
// oldest due date first, with the same balance rule as Aging.
func AgingInvoices(ctx context.Context, db DB, asOf Date, currency string, customerID int64) ([]AgingInvoice, error) {
	rows, err := db.Query(ctx, agingInvoicesSQL, asOf, currency, customerID)
	if err != nil {
		return nil, fmt.Errorf("querying aging invoices: %w", err)
	}
	defer rows.Close()

	var out []AgingInvoice
	for rows.Next() {
		a := AgingInvoice{Total: Money{Currency: currency}, Open: Money{Currency: currency}}
		if err := rows.Scan(&a.InvoiceID, &a.Number, &a.IssueDate, &a.DueDate, &a.Total.Amount, &a.Open.Amount); err != nil {
			return nil, fmt.Errorf("scanning aging invoice: %w", err)
		}
		if asOf.After(a.DueDate) {
			a.DaysOverdue = asOf.DaysSince(a.DueDate)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
