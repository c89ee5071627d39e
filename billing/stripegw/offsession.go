package stripegw

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/stripe/stripe-go/v76"

	"github.com/ledgvero/ledgvero/billing"
)

// SetupRequest asks the gateway to save a payment method for a plan.
type SetupRequest struct {
	PlanID     int64
	CustomerID int64
	Email      string
	// Success may contain {CHECKOUT_SESSION_ID}, which the gateway replaces
	// with the setup's id, as Stripe Checkout does.
	Success string
	Cancel  string
}

// ChargeResult is what the gateway answered to an off-session charge. The
// ledger is changed by the webhook events, not by this answer.
type ChargeResult struct {
	PaymentIntentID string
	Status          string // billing.AttemptSucceeded, AttemptProcessing or AttemptFailed
	Failure         string // the decline message of a failed charge
}

// MethodGateway saves payment methods, charges them off-session and refunds
// payments. Stripe and Sandbox implement it.
type MethodGateway interface {
	Name() string
	// StartSetup creates a setup page (a Checkout Session in setup mode) for a
	// plan's payment method.
	StartSetup(ctx context.Context, r SetupRequest) (Checkout, error)
	// FinishSetup returns the payment method a completed setup saved.
	FinishSetup(ctx context.Context, setupID string) (billing.SavedMethod, error)
	// ChargeSaved charges an attempt to a saved method with the debtor absent.
	// The attempt's idempotency key goes with the request, so a repeated call
	// within the gateway's key lifetime (24 hours at Stripe) charges once.
	ChargeSaved(ctx context.Context, a billing.PaymentAttempt, m billing.SavedMethod) (ChargeResult, error)
	// Refund refunds the whole amount of a succeeded attempt and returns the
	// refund's id. The ledger changes when the charge.refunded event arrives.
	Refund(ctx context.Context, a billing.PaymentAttempt, reason string) (string, error)
}

// Metadata keys of off-session charges.
const (
	metadataPlanID = "ledgvero_plan_id"
	metadataSeq    = "ledgvero_installment"
)

// RefundKey returns the idempotency key of the refund of an attempt. Only full
// refunds are made, so one key per attempt is enough.
func RefundKey(attemptID int64) string { return fmt.Sprintf("refund-attempt-%d", attemptID) }

// SetupParams returns the Checkout Session request, in setup mode, that saves
// a card or US bank account on the gateway customer for a plan. It sets no
// client_reference_id, because the webhook processor reads that as a payment
// attempt id; the plan id goes in metadata under its own key.
func SetupParams(r SetupRequest, customerRef string) *stripe.CheckoutSessionParams {
	plan := strconv.FormatInt(r.PlanID, 10)
	return &stripe.CheckoutSessionParams{
		Mode:               stripe.String(string(stripe.CheckoutSessionModeSetup)),
		PaymentMethodTypes: stripe.StringSlice([]string{"card", "us_bank_account"}),
		Customer:           stripe.String(customerRef),
		SuccessURL:         stripe.String(r.Success),
		CancelURL:          stripe.String(r.Cancel),
		Metadata:           map[string]string{metadataPlanID: plan},
		SetupIntentData: &stripe.CheckoutSessionSetupIntentDataParams{
			Metadata: map[string]string{metadataPlanID: plan},
		},
	}
}

// StartSetup creates the Stripe customer of the plan, once per plan through an
// idempotency key, and a Checkout Session in setup mode for it.
func (s *Stripe) StartSetup(ctx context.Context, r SetupRequest) (Checkout, error) {
	cparams := &stripe.CustomerParams{
		Email:    stripe.String(r.Email),
		Metadata: map[string]string{"ledgvero_customer_id": strconv.FormatInt(r.CustomerID, 10)},
	}
	cparams.Context = ctx
	cparams.SetIdempotencyKey(fmt.Sprintf("plan-%d-customer", r.PlanID))
	cust, err := s.api.Customers.New(cparams)
	if err != nil {
		return Checkout{}, fmt.Errorf("creating Stripe customer for plan %d: %w", r.PlanID, err)
	}
	params := SetupParams(r, cust.ID)
	params.Context = ctx
	sess, err := s.api.CheckoutSessions.New(params)
	if err != nil {
		return Checkout{}, fmt.Errorf("creating Stripe setup session for plan %d: %w", r.PlanID, err)
	}
	return Checkout{SessionID: sess.ID, URL: sess.URL}, nil
}

