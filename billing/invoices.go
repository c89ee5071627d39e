package billing

import (
	"context"
	"fmt"
	"strings"
)

// Line is one line of an invoice. Quantity is in thousandths so that 1.5 hours is 1500.
type Line struct {
	Description   string
	QuantityMilli int64
	UnitPrice     Money
}

// Amount returns quantity × unit price, rounded half away from zero to the minor unit.
func (l Line) Amount() Money {
	return Money{Amount: divRoundHalfAway(l.QuantityMilli*l.UnitPrice.Amount, 1000), Currency: l.UnitPrice.Currency}
}

// NewInvoice is the input of IssueInvoice.
type NewInvoice struct {
	CustomerID int64
	Number     string
	ExternalID *string
	PONumber   string
	IssueDate  Date
	DueDate    Date // zero means issue date plus the customer's net days
	Currency   string
	Lines      []Line
	Tax        Money
	Source     string // "manual", "import", "demo", ...
}

// Invoice is an issued invoice with the terms in force when it was issued.
type Invoice struct {
	ID             int64
	CustomerID     int64
	Number         string
	PONumber       string
	IssueDate      Date
	DueDate        Date
	Total          Money
	DiscountRateBP int64
	DiscountUntil  Date // zero when the invoice has no early-payment discount
	Voided         bool
}

// IssueInvoice stores an invoice with its lines, copying the customer's terms onto it,
// and records it on the timeline. Run it inside a transaction.
func IssueInvoice(ctx context.Context, db DB, in NewInvoice, actor Actor) (Invoice, error) {
	cust, err := CustomerByID(ctx, db, in.CustomerID)
	if err != nil {
		return Invoice{}, fmt.Errorf("loading customer %d: %w", in.CustomerID, err)
	}
	if in.Currency == "" {
		in.Currency = cust.Currency
	}
	if strings.TrimSpace(in.Number) == "" {
		return Invoice{}, fmt.Errorf("missing invoice number")
	}
	if len(in.Lines) == 0 {
		return Invoice{}, fmt.Errorf("invoice %s has no lines", in.Number)
	}
	if in.DueDate.IsZero() {
		in.DueDate = in.IssueDate.AddDays(cust.Terms.NetDays)
	}
	if in.DueDate.Before(in.IssueDate) {
		return Invoice{}, fmt.Errorf("invoice %s: due date %s is before issue date %s", in.Number, in.DueDate, in.IssueDate)
	}

	subtotal := Money{Currency: in.Currency}
	for _, l := range in.Lines {
		if l.UnitPrice.Currency != in.Currency {
			return Invoice{}, fmt.Errorf("invoice %s: line currency %s differs from %s", in.Number, l.UnitPrice.Currency, in.Currency)
		}
		subtotal = subtotal.Add(l.Amount())
	}
	tax := in.Tax
	if tax.Currency == "" {
		tax.Currency = in.Currency
	}
	inv := Invoice{
		CustomerID: in.CustomerID, Number: in.Number, PONumber: in.PONumber,
		IssueDate: in.IssueDate, DueDate: in.DueDate, Total: subtotal.Add(tax),
		DiscountRateBP: cust.Terms.DiscountRateBP,
	}
	if cust.Terms.DiscountRateBP > 0 && cust.Terms.DiscountDays > 0 {
		inv.DiscountUntil = in.IssueDate.AddDays(cust.Terms.DiscountDays)
	}

	err = db.QueryRow(ctx, `
		INSERT INTO invoices (customer_id, number, external_id, po_number, issue_date, due_date, currency,
			subtotal_minor, tax_minor, total_minor, terms_net_days, discount_rate_bp, discount_until,
			late_fee_kind, late_fee_flat_minor, late_fee_rate_bp, late_fee_grace_days, source)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		RETURNING id`,
		in.CustomerID, in.Number, in.ExternalID, in.PONumber, in.IssueDate, in.DueDate, in.Currency,
		subtotal.Amount, tax.Amount, inv.Total.Amount, cust.Terms.NetDays, cust.Terms.DiscountRateBP, inv.DiscountUntil,
		cust.LateFee.Kind, cust.LateFee.FlatMinor, cust.LateFee.RateBP, cust.LateFee.GraceDays, in.Source).Scan(&inv.ID)
	if isUniqueViolation(err) {
		return Invoice{}, fmt.Errorf("invoice number %s already exists: %w", in.Number, ErrConflict)
	}
	if err != nil {
		return Invoice{}, fmt.Errorf("inserting invoice %s: %w", in.Number, err)
	}

	for i, l := range in.Lines {
		_, err := db.Exec(ctx, `
			INSERT INTO invoice_lines (invoice_id, position, description, quantity_milli, unit_price_minor, amount_minor)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			inv.ID, i+1, l.Description, l.QuantityMilli, l.UnitPrice.Amount, l.Amount().Amount)
		if err != nil {
			return Invoice{}, fmt.Errorf("inserting line %d of invoice %s: %w", i+1, in.Number, err)
		}
	}

	err = AppendEvent(ctx, db, Event{
		CustomerID: in.CustomerID, InvoiceID: &inv.ID, Kind: "invoice.issued",
		Actor: actor.String(), Source: in.Source, VisibleToDebtor: true,
		Summary: fmt.Sprintf("Invoice %s issued for %s, due %s", in.Number, inv.Total, in.DueDate.Format()),
		Details: map[string]any{"number": in.Number, "total": inv.Total.Decimal(), "due_date": in.DueDate.String()},
	})
	if err != nil {
		return Invoice{}, err
	}
	return inv, nil
}
