-- +goose Up
-- Work items for staff: escalations, failed payments, amount mismatches and tasks
-- staff set for themselves. A task is done once; done_at records when.
CREATE TABLE staff_tasks (
    id          bigserial PRIMARY KEY,
    customer_id bigint      REFERENCES customers (id),
    invoice_id  bigint      REFERENCES invoices (id),
    kind        text        NOT NULL CHECK (kind IN ('escalation', 'failed_payment', 'amount_mismatch', 'plan_default', 'follow_up')),
    title       text        NOT NULL,
    owner_id    bigint      REFERENCES staff_users (id),
    due_date    date        NOT NULL,
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    done_at     timestamptz,
    done_by     text
);
CREATE INDEX staff_tasks_open_idx ON staff_tasks (due_date, id) WHERE done_at IS NULL;
CREATE INDEX staff_tasks_customer_idx ON staff_tasks (customer_id) WHERE customer_id IS NOT NULL;

-- +goose Down
DROP TABLE staff_tasks;
