package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
)

// BulkInserter inserts many River jobs at once inside a transaction.
// *river.Client[pgx.Tx] satisfies it, and in river v0.51 its InsertManyFastTx
// writes the jobs with one COPY.
type BulkInserter interface {
	InsertManyFastTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) (int, error)
}

// QueueMany queues msgs inside tx with the same effects as calling Queue for each:
// the stored messages, their attachments, one delivery job each and an
// "email.queued" timeline entry for each message with a customer. It writes the
// messages and the timeline entries with COPY, a fixed number of statements
// whatever the number of messages, and returns the message ids in the order of
// msgs. It inserts the delivery jobs in one batch when jobs is a BulkInserter,
// and one by one otherwise.
//
// An invalid message fails the call before anything is written. When a DedupeKey
// was queued before, QueueMany rolls back to a savepoint taken before its first
// write and returns an error wrapping ErrDuplicate, so tx stays usable and holds
// none of msgs.
func QueueMany(ctx context.Context, tx pgx.Tx, jobs Inserter, msgs []Message) ([]int64, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	n := len(msgs)
	for i := range msgs {
		m := &msgs[i]
		if err := m.validate(); err != nil {
			return nil, fmt.Errorf("queueing e-mail %d of %d to %s: %w", i+1, n, m.To, err)
		}
		if m.Actor == "" {
			m.Actor = "system:outbox"
		}
		if m.Source == "" {
			m.Source = "job"
		}
	}

	// The ids are drawn first so each inserted row is known by its position in msgs.
	var ids []int64
	err := tx.QueryRow(ctx, `
		SELECT array_agg(nextval(pg_get_serial_sequence('outbox_emails', 'id'))) FROM generate_series(1, $1::int)`, n).Scan(&ids)
	if err != nil {
		return nil, fmt.Errorf("allocating outbox e-mail ids: %w", err)
	}

	// COPY has no ON CONFLICT, so a duplicate dedupe key fails the whole COPY
	// and the savepoint takes the transaction back to before it.
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("taking savepoint before queueing e-mails: %w", err)
	}
	_, err = sp.CopyFrom(ctx, pgx.Identifier{"outbox_emails"},
		[]string{"id", "customer_id", "invoice_id", "kind", "to_addr", "from_addr", "subject", "body_text", "body_html", "secrets", "dedupe_key"},
		pgx.CopyFromSlice(n, func(i int) ([]any, error) {
			m := &msgs[i]
			secrets := m.Secrets
			if secrets == nil {
				secrets = []string{}
			}
			return []any{ids[i], nullID(m.CustomerID), m.InvoiceID, m.Kind, m.To, m.From, m.Subject, m.Text, m.HTML,
				secrets, nullString(m.DedupeKey)}, nil
		}))
	if err != nil {
		if rbErr := sp.Rollback(ctx); rbErr != nil {
			return nil, fmt.Errorf("inserting outbox e-mails: %w; rolling back to the savepoint: %w", err, rbErr)
		}
		if isDedupeConflict(err) {
			return nil, fmt.Errorf("one of %d e-mails: %w", n, ErrDuplicate)
		}
		return nil, fmt.Errorf("inserting outbox e-mails: %w", err)
	}
	if err := sp.Commit(ctx); err != nil {
		return nil, fmt.Errorf("releasing savepoint after queueing e-mails: %w", err)
	}

	if err := insertAttachments(ctx, tx, ids, msgs); err != nil {
		return nil, err
	}
	if err := insertDeliveryJobs(ctx, tx, jobs, ids); err != nil {
		return nil, err
	}
	if err := recordQueued(ctx, tx, ids, msgs); err != nil {
		return nil, err
	}
	return ids, nil
}

// isDedupeConflict reports whether err is a unique violation of the outbox's
// dedupe key, the only unique key that a fresh id cannot satisfy.
func isDedupeConflict(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "outbox_emails_dedupe_key_key"
}

func insertAttachments(ctx context.Context, tx pgx.Tx, ids []int64, msgs []Message) error {
	var emailIDs []int64
	var filenames, contentTypes []string
	var contents [][]byte
	for i, m := range msgs {
		for _, a := range m.Attachments {
			emailIDs, filenames = append(emailIDs, ids[i]), append(filenames, a.Filename)
			contentTypes, contents = append(contentTypes, a.ContentType), append(contents, a.Content)
		}
	}
	if len(emailIDs) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO outbox_attachments (email_id, filename, content_type, content)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bytea[])`,
		emailIDs, filenames, contentTypes, contents)
	if err != nil {
		return fmt.Errorf("inserting attachments: %w", err)
	}
	return nil
}

func insertDeliveryJobs(ctx context.Context, tx pgx.Tx, jobs Inserter, ids []int64) error {
	bulk, ok := jobs.(BulkInserter)
	if !ok {
		for _, id := range ids {
			if _, err := jobs.InsertTx(ctx, tx, DeliverArgs{EmailID: id}, nil); err != nil {
				return fmt.Errorf("inserting delivery job: %w", err)
			}
		}
		return nil
	}
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: DeliverArgs{EmailID: id}}
	}
	if _, err := bulk.InsertManyFastTx(ctx, tx, params); err != nil {
		return fmt.Errorf("inserting delivery jobs: %w", err)
	}
	return nil
}

// queuedDetails are the details of an "email.queued" timeline entry. A struct
// encodes faster than a map, and jsonb stores the keys in its own order anyway.
type queuedDetails struct {
	EmailID     int64  `json:"email_id"`
	Kind        string `json:"kind"`
	To          string `json:"to"`
	Subject     string `json:"subject"`
	Text        string `json:"text"`
	Attachments int    `json:"attachments"`
}

// recordQueued writes, with one COPY, the "email.queued" timeline entries that
// Queue writes one at a time.
func recordQueued(ctx context.Context, tx pgx.Tx, ids []int64, msgs []Message) error {
	var rows [][]any
	for i, m := range msgs {
		if m.CustomerID == 0 {
			continue
		}
		raw, err := json.Marshal(queuedDetails{
			EmailID: ids[i], Kind: m.Kind, To: m.To, Subject: m.Subject,
			Text: redact(m.Text, m.Secrets), Attachments: len(m.Attachments),
		})
		if err != nil {
			return fmt.Errorf("encoding timeline details: %w", err)
		}
		rows = append(rows, []any{m.CustomerID, m.InvoiceID, "email.queued", m.Actor, m.Source,
			fmt.Sprintf("E-mail %q queued for %s", m.Subject, m.To), raw})
	}
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"timeline_events"},
		[]string{"customer_id", "invoice_id", "kind", "actor", "source", "summary", "details"}, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("appending email.queued timeline events: %w", err)
	}
	return nil
}
