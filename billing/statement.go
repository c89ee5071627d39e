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

// OpenInvoices returns a customer's invoices that are not void and have a
// non-zero balance at the end of asOf, oldest due date first. Open is the total
// minus the payments, credits and write-offs applied on or before asOf, so an
// invoice paid later still shows as open on earlier dates.
func OpenInvoices(ctx context.Context, db DB, customerID int64, asOf Date) ([]StatementLine, error) {
	rows, err := db.Query(ctx, fmt.Sprintf(openAsOfCustomerSQL, `ORDER BY i.due_date, i.id`), asOf, customerID)
	if err != nil {
		return nil, fmt.Errorf("querying open invoices: %w", err)
	}
	defer rows.Close()

	var out []StatementLine
	for rows.Next() {
		var l StatementLine
		if err := rows.Scan(&l.ID, &l.CustomerID, &l.Number, &l.PONumber, &l.IssueDate, &l.DueDate,
			&l.Total.Currency, &l.Total.Amount, &l.DiscountRateBP, &l.DiscountUntil, &l.Open.Amount); err != nil {
			return nil, fmt.Errorf("scanning invoice: %w", err)
		}
		if l.Open.Amount == 0 {
			continue
		}
		l.Open.Currency = l.Total.Currency
		if asOf.After(l.DueDate) {
			l.DaysOverdue = asOf.DaysSince(l.DueDate)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Kinds of statement entries.
const (
	EntryInvoice    = "invoice"
	EntryPayment    = "payment"
	EntryRefund     = "refund"
	EntryCreditNote = "credit_note"
	EntryWriteOff   = "write_off"
)

// StatementEntry is one movement on a customer's account. Amount is positive when
// it raises what the customer owes (an invoice, a refund) and negative when it
// lowers it (a payment, a credit note, a write-off).
type StatementEntry struct {
	Date      Date
	Kind      string
	Reference string // invoice, payment or credit-note number
	Amount    Money
	Balance   Money // running balance after this entry
}

// CustomerStatement is a customer's account as of one date.
type CustomerStatement struct {
	CustomerID int64
	ExternalID string
	Name       string
	AsOf       Date
	OpenItems  []StatementLine
	Activity   []StatementEntry // every movement dated on or before AsOf, oldest first
	TotalDue   Money            // sum of the open items
	Credit     Money            // unapplied payments and credit notes
	Balance    Money            // TotalDue minus Credit: the last running balance
}

// statementActivitySQL lists the movements of customer $1 dated on or before $2.
// Payments count from received_on while succeeded; a refunded or disputed payment
// counts from received_on and is added back on the day its status changed.
const statementActivitySQL = `
SELECT issue_date, 'invoice', number, total_minor, 1 FROM invoices
	WHERE customer_id = $1 AND voided_at IS NULL AND issue_date <= $2
UNION ALL
SELECT received_on, 'payment', external_id, -amount_minor, 2 FROM payments
	WHERE customer_id = $1 AND status IN ('succeeded', 'refunded', 'disputed') AND received_on <= $2
UNION ALL
SELECT status_changed_on, 'refund', external_id, amount_minor, 3 FROM payments
	WHERE customer_id = $1 AND status IN ('refunded', 'disputed') AND status_changed_on <= $2
UNION ALL
SELECT issued_on, 'credit_note', number, -amount_minor, 4 FROM credit_notes
	WHERE customer_id = $1 AND issued_on <= $2
UNION ALL
SELECT w.written_off_on, 'write_off', i.number, -w.amount_minor, 5 FROM write_offs w JOIN invoices i ON i.id = w.invoice_id
	WHERE i.customer_id = $1 AND w.written_off_on <= $2
ORDER BY 1, 5, 3`

// Statement returns a customer's statement at the end of asOf: the open items
// with their balances as of that day, every movement up to that day with a
// running balance, the total due and the unapplied customer credit. A customer
// that does not exist wraps ErrNotFound.
func Statement(ctx context.Context, db DB, customerID int64, asOf Date) (CustomerStatement, error) {
	var cust Customer
	err := db.QueryRow(ctx, `SELECT id, external_id, name, currency FROM customers WHERE id = $1`, customerID).
		Scan(&cust.ID, &cust.ExternalID, &cust.Name, &cust.Currency)
	if err != nil {
		return CustomerStatement{}, fmt.Errorf("loading customer %d: %w", customerID, notFound(err))
	}
	st, err := OpenStatement(ctx, db, cust, asOf)
	if err != nil {
		return CustomerStatement{}, err
	}
	currency := cust.Currency
	st.Balance = Money{Currency: currency}

	rows, err := db.Query(ctx, statementActivitySQL, customerID, asOf)
	if err != nil {
		return CustomerStatement{}, fmt.Errorf("querying statement activity: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e := StatementEntry{Amount: Money{Currency: currency}}
		var order int
		if err := rows.Scan(&e.Date, &e.Kind, &e.Reference, &e.Amount.Amount, &order); err != nil {
			return CustomerStatement{}, fmt.Errorf("scanning statement activity: %w", err)
		}
		st.Balance.Amount += e.Amount.Amount
		e.Balance = st.Balance
		st.Activity = append(st.Activity, e)
	}
	return st, rows.Err()
}

// OpenStatement returns the statement of a customer that the caller has already
// loaded, at the end of asOf, without its Activity: the open items, the total
// due, the unapplied credit and Balance as the total due minus that credit. It
// runs two queries, the open invoices and the credit, which is what a page that
// shows only the open account needs.
func OpenStatement(ctx context.Context, db DB, cust Customer, asOf Date) (CustomerStatement, error) {
	st := CustomerStatement{CustomerID: cust.ID, Name: cust.Name, AsOf: asOf}
	if cust.ExternalID != nil {
		st.ExternalID = *cust.ExternalID
	}
	var err error
	if st.OpenItems, err = OpenInvoices(ctx, db, cust.ID, asOf); err != nil {
		return CustomerStatement{}, err
	}
	st.TotalDue = Money{Currency: cust.Currency}
	for _, l := range st.OpenItems {
		st.TotalDue.Amount += l.Open.Amount
	}

	sources, err := creditSources(ctx, db, cust.ID, asOf)
	if err != nil {
		return CustomerStatement{}, err
	}
	st.Credit = Money{Currency: cust.Currency}
	for _, s := range sources {
		st.Credit.Amount += s.remaining
	}
	st.Balance = Money{Amount: st.TotalDue.Amount - st.Credit.Amount, Currency: cust.Currency}
	return st, nil
}

// CustomerIDByExternalID returns the id of the customer with an external id, or
// ErrNotFound.
func CustomerIDByExternalID(ctx context.Context, db DB, externalID string) (int64, error) {
	var id int64
	err := db.QueryRow(ctx, `SELECT id FROM customers WHERE external_id = $1`, externalID).Scan(&id)
	if err != nil {
		return 0, notFound(err)
	}
	return id, nil
}
