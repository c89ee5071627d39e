package billing

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// QueuedDispute is an open dispute as the staff queue lists it.
type QueuedDispute struct {
	ID            int64
	CustomerID    int64
	CustomerName  string
	InvoiceID     int64
	InvoiceNumber string
	Reason        string
	Message       string
	OpenedAt      time.Time
	Open          Money // the invoice's open balance now
	Status        string
}

// ListDisputeQueue returns disputes, open ones oldest first, or every status when
// openOnly is false.
func ListDisputeQueue(ctx context.Context, db DB, openOnly bool, limit int) ([]QueuedDispute, error) {
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	rows, err := db.Query(ctx, `
		SELECT d.id, d.customer_id, c.name, d.invoice_id, i.number, d.reason, d.message, d.opened_at,
			i.currency, i.open_minor, d.status
		FROM disputes d JOIN customers c ON c.id = d.customer_id JOIN invoices i ON i.id = d.invoice_id
		WHERE NOT $1 OR d.status = 'open'
		ORDER BY d.status <> 'open', d.opened_at, d.id
		LIMIT $2`, openOnly, limit)
	if err != nil {
		return nil, fmt.Errorf("querying disputes: %w", err)
	}
	defer rows.Close()

	var out []QueuedDispute
	for rows.Next() {
		var d QueuedDispute
		if err := rows.Scan(&d.ID, &d.CustomerID, &d.CustomerName, &d.InvoiceID, &d.InvoiceNumber, &d.Reason, &d.Message,
			&d.OpenedAt, &d.Open.Currency, &d.Open.Amount, &d.Status); err != nil {
			return nil, fmt.Errorf("scanning dispute: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// lockOpenDispute loads an open dispute for update. A decided one is ErrConflict.
func lockOpenDispute(ctx context.Context, db DB, id int64) (QueuedDispute, error) {
	var d QueuedDispute
	err := db.QueryRow(ctx, `
		SELECT d.id, d.customer_id, d.invoice_id, i.number, d.reason, d.status, i.currency, i.open_minor
		FROM disputes d JOIN invoices i ON i.id = d.invoice_id WHERE d.id = $1 FOR UPDATE OF d`, id).
		Scan(&d.ID, &d.CustomerID, &d.InvoiceID, &d.InvoiceNumber, &d.Reason, &d.Status, &d.Open.Currency, &d.Open.Amount)
	if err != nil {
		return QueuedDispute{}, notFound(err)
	}
	if d.Status != "open" {
		return QueuedDispute{}, fmt.Errorf("dispute %d is already %s: %w", id, d.Status, ErrConflict)
	}
	return d, nil
}

// DisputeDecision is the input of ResolveDisputeWithCredit and RejectDisputeInWriting.
type DisputeDecision struct {
	DisputeID           int64
	Credit              Money  // credit note amount; zero credits the whole open balance (resolve only)
	Message             string // to the debtor: why it was resolved this way or rejected
	CollectorLimitMinor int64  // from collection settings
	Today               Date
}

// ResolveDisputeWithCredit resolves an open dispute with a credit note on its
// invoice, for the full open balance or a part of it, and records the decision.
// A collector may credit at most the collector limit; more returns ErrForbidden.
// Run it in a transaction.
func ResolveDisputeWithCredit(ctx context.Context, db DB, u StaffUser, in DisputeDecision) (CreditNote, error) {
	d, err := lockOpenDispute(ctx, db, in.DisputeID)
	if err != nil {
		return CreditNote{}, err
	}
	credit := in.Credit
	if credit.Amount == 0 {
		credit = d.Open
	}
	if credit.Currency == "" {
		credit.Currency = d.Open.Currency
	}
	switch {
	case credit.Amount <= 0:
		return CreditNote{}, FieldErrors{"credit": "The invoice has no open balance to credit; reject the dispute or enter an amount."}
	case credit.Amount > d.Open.Amount:
		return CreditNote{}, FieldErrors{"credit": fmt.Sprintf("The credit cannot exceed the open balance of %s.", d.Open)}
	}
	if !AllowedAmount(u.Role, ActResolveDispute, credit.Amount, in.CollectorLimitMinor) {
		return CreditNote{}, fmt.Errorf("crediting %s is above your limit: %w", credit, ErrForbidden)
	}
	message := strings.TrimSpace(in.Message)
	if message == "" {
		message = "Resolved with a credit note."
	}

	invoiceID := d.InvoiceID
	cn, err := IssueCreditNote(ctx, db, NewCreditNote{
		CustomerID: d.CustomerID, Number: "CN-D" + strconv.FormatInt(d.ID, 10), InvoiceID: &invoiceID, Amount: credit,
		IssuedOn: in.Today, Reason: "Dispute " + strconv.FormatInt(d.ID, 10) + ": " + DisputeReasonLabel(d.Reason), Source: "backoffice",
	}, StaffActor(u))
	if err != nil {
		return CreditNote{}, err
	}
	if _, err := db.Exec(ctx, `UPDATE disputes SET status = 'resolved', resolved_at = now() WHERE id = $1`, d.ID); err != nil {
		return CreditNote{}, fmt.Errorf("resolving dispute: %w", err)
	}
	kind := "full"
	if credit.Amount < d.Open.Amount {
		kind = "partial"
	}
	return cn, RecordStaffAction(ctx, db, StaffAction{
		Staff: u, Action: "dispute.resolved", CustomerID: d.CustomerID, InvoiceID: &invoiceID,
		Summary: fmt.Sprintf("Resolved the dispute on %s with a %s credit of %s", d.InvoiceNumber, kind, credit),
		Details: map[string]any{"dispute_id": d.ID, "credit_note": cn.Number, "amount": credit.Decimal(), "credit": kind, "message": message},
	})
}

// RejectDisputeInWriting rejects an open dispute with the written reasons the
// debtor receives, and records the decision. Run it in a transaction.
func RejectDisputeInWriting(ctx context.Context, db DB, u StaffUser, in DisputeDecision) error {
	message := strings.TrimSpace(in.Message)
	if message == "" {
		return FieldErrors{"message": "Write the reasons for the rejection; the customer receives them."}
	}
	d, err := lockOpenDispute(ctx, db, in.DisputeID)
	if err != nil {
		return err
	}
	if !AllowedAmount(u.Role, ActResolveDispute, d.Open.Amount, in.CollectorLimitMinor) {
		return fmt.Errorf("deciding a dispute on %s is above your limit: %w", d.Open, ErrForbidden)
	}
	if _, err := db.Exec(ctx, `UPDATE disputes SET status = 'rejected', resolved_at = now() WHERE id = $1`, d.ID); err != nil {
		return fmt.Errorf("rejecting dispute: %w", err)
	}
	invoiceID := d.InvoiceID
	return RecordStaffAction(ctx, db, StaffAction{
		Staff: u, Action: "dispute.rejected", CustomerID: d.CustomerID, InvoiceID: &invoiceID,
		Summary: "Rejected the dispute on " + d.InvoiceNumber + ": " + message,
		Details: map[string]any{"dispute_id": d.ID, "message": message},
	})
}

// DisputeContacts returns the e-mail addresses of the dispute's customer that get
// billing mail, for the decision and reply e-mails.
func DisputeContacts(ctx context.Context, db DB, disputeID int64) (customerID int64, emails []string, err error) {
	rows, err := db.Query(ctx, `
		SELECT d.customer_id, ct.email FROM disputes d JOIN contacts ct ON ct.customer_id = d.customer_id
		WHERE d.id = $1 AND ct.opted_out_at IS NULL ORDER BY ct.id`, disputeID)
	if err != nil {
		return 0, nil, fmt.Errorf("querying dispute contacts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e string
		if err := rows.Scan(&customerID, &e); err != nil {
			return 0, nil, fmt.Errorf("scanning dispute contact: %w", err)
		}
		emails = append(emails, e)
	}
	return customerID, emails, rows.Err()
}

// DisputeCurrency returns the currency of the disputed invoice, for parsing amounts.
func DisputeCurrency(ctx context.Context, db DB, disputeID int64) (string, error) {
	var cur string
	err := db.QueryRow(ctx, `SELECT i.currency FROM disputes d JOIN invoices i ON i.id = d.invoice_id WHERE d.id = $1`, disputeID).Scan(&cur)
	if err != nil {
		return "", notFound(err)
	}
	return cur, nil
}
