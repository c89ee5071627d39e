-- +goose Up
-- Balances as of any date. Each invoice keeps three values that the ledger code
-- maintains in the same transaction as every allocation and write-off:
--   open_minor    the open balance now,
--   reduced_from  the first date a payment, credit or write-off applied to it,
--   settled_on    the last date its balance reached zero (NULL while open).
-- So on a date D an invoice has a non-zero balance only if issue_date <= D < settled_on
-- (a GiST range index finds those rows), and its balance is the full total unless
-- reduced_from <= D, which is the only case that needs to read allocations.
ALTER TABLE invoices
    ADD COLUMN open_minor   bigint,
    ADD COLUMN reduced_from date,
    ADD COLUMN settled_on   date;
UPDATE invoices SET open_minor = total_minor;
ALTER TABLE invoices ALTER COLUMN open_minor SET NOT NULL;

-- A new invoice is open for its total; one of zero is settled on its issue date.
-- The trigger keeps every insert path right without knowing about the ledger.
-- +goose StatementBegin
CREATE FUNCTION invoices_initial_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.open_minor IS NULL THEN
        NEW.open_minor := NEW.total_minor;
    END IF;
    IF NEW.open_minor = 0 AND NEW.settled_on IS NULL THEN
        NEW.settled_on := NEW.issue_date;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER invoices_initial_balance BEFORE INSERT ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_initial_balance();

CREATE INDEX invoices_open_range_idx ON invoices
    USING gist (daterange(issue_date, settled_on, '[)')) WHERE voided_at IS NULL;
CREATE INDEX invoices_issue_date_idx ON invoices (issue_date) WHERE voided_at IS NULL;
CREATE INDEX invoices_settled_on_idx ON invoices (settled_on) WHERE voided_at IS NULL;
CREATE INDEX invoices_open_now_idx ON invoices (customer_id, due_date) WHERE open_minor <> 0 AND voided_at IS NULL;

-- +goose Down
DROP INDEX invoices_open_now_idx;
DROP INDEX invoices_settled_on_idx;
DROP INDEX invoices_issue_date_idx;
DROP INDEX invoices_open_range_idx;
DROP TRIGGER invoices_initial_balance ON invoices;
DROP FUNCTION invoices_initial_balance();
ALTER TABLE invoices DROP COLUMN settled_on, DROP COLUMN reduced_from, DROP COLUMN open_minor;
