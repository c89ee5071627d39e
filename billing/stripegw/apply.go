package stripegw

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/stripe/stripe-go/v76"

	"github.com/ledgvero/ledgvero/billing"
)

// report is the change that one event reports for one attempt.
type report struct {
	eventID  string
	ref      billing.AttemptRef
	intentID string
	method   string
	amount   billing.Money // zero Currency when the event carries no amount to check
	status   string        // the attempt status the event moves to; empty for none
	failure  string
	decline  bool // a payment intent failed, which for a card still allows another try
}

// dispatch applies one event inside tx and returns the attempt it touched.
func (p *Processor) dispatch(ctx context.Context, tx pgx.Tx, ev stripe.Event) (int64, error) {
	switch ev.Type {
	case "checkout.session.completed", "checkout.session.async_payment_succeeded",
		"checkout.session.async_payment_failed", "checkout.session.expired":
		var s stripe.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &s); err != nil {
			return 0, fmt.Errorf("decoding checkout session: %w", err)
		}
		return p.applyReport(ctx, tx, sessionReport(ev, &s))

	case "payment_intent.succeeded", "payment_intent.processing", "payment_intent.payment_failed":
		var pi stripe.PaymentIntent
		if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil {
			return 0, fmt.Errorf("decoding payment intent: %w", err)
		}
		return p.applyReport(ctx, tx, intentReport(ev, &pi))

	case "charge.refunded":
		var ch stripe.Charge
		if err := json.Unmarshal(ev.Data.Raw, &ch); err != nil {
			return 0, fmt.Errorf("decoding charge: %w", err)
		}
		return p.applyRefund(ctx, tx, ev, &ch)

	case "charge.dispute.created", "charge.dispute.closed":
		var d stripe.Dispute
		if err := json.Unmarshal(ev.Data.Raw, &d); err != nil {
			return 0, fmt.Errorf("decoding dispute: %w", err)
		}
		return p.applyDispute(ctx, tx, ev, &d)
	}
	p.Logger.Debug("webhook event type ignored", "event_id", ev.ID, "event_type", ev.Type)
	return 0, nil
}

func sessionReport(ev stripe.Event, s *stripe.CheckoutSession) report {
	r := report{
		eventID: ev.ID,
		ref:     billing.AttemptRef{ID: attemptIDOf(s.Metadata, s.ClientReferenceID), CheckoutSessionID: s.ID},
		amount:  billing.Money{Amount: s.AmountTotal, Currency: strings.ToUpper(string(s.Currency))},
	}
	if s.PaymentIntent != nil {
		r.intentID = s.PaymentIntent.ID
	}
	switch ev.Type {
	case "checkout.session.completed":
		switch s.PaymentStatus {
		case stripe.CheckoutSessionPaymentStatusPaid:
			// CheckoutParams offers only card and us_bank_account,
			// and a bank debit never completes paid, so this payment was by card.
			r.status, r.method = billing.AttemptSucceeded, billing.MethodCard
		case stripe.CheckoutSessionPaymentStatusUnpaid:
			// Checkout completes unpaid only for delayed methods: the bank debit
			// was initiated and settles later.
			r.status, r.method = billing.AttemptProcessing, billing.MethodACH
		}
	case "checkout.session.async_payment_succeeded":
		r.status, r.method = billing.AttemptSucceeded, billing.MethodACH
	case "checkout.session.async_payment_failed":
		r.status, r.method, r.failure = billing.AttemptFailed, billing.MethodACH, "The bank payment failed."
	case "checkout.session.expired":
		r.status, r.failure = billing.AttemptFailed, "The checkout expired before the payment was completed."
		r.amount.Currency = "" // nothing was paid, so there is nothing to compare
	}
	return r
}

