-- +goose Up
-- The 30-second step of the last authenticator code accepted at sign-in. A code
-- is valid for its whole step and one step either side, so without this an
-- observed code could sign in again until it expired.
ALTER TABLE staff_users ADD COLUMN totp_last_step bigint;

-- +goose Down
ALTER TABLE staff_users DROP COLUMN totp_last_step;
