-- +goose Up
-- One row per day whose collections run (late fees, credit holds, installment
-- notices and the reminder cadence) finished. A server that starts after the
-- day's reminder hour looks here to tell a missed run from one that happened,
-- and queues the missed run at once instead of waiting for the next day.
CREATE TABLE reminder_runs (
    as_of       date        PRIMARY KEY,
    finished_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE reminder_runs;
