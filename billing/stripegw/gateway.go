// Package stripegw takes card and ACH payments for payment attempts: a Stripe
// Checkout adapter (stripe-go v76, API version 2023-10-16), a sandbox gateway
// that stands in for Stripe when no key is configured, and the webhook
// processor that both report to.
//
// The sandbox signs Stripe-shaped events with the webhook secret and hands them
// to the same Processor.Handle that serves POST /webhooks/stripe, so one code
// path verifies and applies events whether or not money moves.
package stripegw

import (
	"context"

	"github.com/stripe/stripe-go/v76"

	"github.com/ledgvero/ledgvero/billing"
)

// Checkout is a hosted payment page created for one attempt.
type Checkout struct {
	SessionID string
	URL       string
}

// ReturnURLs are where the gateway sends the debtor after paying or cancelling.
type ReturnURLs struct {
	Success string
	Cancel  string
}

// Gateway creates checkout sessions and reports their state.
type Gateway interface {
	// Name returns "stripe" or "sandbox", as stored on the attempt.
	Name() string
	// StartCheckout creates the checkout session of an attempt. Calling it
	// again for the same attempt returns the same session, because the
	// attempt's idempotency key goes with the request.
	StartCheckout(ctx context.Context, a billing.PaymentAttempt, urls ReturnURLs) (Checkout, error)
	// Session returns a checkout session with its payment intent expanded, as
	// Stripe's API returns it, for reconciling attempts whose webhooks were lost.
	Session(ctx context.Context, sessionID string) (*stripe.CheckoutSession, error)
}
