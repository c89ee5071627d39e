-- +goose Up
-- The customer list searches names and external ids by substring ("acme" finds
-- "The Acme Group"). A trigram index keeps that fast on tens of thousands of
-- customers. pg_trgm ships with PostgreSQL; creating it needs the CREATE privilege
-- on the database (or superuser before PostgreSQL 13).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX customers_name_trgm_idx ON customers USING gin (lower(name) gin_trgm_ops);
CREATE INDEX customers_external_id_trgm_idx ON customers USING gin (lower(external_id) gin_trgm_ops);

-- +goose Down
DROP INDEX customers_external_id_trgm_idx;
DROP INDEX customers_name_trgm_idx;
