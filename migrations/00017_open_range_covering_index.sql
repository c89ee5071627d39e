-- +goose Up
-- The aging report and the KPIs sum every invoice open on a date. With the columns
-- they read stored in the range index, PostgreSQL answers them with an
-- index-only scan instead of visiting one table page per open invoice: on a
-- ledger of 1,000,000 invoices with 110,000 open on the date, 3,400 pages instead
-- of 23,000 (measured with EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL 15).
DROP INDEX invoices_open_range_idx;
CREATE INDEX invoices_open_range_idx ON invoices
    USING gist (daterange(issue_date, settled_on, '[)'))
    INCLUDE (id, customer_id, issue_date, settled_on, due_date, currency, total_minor, reduced_from)
    WHERE voided_at IS NULL;

-- +goose Down
DROP INDEX invoices_open_range_idx;
CREATE INDEX invoices_open_range_idx ON invoices
    USING gist (daterange(issue_date, settled_on, '[)')) WHERE voided_at IS NULL;
