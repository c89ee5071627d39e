package billing

// EarlyPaymentDiscount returns the early-payment discount that a payment earns on
// one invoice when it settles the invoice's whole open balance.
//
// The discount is rateBP basis points of the original invoice total, rounded half
// away from zero, and never more than the open balance. It is earned only when
// initiatedOn is on or before until, the last day of the window stored on the
// invoice. initiatedOn is the day the payment was initiated, so an ACH payment
// that settles days later still counts from the day the debtor pressed pay. A
// zero until means the invoice has no discount.
func EarlyPaymentDiscount(total, open Money, rateBP int64, until, initiatedOn Date) Money {
	none := Money{Currency: open.Currency}
	if rateBP <= 0 || until.IsZero() || open.Amount <= 0 || initiatedOn.After(until) {
		return none
	}
	d := total.Percent(rateBP)
	if d.Amount > open.Amount {
		d.Amount = open.Amount
	}
	if d.Amount < 0 {
		return none
	}
	return Money{Amount: d.Amount, Currency: open.Currency}
}
