-- +goose Up
-- Installment plans proposed by debtors. A plan covers whole invoices; its
-- installments are fixed when it is proposed, so what the debtor saw before
-- submitting is what staff approve. An approved plan pauses reminders for its
-- invoices; a pending one waits in the staff queue.
CREATE TABLE installment_plans (
    id                 bigserial PRIMARY KEY,
    customer_id        bigint      NOT NULL REFERENCES customers (id),
    currency           char(3)     NOT NULL,
    total_minor        bigint      NOT NULL CHECK (total_minor > 0),
    down_payment_minor bigint      NOT NULL DEFAULT 0 CHECK (down_payment_minor >= 0 AND down_payment_minor < total_minor),
    installment_count  int         NOT NULL CHECK (installment_count > 0),
    frequency          text        NOT NULL CHECK (frequency IN ('weekly', 'biweekly', 'monthly')),
    first_due_on       date        NOT NULL,
    status             text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'completed', 'defaulted', 'cancelled')),
    auto_approved      boolean     NOT NULL DEFAULT false,
    autopay            boolean     NOT NULL DEFAULT false, -- the debtor asked to be charged on each due date
    proposed_by        text        NOT NULL,
    proposed_at        timestamptz NOT NULL DEFAULT now(),
    decided_by         text,
    decided_at         timestamptz,
    decision_note      text        NOT NULL DEFAULT ''
);
CREATE INDEX installment_plans_customer_idx ON installment_plans (customer_id, proposed_at DESC);
CREATE INDEX installment_plans_pending_idx ON installment_plans (proposed_at) WHERE status = 'pending';

CREATE TABLE installment_plan_invoices (
    plan_id      bigint NOT NULL REFERENCES installment_plans (id) ON DELETE CASCADE,
    invoice_id   bigint NOT NULL REFERENCES invoices (id),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0), -- the open balance when proposed
    PRIMARY KEY (plan_id, invoice_id)
);
CREATE INDEX installment_plan_invoices_invoice_idx ON installment_plan_invoices (invoice_id);

-- seq 0 is the down payment, due on the day of the proposal.
CREATE TABLE installments (
    id           bigserial PRIMARY KEY,
    plan_id      bigint  NOT NULL REFERENCES installment_plans (id) ON DELETE CASCADE,
    seq          int     NOT NULL CHECK (seq >= 0),
    due_on       date    NOT NULL,
    amount_minor bigint  NOT NULL CHECK (amount_minor > 0),
    paid_minor   bigint  NOT NULL DEFAULT 0 CHECK (paid_minor >= 0),
    UNIQUE (plan_id, seq)
);
CREATE INDEX installments_due_idx ON installments (due_on) WHERE paid_minor = 0;

-- +goose Down
DROP TABLE installments;
DROP TABLE installment_plan_invoices;
DROP TABLE installment_plans;
