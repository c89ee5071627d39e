-- +goose Up
-- Limits of what a debtor may do alone in the portal. One row. A proposed plan
-- within every plan_auto_* limit is approved at once; any other waits for staff.
-- Amounts are minor units of the organization's currency.
CREATE TABLE portal_settings (
    id                         boolean PRIMARY KEY DEFAULT true CHECK (id),
    plan_auto_max_total_minor  bigint  NOT NULL DEFAULT 500000 CHECK (plan_auto_max_total_minor >= 0),
    plan_auto_max_installments int     NOT NULL DEFAULT 6 CHECK (plan_auto_max_installments >= 0),
    plan_auto_max_months       int     NOT NULL DEFAULT 6 CHECK (plan_auto_max_months >= 0),
    plan_max_installments      int     NOT NULL DEFAULT 24 CHECK (plan_max_installments > 0),
    plan_max_first_days        int     NOT NULL DEFAULT 60 CHECK (plan_max_first_days >= 0),
    plan_grace_days            int     NOT NULL DEFAULT 5 CHECK (plan_grace_days >= 0),
    promise_max_days           int     NOT NULL DEFAULT 90 CHECK (promise_max_days >= 0),
    promise_grace_days         int     NOT NULL DEFAULT 3 CHECK (promise_grace_days >= 0),
    updated_at                 timestamptz NOT NULL DEFAULT now()
);
INSERT INTO portal_settings DEFAULT VALUES;

-- +goose Down
DROP TABLE portal_settings;
