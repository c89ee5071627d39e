-- +goose Up
-- A debtor's promise to pay part or all of one invoice by a date. An open promise
-- pauses reminders for its invoice until the date plus the grace days; kept and
-- broken promises feed the risk score. A newer promise on the same invoice
-- supersedes the open one, so each invoice has at most one open promise.
CREATE TABLE promises (
    id            bigserial PRIMARY KEY,
    customer_id   bigint      NOT NULL REFERENCES customers (id),
    invoice_id    bigint      NOT NULL REFERENCES invoices (id),
    amount_minor  bigint      NOT NULL CHECK (amount_minor > 0),
    currency      char(3)     NOT NULL,
    promised_on   date        NOT NULL,
    status        text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'kept', 'broken', 'superseded', 'cancelled')),
    source        text        NOT NULL,
    actor         text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz
);
CREATE UNIQUE INDEX promises_one_open_idx ON promises (invoice_id) WHERE status = 'open';
CREATE INDEX promises_customer_idx ON promises (customer_id, created_at DESC);
CREATE INDEX promises_open_due_idx ON promises (promised_on) WHERE status = 'open';

-- +goose Down
DROP TABLE promises;