func intentReport(ev stripe.Event, pi *stripe.PaymentIntent) report {
	r := report{
		eventID:  ev.ID,
		ref:      billing.AttemptRef{ID: attemptIDOf(pi.Metadata, ""), PaymentIntentID: pi.ID},
		intentID: pi.ID, method: methodOf(pi.PaymentMethodTypes),
		amount: billing.Money{Amount: pi.Amount, Currency: strings.ToUpper(string(pi.Currency))},
	}
	switch ev.Type {
	case "payment_intent.succeeded":
		r.status = billing.AttemptSucceeded
		if pi.AmountReceived != 0 {
			r.amount.Amount = pi.AmountReceived
		}
	case "payment_intent.processing":
		r.status = billing.AttemptProcessing
		if r.method == "" {
			r.method = billing.MethodACH
		}
	case "payment_intent.payment_failed":
		r.status, r.failure, r.decline = billing.AttemptFailed, "The payment failed.", true
		if pi.LastPaymentError != nil && pi.LastPaymentError.Msg != "" {
			r.failure = pi.LastPaymentError.Msg
		}
	}
	return r
}

// attemptIDOf reads the attempt id from metadata or the client reference.
func attemptIDOf(metadata map[string]string, clientRef string) int64 {
	for _, v := range []string{metadata[metadataAttemptID], clientRef} {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			return id
		}
	}
	return 0
}

// methodOf maps a payment intent's payment_method_types to card or ach when it
// names exactly one. With several, the method is not known yet.
func methodOf(types []string) string {
	if len(types) != 1 {
		return ""
	}
	switch types[0] {
	case "card":
		return billing.MethodCard
	case "us_bank_account":
		return billing.MethodACH
	}
	return ""
}

// applyReport moves the attempt the report names and applies the effect on
// money. An amount or currency that differs from the attempt goes to staff.
func (p *Processor) applyReport(ctx context.Context, tx pgx.Tx, r report) (int64, error) {
	a, err := billing.LockAttempt(ctx, tx, r.ref)
	if errors.Is(err, billing.ErrNotFound) {
		return 0, p.unknownAttempt(ctx, tx, r)
	}
	if err != nil {
		return 0, err
	}
	if err := billing.SetAttemptGatewayIDs(ctx, tx, a.ID, r.intentID, r.method); err != nil {
		return a.ID, err
	}
	if a.PaymentIntentID == "" {
		a.PaymentIntentID = r.intentID
	}
	if r.method != "" {
		a.Method = r.method
		if a.PaymentID != nil {
			// An earlier event recorded the payment before any event named its method.
			if err := billing.SetPaymentMethod(ctx, tx, *a.PaymentID, r.method, p.actor(), "webhook"); err != nil {
				return a.ID, err
			}
		}
	}

	if r.status != billing.AttemptFailed && r.amount.Currency != "" && r.amount != a.Amount {
		return a.ID, p.mismatch(ctx, tx, a, r)
	}

	switch r.status {
	case billing.AttemptProcessing:
		return a.ID, p.processing(ctx, tx, &a)
	case billing.AttemptSucceeded:
		return a.ID, p.succeeded(ctx, tx, &a)
	case billing.AttemptFailed:
		if r.decline && a.Status == billing.AttemptPending && a.Method != billing.MethodACH {
			// A declined card leaves the checkout open for another card, so
			// the attempt stays pending and only the message is kept.
			return a.ID, p.declined(ctx, tx, a, r.failure)
		}
		return a.ID, p.failed(ctx, tx, &a, r.failure)
	}
	return a.ID, nil
}

func (p *Processor) unknownAttempt(ctx context.Context, tx pgx.Tx, r report) error {
	if r.ref.ID == 0 {
		// Events of other integrations on the same Stripe account carry no
		// attempt id, so they are ignored.
		p.Logger.Info("webhook event for no known attempt", "event_id", r.eventID,
			"checkout_session_id", r.ref.CheckoutSessionID, "payment_intent_id", r.ref.PaymentIntentID)
		return nil
	}
	p.Logger.Error("webhook event names a missing payment attempt", "event_id", r.eventID, "attempt_id", r.ref.ID)
	return billing.RecordPaymentException(ctx, tx, billing.PaymentException{
		EventID: r.eventID, Kind: "unknown_attempt", Reported: r.amount,
		Message: fmt.Sprintf("event %s names payment attempt %d, which does not exist", r.eventID, r.ref.ID),
	})
}

