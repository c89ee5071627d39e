-- +goose Up
-- One row per invoice e-mailed to the customer when it was issued or imported.
-- The primary key is written in the same transaction as the outbox e-mail, so an
-- invoice goes out once however many processes sweep for new invoices.
CREATE TABLE invoice_deliveries (
    invoice_id  bigint      PRIMARY KEY REFERENCES invoices (id),
    customer_id bigint      NOT NULL REFERENCES customers (id),
    contact_id  bigint      REFERENCES contacts (id),
    email_id    bigint      REFERENCES outbox_emails (id),
    actor       text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The delivery sweep looks only at invoices created in the last day.
CREATE INDEX invoices_created_at_idx ON invoices (created_at);

-- +goose Down
DROP INDEX invoices_created_at_idx;
DROP TABLE invoice_deliveries;
