package stripegw

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

// queueReceipt queues the receipt e-mail of a succeeded attempt, once.
func (p *Processor) queueReceipt(ctx context.Context, tx pgx.Tx, a billing.PaymentAttempt) error {
	var b strings.Builder
	b.WriteString("Hello,\n\n")
	paid := fmt.Sprintf("Thank you. %s received your payment of %s on %s", p.OrgName, a.Amount, p.today().Format())
	if label := billing.PaymentMethodLabel(a.Method); label != "" {
		paid += " by " + strings.ToLower(label[:1]) + label[1:]
	}
	fmt.Fprintf(&b, "%s. It paid:\n\n", paid)
	for _, l := range a.Lines {
		fmt.Fprintf(&b, "  Invoice %s: %s", l.Number, l.Amount)
		if l.Discount.Amount > 0 {
			fmt.Fprintf(&b, " plus an early-payment discount of %s", l.Discount)
		}
		b.WriteString("\n")
	}
	if a.Discount.Amount > 0 {
		fmt.Fprintf(&b, "\nYou saved %s by paying early.\n", a.Discount)
	}
	fmt.Fprintf(&b, "\nReceipt %s: %s/portal/receipts/%d\nReference: %s\n",
		billing.ReceiptNumber(a.ID), p.BaseURL, a.ID, a.PaymentIntentID)
	fmt.Fprintf(&b, "\nThank you,\nAccounts Receivable\n%s\n", p.OrgName)
	return p.queue(ctx, tx, outbox.Message{
		To: a.ContactEmail, Subject: fmt.Sprintf("Receipt %s for your payment of %s", billing.ReceiptNumber(a.ID), a.Amount),
		Text: b.String(), CustomerID: a.CustomerID, Kind: "payment.receipt",
		DedupeKey: fmt.Sprintf("payment-receipt:%d", a.ID),
	})
}

// queueFailure queues the e-mail that tells the payer a bank payment failed,
// with a link to try again.
func (p *Processor) queueFailure(ctx context.Context, tx pgx.Tx, a billing.PaymentAttempt) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Your bank payment of %s to %s failed", a.Amount, p.OrgName)
	if a.FailureMessage != "" {
		fmt.Fprintf(&b, ": %s", a.FailureMessage)
	}
	b.WriteString("\n\nNo money was taken. The invoices are still open:\n")
	for _, l := range a.Lines {
		fmt.Fprintf(&b, "  Invoice %s: %s open\n", l.Number, l.Open)
	}
	if a.Discount.Amount > 0 {
		b.WriteString("\nThe early-payment discount of this payment was withdrawn. A new payment earns it again while the discount window is open.\n")
	}
	fmt.Fprintf(&b, "\nTry again: %s/portal/pay\n", p.BaseURL)
	return p.queue(ctx, tx, outbox.Message{
		To: a.ContactEmail, Subject: fmt.Sprintf("Your bank payment of %s failed", a.Amount),
		Text: b.String(), CustomerID: a.CustomerID, Kind: "payment.failed",
		DedupeKey: fmt.Sprintf("payment-failed:%d", a.ID),
	})
}

func (p *Processor) queue(ctx context.Context, tx pgx.Tx, msg outbox.Message) error {
	msg.Actor, msg.Source = p.actor().String(), "webhook"
	_, err := outbox.Queue(ctx, tx, p.Jobs, msg)
	if errors.Is(err, outbox.ErrDuplicate) {
		return nil
	}
	return err
}
