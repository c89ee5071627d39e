-- +goose Up
-- Invoices issued on a schedule, such as a monthly support fee. Each issue date
-- is anchor_on plus seq periods, so monthly invoices keep the anchor's day of
-- month, clamped to the month's end. recurring_invoice_issues is keyed by
-- (template, issue date) and written in the invoice's transaction, so each
-- period is invoiced once whatever the number of processes.
CREATE TABLE recurring_invoices (
    id            bigserial PRIMARY KEY,
    customer_id   bigint      NOT NULL REFERENCES customers (id),
    name          text        NOT NULL CHECK (name <> ''),
    frequency     text        NOT NULL CHECK (frequency IN ('weekly', 'monthly', 'quarterly', 'yearly')),
    anchor_on     date        NOT NULL,
    issued_count  int         NOT NULL DEFAULT 0 CHECK (issued_count >= 0),
    next_issue_on date        NOT NULL,
    ends_on       date,
    number_prefix text        NOT NULL CHECK (number_prefix ~ '^[A-Za-z0-9-]+$'),
    currency      char(3)     NOT NULL,
    lines         jsonb       NOT NULL,
    tax_minor     bigint      NOT NULL DEFAULT 0 CHECK (tax_minor >= 0),
    active        boolean     NOT NULL DEFAULT true,
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recurring_invoices_due_idx ON recurring_invoices (next_issue_on) WHERE active;
CREATE INDEX recurring_invoices_customer_idx ON recurring_invoices (customer_id);

CREATE TABLE recurring_invoice_issues (
    recurring_id bigint NOT NULL REFERENCES recurring_invoices (id),
    issue_on     date   NOT NULL,
    invoice_id   bigint NOT NULL REFERENCES invoices (id),
    PRIMARY KEY (recurring_id, issue_on)
);

-- +goose Down
DROP TABLE recurring_invoice_issues;
DROP TABLE recurring_invoices;
