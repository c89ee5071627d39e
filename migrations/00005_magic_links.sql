-- +goose Up
-- Portal login links. Only the SHA-256 of the token is stored; a link is spent by
-- setting used_at, which happens once because the update checks used_at IS NULL.
CREATE TABLE magic_links (
    id           bigserial PRIMARY KEY,
    token_hash   bytea       NOT NULL UNIQUE,
    contact_email text       NOT NULL,
    purpose      text        NOT NULL CHECK (purpose IN ('email', 'self_request', 'support')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    used_ip      text
);
CREATE INDEX magic_links_email_idx ON magic_links (lower(contact_email), created_at DESC);

-- +goose Down
DROP TABLE magic_links;
