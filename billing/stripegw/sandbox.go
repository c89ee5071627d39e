package stripegw

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/stripe/stripe-go/v76"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

// Stripe's documented test cards and bank accounts, which the sandbox accepts.
const (
	TestCardSucceeds    = "4242424242424242"
	TestCardDeclined    = "4000000000000002"
	TestRoutingNumber   = "110000000"
	TestAccountSettles  = "000123456789"
	TestAccountFails    = "000111111116"
	sandboxDeclineText  = "Your card was declined."
	sandboxBankFailText = "The bank account could not be debited (sandbox test account 000111111116)."
)

// Sandbox is a gateway that moves no money. Its checkout page accepts Stripe's
// test cards and bank accounts and reports the outcome as signed, Stripe-shaped
// events to the Processor, the same code that serves POST /webhooks/stripe. A
// bank payment settles or fails after ACHDelay, in a River job.
type Sandbox struct {
	Pool      *pgxpool.Pool
	Processor *Processor
	Jobs      outbox.Inserter
	ACHDelay  time.Duration // SANDBOX_ACH_DELAY
	Now       func() time.Time
	Logger    *slog.Logger
}

// SandboxSession is the sandbox's record of one checkout.
type SandboxSession struct {
	ID              string
	AttemptID       int64
	PaymentIntentID string
	Amount          billing.Money
	SuccessURL      string
	CancelURL       string
	Status          string // open, complete or expired
	PaymentStatus   string // unpaid, paid or failed
	Method          string
	CreatedAt       time.Time
}

// SandboxInputError reports a card or bank account the sandbox does not accept.
type SandboxInputError struct {
	Field   string
	Message string
}

func (e *SandboxInputError) Error() string { return e.Field + ": " + e.Message }

// Name returns "sandbox".
func (s *Sandbox) Name() string { return "sandbox" }

// StartCheckout creates the sandbox session of an attempt, or returns the one it
// already has.
func (s *Sandbox) StartCheckout(ctx context.Context, a billing.PaymentAttempt, urls ReturnURLs) (Checkout, error) {
	var id string
	err := s.Pool.QueryRow(ctx, `
		INSERT INTO sandbox_sessions (id, attempt_id, payment_intent_id, amount_minor, currency, success_url, cancel_url)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (attempt_id) DO UPDATE SET updated_at = now()
		RETURNING id`,
		NewObjectID("cs_test_sandbox_"), a.ID, NewObjectID("pi_sandbox_"), a.Amount.Amount, a.Amount.Currency,
		urls.Success, urls.Cancel).Scan(&id)
	if err != nil {
		return Checkout{}, fmt.Errorf("creating sandbox session for attempt %d: %w", a.ID, err)
	}
	return Checkout{SessionID: id, URL: "/sandbox/checkout/" + id}, nil
}

// Load returns one sandbox session.
func (s *Sandbox) Load(ctx context.Context, id string) (SandboxSession, error) {
	return loadSandboxSession(ctx, s.Pool, id, false)
}

func loadSandboxSession(ctx context.Context, db billing.DB, id string, lock bool) (SandboxSession, error) {
	q := `SELECT id, attempt_id, payment_intent_id, amount_minor, currency, success_url, cancel_url, status,
			payment_status, coalesce(method, ''), created_at
		FROM sandbox_sessions WHERE id = $1`
	if lock {
		q += " FOR UPDATE"
	}
	var ss SandboxSession
	err := db.QueryRow(ctx, q, id).Scan(&ss.ID, &ss.AttemptID, &ss.PaymentIntentID, &ss.Amount.Amount,
		&ss.Amount.Currency, &ss.SuccessURL, &ss.CancelURL, &ss.Status, &ss.PaymentStatus, &ss.Method, &ss.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return SandboxSession{}, billing.ErrNotFound
	}
	if err != nil {
		return SandboxSession{}, fmt.Errorf("loading sandbox session %s: %w", id, err)
	}
	return ss, nil
}

// SessionLifetime is how long a sandbox checkout stays open, as a Stripe
// Checkout Session does by default.
const SessionLifetime = 24 * time.Hour

