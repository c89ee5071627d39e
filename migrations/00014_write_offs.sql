-- +goose Up
-- A write-off closes an amount that will not be collected, with the reason and who
-- decided it. It reduces the invoice balance from written_off_on onwards.
CREATE TABLE write_offs (
    id             bigserial PRIMARY KEY,
    invoice_id     bigint      NOT NULL REFERENCES invoices (id),
    amount_minor   bigint      NOT NULL CHECK (amount_minor > 0),
    written_off_on date        NOT NULL,
    reason         text        NOT NULL CHECK (reason <> ''),
    actor          text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX write_offs_invoice_idx ON write_offs (invoice_id, written_off_on) INCLUDE (amount_minor);

-- +goose Down
DROP TABLE write_offs;
