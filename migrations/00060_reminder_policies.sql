-- +goose Up
-- Reminder policies: one per segment, each a list of steps relative to the due date.
-- Staff edit them in settings; the cadence engine reads them on every run, so an
-- edit applies from the next run on. Customers pick a policy through
-- reminder_segment; a segment without a policy of its own uses 'standard'.
CREATE TABLE reminder_policies (
    id         bigserial PRIMARY KEY,
    segment    text        NOT NULL UNIQUE CHECK (segment ~ '^[a-z][a-z0-9_]*$'),
    name       text        NOT NULL,
    -- 'owner' sends in the name of the customer's account owner, as for key accounts.
    sender     text        NOT NULL DEFAULT 'organization' CHECK (sender IN ('organization', 'owner')),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A step fires when the as-of date reaches due_date + offset_days. template_b is an
-- optional second wording for an A/B comparison. The action flags say what else the
-- step does: open a staff task, put the customer on credit hold, apply a late fee.
CREATE TABLE reminder_steps (
    id          bigserial PRIMARY KEY,
    policy_id   bigint NOT NULL REFERENCES reminder_policies (id) ON DELETE CASCADE,
    offset_days int    NOT NULL CHECK (offset_days BETWEEN -60 AND 365),
    tone        text   NOT NULL CHECK (tone IN ('courtesy', 'friendly', 'firm', 'final')),
    channel     text   NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'task')),
    template    text   NOT NULL,
    template_b  text,
    create_task boolean NOT NULL DEFAULT false,
    credit_hold boolean NOT NULL DEFAULT false,
    late_fee    boolean NOT NULL DEFAULT false,
    UNIQUE (policy_id, offset_days)
);

INSERT INTO reminder_policies (segment, name, sender) VALUES
    ('standard', 'Standard', 'organization'),
    ('key_account', 'Key accounts: gentler, from the account owner', 'owner'),
    ('high_risk', 'High risk: earlier and firmer', 'organization');

INSERT INTO reminder_steps (policy_id, offset_days, tone, channel, template, create_task, credit_hold)
SELECT p.id, s.offset_days, s.tone, 'email', s.tone, s.create_task, s.credit_hold
FROM reminder_policies p
JOIN (VALUES
    ('standard', -3, 'courtesy', false, false),
    ('standard', 3, 'friendly', false, false),
    ('standard', 10, 'firm', false, false),
    ('standard', 30, 'final', true, false),
    ('key_account', -5, 'courtesy', false, false),
    ('key_account', 7, 'friendly', false, false),
    ('key_account', 21, 'firm', false, false),
    ('key_account', 45, 'final', true, false),
    ('high_risk', -7, 'courtesy', false, false),
    ('high_risk', 1, 'friendly', false, false),
    ('high_risk', 5, 'firm', false, false),
    ('high_risk', 15, 'final', true, true)
) AS s (segment, offset_days, tone, create_task, credit_hold) ON s.segment = p.segment;

-- Edited wording of a reminder template. The defaults ship in the binary
-- (templates/email); a row here replaces one of them by name.
CREATE TABLE reminder_templates (
    name       text        PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    subject    text        NOT NULL,
    body_text  text        NOT NULL,
    body_html  text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE reminder_templates;
DROP TABLE reminder_steps;
DROP TABLE reminder_policies;
