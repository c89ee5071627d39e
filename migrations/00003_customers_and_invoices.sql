-- +goose Up
-- Customers and their contacts. Terms on the customer are the policy in force; each
-- invoice copies them when it is issued so that later edits never change issued invoices.
CREATE TABLE customers (
    id                     bigserial PRIMARY KEY,
    external_id            text UNIQUE,
    name                   text        NOT NULL,
    currency               char(3)     NOT NULL,
    terms_net_days         int         NOT NULL DEFAULT 30 CHECK (terms_net_days >= 0),
    discount_rate_bp       int         NOT NULL DEFAULT 0 CHECK (discount_rate_bp BETWEEN 0 AND 10000),
    discount_days          int         NOT NULL DEFAULT 0 CHECK (discount_days >= 0),
    credit_limit_minor     bigint      CHECK (credit_limit_minor >= 0),
    late_fee_kind          text        NOT NULL DEFAULT 'none' CHECK (late_fee_kind IN ('none', 'flat', 'interest')),
    late_fee_flat_minor    bigint      NOT NULL DEFAULT 0 CHECK (late_fee_flat_minor >= 0),
    late_fee_rate_bp       int         NOT NULL DEFAULT 0 CHECK (late_fee_rate_bp >= 0),
    late_fee_grace_days    int         NOT NULL DEFAULT 0 CHECK (late_fee_grace_days >= 0),
    credit_hold            boolean     NOT NULL DEFAULT false,
    owner_id               bigint      REFERENCES staff_users (id),
    tags                   text[]      NOT NULL DEFAULT '{}',
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_name_idx ON customers (lower(name));

CREATE TABLE contacts (
    id                 bigserial PRIMARY KEY,
    customer_id        bigint      NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name               text        NOT NULL DEFAULT '',
    email              text        NOT NULL,
    roles              text[]      NOT NULL DEFAULT '{billing}',
    receives_reminders boolean     NOT NULL DEFAULT true,
    opted_out_at       timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX contacts_customer_email_key ON contacts (customer_id, lower(email));
CREATE INDEX contacts_email_idx ON contacts (lower(email));

-- Invoices carry a snapshot of the terms in force when issued.
CREATE TABLE invoices (
    id                  bigserial PRIMARY KEY,
    customer_id         bigint      NOT NULL REFERENCES customers (id),
    number              text        NOT NULL UNIQUE,
    external_id         text UNIQUE,
    po_number           text        NOT NULL DEFAULT '',
    issue_date          date        NOT NULL,
    due_date            date        NOT NULL CHECK (due_date >= issue_date),
    currency            char(3)     NOT NULL,
    subtotal_minor      bigint      NOT NULL CHECK (subtotal_minor >= 0),
    tax_minor           bigint      NOT NULL DEFAULT 0 CHECK (tax_minor >= 0),
    total_minor         bigint      NOT NULL CHECK (total_minor >= 0),
    terms_net_days      int         NOT NULL,
    discount_rate_bp    int         NOT NULL DEFAULT 0,
    discount_until      date,
    late_fee_kind       text        NOT NULL DEFAULT 'none',
    late_fee_flat_minor bigint      NOT NULL DEFAULT 0,
    late_fee_rate_bp    int         NOT NULL DEFAULT 0,
    late_fee_grace_days int         NOT NULL DEFAULT 0,
    voided_at           timestamptz,
    source              text        NOT NULL DEFAULT 'manual',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoices_customer_due_idx ON invoices (customer_id, due_date);

CREATE TABLE invoice_lines (
    id               bigserial PRIMARY KEY,
    invoice_id       bigint  NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    position         int     NOT NULL,
    description      text    NOT NULL,
    quantity_milli   bigint  NOT NULL CHECK (quantity_milli > 0),
    unit_price_minor bigint  NOT NULL,
    amount_minor     bigint  NOT NULL,
    UNIQUE (invoice_id, position)
);

-- +goose Down
DROP TABLE invoice_lines;
DROP TABLE invoices;
DROP TABLE contacts;
DROP TABLE customers;