// FinishSetup reads a completed setup session with its payment method.
func (s *Stripe) FinishSetup(ctx context.Context, setupID string) (billing.SavedMethod, error) {
	params := &stripe.CheckoutSessionParams{}
	params.Context = ctx
	params.AddExpand("setup_intent.payment_method")
	sess, err := s.api.CheckoutSessions.Get(setupID, params)
	if err != nil {
		return billing.SavedMethod{}, fmt.Errorf("fetching Stripe setup session %s: %w", setupID, err)
	}
	if sess.Status != stripe.CheckoutSessionStatusComplete || sess.SetupIntent == nil || sess.SetupIntent.PaymentMethod == nil {
		return billing.SavedMethod{}, fmt.Errorf("Stripe setup session %s is not complete: %w", setupID, billing.ErrConflict)
	}
	pm := sess.SetupIntent.PaymentMethod
	m := billing.SavedMethod{Gateway: "stripe", PaymentMethodID: pm.ID}
	if sess.Customer != nil {
		m.CustomerRef = sess.Customer.ID
	}
	switch {
	case pm.Card != nil:
		m.Kind, m.Brand, m.Last4 = billing.MethodCard, string(pm.Card.Brand), pm.Card.Last4
	case pm.USBankAccount != nil:
		m.Kind, m.Last4 = billing.MethodACH, pm.USBankAccount.Last4
	default:
		return billing.SavedMethod{}, fmt.Errorf("Stripe setup session %s saved a %s payment method, not a card or bank account", setupID, pm.Type)
	}
	return m, nil
}

// OffSessionParams returns the PaymentIntent request that charges an attempt
// to a saved method with the debtor absent: confirmed at once, off_session,
// for the amount the server decided, with the attempt's idempotency key.
func OffSessionParams(a billing.PaymentAttempt, m billing.SavedMethod) *stripe.PaymentIntentParams {
	attempt := strconv.FormatInt(a.ID, 10)
	params := &stripe.PaymentIntentParams{
		Amount:             stripe.Int64(a.Amount.Amount),
		Currency:           stripe.String(strings.ToLower(a.Amount.Currency)),
		Customer:           stripe.String(m.CustomerRef),
		PaymentMethod:      stripe.String(m.PaymentMethodID),
		PaymentMethodTypes: stripe.StringSlice([]string{stripeMethodType(m.Kind)}),
		OffSession:         stripe.Bool(true),
		Confirm:            stripe.Bool(true),
		Description:        stripe.String(fmt.Sprintf("Installment payment, attempt %d", a.ID)),
		Metadata:           map[string]string{metadataAttemptID: attempt},
	}
	params.SetIdempotencyKey(a.IdempotencyKey)
	return params
}

// ChargeSaved creates and confirms an off-session PaymentIntent. A declined
// card is a failed result, not an error; errors are for requests that did not
// reach a decision and may be repeated.
func (s *Stripe) ChargeSaved(ctx context.Context, a billing.PaymentAttempt, m billing.SavedMethod) (ChargeResult, error) {
	params := OffSessionParams(a, m)
	params.Context = ctx
	pi, err := s.api.PaymentIntents.New(params)
	var serr *stripe.Error
	if errors.As(err, &serr) && serr.PaymentIntent != nil {
		return ChargeResult{PaymentIntentID: serr.PaymentIntent.ID, Status: billing.AttemptFailed, Failure: serr.Msg}, nil
	}
	if err != nil {
		return ChargeResult{}, fmt.Errorf("charging attempt %d off-session: %w", a.ID, err)
	}
	res := ChargeResult{PaymentIntentID: pi.ID}
	switch pi.Status {
	case stripe.PaymentIntentStatusSucceeded:
		res.Status = billing.AttemptSucceeded
	case stripe.PaymentIntentStatusProcessing:
		res.Status = billing.AttemptProcessing
	case stripe.PaymentIntentStatusRequiresPaymentMethod, stripe.PaymentIntentStatusRequiresAction, stripe.PaymentIntentStatusCanceled:
		// requires_action means the bank wants the cardholder present, which an
		// off-session charge cannot give, so it counts as failed.
		res.Status, res.Failure = billing.AttemptFailed, "The card needs the cardholder to confirm the payment."
		if pi.LastPaymentError != nil && pi.LastPaymentError.Msg != "" {
			res.Failure = pi.LastPaymentError.Msg
		}
	default:
		res.Status = billing.AttemptPending
	}
	return res, nil
}

