-- +goose Up
-- An allocation applies part of a payment or credit note to an invoice from
-- applied_on onwards, so balances can be computed as of any date. A refund or a
-- lost chargeback adds a negative allocation dated when it happened instead of
-- editing the original, so earlier balances stay as they were.
CREATE TABLE allocations (
    id             bigserial PRIMARY KEY,
    invoice_id     bigint      NOT NULL REFERENCES invoices (id),
    payment_id     bigint      REFERENCES payments (id),
    credit_note_id bigint      REFERENCES credit_notes (id),
    amount_minor   bigint      NOT NULL CHECK (amount_minor <> 0),
    applied_on     date        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((payment_id IS NULL) <> (credit_note_id IS NULL))
);
CREATE INDEX allocations_invoice_idx ON allocations (invoice_id, applied_on) INCLUDE (amount_minor);
CREATE INDEX allocations_payment_idx ON allocations (payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX allocations_credit_note_idx ON allocations (credit_note_id) WHERE credit_note_id IS NOT NULL;

-- +goose Down
DROP TABLE allocations;
