package stripegw

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing"
)

// Refunds refunds card and bank payments for staff. Only whole payments are
// refunded: Stripe accepts partial refunds, but the ledger reverses a payment
// as a whole (billing.SetPaymentStatus), so a partial one could not be booked.
type Refunds struct {
	Pool    *pgxpool.Pool
	Gateway MethodGateway
}

// RefundResult says what a refund request did.
type RefundResult struct {
	RefundID string
	Amount   billing.Money
	Booked   bool // the ledger already shows the payment refunded
}

// RefundPayment refunds the whole of a succeeded card or bank payment of a
// customer through the gateway that took it, and records who asked and why.
// The ledger reverses the payment when the gateway's charge.refunded event
// arrives; the sandbox sends it at once. A payment of another customer, or one
// no gateway took, returns ErrNotFound; one that is not succeeded ErrConflict.
func (r *Refunds) RefundPayment(ctx context.Context, customerID, paymentID int64, reason string, staff billing.StaffUser) (RefundResult, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return RefundResult{}, billing.FieldErrors{"reason": "Give the reason for the refund."}
	}
	a, err := billing.AttemptOfPayment(ctx, r.Pool, paymentID)
	if errors.Is(err, billing.ErrNotFound) {
		// A card payment recorded by hand or imported has no attempt.
		if p, perr := billing.PaymentByID(ctx, r.Pool, paymentID); perr == nil && p.CustomerID == customerID {
			return RefundResult{}, billing.FieldErrors{"payment": "This payment was not taken through the payment gateway: refund it where it was taken."}
		}
	}
	if err != nil {
		return RefundResult{}, err
	}
	if a.CustomerID != customerID {
		return RefundResult{}, billing.ErrNotFound
	}
	if a.Status != billing.AttemptSucceeded || a.PaymentIntentID == "" {
		return RefundResult{}, fmt.Errorf("payment %d is %s: %w", paymentID, a.Status, billing.ErrConflict)
	}
	if a.Gateway != r.Gateway.Name() {
		return RefundResult{}, billing.FieldErrors{"payment": fmt.Sprintf(
			"This payment was taken by the %s gateway, which this server does not use: refund it there.", a.Gateway)}
	}

	refundID, err := r.Gateway.Refund(ctx, a, reason)
	if err != nil {
		return RefundResult{}, err
	}
	res := RefundResult{RefundID: refundID, Amount: a.Amount}
	err = billing.InTx(ctx, r.Pool, func(tx pgx.Tx) error {
		p, err := billing.PaymentByID(ctx, tx, paymentID)
		if err != nil {
			return err
		}
		res.Booked = p.Status == billing.PaymentRefunded
		return billing.RecordStaffAction(ctx, tx, billing.StaffAction{
			Staff: staff, Action: "payment.refund_requested", CustomerID: customerID,
			Summary: fmt.Sprintf("Refunded %s to the %s through %s (%s): %s", a.Amount, methodLabel(a.Method), a.Gateway, refundID, reason),
			Details: map[string]any{"payment_id": paymentID, "attempt_id": a.ID, "refund_id": refundID, "reason": reason,
				"amount": a.Amount.Decimal(), "currency": a.Amount.Currency},
		})
	})
	if err != nil {
		return res, fmt.Errorf("recording refund %s of payment %d: %w", refundID, paymentID, err)
	}
	return res, nil
}

func methodLabel(method string) string {
	if method == billing.MethodACH {
		return "bank account"
	}
	return "card"
}
