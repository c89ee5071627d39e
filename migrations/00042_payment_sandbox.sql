-- +goose Up
-- The payment sandbox's own state, standing in for Stripe's side of a checkout
-- when no Stripe key is configured. It lives in the database so that any server
-- process can show the checkout page and any worker can settle a bank payment.
CREATE TABLE sandbox_sessions (
    id                text        PRIMARY KEY,
    attempt_id        bigint      NOT NULL UNIQUE REFERENCES payment_attempts (id),
    payment_intent_id text        NOT NULL UNIQUE,
    amount_minor      bigint      NOT NULL,
    currency          char(3)     NOT NULL,
    success_url       text        NOT NULL,
    cancel_url        text        NOT NULL,
    status            text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'complete', 'expired')),
    payment_status    text        NOT NULL DEFAULT 'unpaid' CHECK (payment_status IN ('unpaid', 'paid', 'failed')),
    method            text        CHECK (method IN ('card', 'ach')),
    ach_outcome       text        CHECK (ach_outcome IN ('settle', 'fail')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE sandbox_sessions;
