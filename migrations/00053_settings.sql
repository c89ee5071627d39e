-- +goose Up
-- Collection policies set by admins in the back office. One row, like organization.
-- Amounts are minor units of the organization's currency.
CREATE TABLE collection_settings (
    id                          boolean PRIMARY KEY DEFAULT true CHECK (id),
    collector_limit_minor       bigint  NOT NULL DEFAULT 500000 CHECK (collector_limit_minor >= 0),
    plan_auto_max_total_minor   bigint  NOT NULL DEFAULT 0 CHECK (plan_auto_max_total_minor >= 0),
    plan_auto_max_installments  int     NOT NULL DEFAULT 0 CHECK (plan_auto_max_installments >= 0),
    plan_auto_max_days          int     NOT NULL DEFAULT 0 CHECK (plan_auto_max_days >= 0),
    plan_auto_max_risk          int     NOT NULL DEFAULT 50 CHECK (plan_auto_max_risk BETWEEN 0 AND 100),
    default_discount_rate_bp    int     NOT NULL DEFAULT 0 CHECK (default_discount_rate_bp BETWEEN 0 AND 10000),
    default_discount_days       int     NOT NULL DEFAULT 0 CHECK (default_discount_days >= 0),
    default_late_fee_kind       text    NOT NULL DEFAULT 'none' CHECK (default_late_fee_kind IN ('none', 'flat', 'interest')),
    default_late_fee_flat_minor bigint  NOT NULL DEFAULT 0 CHECK (default_late_fee_flat_minor >= 0),
    default_late_fee_rate_bp    int     NOT NULL DEFAULT 0 CHECK (default_late_fee_rate_bp >= 0),
    default_late_fee_grace_days int     NOT NULL DEFAULT 0 CHECK (default_late_fee_grace_days >= 0),
    updated_at                  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO collection_settings DEFAULT VALUES;

-- Named payment terms that staff pick from when they change a customer's terms.
CREATE TABLE terms_templates (
    id               bigserial PRIMARY KEY,
    name             text NOT NULL UNIQUE,
    net_days         int  NOT NULL CHECK (net_days >= 0),
    discount_rate_bp int  NOT NULL DEFAULT 0 CHECK (discount_rate_bp BETWEEN 0 AND 10000),
    discount_days    int  NOT NULL DEFAULT 0 CHECK (discount_days >= 0)
);
INSERT INTO terms_templates (name, net_days, discount_rate_bp, discount_days) VALUES
    ('Net 30', 30, 0, 0), ('2/10 Net 30', 30, 200, 10), ('Net 60', 60, 0, 0), ('Due on receipt', 0, 0, 0);

-- +goose Down
DROP TABLE terms_templates;
DROP TABLE collection_settings;
