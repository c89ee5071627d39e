-- +goose Up
-- Every staff action, with or without a customer, for the admin audit view. Like the
-- timeline it is evidence, so a trigger forbids updates and deletes.
CREATE TABLE staff_audit (
    id          bigserial PRIMARY KEY,
    staff_id    bigint      REFERENCES staff_users (id),
    actor       text        NOT NULL,
    action      text        NOT NULL,
    customer_id bigint      REFERENCES customers (id),
    summary     text        NOT NULL,
    details     jsonb       NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX staff_audit_occurred_idx ON staff_audit (occurred_at DESC, id DESC);
CREATE INDEX staff_audit_staff_idx ON staff_audit (staff_id, occurred_at DESC);

-- +goose StatementBegin
CREATE FUNCTION staff_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'staff_audit is append-only: % is not allowed', TG_OP;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER staff_audit_no_update BEFORE UPDATE OR DELETE ON staff_audit
    FOR EACH ROW EXECUTE FUNCTION staff_audit_append_only();
CREATE TRIGGER staff_audit_no_truncate BEFORE TRUNCATE ON staff_audit
    FOR EACH STATEMENT EXECUTE FUNCTION staff_audit_append_only();

-- +goose Down
DROP TABLE staff_audit;
DROP FUNCTION staff_audit_append_only();
