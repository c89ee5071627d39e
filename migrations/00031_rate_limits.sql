-- +goose Up
-- Fixed-window request counters, such as sign-in link requests per address and per
-- IP. They live in PostgreSQL so every server process enforces the same limit.
CREATE TABLE rate_limit_counters (
    bucket       text        NOT NULL,
    window_start timestamptz NOT NULL,
    hits         int         NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limit_counters_window_idx ON rate_limit_counters (window_start);

-- +goose Down
DROP TABLE rate_limit_counters;
