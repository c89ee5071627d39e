-- +goose Up
-- Files a debtor attaches to a dispute (PDF, PNG or JPEG, checked by content) and
-- the written exchange between staff and debtor on it. Attachments are kept in
-- the database so every server process can serve them and backups include them.
CREATE TABLE dispute_attachments (
    id           bigserial PRIMARY KEY,
    dispute_id   bigint      NOT NULL REFERENCES disputes (id) ON DELETE CASCADE,
    filename     text        NOT NULL,
    content_type text        NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    size_bytes   int         NOT NULL CHECK (size_bytes > 0 AND size_bytes <= 10485760),
    sha256       bytea       NOT NULL,
    content      bytea       NOT NULL,
    uploaded_by  text        NOT NULL,
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dispute_attachments_dispute_idx ON dispute_attachments (dispute_id);

CREATE TABLE dispute_replies (
    id          bigserial PRIMARY KEY,
    dispute_id  bigint      NOT NULL REFERENCES disputes (id) ON DELETE CASCADE,
    author      text        NOT NULL, -- actor, as in "staff:ana@example.com" or "contact:ap@example.com"
    from_staff  boolean     NOT NULL,
    message     text        NOT NULL CHECK (message <> ''),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dispute_replies_dispute_idx ON dispute_replies (dispute_id, created_at);

-- +goose Down
DROP TABLE dispute_replies;
DROP TABLE dispute_attachments;
