-- +goose Up
-- A payment attempt is one press of the portal's pay button: the invoices and
-- amounts the debtor chose, the total the server decided, and what the payment
-- gateway later reports. The idempotency key comes from a hidden field of the pay
-- form, so a second submission of the same form finds the first attempt instead of
-- creating another one. Gateway ids are unique so a webhook maps to one attempt.
CREATE TABLE payment_attempts (
    id                  bigserial PRIMARY KEY,
    customer_id         bigint      NOT NULL REFERENCES customers (id),
    contact_email       text        NOT NULL,
    idempotency_key     text        NOT NULL UNIQUE,
    currency            char(3)     NOT NULL,
    amount_minor        bigint      NOT NULL CHECK (amount_minor > 0),
    discount_minor      bigint      NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    partial_reason      text        NOT NULL DEFAULT '',
    initiated_on        date        NOT NULL,
    method              text        CHECK (method IN ('card', 'ach')),
    gateway             text        NOT NULL CHECK (gateway IN ('sandbox', 'stripe')),
    checkout_session_id text        UNIQUE,
    checkout_url        text,
    payment_intent_id   text        UNIQUE,
    status              text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'processing', 'succeeded', 'failed', 'refunded', 'disputed')),
    failure_message     text        NOT NULL DEFAULT '',
    payment_id          bigint,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    processing_at       timestamptz,
    succeeded_at        timestamptz,
    failed_at           timestamptz
);
CREATE INDEX payment_attempts_customer_idx ON payment_attempts (customer_id, created_at DESC);
-- The reconciliation job looks only at attempts still pending.
CREATE INDEX payment_attempts_pending_idx ON payment_attempts (created_at) WHERE status = 'pending';

-- The invoices of an attempt with the cash and the discount applied to each.
-- open_minor is the open balance when the attempt was made, for the receipt.
CREATE TABLE payment_attempt_invoices (
    attempt_id     bigint NOT NULL REFERENCES payment_attempts (id) ON DELETE CASCADE,
    invoice_id     bigint NOT NULL REFERENCES invoices (id),
    amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
    discount_minor bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    open_minor     bigint NOT NULL CHECK (open_minor > 0),
    PRIMARY KEY (attempt_id, invoice_id)
);
CREATE INDEX payment_attempt_invoices_invoice_idx ON payment_attempt_invoices (invoice_id);

-- +goose Down
DROP TABLE payment_attempt_invoices;
DROP TABLE payment_attempts;
