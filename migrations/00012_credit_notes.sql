-- +goose Up
-- Credit notes reduce what a customer owes: a resolved dispute, a return, a price
-- correction. The part not yet applied to an invoice is customer credit.
CREATE TABLE credit_notes (
    id           bigserial PRIMARY KEY,
    customer_id  bigint      NOT NULL REFERENCES customers (id),
    number       text        NOT NULL UNIQUE,
    external_id  text        UNIQUE,
    invoice_id   bigint      REFERENCES invoices (id),
    currency     char(3)     NOT NULL,
    amount_minor bigint      NOT NULL CHECK (amount_minor > 0),
    issued_on    date        NOT NULL,
    reason       text        NOT NULL,
    source       text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_notes_customer_idx ON credit_notes (customer_id, issued_on);

-- +goose Down
DROP TABLE credit_notes;
