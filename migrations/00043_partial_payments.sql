-- +goose Up
-- Whether debtors may pay part of an invoice (they give a reason). Sellers who
-- take whole invoices only turn it off. Without an organization row the portal
-- treats it as allowed, the default.
ALTER TABLE organization ADD COLUMN allow_partial_payments boolean NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE organization DROP COLUMN allow_partial_payments;
