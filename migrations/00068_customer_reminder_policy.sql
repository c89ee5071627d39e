-- +goose Up
-- The reminder policy in force for each customer. A segment that staff chose
-- for reminders (customers.reminder_segment other than 'standard') wins.
-- Otherwise the risk-by-value segment decides, with a staff override of it
-- first: high value gets the key-account policy, sent in the owner's name
-- because the owner knows the account; high risk otherwise gets the high-risk
-- policy; everyone else the standard one. A segment without a policy of its own
-- falls back to 'standard'.
CREATE VIEW customer_reminder_policies AS
SELECT c.id AS customer_id, coalesce(p.id, std.id) AS policy_id, coalesce(p.segment, 'standard') AS segment
FROM customers c
LEFT JOIN customer_segments s ON s.customer_id = c.id
CROSS JOIN LATERAL (
    SELECT coalesce(c.segment_override, s.risk_band || '-risk/' || s.value_tier || '-value', '') AS risk_value
) rv
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN c.reminder_segment <> 'standard' THEN c.reminder_segment
        WHEN split_part(rv.risk_value, '/', 2) = 'high-value' THEN 'key_account'
        WHEN split_part(rv.risk_value, '/', 1) = 'high-risk' THEN 'high_risk'
        ELSE 'standard'
    END AS wanted
) w
LEFT JOIN reminder_policies p ON p.segment = w.wanted
CROSS JOIN (SELECT id FROM reminder_policies WHERE segment = 'standard') std;

-- +goose Down
DROP VIEW customer_reminder_policies;
