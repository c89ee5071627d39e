-- +goose Up
-- What the cadence engine did. reminder_emails holds one row per customer and day,
-- and its unique key is what limits a customer to one reminder e-mail a day.
-- reminder_sends holds one row per (invoice, step) and is written in the same
-- transaction as the outbox e-mail, so its primary key is what sends each step at
-- most once across processes, retries and crashes.
CREATE TABLE reminder_emails (
    id          bigserial PRIMARY KEY,
    customer_id bigint      NOT NULL REFERENCES customers (id),
    sent_on     date        NOT NULL,
    step_id     bigint      NOT NULL REFERENCES reminder_steps (id), -- the step whose template was used
    variant     char(1)     NOT NULL DEFAULT 'A' CHECK (variant IN ('A', 'B')),
    contact_id  bigint      REFERENCES contacts (id),
    email_id    bigint      REFERENCES outbox_emails (id),
    actor       text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (customer_id, sent_on)
);

CREATE TABLE reminder_sends (
    invoice_id        bigint      NOT NULL REFERENCES invoices (id),
    step_id           bigint      NOT NULL REFERENCES reminder_steps (id),
    customer_id       bigint      NOT NULL REFERENCES customers (id),
    reminder_email_id bigint      REFERENCES reminder_emails (id), -- NULL for a step handled by a staff task
    sent_on           date        NOT NULL,
    variant           char(1)     NOT NULL DEFAULT 'A',
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (invoice_id, step_id)
);
CREATE INDEX reminder_sends_customer_idx ON reminder_sends (customer_id, sent_on);
CREATE INDEX reminder_sends_step_idx ON reminder_sends (step_id, variant, sent_on);

-- Reminders that were due but held back, with the reason. A reason is logged once
-- per (invoice, step) so a long dispute does not add a row every day.
CREATE TABLE reminder_skips (
    id          bigserial PRIMARY KEY,
    customer_id bigint      NOT NULL REFERENCES customers (id),
    invoice_id  bigint      NOT NULL REFERENCES invoices (id),
    step_id     bigint      NOT NULL REFERENCES reminder_steps (id),
    reason      text        NOT NULL,
    skipped_on  date        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (invoice_id, step_id, reason)
);
CREATE INDEX reminder_skips_customer_idx ON reminder_skips (customer_id, skipped_on);

-- +goose Down
DROP TABLE reminder_skips;
DROP TABLE reminder_sends;
DROP TABLE reminder_emails;
