package billing

import (
	"context"
	"fmt"
	"strings"
)

// refreshBalancesSQL recomputes open_minor, reduced_from and settled_on of the
// invoices whose ids the subquery in %s returns, from their allocations and
// write-offs. settled_on is the last date the balance moved to zero, so an invoice
// that was settled, reopened by a refund and settled again keeps the later date.
const refreshBalancesSQL = `
WITH target AS (
	SELECT id, total_minor, issue_date FROM invoices WHERE id IN (%s)
), moves AS (
	SELECT a.invoice_id, a.applied_on AS on_date, a.amount_minor AS amount
	FROM allocations a JOIN target t ON t.id = a.invoice_id
	UNION ALL
	SELECT w.invoice_id, w.written_off_on, w.amount_minor
	FROM write_offs w JOIN target t ON t.id = w.invoice_id
), daily AS (
	SELECT invoice_id, on_date, sum(amount) AS amount FROM moves GROUP BY invoice_id, on_date
), running AS (
	SELECT d.invoice_id, d.on_date,
		t.total_minor - sum(d.amount) OVER w AS balance,
		t.total_minor - sum(d.amount) OVER w + d.amount AS previous
	FROM daily d JOIN target t ON t.id = d.invoice_id
	WINDOW w AS (PARTITION BY d.invoice_id ORDER BY d.on_date)
), summary AS (
	SELECT invoice_id,
		min(on_date) AS reduced_from,
		max(on_date) FILTER (WHERE balance = 0 AND previous <> 0) AS zero_on,
		sum(previous - balance) AS reduced
	FROM running GROUP BY invoice_id
)
UPDATE invoices i SET
	open_minor = t.total_minor - coalesce(s.reduced, 0),
	reduced_from = s.reduced_from,
	settled_on = CASE WHEN t.total_minor - coalesce(s.reduced, 0) = 0
		THEN coalesce(s.zero_on, t.issue_date) END,
	updated_at = now()
FROM target t LEFT JOIN summary s ON s.invoice_id = t.id
WHERE i.id = t.id`

// refreshBalances recomputes the stored balances of the given invoices. Every
// function that adds an allocation or a write-off calls it in the same transaction.
func refreshBalances(ctx context.Context, db DB, invoiceIDs []int64) error {
	if len(invoiceIDs) == 0 {
		return nil
	}
	_, err := db.Exec(ctx, fmt.Sprintf(refreshBalancesSQL, `SELECT unnest($1::bigint[])`), invoiceIDs)
	if err != nil {
		return fmt.Errorf("refreshing invoice balances: %w", err)
	}
	return nil
}

// RefreshBalancesOf recomputes the stored open balance and settlement dates of the
// invoices that idQuery selects, set-based, for bulk writers such as the importer.
// idQuery is trusted SQL returning one bigint column of invoice ids, for example
// "SELECT invoice_id FROM import_touched"; never build it from user input.
func RefreshBalancesOf(ctx context.Context, db DB, idQuery string) error {
	if _, err := db.Exec(ctx, fmt.Sprintf(refreshBalancesSQL, idQuery)); err != nil {
		return fmt.Errorf("refreshing invoice balances: %w", err)
	}
	return nil
}

// openAsOfSQL lists, for invoices matching the extra condition in %s, the
// balance open at the end of day $1. It reads allocations and write-offs only for
// invoices reduced on or before $1; every other invoice in its open range is open
// for its full total.
const openAsOfSQL = `
SELECT i.id, i.customer_id, i.number, i.po_number, i.issue_date, i.due_date, i.currency, i.total_minor,
	i.discount_rate_bp, i.discount_until,
	CASE WHEN i.reduced_from IS NULL OR i.reduced_from > $1 THEN i.total_minor
	ELSE i.total_minor
		- coalesce((SELECT sum(a.amount_minor) FROM allocations a WHERE a.invoice_id = i.id AND a.applied_on <= $1), 0)
		- coalesce((SELECT sum(w.amount_minor) FROM write_offs w WHERE w.invoice_id = i.id AND w.written_off_on <= $1), 0)
	END AS open_minor
FROM invoices i
WHERE i.voided_at IS NULL
	AND daterange(i.issue_date, i.settled_on, '[)') @> $1::date
	%s`

// openAsOfCustomerSQL is openAsOfSQL for the invoices of customer $2. It states the
// open range as two comparisons, because the range index would make PostgreSQL
// visit every invoice open on $1 before filtering by customer, while the
// (customer_id, due_date) index finds the customer's few invoices directly.
var openAsOfCustomerSQL = strings.Replace(openAsOfSQL,
	"AND daterange(i.issue_date, i.settled_on, '[)') @> $1::date",
	"AND i.customer_id = $2 AND i.issue_date <= $1 AND (i.settled_on IS NULL OR i.settled_on > $1)", 1)

// reportCurrencySQL picks the currency of reports that have one: the seller's
// currency, or the customers' when the organization row is missing.
const reportCurrencySQL = `SELECT coalesce((SELECT currency FROM organization), (SELECT min(currency) FROM customers), 'USD')`

func reportCurrency(ctx context.Context, db DB) (string, error) {
	var c string
	if err := db.QueryRow(ctx, reportCurrencySQL).Scan(&c); err != nil {
		return "", fmt.Errorf("loading report currency: %w", err)
	}
	return c, nil
}
