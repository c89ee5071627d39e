-- +goose Up
-- A late fee or interest charge is a receivable: each one is billed as an
-- invoice of its own, kind 'late_fee', linked to the invoice it was charged on.
-- The statement, the pay page, the aging and the reminders read open invoices,
-- so they include the fee without knowing about late_fees. A fee invoice is due
-- on the day it accrues and carries no discount and no late fee of its own.
ALTER TABLE invoices
    ADD COLUMN kind text NOT NULL DEFAULT 'standard' CHECK (kind IN ('standard', 'late_fee')),
    ADD COLUMN charged_on_invoice_id bigint REFERENCES invoices (id),
    ADD CONSTRAINT invoices_late_fee_parent_check CHECK ((kind = 'late_fee') = (charged_on_invoice_id IS NOT NULL));
CREATE INDEX invoices_charged_on_idx ON invoices (charged_on_invoice_id) WHERE charged_on_invoice_id IS NOT NULL;

-- The invoice that bills each fee; set in the transaction that accrues the fee.
ALTER TABLE late_fees ADD COLUMN fee_invoice_id bigint UNIQUE REFERENCES invoices (id);

-- Bill the fees accrued before this migration that are not waived, as the
-- accrual now does for new ones. The number is the charged invoice's number,
-- "-FEE-" and 1 for a flat fee or the interest period.
WITH f AS (
    SELECT lf.id, lf.invoice_id, lf.customer_id, lf.kind, lf.period, lf.currency, lf.amount_minor, lf.accrued_on,
        i.number || '-FEE-' || greatest(lf.period, 1) AS number
    FROM late_fees lf JOIN invoices i ON i.id = lf.invoice_id
    WHERE lf.waived_at IS NULL AND lf.fee_invoice_id IS NULL
), billed AS (
    INSERT INTO invoices (customer_id, number, issue_date, due_date, currency, subtotal_minor, total_minor,
        terms_net_days, source, kind, charged_on_invoice_id)
    SELECT customer_id, number, accrued_on, accrued_on, currency, amount_minor, amount_minor, 0, 'late_fee', 'late_fee', invoice_id
    FROM f
    RETURNING id, number, total_minor
), lines AS (
    INSERT INTO invoice_lines (invoice_id, position, description, quantity_milli, unit_price_minor, amount_minor)
    SELECT b.id, 1, CASE WHEN f.kind = 'flat' THEN 'Late fee' ELSE 'Interest for 30-day period ' || f.period END,
        1000, b.total_minor, b.total_minor
    FROM billed b JOIN f ON f.number = b.number
)
UPDATE late_fees lf SET fee_invoice_id = b.id FROM billed b JOIN f ON f.number = b.number WHERE lf.id = f.id;

-- +goose Down
-- Removing fee invoices fails once one has a payment or a timeline entry, which
-- is append-only: such a database cannot go below this version.
UPDATE late_fees SET fee_invoice_id = NULL;
ALTER TABLE late_fees DROP COLUMN fee_invoice_id;
DELETE FROM invoice_lines WHERE invoice_id IN (SELECT id FROM invoices WHERE kind = 'late_fee');
DELETE FROM invoices WHERE kind = 'late_fee';
DROP INDEX invoices_charged_on_idx;
ALTER TABLE invoices DROP CONSTRAINT invoices_late_fee_parent_check, DROP COLUMN charged_on_invoice_id, DROP COLUMN kind;
