package billing

import (
	"context"
	"errors"
	"fmt"
)

// ReceiptConfirmation is a debtor's confirmation that an invoice arrived.
type ReceiptConfirmation struct {
	CustomerID  int64
	InvoiceID   int64
	Contact     string // e-mail address of the contact who confirmed
	IP          string
	UserAgent   string
	ScheduledOn Date // optional: the date the debtor's payables team scheduled payment
}

// ConfirmReceipt records who confirmed receipt, when and from where. A scheduled
// date also opens a promise for the whole open balance on that date, validated
// like any promise (FieldErrors keyed "scheduled_on"). Run it inside a transaction.
func ConfirmReceipt(ctx context.Context, db DB, rc ReceiptConfirmation, today Date) error {
	inv, err := DebtorInvoice(ctx, db, rc.CustomerID, rc.InvoiceID, today)
	if err != nil {
		return err
	}
	actor := Actor{Kind: "contact", Name: rc.Contact}

	var promiseID *int64
	if !rc.ScheduledOn.IsZero() {
		if inv.Open.Amount <= 0 {
			return FieldErrors{"scheduled_on": "This invoice is already paid, so there is no payment to schedule."}
		}
		p, err := CreatePromise(ctx, db, NewPromise{
			CustomerID: rc.CustomerID, InvoiceID: rc.InvoiceID, Date: rc.ScheduledOn, Amount: inv.Open,
			Actor: actor, Source: "receipt",
		}, today)
		var fe FieldErrors
		if errors.As(err, &fe) {
			// The amount is the open balance, so only the date can be wrong.
			return FieldErrors{"scheduled_on": fe["date"]}
		}
		if err != nil {
			return err
		}
		promiseID = &p.ID
	}

	_, err = db.Exec(ctx, `
		INSERT INTO receipt_confirmations (customer_id, invoice_id, contact_email, ip, user_agent, scheduled_on, promise_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		rc.CustomerID, rc.InvoiceID, rc.Contact, rc.IP, rc.UserAgent, rc.ScheduledOn, promiseID)
	if err != nil {
		return fmt.Errorf("inserting receipt confirmation: %w", err)
	}

	summary := fmt.Sprintf("%s confirmed receipt of invoice %s", rc.Contact, inv.Number)
	details := map[string]any{"ip": rc.IP, "user_agent": rc.UserAgent}
	if promiseID != nil {
		summary += fmt.Sprintf("; payment scheduled for %s", rc.ScheduledOn.Format())
		details["scheduled_on"] = rc.ScheduledOn.String()
		details["promise_id"] = *promiseID
	}
	return AppendEvent(ctx, db, Event{
		CustomerID: rc.CustomerID, InvoiceID: &rc.InvoiceID, Kind: "invoice.receipt_confirmed",
		Actor: actor.String(), Source: "portal", VisibleToDebtor: true, Summary: summary, Details: details,
	})
}

// ReceiptConfirmed reports whether anyone confirmed receipt of the invoice.
func ReceiptConfirmed(ctx context.Context, db DB, invoiceID int64) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM receipt_confirmations WHERE invoice_id = $1)`, invoiceID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("checking receipt confirmation: %w", err)
	}
	return ok, nil
}
