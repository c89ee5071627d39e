package stripegw

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/ledgvero/ledgvero/billing"
)

// The metadata key that carries the attempt id on sessions and payment intents.
const metadataAttemptID = "ledgvero_attempt_id"

// SessionFields are the parts of a Checkout Session that the processor reads.
type SessionFields struct {
	ID              string
	AttemptID       int64
	PaymentIntentID string
	Amount          billing.Money
	Status          string // open, complete or expired
	PaymentStatus   string // paid, unpaid or no_payment_required
	Created         time.Time
}

// SessionObject returns a checkout.session object shaped like Stripe's (API
// version 2023-10-16, as in stripe-mock's fixtures) with the fields the
// processor reads filled in.
func SessionObject(s SessionFields) map[string]any {
	var pi any
	if s.PaymentIntentID != "" {
		pi = s.PaymentIntentID
	}
	attempt := strconv.FormatInt(s.AttemptID, 10)
	return map[string]any{
		"id": s.ID, "object": "checkout.session", "livemode": false, "mode": "payment",
		"amount_subtotal": s.Amount.Amount, "amount_total": s.Amount.Amount,
		"currency": strings.ToLower(s.Amount.Currency), "client_reference_id": attempt,
		"created": s.Created.Unix(), "expires_at": s.Created.Add(24 * time.Hour).Unix(),
		"metadata": map[string]string{metadataAttemptID: attempt}, "payment_intent": pi,
		"payment_method_types": []string{"card", "us_bank_account"},
		"payment_status":       s.PaymentStatus, "status": s.Status, "customer": nil, "url": nil,
	}
}

// IntentFields are the parts of a PaymentIntent that the processor reads.
type IntentFields struct {
	ID        string
	AttemptID int64
	Amount    billing.Money
	Status    string // processing, succeeded or requires_payment_method
	Method    string // "card" or "ach"
	Failure   string // last_payment_error.message, for a failed payment
	Created   time.Time
}

// IntentObject returns a payment_intent object shaped like Stripe's.
func IntentObject(p IntentFields) map[string]any {
	received := int64(0)
	if p.Status == "succeeded" {
		received = p.Amount.Amount
	}
	var lastErr any
	if p.Failure != "" {
		lastErr = map[string]any{"type": "card_error", "message": p.Failure}
	}
	return map[string]any{
		"id": p.ID, "object": "payment_intent", "livemode": false,
		"amount": p.Amount.Amount, "amount_received": received, "currency": strings.ToLower(p.Amount.Currency),
		"capture_method": "automatic", "created": p.Created.Unix(), "customer": nil, "latest_charge": nil,
		"last_payment_error":   lastErr,
		"metadata":             map[string]string{metadataAttemptID: strconv.FormatInt(p.AttemptID, 10)},
		"payment_method_types": []string{stripeMethodType(p.Method)}, "status": p.Status,
	}
}

// ChargeObject returns a charge object shaped like Stripe's.
func ChargeObject(id, paymentIntentID string, amount billing.Money, refunded int64) map[string]any {
	return map[string]any{
		"id": id, "object": "charge", "livemode": false, "amount": amount.Amount, "amount_captured": amount.Amount,
		"amount_refunded": refunded, "currency": strings.ToLower(amount.Currency), "paid": true,
		"payment_intent": paymentIntentID, "refunded": refunded >= amount.Amount, "status": "succeeded",
		"metadata": map[string]string{},
	}
}

// DisputeObject returns a dispute object shaped like Stripe's.
func DisputeObject(id, chargeID, paymentIntentID string, amount billing.Money, status string) map[string]any {
	return map[string]any{
		"id": id, "object": "dispute", "livemode": false, "amount": amount.Amount, "charge": chargeID,
		"currency": strings.ToLower(amount.Currency), "payment_intent": paymentIntentID,
		"reason": "general", "status": status, "metadata": map[string]string{},
	}
}

// EventJSON wraps object in an event envelope of type eventType, as Stripe
// delivers it to webhook endpoints, with API version 2023-10-16.
func EventJSON(id, eventType string, object map[string]any, created time.Time) ([]byte, error) {
	ev := map[string]any{
		"id": id, "object": "event", "api_version": stripe.APIVersion, "created": created.Unix(),
		"data": map[string]any{"object": object}, "livemode": false, "pending_webhooks": 1,
		"request": map[string]any{"id": nil, "idempotency_key": nil}, "type": eventType,
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encoding %s event: %w", eventType, err)
	}
	return b, nil
}

// Sign returns the Stripe-Signature header for payload signed with secret at t.
func Sign(payload []byte, secret string, t time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
		Payload: payload, Secret: secret, Timestamp: t, Scheme: "v1",
	}).Header
}

// NewObjectID returns a random id with a Stripe-style prefix such as "evt_".
func NewObjectID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return prefix + hex.EncodeToString(b)
}

func stripeMethodType(method string) string {
	if method == billing.MethodACH {
		return "us_bank_account"
	}
	return "card"
}
