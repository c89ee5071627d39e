-- +goose Up
-- Late fees and interest charged under the terms copied onto each invoice. The
-- daily job adds one row per fee: the flat fee once (period 0), interest once per
-- completed 30-day period (period 1, 2, ...). The unique key makes a rerun or a
-- parallel run charge nothing twice. Staff waive a fee with a reason; the row
-- stays as evidence.
CREATE TABLE late_fees (
    id           bigserial PRIMARY KEY,
    invoice_id   bigint      NOT NULL REFERENCES invoices (id),
    customer_id  bigint      NOT NULL REFERENCES customers (id),
    kind         text        NOT NULL CHECK (kind IN ('flat', 'interest')),
    period       int         NOT NULL CHECK (period >= 0),
    currency     char(3)     NOT NULL,
    amount_minor bigint      NOT NULL CHECK (amount_minor > 0),
    basis_minor  bigint      NOT NULL, -- the overdue balance an interest charge was computed on
    accrued_on   date        NOT NULL,
    rule         text        NOT NULL, -- the rule in words, as the debtor is shown it
    waived_at    timestamptz,
    waived_by    text,
    waive_reason text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (invoice_id, kind, period),
    CHECK ((waived_at IS NULL) = (waived_by IS NULL))
);
CREATE INDEX late_fees_customer_idx ON late_fees (customer_id, accrued_on DESC);

-- The accrual job reads only overdue invoices whose terms carry a fee.
CREATE INDEX invoices_late_fee_idx ON invoices (due_date)
    WHERE late_fee_kind <> 'none' AND open_minor > 0 AND voided_at IS NULL;

-- +goose Down
DROP INDEX invoices_late_fee_idx;
DROP TABLE late_fees;
