-- +goose Up
-- E-mails about installments of approved plans: a reminder a few days before each
-- due date and a notice the day after a missed one. The unique key, written in the
-- same transaction as the outbox e-mail, sends each notice once.
CREATE TABLE installment_notices (
    installment_id bigint      NOT NULL REFERENCES installments (id) ON DELETE CASCADE,
    kind           text        NOT NULL CHECK (kind IN ('upcoming', 'missed')),
    email_id       bigint      REFERENCES outbox_emails (id),
    sent_on        date        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installment_id, kind)
);

-- +goose Down
DROP TABLE installment_notices;
