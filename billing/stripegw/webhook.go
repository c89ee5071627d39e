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
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

// Tolerance is how far a signature's timestamp may lie from now, in either
// direction. stripe-go checks only the past, so the processor checks both with
// its own clock.
const Tolerance = 5 * time.Minute

// ErrSignature reports a webhook whose signature, timestamp or API version is
// not acceptable. The endpoint answers it with 400 and applies nothing.
var ErrSignature = errors.New("invalid webhook signature")

// Processor verifies Stripe webhook events and applies them to payment attempts
// and the ledger, each event once.
type Processor struct {
	Pool     *pgxpool.Pool
	Secret   string          // STRIPE_WEBHOOK_SECRET
	Jobs     outbox.Inserter // inserts e-mail delivery jobs in the event's transaction
	Logger   *slog.Logger
	Now      func() time.Time
	Timezone *time.Location // the seller's zone, for the payment's calendar date
	BaseURL  string         // public URL of the portal, for links in e-mails
	OrgName  string
}

// Handle verifies payload against the Stripe-Signature header and applies the
// event. It returns an error wrapping ErrSignature for a bad signature, and
// another error when applying failed and Stripe should deliver the event again.
func (p *Processor) Handle(ctx context.Context, payload []byte, header string) error {
	ev, err := p.Verify(payload, header)
	if err != nil {
		return err
	}
	return p.Apply(ctx, ev)
}

// Verify checks the signature of the raw body before anything parses it, and
// rejects a timestamp more than Tolerance away from now.
func (p *Processor) Verify(payload []byte, header string) (stripe.Event, error) {
	ts, err := signatureTime(header)
	if err != nil {
		return stripe.Event{}, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	now := p.Now()
	if ts.Before(now.Add(-Tolerance)) || ts.After(now.Add(Tolerance)) {
		return stripe.Event{}, fmt.Errorf("%w: timestamp %s is more than %s from now", ErrSignature, ts.UTC().Format(time.RFC3339), Tolerance)
	}
	ev, err := webhook.ConstructEventWithOptions(payload, header, p.Secret, webhook.ConstructEventOptions{IgnoreTolerance: true})
	if err != nil {
		return stripe.Event{}, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if ev.ID == "" || ev.Data == nil {
		return stripe.Event{}, fmt.Errorf("%w: event without id or data", ErrSignature)
	}
	return ev, nil
}

// signatureTime reads the t= part of a Stripe-Signature header. It is only a
// claim until the signature over it is verified.
func signatureTime(header string) (time.Time, error) {
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && k == "t" {
			sec, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("invalid timestamp %q", v)
			}
			return time.Unix(sec, 0), nil
		}
	}
	return time.Time{}, errors.New("missing timestamp")
}

// Apply applies a verified event in one transaction with the record of its id,
// so a redelivered event changes nothing.
func (p *Processor) Apply(ctx context.Context, ev stripe.Event) error {
	err := billing.InTx(ctx, p.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO processed_webhook_events (event_id, event_type) VALUES ($1, $2)
			ON CONFLICT (event_id) DO NOTHING`, ev.ID, string(ev.Type))
		if err != nil {
			return fmt.Errorf("recording event %s: %w", ev.ID, err)
		}
		if tag.RowsAffected() == 0 {
			p.Logger.Debug("webhook event already processed", "event_id", ev.ID, "event_type", ev.Type)
			return nil
		}

		attemptID, err := p.dispatch(ctx, tx, ev)
		if err != nil {
			return err
		}
		if attemptID != 0 {
			_, err = tx.Exec(ctx, `UPDATE processed_webhook_events SET attempt_id = $2 WHERE event_id = $1`, ev.ID, attemptID)
			if err != nil {
				return fmt.Errorf("linking event %s to attempt %d: %w", ev.ID, attemptID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("applying %s event %s: %w", ev.Type, ev.ID, err)
	}
	return nil
}
