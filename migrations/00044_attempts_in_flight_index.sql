-- +goose Up
-- The pay page asks for a customer's attempts that are processing (bank debits
-- in flight) on every render. This index finds them without reading the
-- customer's whole payment history.
CREATE INDEX payment_attempts_processing_idx ON payment_attempts (customer_id) WHERE status = 'processing';

-- +goose Down
DROP INDEX payment_attempts_processing_idx;
