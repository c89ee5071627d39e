-- +goose Up
-- An attempt's status only moves forward: pending -> processing -> succeeded |
-- failed, and succeeded -> refunded | disputed. The code already skips a late
-- event that would move it back; the trigger makes it a rule of the database.
-- +goose StatementBegin
CREATE FUNCTION payment_attempts_status_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    IF (OLD.status = 'pending' AND NEW.status IN ('processing', 'succeeded', 'failed'))
        OR (OLD.status = 'processing' AND NEW.status IN ('succeeded', 'failed'))
        OR (OLD.status = 'succeeded' AND NEW.status IN ('refunded', 'disputed')) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'payment attempt % cannot move from % to %', OLD.id, OLD.status, NEW.status
        USING ERRCODE = 'check_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER payment_attempts_status_forward BEFORE UPDATE OF status ON payment_attempts
    FOR EACH ROW EXECUTE FUNCTION payment_attempts_status_forward();

-- +goose Down
DROP TRIGGER payment_attempts_status_forward ON payment_attempts;
DROP FUNCTION payment_attempts_status_forward();
