-- +goose Up
-- Without statistics on the open range PostgreSQL guesses that 0.5% of invoices are
-- open on any date. On a ledger of 1,000,000 invoices with 106,000 open it then
-- combined the range index with the customer index for one customer's invoices
-- and read every open invoice's index entry. With these statistics (collected by
-- ANALYZE and autovacuum) it estimates 105,927 rows and uses the customer index
-- alone (checked with EXPLAIN on PostgreSQL 15).
CREATE STATISTICS invoices_open_range_stats ON (daterange(issue_date, settled_on, '[)')) FROM invoices;

-- +goose Down
DROP STATISTICS invoices_open_range_stats;
