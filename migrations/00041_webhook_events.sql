-- +goose Up
-- Stripe delivers each event at least once. Inserting the event id here in the
-- same transaction as the event's effect makes the effect happen exactly once:
-- a redelivery hits the primary key and changes nothing.
CREATE TABLE processed_webhook_events (
    event_id     text        PRIMARY KEY,
    event_type   text        NOT NULL,
    attempt_id   bigint      REFERENCES payment_attempts (id),
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- What a gateway reported that does not match what the server decided (another
-- amount or currency, an unknown attempt) waits here for staff instead of
-- reaching the ledger.
CREATE TABLE payment_exceptions (
    id                 bigserial PRIMARY KEY,
    attempt_id         bigint      REFERENCES payment_attempts (id),
    customer_id        bigint      REFERENCES customers (id),
    event_id           text        NOT NULL,
    kind               text        NOT NULL CHECK (kind IN ('amount_mismatch', 'currency_mismatch', 'unknown_attempt')),
    expected_minor     bigint,
    expected_currency  char(3),
    reported_minor     bigint,
    reported_currency  text,
    message            text        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    resolved_at        timestamptz,
    resolved_by        text,
    UNIQUE (event_id, kind)
);
CREATE INDEX payment_exceptions_open_idx ON payment_exceptions (created_at) WHERE resolved_at IS NULL;
CREATE INDEX payment_exceptions_attempt_idx ON payment_exceptions (attempt_id);

-- +goose Down
DROP TABLE payment_exceptions;
DROP TABLE processed_webhook_events;
