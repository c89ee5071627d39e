-- +goose Up
-- The portal's paid history lists a customer's settled invoices, most recently
-- settled first; this index serves that query without a sort.
CREATE INDEX invoices_customer_settled_idx ON invoices (customer_id, settled_on DESC, id DESC)
    WHERE open_minor = 0 AND settled_on IS NOT NULL AND voided_at IS NULL;

-- +goose Down
DROP INDEX invoices_customer_settled_idx;
