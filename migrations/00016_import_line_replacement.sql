-- +goose Up
-- A re-import that changes an invoice replaces its lines. A dispute that named
-- one of the old lines then stays on the invoice instead of blocking the import.
ALTER TABLE disputes DROP CONSTRAINT disputes_invoice_line_id_fkey,
    ADD CONSTRAINT disputes_invoice_line_id_fkey FOREIGN KEY (invoice_line_id)
        REFERENCES invoice_lines (id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE disputes DROP CONSTRAINT disputes_invoice_line_id_fkey,
    ADD CONSTRAINT disputes_invoice_line_id_fkey FOREIGN KEY (invoice_line_id)
        REFERENCES invoice_lines (id);