func (p *Processor) mismatch(ctx context.Context, tx pgx.Tx, a billing.PaymentAttempt, r report) error {
	kind := "amount_mismatch"
	if r.amount.Currency != a.Amount.Currency {
		kind = "currency_mismatch"
	}
	msg := fmt.Sprintf("the gateway reported %d %s in minor units for payment attempt %d, which expects %s",
		r.amount.Amount, r.amount.Currency, a.ID, a.Amount)
	p.Logger.Error("payment amount mismatch", "event_id", r.eventID, "attempt_id", a.ID, "customer_id", a.CustomerID,
		"expected", a.Amount.Decimal(), "expected_currency", a.Amount.Currency,
		"reported_minor", r.amount.Amount, "reported_currency", r.amount.Currency)
	err := billing.RecordPaymentException(ctx, tx, billing.PaymentException{
		AttemptID: a.ID, CustomerID: a.CustomerID, EventID: r.eventID, Kind: kind,
		Expected: a.Amount, Reported: r.amount, Message: msg,
	})
	if err != nil {
		return err
	}
	customerID := a.CustomerID
	_, err = billing.CreateTask(ctx, tx, billing.NewTask{
		CustomerID: &customerID, Kind: billing.TaskAmountMismatch,
		Title:     fmt.Sprintf("Check payment attempt %d: %s", a.ID, msg),
		DueDate:   billing.Today(p.Now(), p.Timezone),
		CreatedBy: billing.SystemActor("stripe-webhook"),
	})
	return err
}

// processing records an initiated bank debit: the ledger gets a processing
// payment, which never makes an invoice paid.
func (p *Processor) processing(ctx context.Context, tx pgx.Tx, a *billing.PaymentAttempt) error {
	moved, err := billing.AdvanceAttempt(ctx, tx, a, billing.AttemptProcessing, p.Now(), "")
	if err != nil || !moved {
		return err
	}
	if a.Method == "" {
		a.Method = billing.MethodACH
	}
	return p.recordPayment(ctx, tx, a, billing.PaymentProcessing)
}

// succeeded applies the discount the attempt earned and records the payment,
// which allocates it to the chosen invoices, then queues the receipt.
func (p *Processor) succeeded(ctx context.Context, tx pgx.Tx, a *billing.PaymentAttempt) error {
	moved, err := billing.AdvanceAttempt(ctx, tx, a, billing.AttemptSucceeded, p.Now(), "")
	if err != nil || !moved {
		return err
	}
	if err := p.applyDiscounts(ctx, tx, *a); err != nil {
		return err
	}
	if a.PaymentID != nil {
		_, err = billing.SetPaymentStatus(ctx, tx, *a.PaymentID, billing.PaymentSucceeded, p.today(), p.actor(), "webhook")
	} else {
		err = p.recordPayment(ctx, tx, a, billing.PaymentSucceeded)
	}
	if err != nil {
		return err
	}
	return p.queueReceipt(ctx, tx, *a)
}

