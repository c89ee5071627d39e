-- +goose Up
-- Transactional outbox for e-mail. A business write inserts its message here and a
-- River job in the same transaction, so a rolled-back write sends nothing and a
-- committed one is delivered even when the mail server is down at the time.
CREATE TABLE outbox_emails (
    id           bigserial PRIMARY KEY,
    customer_id  bigint      REFERENCES customers (id),
    invoice_id   bigint      REFERENCES invoices (id),
    kind         text        NOT NULL,
    to_addr      text        NOT NULL,
    from_addr    text        NOT NULL DEFAULT '',
    subject      text        NOT NULL,
    body_text    text        NOT NULL,
    body_html    text        NOT NULL DEFAULT '',
    -- Substrings such as sign-in tokens that must not outlive delivery: they are
    -- kept out of the timeline and scrubbed from the bodies once the message is sent.
    secrets      text[]      NOT NULL DEFAULT '{}',
    dedupe_key   text        UNIQUE,
    status       text        NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts     int         NOT NULL DEFAULT 0,
    last_error   text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz
);
CREATE INDEX outbox_emails_customer_idx ON outbox_emails (customer_id, created_at DESC) WHERE customer_id IS NOT NULL;
CREATE INDEX outbox_emails_pending_idx ON outbox_emails (created_at) WHERE status <> 'sent';
CREATE INDEX outbox_emails_to_idx ON outbox_emails (lower(to_addr), created_at DESC);

-- Attachments live in their own rows so listing the outbox never reads file bytes.
CREATE TABLE outbox_attachments (
    id           bigserial PRIMARY KEY,
    email_id     bigint NOT NULL REFERENCES outbox_emails (id) ON DELETE CASCADE,
    filename     text   NOT NULL,
    content_type text   NOT NULL,
    content      bytea  NOT NULL
);
CREATE INDEX outbox_attachments_email_idx ON outbox_attachments (email_id);

-- +goose Down
DROP TABLE outbox_attachments;
DROP TABLE outbox_emails;