// RefundParams returns the Refund request for the whole of an attempt.
func RefundParams(a billing.PaymentAttempt, reason string) *stripe.RefundParams {
	params := &stripe.RefundParams{
		PaymentIntent: stripe.String(a.PaymentIntentID),
		Reason:        stripe.String(string(stripe.RefundReasonRequestedByCustomer)),
		Metadata:      map[string]string{metadataAttemptID: strconv.FormatInt(a.ID, 10), "reason": reason},
	}
	params.SetIdempotencyKey(RefundKey(a.ID))
	return params
}

// Refund refunds the whole of a succeeded attempt through the Refund API.
func (s *Stripe) Refund(ctx context.Context, a billing.PaymentAttempt, reason string) (string, error) {
	params := RefundParams(a, reason)
	params.Context = ctx
	re, err := s.api.Refunds.New(params)
	if err != nil {
		return "", fmt.Errorf("refunding attempt %d: %w", a.ID, err)
	}
	return re.ID, nil
}

// Sandbox payment method tokens. The saved token decides what a charge does.
const (
	SandboxCardSucceeds = "pm_sandbox_card_4242"
	SandboxCardDeclined = "pm_sandbox_card_0002"
	SandboxBankSettles  = "pm_sandbox_bank_6789"
	SandboxBankFails    = "pm_sandbox_bank_1116"
)

// StartSetup returns the sandbox setup page of a new setup. The caller stores
// the setup with billing.RecordPlanSetup before sending the debtor there.
func (s *Sandbox) StartSetup(_ context.Context, r SetupRequest) (Checkout, error) {
	id := NewObjectID("seti_sandbox_")
	return Checkout{SessionID: id, URL: "/sandbox/setup/" + id}, nil
}

// SaveSetup completes an open sandbox setup with a test card (method "card")
// or bank account (method "bank") and returns the page to send the debtor to.
func (s *Sandbox) SaveSetup(ctx context.Context, id, method, card, routing, account string) (string, error) {
	m := billing.SavedMethod{Gateway: "sandbox"}
	card = strings.NewReplacer(" ", "", "-", "").Replace(card)
	routing, account = strings.TrimSpace(routing), strings.TrimSpace(account)
	switch {
	case method == "card" && card == TestCardSucceeds:
		m.PaymentMethodID, m.Kind, m.Brand, m.Last4 = SandboxCardSucceeds, billing.MethodCard, "visa", "4242"
	case method == "card" && card == TestCardDeclined:
		// Stripe's 4000 0000 0000 0002 would be declined at setup; the sandbox
		// saves it so that an automatic charge can be seen failing.
		m.PaymentMethodID, m.Kind, m.Brand, m.Last4 = SandboxCardDeclined, billing.MethodCard, "visa", "0002"
	case method == "card":
		return "", &SandboxInputError{Field: "card_number",
			Message: "Use a Stripe test card: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined when charged."}
	case method != "bank":
		return "", &SandboxInputError{Field: "method", Message: "Choose a card or a bank account."}
	case routing != TestRoutingNumber:
		return "", &SandboxInputError{Field: "routing_number", Message: "Use Stripe's test routing number 110000000."}
	case account == TestAccountSettles:
		m.PaymentMethodID, m.Kind, m.Last4 = SandboxBankSettles, billing.MethodACH, "6789"
	case account == TestAccountFails:
		m.PaymentMethodID, m.Kind, m.Last4 = SandboxBankFails, billing.MethodACH, "1116"
	default:
		return "", &SandboxInputError{Field: "account_number",
			Message: "Use a Stripe test account: 000123456789 settles, 000111111116 fails."}
	}
	setup, err := billing.LoadPlanSetup(ctx, s.Pool, id)
	if err != nil {
		return "", err
	}
	if err := billing.CompletePlanSetup(ctx, s.Pool, id, m, s.Now()); errors.Is(err, billing.ErrConflict) {
		return "", &SandboxInputError{Field: "setup", Message: "This setup is already complete."}
	} else if err != nil {
		return "", err
	}
	return strings.ReplaceAll(setup.SuccessURL, "{CHECKOUT_SESSION_ID}", id), nil
}

// FinishSetup returns the method a completed sandbox setup saved.
func (s *Sandbox) FinishSetup(ctx context.Context, setupID string) (billing.SavedMethod, error) {
	setup, err := billing.LoadPlanSetup(ctx, s.Pool, setupID)
	if err != nil {
		return billing.SavedMethod{}, err
	}
	if setup.Status != "complete" {
		return billing.SavedMethod{}, fmt.Errorf("sandbox setup %s is not complete: %w", setupID, billing.ErrConflict)
	}
	m := setup.Method
	m.CustomerRef = fmt.Sprintf("cus_sandbox_plan_%d", setup.PlanID)
	return m, nil
}