// applyDiscounts issues one credit note per discounted invoice before the cash
// is allocated, so the cash settles exactly what is left.
func (p *Processor) applyDiscounts(ctx context.Context, tx pgx.Tx, a billing.PaymentAttempt) error {
	for _, l := range a.Lines {
		if l.Discount.Amount <= 0 {
			continue
		}
		invoiceID := l.InvoiceID
		_, err := billing.IssueCreditNote(ctx, tx, billing.NewCreditNote{
			CustomerID: a.CustomerID, Number: fmt.Sprintf("DISC-%d-%s", a.ID, l.Number), InvoiceID: &invoiceID,
			Amount: l.Discount, IssuedOn: p.today(), Source: "webhook",
			Reason: fmt.Sprintf("Early-payment discount on invoice %s, earned by a payment initiated on %s",
				l.Number, a.InitiatedOn.Format()),
		}, p.actor())
		if err != nil {
			return fmt.Errorf("applying discount of attempt %d to invoice %s: %w", a.ID, l.Number, err)
		}
	}
	return nil
}

func (p *Processor) recordPayment(ctx context.Context, tx pgx.Tx, a *billing.PaymentAttempt, status string) error {
	method := a.Method
	if method == "" {
		method = billing.MethodOther
	}
	externalID := a.PaymentIntentID
	if externalID == "" {
		externalID = a.CheckoutSessionID
	}
	// The reference is the gateway's id, which staff search for in the Stripe
	// dashboard and which the debtor's receipt shows.
	pay, err := billing.RecordPayment(ctx, tx, billing.NewPayment{
		CustomerID: a.CustomerID, ExternalID: externalID, Method: method, Status: status,
		Amount: a.Amount, ReceivedOn: p.today(), InvoiceIDs: a.InvoiceIDs(), Allocations: a.CashAllocations(),
		Source: "webhook", Reference: externalID,
	}, p.actor())
	if err != nil {
		return fmt.Errorf("recording payment of attempt %d: %w", a.ID, err)
	}
	a.PaymentID = &pay.ID
	return billing.SetAttemptPayment(ctx, tx, a.ID, pay.ID)
}

// failed ends an attempt. Its discount is withdrawn with it: nothing of the
// attempt reached the ledger as paid, and a new payment earns the discount again
// only while the invoice's window is still open on the day it is initiated.
func (p *Processor) failed(ctx context.Context, tx pgx.Tx, a *billing.PaymentAttempt, failure string) error {
	wasProcessing := a.Status == billing.AttemptProcessing
	moved, err := billing.AdvanceAttempt(ctx, tx, a, billing.AttemptFailed, p.Now(), failure)
	if err != nil || !moved {
		return err
	}
	if a.PaymentID != nil {
		if _, err := billing.SetPaymentStatus(ctx, tx, *a.PaymentID, billing.PaymentFailed, p.today(), p.actor(), "webhook"); err != nil {
			return err
		}
	}
	summary := fmt.Sprintf("Payment of %s failed: %s", a.Amount, failure)
	if a.Discount.Amount > 0 {
		summary += fmt.Sprintf(" The %s early-payment discount was withdrawn with it.", a.Discount)
	}
	err = billing.AppendEvent(ctx, tx, billing.Event{
		CustomerID: a.CustomerID, Kind: "payment.attempt_failed", Actor: p.actor().String(), Source: "webhook",
		VisibleToDebtor: true, Summary: summary,
		Details: map[string]any{"attempt_id": a.ID, "method": a.Method, "reason": failure, "discount": a.Discount.Decimal()},
	})
	if err != nil {
		return err
	}
	if !wasProcessing && a.Method != billing.MethodACH {
		// An expired checkout or a card that never went through took no money
		// and needs neither staff nor an e-mail.
		return nil
	}
	customerID := a.CustomerID
	_, err = billing.CreateTask(ctx, tx, billing.NewTask{
		CustomerID: &customerID, Kind: billing.TaskFailedPayment,
		Title:   fmt.Sprintf("Bank payment of %s failed (attempt %d)", a.Amount, a.ID),
		DueDate: p.today(), CreatedBy: p.actor(),
	})
	if err != nil {
		return err
	}
	return p.queueFailure(ctx, tx, *a)
}

