package billing

// Labels that staff and debtors read in place of the stored codes. Pages,
// e-mails and new timeline summaries use them, but stored rows keep the codes.

var paymentMethodLabels = map[string]string{
	MethodCard:  "Card",
	MethodACH:   "Bank debit (ACH)",
	MethodWire:  "Wire transfer",
	MethodCheck: "Check",
	MethodCash:  "Cash",
	MethodOther: "Other",
}

var paymentStatusLabels = map[string]string{
	PaymentPending:    "Pending",
	PaymentProcessing: "Processing",
	PaymentSucceeded:  "Paid",
	PaymentFailed:     "Failed",
	PaymentRefunded:   "Refunded",
	PaymentDisputed:   "Disputed by the payer",
}

// PaymentMethodLabel returns the label of a payment method code, or the code
// itself when it is unknown.
func PaymentMethodLabel(code string) string {
	if label, ok := paymentMethodLabels[code]; ok {
		return label
	}
	return code
}

// PaymentStatusLabel returns the label of a payment status code, or the code
// itself when it is unknown.
func PaymentStatusLabel(code string) string {
	if label, ok := paymentStatusLabels[code]; ok {
		return label
	}
	return code
}

// MethodLabel returns the payment's method as people read it.
func (p CustomerPayment) MethodLabel() string { return PaymentMethodLabel(p.Method) }

// StatusLabel returns the payment's status as people read it.
func (p CustomerPayment) StatusLabel() string { return PaymentStatusLabel(p.Status) }

// ReasonLabel returns the dispute's reason as people read it.
func (d QueuedDispute) ReasonLabel() string { return DisputeReasonLabel(d.Reason) }

// ReasonLabel returns the dispute's reason as people read it.
func (d CustomerDisputeRow) ReasonLabel() string { return DisputeReasonLabel(d.Reason) }
