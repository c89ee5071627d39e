-- +goose Up
-- Money received from a customer. external_id is the idempotency key (a Stripe
-- object id, a bank reference or an import key): the unique constraint makes a
-- retried delivery find the first payment instead of recording a second one.
-- requested_invoice_ids are the invoices the payer chose; the ledger allocates to
-- them, oldest first, once the payment succeeds.
CREATE TABLE payments (
    id                    bigserial PRIMARY KEY,
    customer_id           bigint      NOT NULL REFERENCES customers (id),
    external_id           text        NOT NULL UNIQUE,
    method                text        NOT NULL CHECK (method IN ('card', 'ach', 'wire', 'check', 'cash', 'other')),
    status                text        NOT NULL CHECK (status IN ('pending', 'processing', 'succeeded', 'failed', 'refunded', 'disputed')),
    currency              char(3)     NOT NULL,
    amount_minor          bigint      NOT NULL CHECK (amount_minor > 0),
    received_on           date        NOT NULL,
    reference             text        NOT NULL DEFAULT '',
    requested_invoice_ids bigint[]    NOT NULL DEFAULT '{}',
    source                text        NOT NULL,
    status_changed_at     timestamptz NOT NULL DEFAULT now(),
    status_changed_on     date        NOT NULL, -- the day the status took effect, in the seller's zone
    created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_customer_idx ON payments (customer_id, received_on);

-- A payment's status only moves forward: pending -> processing -> succeeded | failed,
-- and succeeded -> refunded | disputed. The trigger makes that a database rule.
-- +goose StatementBegin
CREATE FUNCTION payments_status_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    IF (OLD.status = 'pending' AND NEW.status IN ('processing', 'succeeded', 'failed'))
        OR (OLD.status = 'processing' AND NEW.status IN ('succeeded', 'failed'))
        OR (OLD.status = 'succeeded' AND NEW.status IN ('refunded', 'disputed')) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'payment % cannot move from % to %', OLD.id, OLD.status, NEW.status
        USING ERRCODE = 'check_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER payments_status_forward BEFORE UPDATE OF status ON payments
    FOR EACH ROW EXECUTE FUNCTION payments_status_forward();

-- +goose Down
DROP TABLE payments;
DROP FUNCTION payments_status_forward();
