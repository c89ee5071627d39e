-- +goose Up
-- Bulk writers such as the importer set open_minor and settled_on themselves. A
-- WHEN condition skips the trigger function for those rows, which saves a
-- PL/pgSQL call per invoice on imports of a million rows.
DROP TRIGGER invoices_initial_balance ON invoices;
CREATE TRIGGER invoices_initial_balance BEFORE INSERT ON invoices
    FOR EACH ROW WHEN (NEW.open_minor IS NULL OR (NEW.open_minor = 0 AND NEW.settled_on IS NULL))
    EXECUTE FUNCTION invoices_initial_balance();

-- +goose Down
DROP TRIGGER invoices_initial_balance ON invoices;
CREATE TRIGGER invoices_initial_balance BEFORE INSERT ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_initial_balance();