// Session returns the sandbox session as Stripe's API would. An open session
// older than SessionLifetime expires here, so an abandoned checkout ends its
// attempt when the reconciliation job asks.
func (s *Sandbox) Session(ctx context.Context, id string) (*stripe.CheckoutSession, error) {
	ss, err := s.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	if ss.Status == "open" && s.Now().Sub(ss.CreatedAt) > SessionLifetime {
		_, err := s.Pool.Exec(ctx, `UPDATE sandbox_sessions SET status = 'expired', updated_at = $2 WHERE id = $1 AND status = 'open'`, id, s.Now())
		if err != nil {
			return nil, fmt.Errorf("expiring sandbox session %s: %w", id, err)
		}
		ss.Status = "expired"
	}
	paymentStatus := stripe.CheckoutSessionPaymentStatusUnpaid
	if ss.PaymentStatus == "paid" {
		paymentStatus = stripe.CheckoutSessionPaymentStatusPaid
	}
	attempt := strconv.FormatInt(ss.AttemptID, 10)
	return &stripe.CheckoutSession{
		ID: ss.ID, Status: stripe.CheckoutSessionStatus(ss.Status), PaymentStatus: paymentStatus,
		AmountTotal: ss.Amount.Amount, Currency: stripe.Currency(strings.ToLower(ss.Amount.Currency)),
		ClientReferenceID: attempt, Metadata: map[string]string{metadataAttemptID: attempt},
		PaymentIntent: &stripe.PaymentIntent{ID: ss.PaymentIntentID},
	}, nil
}

// PayByCard pays an open sandbox session with a test card number. It returns
// the page to send the payer to, or a SandboxInputError for a declined or
// unknown card; a declined card leaves the session open for another try.
func (s *Sandbox) PayByCard(ctx context.Context, id, number string) (string, error) {
	number = strings.NewReplacer(" ", "", "-", "").Replace(number)
	if number != TestCardSucceeds && number != TestCardDeclined {
		return "", &SandboxInputError{Field: "card_number",
			Message: "Use a Stripe test card: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined."}
	}
	ss, err := s.complete(ctx, id, billing.MethodCard, "", number == TestCardSucceeds)
	if err != nil {
		return "", err
	}
	now := s.Now()
	intent := IntentFields{ID: ss.PaymentIntentID, AttemptID: ss.AttemptID, Amount: ss.Amount, Method: billing.MethodCard, Created: now}

	if number == TestCardDeclined {
		intent.Status, intent.Failure = "requires_payment_method", sandboxDeclineText
		if err := s.deliver(ctx, NewObjectID("evt_sandbox_"), "payment_intent.payment_failed", IntentObject(intent)); err != nil {
			return "", err
		}
		return "", &SandboxInputError{Field: "card_number", Message: sandboxDeclineText + " Try another card."}
	}

	intent.Status = "succeeded"
	if err := s.deliver(ctx, "evt_"+ss.ID+"_completed", "checkout.session.completed", s.sessionObject(ss, "complete", "paid")); err != nil {
		return "", err
	}
	if err := s.deliver(ctx, "evt_"+ss.PaymentIntentID+"_succeeded", "payment_intent.succeeded", IntentObject(intent)); err != nil {
		return "", err
	}
	return ss.SuccessURL, nil
}

// PayByBank starts a test ACH debit. The debit is processing at once and settles
// or fails after ACHDelay, when a River job reports the outcome.
func (s *Sandbox) PayByBank(ctx context.Context, id, routing, account string) (string, error) {
	routing, account = strings.TrimSpace(routing), strings.TrimSpace(account)
	if routing != TestRoutingNumber {
		return "", &SandboxInputError{Field: "routing_number", Message: "Use Stripe's test routing number 110000000."}
	}
	var outcome string
	switch account {
	case TestAccountSettles:
		outcome = "settle"
	case TestAccountFails:
		outcome = "fail"
	default:
		return "", &SandboxInputError{Field: "account_number",
			Message: "Use a Stripe test account: 000123456789 settles, 000111111116 fails."}
	}
	ss, err := s.complete(ctx, id, billing.MethodACH, outcome, false)
	if err != nil {
		return "", err
	}

	intent := IntentFields{ID: ss.PaymentIntentID, AttemptID: ss.AttemptID, Amount: ss.Amount, Method: billing.MethodACH,
		Status: "processing", Created: s.Now()}
	if err := s.deliver(ctx, "evt_"+ss.ID+"_completed", "checkout.session.completed", s.sessionObject(ss, "complete", "unpaid")); err != nil {
		return "", err
	}
	if err := s.deliver(ctx, "evt_"+ss.PaymentIntentID+"_processing", "payment_intent.processing", IntentObject(intent)); err != nil {
		return "", err
	}
	return ss.SuccessURL, nil
}

