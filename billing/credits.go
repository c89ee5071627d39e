package billing

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// NewCreditNote is the input of IssueCreditNote.
type NewCreditNote struct {
	CustomerID int64
	Number     string  // unique credit-note number shown to the customer
	ExternalID *string // optional key from another system
	InvoiceID  *int64  // the invoice it credits, if any
	Amount     Money   // positive, in the customer's currency
	IssuedOn   Date
	Reason     string
	Source     string
}

// CreditNote is an issued credit note and how much of it was applied at once.
type CreditNote struct {
	ID          int64
	CustomerID  int64
	Number      string
	Amount      Money
	IssuedOn    Date
	Allocations []Allocation
	Credit      Money // the unapplied part, available as customer credit
}

// IssueCreditNote stores a credit note. With InvoiceID it is applied to that
// invoice at once, up to the invoice's open balance; the rest, or all of it
// without InvoiceID, is customer credit that ApplyCredit can use later. Run it
// inside a transaction.
func IssueCreditNote(ctx context.Context, db DB, in NewCreditNote, actor Actor) (CreditNote, error) {
	if strings.TrimSpace(in.Number) == "" {
		return CreditNote{}, errors.New("missing credit note number")
	}
	if strings.TrimSpace(in.Reason) == "" {
		return CreditNote{}, fmt.Errorf("credit note %s: missing reason", in.Number)
	}
	if in.Amount.Amount <= 0 {
		return CreditNote{}, fmt.Errorf("credit note %s: invalid amount %s: must be positive", in.Number, in.Amount.Decimal())
	}
	if in.IssuedOn.IsZero() {
		return CreditNote{}, fmt.Errorf("credit note %s: missing issue date", in.Number)
	}
	if in.Source == "" {
		in.Source = "cli"
	}
	cust, err := lockCustomer(ctx, db, in.CustomerID)
	if err != nil {
		return CreditNote{}, err
	}
	if in.Amount.Currency != cust.Currency {
		return CreditNote{}, fmt.Errorf("credit note %s: currency %s differs from the customer's %s", in.Number, in.Amount.Currency, cust.Currency)
	}

	cn := CreditNote{CustomerID: in.CustomerID, Number: in.Number, Amount: in.Amount, IssuedOn: in.IssuedOn}
	err = db.QueryRow(ctx, `
		INSERT INTO credit_notes (customer_id, number, external_id, invoice_id, currency, amount_minor, issued_on, reason, source)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		in.CustomerID, in.Number, in.ExternalID, in.InvoiceID, in.Amount.Currency, in.Amount.Amount, in.IssuedOn,
		in.Reason, in.Source).Scan(&cn.ID)
	if isUniqueViolation(err) {
		return CreditNote{}, fmt.Errorf("credit note %s already exists: %w", in.Number, ErrConflict)
	}
	if err != nil {
		return CreditNote{}, fmt.Errorf("inserting credit note %s: %w", in.Number, err)
	}
	err = AppendEvent(ctx, db, Event{
		CustomerID: in.CustomerID, InvoiceID: in.InvoiceID, Kind: "credit_note.issued", Actor: actor.String(), Source: in.Source,
		VisibleToDebtor: true,
		Summary:         fmt.Sprintf("Credit note %s issued for %s: %s", in.Number, in.Amount, in.Reason),
		Details:         map[string]any{"credit_note_id": cn.ID, "number": in.Number, "amount": in.Amount.Decimal(), "reason": in.Reason},
	})
	if err != nil {
		return CreditNote{}, err
	}

	if in.InvoiceID != nil {
		open, err := lockOpenInvoices(ctx, db, in.CustomerID, in.Amount.Currency, []int64{*in.InvoiceID})
		if err != nil {
			return CreditNote{}, err
		}
		cn.Allocations, err = insertAllocations(ctx, db, in.CustomerID, in.Amount.Currency, open, in.Amount.Amount,
			in.IssuedOn, "credit_note_id", cn.ID, actor, in.Source)
		if err != nil {
			return CreditNote{}, err
		}
	}
	cn.Credit = in.Amount
	for _, a := range cn.Allocations {
		cn.Credit.Amount -= a.Amount.Amount
	}
	return cn, nil
}

// creditSource is a succeeded payment or a credit note with an unapplied remainder.
type creditSource struct {
	column    string // "payment_id" or "credit_note_id"
	id        int64
	remaining int64
}

// customerCreditSQL lists the unapplied remainders of a customer's succeeded
// payments and credit notes dated on or before $2, oldest first.
const customerCreditSQL = `
SELECT 'payment_id', p.id, p.amount_minor - coalesce((SELECT sum(a.amount_minor) FROM allocations a
		WHERE a.payment_id = p.id AND a.applied_on <= $2), 0), p.received_on
FROM payments p WHERE p.customer_id = $1 AND p.status = 'succeeded' AND p.received_on <= $2
UNION ALL
SELECT 'credit_note_id', c.id, c.amount_minor - coalesce((SELECT sum(a.amount_minor) FROM allocations a
		WHERE a.credit_note_id = c.id AND a.applied_on <= $2), 0), c.issued_on
FROM credit_notes c WHERE c.customer_id = $1 AND c.issued_on <= $2
ORDER BY 4, 1, 2`

func creditSources(ctx context.Context, db DB, customerID int64, asOf Date) ([]creditSource, error) {
	rows, err := db.Query(ctx, customerCreditSQL, customerID, asOf)
	if err != nil {
		return nil, fmt.Errorf("querying customer credit: %w", err)
	}
	defer rows.Close()

	var out []creditSource
	for rows.Next() {
		var s creditSource
		var on Date
		if err := rows.Scan(&s.column, &s.id, &s.remaining, &on); err != nil {
			return nil, fmt.Errorf("scanning customer credit: %w", err)
		}
		if s.remaining > 0 {
			out = append(out, s)
		}
	}
	return out, rows.Err()
}

// CustomerCredit returns a customer's unapplied credit at the end of asOf: the
// parts of succeeded payments and credit notes not allocated to invoices. A
// refunded or disputed payment contributes nothing.
func CustomerCredit(ctx context.Context, db DB, customerID int64, asOf Date) (Money, error) {
	cust, err := CustomerByID(ctx, db, customerID)
	if err != nil {
		return Money{}, fmt.Errorf("loading customer %d: %w", customerID, err)
	}
	sources, err := creditSources(ctx, db, customerID, asOf)
	if err != nil {
		return Money{}, err
	}
	total := Money{Currency: cust.Currency}
	for _, s := range sources {
		total.Amount += s.remaining
	}
	return total, nil
}

// ApplyCredit applies the customer's unapplied credit, oldest first, to the chosen
// open invoices (all open invoices when invoiceIDs is empty), oldest due date
// first, dated on. It returns the allocations made, none when there is no credit.
// Run it inside a transaction.
func ApplyCredit(ctx context.Context, db DB, customerID int64, invoiceIDs []int64, on Date, actor Actor, source string) ([]Allocation, error) {
	cust, err := lockCustomer(ctx, db, customerID)
	if err != nil {
		return nil, err
	}
	sources, err := creditSources(ctx, db, customerID, on)
	if err != nil {
		return nil, err
	}
	open, err := lockOpenInvoices(ctx, db, customerID, cust.Currency, invoiceIDs)
	if err != nil {
		return nil, err
	}

	var out []Allocation
	for _, s := range sources {
		made, err := insertAllocations(ctx, db, customerID, cust.Currency, open, s.remaining, on, s.column, s.id, actor, source)
		if err != nil {
			return nil, err
		}
		for _, a := range made {
			for i := range open {
				if open[i].ID == a.InvoiceID {
					open[i].Open -= a.Amount.Amount
				}
			}
		}
		out = append(out, made...)
	}
	return out, nil
}

// WriteOff closes amount of an invoice's open balance as uncollectable from on,
// with the reason and the actor on the timeline. A zero amount writes off the
// whole open balance; more than the open balance is rejected. Run it inside a
// transaction.
func WriteOff(ctx context.Context, db DB, invoiceID int64, amount Money, on Date, reason string, actor Actor, source string) error {
	if strings.TrimSpace(reason) == "" {
		return errors.New("missing write-off reason")
	}
	var customerID, open int64
	var number, currency string
	err := db.QueryRow(ctx, `SELECT customer_id FROM invoices WHERE id = $1`, invoiceID).Scan(&customerID)
	if err != nil {
		return fmt.Errorf("loading invoice %d: %w", invoiceID, notFound(err))
	}
	if _, err := lockCustomer(ctx, db, customerID); err != nil {
		return err
	}
	err = db.QueryRow(ctx, `SELECT number, currency, open_minor FROM invoices WHERE id = $1 AND voided_at IS NULL FOR UPDATE`,
		invoiceID).Scan(&number, &currency, &open)
	if err != nil {
		return fmt.Errorf("loading invoice %d: %w", invoiceID, notFound(err))
	}
	if amount.Amount == 0 {
		amount = Money{Amount: open, Currency: currency}
	}
	if amount.Currency != currency {
		return fmt.Errorf("write-off of invoice %s: currency %s differs from the invoice's %s", number, amount.Currency, currency)
	}
	if amount.Amount <= 0 || amount.Amount > open {
		return fmt.Errorf("write-off of invoice %s: invalid amount %s: must be positive and at most the open balance %s",
			number, amount.Decimal(), Money{Amount: open, Currency: currency}.Decimal())
	}

	_, err = db.Exec(ctx, `INSERT INTO write_offs (invoice_id, amount_minor, written_off_on, reason, actor) VALUES ($1, $2, $3, $4, $5)`,
		invoiceID, amount.Amount, on, reason, actor.String())
	if err != nil {
		return fmt.Errorf("inserting write-off of invoice %s: %w", number, err)
	}
	err = AppendEvent(ctx, db, Event{
		CustomerID: customerID, InvoiceID: &invoiceID, Kind: "invoice.written_off", Actor: actor.String(), Source: source,
		Summary: fmt.Sprintf("%s of invoice %s written off: %s", amount, number, reason),
		Details: map[string]any{"amount": amount.Decimal(), "reason": reason, "on": on.String()},
	})
	if err != nil {
		return err
	}
	return refreshBalances(ctx, db, []int64{invoiceID})
}
