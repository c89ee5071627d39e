-- +goose Up
-- Per-customer reminder controls: the policy segment, a pause that holds until staff
-- resume it, and a snooze that ends by itself after a date.
ALTER TABLE customers
    ADD COLUMN reminder_segment        text NOT NULL DEFAULT 'standard' CHECK (reminder_segment ~ '^[a-z][a-z0-9_]*$'),
    ADD COLUMN reminders_paused_at     timestamptz,
    ADD COLUMN reminders_paused_by     text,
    ADD COLUMN reminders_paused_reason text NOT NULL DEFAULT '',
    ADD COLUMN reminders_snoozed_until date;

-- +goose Down
ALTER TABLE customers
    DROP COLUMN reminders_snoozed_until,
    DROP COLUMN reminders_paused_reason,
    DROP COLUMN reminders_paused_by,
    DROP COLUMN reminders_paused_at,
    DROP COLUMN reminder_segment;