// complete closes an open session for method and, for a bank payment, schedules
// its outcome. A declined card keeps the session open.
func (s *Sandbox) complete(ctx context.Context, id, method, achOutcome string, paid bool) (SandboxSession, error) {
	var ss SandboxSession
	err := billing.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		var err error
		ss, err = loadSandboxSession(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if ss.Status != "open" {
			return &SandboxInputError{Field: "session", Message: "This checkout is already complete."}
		}
		if method == billing.MethodCard && !paid {
			return nil
		}
		paymentStatus := "unpaid"
		if paid {
			paymentStatus = "paid"
		}
		_, err = tx.Exec(ctx, `
			UPDATE sandbox_sessions SET status = 'complete', payment_status = $2, method = $3,
				ach_outcome = nullif($4, ''), updated_at = $5
			WHERE id = $1`, id, paymentStatus, method, achOutcome, s.Now())
		if err != nil {
			return fmt.Errorf("completing sandbox session %s: %w", id, err)
		}
		ss.Status, ss.PaymentStatus, ss.Method = "complete", paymentStatus, method
		if achOutcome == "" {
			return nil
		}
		_, err = s.Jobs.InsertTx(ctx, tx, SandboxACHArgs{SessionID: id}, &river.InsertOpts{ScheduledAt: s.Now().Add(s.ACHDelay)})
		if err != nil {
			return fmt.Errorf("scheduling sandbox bank outcome for %s: %w", id, err)
		}
		return nil
	})
	return ss, err
}

// SettleBank reports the scheduled outcome of a sandbox bank payment. Running it
// twice delivers the same event ids, which the processor applies once.
func (s *Sandbox) SettleBank(ctx context.Context, id string) error {
	var ss SandboxSession
	var outcome string
	err := billing.InTx(ctx, s.Pool, func(tx pgx.Tx) error {
		var err error
		ss, err = loadSandboxSession(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(ach_outcome, '') FROM sandbox_sessions WHERE id = $1`, id).Scan(&outcome); err != nil {
			return fmt.Errorf("loading outcome of sandbox session %s: %w", id, err)
		}
		ss.PaymentStatus = "paid"
		if outcome == "fail" {
			ss.PaymentStatus = "failed"
		}
		_, err = tx.Exec(ctx, `UPDATE sandbox_sessions SET payment_status = $2, updated_at = $3 WHERE id = $1`, id, ss.PaymentStatus, s.Now())
		return err
	})
	if err != nil {
		return fmt.Errorf("settling sandbox session %s: %w", id, err)
	}
	if outcome == "" {
		return fmt.Errorf("sandbox session %s has no bank payment to settle", id)
	}

	intent := IntentFields{ID: ss.PaymentIntentID, AttemptID: ss.AttemptID, Amount: ss.Amount, Method: billing.MethodACH, Created: s.Now()}
	if outcome == "settle" {
		intent.Status = "succeeded"
		if err := s.deliver(ctx, "evt_"+ss.ID+"_async_succeeded", "checkout.session.async_payment_succeeded", s.sessionObject(ss, "complete", "paid")); err != nil {
			return err
		}
		return s.deliver(ctx, "evt_"+ss.PaymentIntentID+"_succeeded", "payment_intent.succeeded", IntentObject(intent))
	}
	intent.Status, intent.Failure = "requires_payment_method", sandboxBankFailText
	if err := s.deliver(ctx, "evt_"+ss.ID+"_async_failed", "checkout.session.async_payment_failed", s.sessionObject(ss, "complete", "unpaid")); err != nil {
		return err
	}
	return s.deliver(ctx, "evt_"+ss.PaymentIntentID+"_failed", "payment_intent.payment_failed", IntentObject(intent))
}

func (s *Sandbox) sessionObject(ss SandboxSession, status, paymentStatus string) map[string]any {
	return SessionObject(SessionFields{
		ID: ss.ID, AttemptID: ss.AttemptID, PaymentIntentID: ss.PaymentIntentID, Amount: ss.Amount,
		Status: status, PaymentStatus: paymentStatus, Created: ss.CreatedAt,
	})
}

// deliver signs an event with the webhook secret and hands it to the processor
// in this process rather than over HTTP: LEDGVERO_BASE_URL may name a proxy or
// another replica, and the signed bytes take the same verification either way.
func (s *Sandbox) deliver(ctx context.Context, eventID, eventType string, object map[string]any) error {
	now := s.Now()
	payload, err := EventJSON(eventID, eventType, object, now)
	if err != nil {
		return err
	}
	if err := s.Processor.Handle(ctx, payload, Sign(payload, s.Processor.Secret, now)); err != nil {
		return fmt.Errorf("delivering sandbox event %s: %w", eventType, err)
	}
	s.Logger.Debug("sandbox event delivered", "event_id", eventID, "event_type", eventType)
	return nil
}

// SandboxACHArgs schedules the outcome of a sandbox bank payment.
type SandboxACHArgs struct {
	SessionID string `json:"session_id"`
}

// Kind returns the job kind.
func (SandboxACHArgs) Kind() string { return "sandbox_ach_outcome" }

// SandboxACHWorker runs SandboxACHArgs jobs.
type SandboxACHWorker struct {
	river.WorkerDefaults[SandboxACHArgs]
	Sandbox *Sandbox
}

// Work reports the bank outcome of one sandbox session.
func (w *SandboxACHWorker) Work(ctx context.Context, job *river.Job[SandboxACHArgs]) error {
	return w.Sandbox.SettleBank(ctx, job.Args.SessionID)
}