func (p *Processor) declined(ctx context.Context, tx pgx.Tx, a billing.PaymentAttempt, failure string) error {
	if err := billing.NoteAttemptFailure(ctx, tx, a.ID, failure); err != nil {
		return err
	}
	return billing.AppendEvent(ctx, tx, billing.Event{
		CustomerID: a.CustomerID, Kind: "payment.declined", Actor: p.actor().String(), Source: "webhook",
		Summary: fmt.Sprintf("Card payment of %s declined: %s", a.Amount, failure),
		Details: map[string]any{"attempt_id": a.ID, "reason": failure},
	})
}

func (p *Processor) applyRefund(ctx context.Context, tx pgx.Tx, ev stripe.Event, ch *stripe.Charge) (int64, error) {
	if ch.PaymentIntent == nil {
		return 0, nil
	}
	a, err := billing.LockAttempt(ctx, tx, billing.AttemptRef{PaymentIntentID: ch.PaymentIntent.ID})
	if errors.Is(err, billing.ErrNotFound) {
		p.Logger.Info("refund for no known attempt", "event_id", ev.ID, "payment_intent_id", ch.PaymentIntent.ID)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	refunded := billing.Money{Amount: ch.AmountRefunded, Currency: strings.ToUpper(string(ch.Currency))}
	if !ch.Refunded {
		// A partial refund leaves the payment succeeded, and staff decide how
		// to book it.
		customerID := a.CustomerID
		_, err := billing.CreateTask(ctx, tx, billing.NewTask{
			CustomerID: &customerID, Kind: billing.TaskFollowUp, DueDate: p.today(), CreatedBy: p.actor(),
			Title: fmt.Sprintf("Book a partial refund of %d %s minor units on payment attempt %d", refunded.Amount, refunded.Currency, a.ID),
		})
		return a.ID, err
	}
	moved, err := billing.AdvanceAttempt(ctx, tx, &a, billing.AttemptRefunded, p.Now(), "")
	if err != nil || !moved || a.PaymentID == nil {
		return a.ID, err
	}
	// TODO: a refund reopens the invoices but keeps the discount credit notes,
	// so staff reverse those by hand until the ledger can void a credit note.
	_, err = billing.SetPaymentStatus(ctx, tx, *a.PaymentID, billing.PaymentRefunded, p.today(), p.actor(), "webhook")
	return a.ID, err
}

func (p *Processor) applyDispute(ctx context.Context, tx pgx.Tx, ev stripe.Event, d *stripe.Dispute) (int64, error) {
	ref := billing.AttemptRef{}
	if d.PaymentIntent != nil {
		ref.PaymentIntentID = d.PaymentIntent.ID
	}
	a, err := billing.LockAttempt(ctx, tx, ref)
	if errors.Is(err, billing.ErrNotFound) {
		p.Logger.Info("dispute for no known attempt", "event_id", ev.ID, "payment_intent_id", ref.PaymentIntentID)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if ev.Type == "charge.dispute.created" {
		moved, err := billing.AdvanceAttempt(ctx, tx, &a, billing.AttemptDisputed, p.Now(), "")
		if err != nil || !moved || a.PaymentID == nil {
			return a.ID, err
		}
		_, err = billing.SetPaymentStatus(ctx, tx, *a.PaymentID, billing.PaymentDisputed, p.today(), p.actor(), "webhook")
		return a.ID, err
	}

	// A closed dispute does not move the status back: staff book the outcome.
	customerID := a.CustomerID
	_, err = billing.CreateTask(ctx, tx, billing.NewTask{
		CustomerID: &customerID, Kind: billing.TaskFollowUp, DueDate: p.today(), CreatedBy: p.actor(),
		Title: fmt.Sprintf("Card dispute on payment attempt %d closed as %s: book the outcome", a.ID, d.Status),
	})
	return a.ID, err
}

func (p *Processor) today() billing.Date { return billing.Today(p.Now(), p.Timezone) }

func (p *Processor) actor() billing.Actor { return billing.SystemActor("stripe-webhook") }
