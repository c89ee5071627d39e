-- +goose Up
-- A debtor may pay part of several invoices in one payment. requested_amounts_minor
-- runs parallel to requested_invoice_ids: the cash the payer put on each chosen
-- invoice, or 0 where the payer chose the invoice without an amount. An empty
-- array means no amounts were given, so the payment is allocated oldest first.
-- The ledger gives each invoice its amount first, in array order, when the
-- payment succeeds, because a pending payment must keep the payer's split.
ALTER TABLE payments
    ADD COLUMN requested_amounts_minor bigint[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT payments_requested_amounts_check CHECK (
        (cardinality(requested_amounts_minor) = 0
            OR cardinality(requested_amounts_minor) = cardinality(requested_invoice_ids))
        AND 0 <= ALL (requested_amounts_minor));

-- +goose Down
ALTER TABLE payments DROP COLUMN requested_amounts_minor;
