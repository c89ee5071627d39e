package billing

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ReceiptNumber formats the receipt number of a payment attempt, as in "R-000042".
func ReceiptNumber(attemptID int64) string { return fmt.Sprintf("R-%06d", attemptID) }

// ChargedMethod returns the saved payment method of the installment plan that
// attempt attemptID charged, and false for a payment made through checkout,
// whose card or account digits Ledgvero does not store.
//
// NOTE: a plan keeps only its current method, so a charge made before the
// debtor replaced the method shows the new one.
func ChargedMethod(ctx context.Context, db DB, attemptID int64) (SavedMethod, bool, error) {
	var m SavedMethod
	err := db.QueryRow(ctx, `
		SELECT coalesce(p.payment_method_id, ''), coalesce(p.payment_method_kind, ''), p.payment_method_brand, p.payment_method_last4
		FROM installment_charges c JOIN installment_plans p ON p.id = c.plan_id
		WHERE c.attempt_id = $1`, attemptID).Scan(&m.PaymentMethodID, &m.Kind, &m.Brand, &m.Last4)
	if errors.Is(err, pgx.ErrNoRows) {
		return SavedMethod{}, false, nil
	}
	if err != nil {
		return SavedMethod{}, false, fmt.Errorf("loading the method charged by attempt %d: %w", attemptID, err)
	}
	return m, m.Last4 != "", nil
}
