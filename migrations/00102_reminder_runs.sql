-- +goose Up
-- One row per day whose collections run (late fees, credit holds, installment
-- notices and the reminder cadence) finished. A server that starts after the
-- day's reminder hour looks here to tell a missed run from one that happened,
-- and queues the missed run at once instead of waiting for the next day.
CREATE TABLE reminder_runs (
    as_of       date        PRIMARY KEY,
    finished_at timestamptz NOT NULL
);

-- The latest day that sent reminders before this table existed counts as a
-- run, so an existing install catches up on the first day it misses.
INSERT INTO reminder_runs (as_of, finished_at)
SELECT sent_on, max(created_at) FROM reminder_emails
WHERE sent_on = (SELECT max(sent_on) FROM reminder_emails)
GROUP BY sent_on;

-- +goose Down
DROP TABLE reminder_runs;