// ChargeSaved charges a sandbox token and reports the outcome as Stripe's
// events would: a card succeeds or is declined at once, and a bank debit is
// processing until the River job reports its outcome after ACHDelay. The
// payment intent and event ids are derived from the attempt, so a repeated
// call changes nothing.
func (s *Sandbox) ChargeSaved(ctx context.Context, a billing.PaymentAttempt, m billing.SavedMethod) (ChargeResult, error) {
	piID := fmt.Sprintf("pi_sandbox_auto_%d", a.ID)
	intent := IntentFields{ID: piID, AttemptID: a.ID, Amount: a.Amount, Created: s.Now()}
	switch m.PaymentMethodID {
	case SandboxCardSucceeds:
		intent.Method, intent.Status = billing.MethodCard, "succeeded"
		if err := s.deliver(ctx, "evt_"+piID+"_succeeded", "payment_intent.succeeded", IntentObject(intent)); err != nil {
			return ChargeResult{}, err
		}
		return ChargeResult{PaymentIntentID: piID, Status: billing.AttemptSucceeded}, nil
	case SandboxCardDeclined:
		intent.Method, intent.Status, intent.Failure = billing.MethodCard, "requires_payment_method", sandboxDeclineText
		if err := s.deliver(ctx, "evt_"+piID+"_failed", "payment_intent.payment_failed", IntentObject(intent)); err != nil {
			return ChargeResult{}, err
		}
		return ChargeResult{PaymentIntentID: piID, Status: billing.AttemptFailed, Failure: sandboxDeclineText}, nil
	case SandboxBankSettles, SandboxBankFails:
		outcome := "settle"
		if m.PaymentMethodID == SandboxBankFails {
			outcome = "fail"
		}
		if err := s.startBankCharge(ctx, a, piID, outcome); err != nil {
			return ChargeResult{}, err
		}
		intent.Method, intent.Status = billing.MethodACH, "processing"
		if err := s.deliver(ctx, "evt_"+piID+"_processing", "payment_intent.processing", IntentObject(intent)); err != nil {
			return ChargeResult{}, err
		}
		return ChargeResult{PaymentIntentID: piID, Status: billing.AttemptProcessing}, nil
	}
	return ChargeResult{}, fmt.Errorf("charging attempt %d: unknown sandbox payment method %q", a.ID, m.PaymentMethodID)
}

// startBankCharge keeps an off-session bank debit as a completed sandbox
// session, so SettleBank reports its outcome as it does for the checkout page.
func (s *Sandbox) startBankCharge(ctx context.Context, a billing.PaymentAttempt, piID, outcome string) error {
	return billing.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		id := fmt.Sprintf("cs_sandbox_auto_%d", a.ID)
		tag, err := tx.Exec(ctx, `
			INSERT INTO sandbox_sessions (id, attempt_id, payment_intent_id, amount_minor, currency, success_url, cancel_url,
				status, method, ach_outcome)
			VALUES ($1, $2, $3, $4, $5, '', '', 'complete', 'ach', $6)
			ON CONFLICT (attempt_id) DO NOTHING`, id, a.ID, piID, a.Amount.Amount, a.Amount.Currency, outcome)
		if err != nil {
			return fmt.Errorf("starting sandbox bank charge of attempt %d: %w", a.ID, err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		_, err = s.Jobs.InsertTx(ctx, tx, SandboxACHArgs{SessionID: id}, &river.InsertOpts{ScheduledAt: s.Now().Add(s.ACHDelay)})
		if err != nil {
			return fmt.Errorf("scheduling sandbox bank outcome for attempt %d: %w", a.ID, err)
		}
		return nil
	})
}

// Refund reports a full refund of a sandbox payment as a signed
// charge.refunded event, which the processor applies to the ledger. The sandbox
// supports no partial refunds, like the back office.
func (s *Sandbox) Refund(ctx context.Context, a billing.PaymentAttempt, _ string) (string, error) {
	if a.PaymentIntentID == "" {
		return "", fmt.Errorf("refunding attempt %d: it has no payment intent", a.ID)
	}
	charge := ChargeObject("ch_"+strings.TrimPrefix(a.PaymentIntentID, "pi_"), a.PaymentIntentID, a.Amount, a.Amount.Amount)
	if err := s.deliver(ctx, "evt_"+a.PaymentIntentID+"_refunded", "charge.refunded", charge); err != nil {
		return "", err
	}
	return "re_" + strings.TrimPrefix(a.PaymentIntentID, "pi_"), nil
}
