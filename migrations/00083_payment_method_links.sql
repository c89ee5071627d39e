-- +goose Up
-- Replacing a plan's saved payment method needs a fresh single-use link e-mailed
-- to the contact's address on file, because a portal session rests only on
-- e-mail. Only the token's SHA-256 is stored, as for sign-in links. A setup
-- started from such a link may replace the saved method; any other may only
-- save the first one.
CREATE TABLE payment_method_links (
    token_hash    bytea       PRIMARY KEY,
    plan_id       bigint      NOT NULL REFERENCES installment_plans (id) ON DELETE CASCADE,
    contact_email text        NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz
);
CREATE INDEX payment_method_links_plan_idx ON payment_method_links (plan_id);

ALTER TABLE payment_method_setups ADD COLUMN replaces_method boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE payment_method_setups DROP COLUMN replaces_method;
DROP TABLE payment_method_links;
