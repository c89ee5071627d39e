-- +goose Up
-- A foreign key check runs a trigger per inserted row and takes a FOR KEY SHARE
-- lock on the referenced row, which writes to the invoice's heap page. The first
-- cadence run over a large book records a reminder for most open invoices, and
-- these checks made that insert the slowest part of the run (1.2 s per 4,000 rows
-- on the 2-core development machine). Invoices, customers and e-mail slots are
-- never deleted once a reminder refers to them, and steps with history are kept,
-- so the log rows keep valid ids without the constraints.
ALTER TABLE reminder_sends DROP CONSTRAINT reminder_sends_invoice_id_fkey;
ALTER TABLE reminder_sends DROP CONSTRAINT reminder_sends_customer_id_fkey;
ALTER TABLE reminder_sends DROP CONSTRAINT reminder_sends_step_id_fkey;
ALTER TABLE reminder_sends DROP CONSTRAINT reminder_sends_reminder_email_id_fkey;
ALTER TABLE reminder_skips DROP CONSTRAINT reminder_skips_invoice_id_fkey;
ALTER TABLE reminder_skips DROP CONSTRAINT reminder_skips_customer_id_fkey;

-- +goose Down
ALTER TABLE reminder_skips ADD CONSTRAINT reminder_skips_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id);
ALTER TABLE reminder_skips ADD CONSTRAINT reminder_skips_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES invoices (id);
ALTER TABLE reminder_sends ADD CONSTRAINT reminder_sends_reminder_email_id_fkey FOREIGN KEY (reminder_email_id) REFERENCES reminder_emails (id);
ALTER TABLE reminder_sends ADD CONSTRAINT reminder_sends_step_id_fkey FOREIGN KEY (step_id) REFERENCES reminder_steps (id);
ALTER TABLE reminder_sends ADD CONSTRAINT reminder_sends_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id);
ALTER TABLE reminder_sends ADD CONSTRAINT reminder_sends_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES invoices (id);
