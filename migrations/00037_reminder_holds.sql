-- +goose Up
-- Why reminders for an invoice are paused, one row per reason, for the reminder
-- cadence to read: an open dispute or an approved plan pauses without end; an
-- open promise pauses until its date plus the portal's promise grace days
-- (held_until, inclusive). A reminder job skips an invoice with a row whose
-- held_until is NULL or on or after today.
CREATE VIEW invoice_reminder_holds AS
    SELECT invoice_id, 'disputed' AS reason, NULL::date AS held_until
        FROM disputes WHERE status = 'open'
    UNION ALL
    SELECT pi.invoice_id, 'plan', NULL::date
        FROM installment_plan_invoices pi JOIN installment_plans p ON p.id = pi.plan_id
        WHERE p.status = 'approved'
    UNION ALL
    SELECT pr.invoice_id, 'promised', pr.promised_on + s.promise_grace_days
        FROM promises pr CROSS JOIN portal_settings s
        WHERE pr.status = 'open';

-- +goose Down
DROP VIEW invoice_reminder_holds;
