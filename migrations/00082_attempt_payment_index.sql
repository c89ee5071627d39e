-- +goose Up
-- A staff refund of a card or bank payment finds the gateway attempt that
-- recorded the payment.
CREATE INDEX payment_attempts_payment_idx ON payment_attempts (payment_id) WHERE payment_id IS NOT NULL;

-- +goose Down
DROP INDEX payment_attempts_payment_idx;
