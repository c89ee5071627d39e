-- +goose Up
-- Plan auto-approval rules live in portal_settings, next to the other portal limits
-- that the plan proposal reads; keeping a second copy here would let the two drift.
ALTER TABLE collection_settings
    DROP COLUMN plan_auto_max_total_minor,
    DROP COLUMN plan_auto_max_installments,
    DROP COLUMN plan_auto_max_days,
    DROP COLUMN plan_auto_max_risk;

-- +goose Down
ALTER TABLE collection_settings
    ADD COLUMN plan_auto_max_total_minor  bigint NOT NULL DEFAULT 0 CHECK (plan_auto_max_total_minor >= 0),
    ADD COLUMN plan_auto_max_installments int    NOT NULL DEFAULT 0 CHECK (plan_auto_max_installments >= 0),
    ADD COLUMN plan_auto_max_days         int    NOT NULL DEFAULT 0 CHECK (plan_auto_max_days >= 0),
    ADD COLUMN plan_auto_max_risk         int    NOT NULL DEFAULT 50 CHECK (plan_auto_max_risk BETWEEN 0 AND 100);
