-- +goose Up
-- The computed risk score, value tier and balances of each customer, refreshed on
-- demand and by the nightly job. The factors are kept so the back office can explain
-- a score. The balances let the customer list filter by overdue amount without
-- summing a million invoices per request.
CREATE TABLE customer_segments (
    customer_id      bigint      PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    risk_score       int         NOT NULL CHECK (risk_score BETWEEN 0 AND 100),
    value_tier       text        NOT NULL CHECK (value_tier IN ('low', 'medium', 'high')),
    risk_band        text        NOT NULL CHECK (risk_band IN ('low', 'medium', 'high')),
    factors          jsonb       NOT NULL DEFAULT '[]',
    open_minor       bigint      NOT NULL DEFAULT 0,
    overdue_minor    bigint      NOT NULL DEFAULT 0,
    revenue_12m_minor bigint     NOT NULL DEFAULT 0,
    computed_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_segments_overdue_idx ON customer_segments (overdue_minor DESC, customer_id);
CREATE INDEX customer_segments_cell_idx ON customer_segments (risk_band, value_tier);

-- A staff override of the computed segment, with the reason it was set.
ALTER TABLE customers
    ADD COLUMN segment_override        text CHECK (segment_override IS NULL OR segment_override ~ '^(low|medium|high)-risk/(low|medium|high)-value$'),
    ADD COLUMN segment_override_reason text NOT NULL DEFAULT '';
CREATE INDEX customers_owner_idx ON customers (owner_id, lower(name), id);
CREATE INDEX customers_name_id_idx ON customers (lower(name), id);

-- +goose Down
DROP INDEX customers_name_id_idx;
DROP INDEX customers_owner_idx;
ALTER TABLE customers DROP COLUMN segment_override_reason, DROP COLUMN segment_override;
DROP TABLE customer_segments;
