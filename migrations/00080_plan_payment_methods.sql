-- +goose Up
-- A plan with automatic charging keeps the gateway's payment method and customer
-- ids, so each installment can be charged off-session on its due date. Only the
-- gateway's ids and what the page shows (brand and last 4 digits) are stored,
-- never a card or account number.
ALTER TABLE installment_plans
    ADD COLUMN payment_method_gateway text CHECK (payment_method_gateway IN ('sandbox', 'stripe')),
    ADD COLUMN payment_method_id      text,
    ADD COLUMN gateway_customer_id    text,
    ADD COLUMN payment_method_kind    text CHECK (payment_method_kind IN ('card', 'ach')),
    ADD COLUMN payment_method_brand   text NOT NULL DEFAULT '',
    ADD COLUMN payment_method_last4   text NOT NULL DEFAULT '',
    ADD COLUMN payment_method_saved_at timestamptz,
    ADD CONSTRAINT installment_plans_method_complete
        CHECK ((payment_method_id IS NULL) = (payment_method_kind IS NULL));

-- The daily charge job reads only approved plans with a saved method.
CREATE INDEX installment_plans_autopay_idx ON installment_plans (id)
    WHERE status = 'approved' AND payment_method_id IS NOT NULL;

-- One gateway setup (a Stripe Checkout Session in setup mode, or a sandbox setup
-- page) per try at saving a method for a plan. The portal checks on return that
-- the setup belongs to the plan and customer of the session.
CREATE TABLE payment_method_setups (
    id          text        PRIMARY KEY,
    plan_id     bigint      NOT NULL REFERENCES installment_plans (id) ON DELETE CASCADE,
    gateway     text        NOT NULL CHECK (gateway IN ('sandbox', 'stripe')),
    status      text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'complete')),
    -- Where the sandbox setup page sends the debtor; Stripe keeps its own copy.
    success_url text        NOT NULL DEFAULT '',
    cancel_url  text        NOT NULL DEFAULT '',
    -- Filled by the sandbox setup page; Stripe's setups are read back from Stripe.
    payment_method_id text,
    method_kind text        CHECK (method_kind IN ('card', 'ach')),
    brand       text        NOT NULL DEFAULT '',
    last4       text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);
CREATE INDEX payment_method_setups_plan_idx ON payment_method_setups (plan_id);

-- +goose Down
DROP TABLE payment_method_setups;
DROP INDEX installment_plans_autopay_idx;
ALTER TABLE installment_plans
    DROP CONSTRAINT installment_plans_method_complete,
    DROP COLUMN payment_method_saved_at,
    DROP COLUMN payment_method_last4,
    DROP COLUMN payment_method_brand,
    DROP COLUMN payment_method_kind,
    DROP COLUMN gateway_customer_id,
    DROP COLUMN payment_method_id,
    DROP COLUMN payment_method_gateway;
