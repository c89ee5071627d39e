-- +goose Up
-- A debtor's objection to an invoice or one of its lines. Open disputes pause
-- reminders for the invoice; staff resolve them (usually with a credit note) or
-- reject them in writing. source says where the dispute came from (portal,
-- backoffice, import); attachments and replies live in tables that reference this one.
CREATE TABLE disputes (
    id              bigserial PRIMARY KEY,
    customer_id     bigint      NOT NULL REFERENCES customers (id),
    invoice_id      bigint      NOT NULL REFERENCES invoices (id),
    invoice_line_id bigint      REFERENCES invoice_lines (id),
    external_id     text        UNIQUE,
    reason          text        NOT NULL,
    message         text        NOT NULL DEFAULT '',
    status          text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'rejected')),
    opened_at       timestamptz NOT NULL DEFAULT now(),
    resolved_at     timestamptz,
    source          text        NOT NULL,
    CHECK ((status = 'open') = (resolved_at IS NULL))
);
CREATE INDEX disputes_invoice_idx ON disputes (invoice_id);
CREATE INDEX disputes_customer_idx ON disputes (customer_id, opened_at);
CREATE INDEX disputes_open_idx ON disputes (invoice_id) WHERE status = 'open';

-- +goose Down
DROP TABLE disputes;
