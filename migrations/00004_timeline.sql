-- +goose Up
-- The customer's timeline is evidence: rows are only ever inserted. The trigger makes
-- that a rule of the database rather than a habit of the code.
CREATE TABLE timeline_events (
    id          bigserial PRIMARY KEY,
    customer_id bigint      NOT NULL REFERENCES customers (id),
    invoice_id  bigint      REFERENCES invoices (id),
    kind        text        NOT NULL,
    actor       text        NOT NULL,
    source      text        NOT NULL,
    summary     text        NOT NULL,
    details     jsonb       NOT NULL DEFAULT '{}',
    visible_to_debtor boolean NOT NULL DEFAULT false,
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX timeline_events_customer_idx ON timeline_events (customer_id, occurred_at DESC, id DESC);
CREATE INDEX timeline_events_invoice_idx ON timeline_events (invoice_id) WHERE invoice_id IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION timeline_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'timeline_events is append-only: % is not allowed', TG_OP;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER timeline_events_no_update BEFORE UPDATE OR DELETE ON timeline_events
    FOR EACH ROW EXECUTE FUNCTION timeline_events_append_only();
CREATE TRIGGER timeline_events_no_truncate BEFORE TRUNCATE ON timeline_events
    FOR EACH STATEMENT EXECUTE FUNCTION timeline_events_append_only();

-- +goose Down
DROP TABLE timeline_events;
DROP FUNCTION timeline_events_append_only();
