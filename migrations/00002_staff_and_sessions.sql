-- +goose Up
-- Back-office accounts. Passwords are bcrypt hashes; failed logins are counted for the lockout.
CREATE TABLE staff_users (
    id              bigserial PRIMARY KEY,
    email           text        NOT NULL,
    name            text        NOT NULL DEFAULT '',
    role            text        NOT NULL CHECK (role IN ('admin', 'collector', 'viewer')),
    password_hash   text        NOT NULL,
    totp_secret     text,
    active          boolean     NOT NULL DEFAULT true,
    failed_logins   int         NOT NULL DEFAULT 0,
    first_failed_at timestamptz,
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX staff_users_email_key ON staff_users (lower(email));

-- Server-side sessions for both surfaces. The cookie carries a random id; only its
-- SHA-256 is stored, so a database leak does not hand out live sessions.
CREATE TABLE web_sessions (
    id_hash      bytea       PRIMARY KEY,
    surface      text        NOT NULL CHECK (surface IN ('portal', 'backoffice')),
    staff_id     bigint      REFERENCES staff_users (id) ON DELETE CASCADE,
    contact_email text,
    data         bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX web_sessions_expires_at_idx ON web_sessions (expires_at);
CREATE INDEX web_sessions_staff_id_idx ON web_sessions (staff_id) WHERE staff_id IS NOT NULL;

-- +goose Down
DROP TABLE web_sessions;
DROP TABLE staff_users;
