package billing

import (
	"fmt"
	"strings"
)

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

// DiscountInWords states an invoice's early-payment discount terms as of today,
// using the rule of EarlyPaymentDiscount, so the words never offer a discount
// that a payment made today would not earn. While the window is open it offers
// the discount with its amount. After the window it states the terms as history
// marked "(expired)". When nothing is open inside the window it states the terms
// without an offer. It returns "" for an invoice without a discount.
func DiscountInWords(total, open Money, rateBP int64, until, today Date) string {
	if rateBP <= 0 || until.IsZero() {
		return ""
	}
	if d := EarlyPaymentDiscount(total, open, rateBP, until, today); d.Amount > 0 {
		return fmt.Sprintf("Pay the whole balance by %s to save %s (%s).", until.Format(), FormatPercent(rateBP), d)
	}
	if today.After(until) {
		return fmt.Sprintf("%s discount if paid by %s (expired).", FormatPercent(rateBP), until.Format())
	}
	return fmt.Sprintf("%s discount if paid by %s.", FormatPercent(rateBP), until.Format())
}

// FormatPercent formats basis points as a percentage without trailing zeros:
// 200 is "2%" and 150 is "1.5%".
func FormatPercent(bp int64) string {
	sign := ""
	if bp < 0 {
		sign, bp = "-", -bp
	}
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	return sign + s + "%"
}
