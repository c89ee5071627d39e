package collect

import (
	"fmt"

	"github.com/ledgvero/ledgvero/billing"
)

// InvoiceTerms are the terms copied onto an invoice when it was issued.
type InvoiceTerms struct {
	IssueDate      billing.Date
	DueDate        billing.Date
	NetDays        int
	Total          billing.Money
	Open           billing.Money // the open balance, which caps the discount
	Today          billing.Date  // the day the terms are stated, which decides whether the discount is still offered
	DiscountRateBP int64
	DiscountUntil  billing.Date
	LateFee        billing.LateFeePolicy
}

// TermsInWords states an invoice's payment terms, early-payment discount and
// late-fee rule as sentences for debtors.
func TermsInWords(t InvoiceTerms) []string {
	var out []string
	if t.NetDays == 0 {
		out = append(out, fmt.Sprintf("Payment is due on receipt (%s).", t.DueDate.Format()))
	} else {
		out = append(out, fmt.Sprintf("Payment is due within %d days of the invoice date, by %s.", t.NetDays, t.DueDate.Format()))
	}
	if discount := billing.DiscountInWords(t.Total, t.Open, t.DiscountRateBP, t.DiscountUntil, t.Today); discount != "" {
		out = append(out, discount)
	}
	if rule := LateFeeRule(t.LateFee, t.Total.Currency); rule != "" {
		out = append(out, rule)
	}
	return out
}

// LateFeeRule states a late-fee policy in one sentence, or returns "" for none.
func LateFeeRule(p billing.LateFeePolicy, currency string) string {
	after := "after the due date"
	if p.GraceDays == 1 {
		after = "1 day after the due date"
	} else if p.GraceDays > 1 {
		after = fmt.Sprintf("%d days after the due date", p.GraceDays)
	}
	switch p.Kind {
	case "flat":
		if p.FlatMinor <= 0 {
			return ""
		}
		return fmt.Sprintf("A late fee of %s is added once if the invoice is still unpaid %s.",
			billing.Money{Amount: p.FlatMinor, Currency: currency}, after)
	case "interest":
		if p.RateBP <= 0 {
			return ""
		}
		return fmt.Sprintf("Interest of %s of the overdue balance is charged for every 30 days the invoice is still unpaid %s.",
			percent(p.RateBP), after)
	}
	return ""
}

// percent formats basis points as a percentage without trailing zeros: 150 is "1.5%".
func percent(bp int64) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s + "%"
}
