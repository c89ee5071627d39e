-- +goose Up
-- The dashboard counts recent failed payments on every load; this partial index keeps
-- that count small and fast however many payments succeed.
CREATE INDEX payments_failed_recent_idx ON payments (status_changed_at) WHERE status = 'failed';

-- +goose Down
DROP INDEX payments_failed_recent_idx;
