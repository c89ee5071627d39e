package stripegw

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/ledgvero/ledgvero/billing"
)

// Stripe creates Stripe Checkout Sessions through the Stripe API.
type Stripe struct {
	api *client.API
}

// NewStripe returns a gateway that calls Stripe with secretKey. A nil backends
// uses Stripe's servers; tests pass backends aimed at stripe-mock.
func NewStripe(secretKey string, backends *stripe.Backends) *Stripe {
	api := &client.API{}
	api.Init(secretKey, backends)
	return &Stripe{api: api}
}

// Name returns "stripe".
func (s *Stripe) Name() string { return "stripe" }

// CheckoutParams returns the Checkout Session request for an attempt: one line
// per invoice at the amount the server decided, card and US bank account, the
// attempt id in metadata and client_reference_id, and the attempt's
// idempotency key, so a retried request returns the first session.
func CheckoutParams(a billing.PaymentAttempt, urls ReturnURLs) *stripe.CheckoutSessionParams {
	attempt := strconv.FormatInt(a.ID, 10)
	params := &stripe.CheckoutSessionParams{
		Mode:               stripe.String(string(stripe.CheckoutSessionModePayment)),
		PaymentMethodTypes: stripe.StringSlice([]string{"card", "us_bank_account"}),
		ClientReferenceID:  stripe.String(attempt),
		CustomerEmail:      stripe.String(a.ContactEmail),
		SuccessURL:         stripe.String(urls.Success),
		CancelURL:          stripe.String(urls.Cancel),
		Metadata:           map[string]string{metadataAttemptID: attempt},
		PaymentIntentData: &stripe.CheckoutSessionPaymentIntentDataParams{
			Metadata: map[string]string{metadataAttemptID: attempt},
		},
	}
	currency := strings.ToLower(a.Amount.Currency)
	for _, l := range a.Lines {
		name := "Invoice " + l.Number
		if l.Discount.Amount > 0 {
			name += fmt.Sprintf(" (early-payment discount %s)", l.Discount)
		}
		params.LineItems = append(params.LineItems, &stripe.CheckoutSessionLineItemParams{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{
				Currency:    stripe.String(currency),
				UnitAmount:  stripe.Int64(l.Amount.Amount),
				ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripe.String(name)},
			},
		})
	}
	params.SetIdempotencyKey(a.IdempotencyKey)
	return params
}

// StartCheckout creates the Checkout Session of an attempt.
func (s *Stripe) StartCheckout(ctx context.Context, a billing.PaymentAttempt, urls ReturnURLs) (Checkout, error) {
	params := CheckoutParams(a, urls)
	params.Context = ctx
	sess, err := s.api.CheckoutSessions.New(params)
	if err != nil {
		return Checkout{}, fmt.Errorf("creating Stripe checkout session for attempt %d: %w", a.ID, err)
	}
	return Checkout{SessionID: sess.ID, URL: sess.URL}, nil
}

// Session returns a Checkout Session with its payment intent expanded.
func (s *Stripe) Session(ctx context.Context, sessionID string) (*stripe.CheckoutSession, error) {
	params := &stripe.CheckoutSessionParams{}
	params.Context = ctx
	params.AddExpand("payment_intent")
	sess, err := s.api.CheckoutSessions.Get(sessionID, params)
	if err != nil {
		return nil, fmt.Errorf("fetching Stripe checkout session %s: %w", sessionID, err)
	}
	return sess, nil
}
