-- +goose Up
-- The seller's own settings. One row: a Ledgvero installation collects for one organization.
CREATE TABLE organization (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    name        text        NOT NULL,
    timezone    text        NOT NULL DEFAULT 'America/New_York',
    currency    char(3)     NOT NULL DEFAULT 'USD',
    address     text        NOT NULL DEFAULT '',
    remit_to    text        NOT NULL DEFAULT '',
    bank_details text       NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE organization;
