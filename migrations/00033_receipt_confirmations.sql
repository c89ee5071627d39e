-- +goose Up
-- A debtor's confirmation that an invoice arrived, with who, when and from where,
-- and optionally the date their payables team scheduled payment, which also opens
-- a promise.
CREATE TABLE receipt_confirmations (
    id            bigserial PRIMARY KEY,
    customer_id   bigint      NOT NULL REFERENCES customers (id),
    invoice_id    bigint      NOT NULL REFERENCES invoices (id),
    contact_email text        NOT NULL,
    ip            text        NOT NULL DEFAULT '',
    user_agent    text        NOT NULL DEFAULT '',
    scheduled_on  date,
    promise_id    bigint      REFERENCES promises (id),
    confirmed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX receipt_confirmations_invoice_idx ON receipt_confirmations (invoice_id, confirmed_at DESC);

-- +goose Down
DROP TABLE receipt_confirmations;
