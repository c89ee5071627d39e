package billing

import (
	"context"
	"fmt"
	"time"
)

// Statuses of a promise to pay.
const (
	PromiseOpen       = "open"
	PromiseKept       = "kept"
	PromiseBroken     = "broken"
	PromiseSuperseded = "superseded"
)

// NewPromise is a debtor's promise to pay Amount of one invoice by Date.
type NewPromise struct {
	CustomerID int64
	InvoiceID  int64
	Date       Date
	Amount     Money
	Actor      Actor
	Source     string // "portal", "receipt" or "backoffice"
}

// Promise is a stored promise to pay.
type Promise struct {
	ID        int64
	InvoiceID int64
	Date      Date
	Amount    Money
	Status    string
	Source    string
	CreatedAt time.Time
}

// ValidatePromiseDate checks a promised date against today and the portal limit,
// returning a message for the debtor or "".
func ValidatePromiseDate(d, today Date, maxDays int) string {
	switch {
	case d.IsZero():
		return "Enter the date you will pay, as YYYY-MM-DD."
	case d.Before(today):
		return fmt.Sprintf("The date %s is in the past: choose today or a later date.", d.Format())
	case d.DaysSince(today) > maxDays:
		return fmt.Sprintf("Choose a date within %d days, on or before %s.", maxDays, today.AddDays(maxDays).Format())
	}
	return ""
}

// ValidatePromiseAmount checks a promised amount against the open balance,
// returning a message for the debtor or "".
func ValidatePromiseAmount(amount, open Money) string {
	switch {
	case amount.Amount <= 0:
		return "Enter an amount greater than zero."
	case amount.Amount > open.Amount:
		return fmt.Sprintf("The amount is more than the open balance of %s: enter %s or less.", open, open)
	}
	return ""
}

// CreatePromise validates and stores a promise, supersedes any open promise on
// the same invoice and records it on the timeline, visible to the debtor.
// Invalid input returns FieldErrors keyed "date" and "amount" and writes nothing.
// Run it inside a transaction.
func CreatePromise(ctx context.Context, db DB, in NewPromise, today Date) (Promise, error) {
	settings, err := LoadPortalSettings(ctx, db)
	if err != nil {
		return Promise{}, err
	}
	if _, err := db.Exec(ctx, `SELECT 1 FROM invoices WHERE id = $1 AND customer_id = $2 FOR UPDATE`, in.InvoiceID, in.CustomerID); err != nil {
		return Promise{}, fmt.Errorf("locking invoice %d: %w", in.InvoiceID, err)
	}
	inv, err := DebtorInvoice(ctx, db, in.CustomerID, in.InvoiceID, today)
	if err != nil {
		return Promise{}, err
	}

	errs := FieldErrors{}
	if msg := ValidatePromiseDate(in.Date, today, settings.PromiseMaxDays); msg != "" {
		errs["date"] = msg
	}
	if in.Amount.Currency != inv.Open.Currency {
		errs["amount"] = fmt.Sprintf("Enter the amount in %s.", inv.Open.Currency)
	} else if msg := ValidatePromiseAmount(in.Amount, inv.Open); msg != "" {
		errs["amount"] = msg
	}
	if len(errs) > 0 {
		return Promise{}, errs
	}

	if _, err := db.Exec(ctx, `
		UPDATE promises SET status = 'superseded', resolved_at = now() WHERE invoice_id = $1 AND status = 'open'`,
		in.InvoiceID); err != nil {
		return Promise{}, fmt.Errorf("superseding open promise: %w", err)
	}
	p := Promise{InvoiceID: in.InvoiceID, Date: in.Date, Amount: in.Amount, Status: PromiseOpen, Source: in.Source}
	err = db.QueryRow(ctx, `
		INSERT INTO promises (customer_id, invoice_id, amount_minor, currency, promised_on, source, actor)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, created_at`,
		in.CustomerID, in.InvoiceID, in.Amount.Amount, in.Amount.Currency, in.Date, in.Source, in.Actor.String()).
		Scan(&p.ID, &p.CreatedAt)
	if err != nil {
		return Promise{}, fmt.Errorf("inserting promise: %w", err)
	}

	pausedUntil := in.Date.AddDays(settings.PromiseGraceDays)
	err = AppendEvent(ctx, db, Event{
		CustomerID: in.CustomerID, InvoiceID: &in.InvoiceID, Kind: "promise.created", Actor: in.Actor.String(),
		Source: in.Source, VisibleToDebtor: true,
		Summary: fmt.Sprintf("Promise to pay %s of invoice %s by %s", in.Amount, inv.Number, in.Date.Format()),
		Details: map[string]any{
			"promise_id": p.ID, "amount": in.Amount.Decimal(), "currency": in.Amount.Currency,
			"date": in.Date.String(), "reminders_paused_until": pausedUntil.String(),
		},
	})
	if err != nil {
		return Promise{}, err
	}
	return p, nil
}

// OpenPromise returns the open promise on an invoice, or ErrNotFound.
func OpenPromise(ctx context.Context, db DB, invoiceID int64) (Promise, error) {
	var p Promise
	err := db.QueryRow(ctx, `
		SELECT id, invoice_id, promised_on, amount_minor, currency, status, source, created_at
		FROM promises WHERE invoice_id = $1 AND status = 'open'`, invoiceID).Scan(
		&p.ID, &p.InvoiceID, &p.Date, &p.Amount.Amount, &p.Amount.Currency, &p.Status, &p.Source, &p.CreatedAt)
	if err != nil {
		return Promise{}, notFound(err)
	}
	return p, nil
}
