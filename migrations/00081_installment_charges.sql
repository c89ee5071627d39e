-- +goose Up
-- Each automatic charge of an installment is a payment attempt whose idempotency
-- key is derived from the plan, the installment and the try. The unique key on
-- (plan, installment, try) lets a job retry or a second server find the attempt
-- it would create instead of charging again.
CREATE TABLE installment_charges (
    attempt_id bigint      PRIMARY KEY REFERENCES payment_attempts (id),
    plan_id    bigint      NOT NULL REFERENCES installment_plans (id),
    seq        int         NOT NULL CHECK (seq > 0),
    try        int         NOT NULL CHECK (try > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (plan_id, seq, try)
);

-- +goose Down
DROP TABLE installment_charges;
