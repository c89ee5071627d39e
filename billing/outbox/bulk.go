package outbox

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
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
// "email.queued" timeline entry for each message with a customer. It writes them
// with a fixed number of statements, whatever the number of messages, and returns
// the message ids in the order of msgs. It inserts the delivery jobs in one
// batch when jobs is a BulkInserter, and one by one otherwise.
//
// An invalid message fails the call before anything is written. When a DedupeKey
// was queued before, QueueMany removes what it inserted and returns an error
// wrapping ErrDuplicate, so tx stays usable and holds none of msgs.
func QueueMany(ctx context.Context, tx pgx.Tx, jobs Inserter, msgs []Message) ([]int64, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	n := len(msgs)
	var customerIDs, invoiceIDs []*int64
	var kinds, tos, froms, subjects, texts, htmls, secrets, dedupeKeys []*string
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
		// A text[] per message goes through as its JSON form, because pgx
		// cannot encode an array of arrays with rows of different lengths.
		list := m.Secrets
		if list == nil {
			list = []string{}
		}
		raw, err := json.Marshal(list)
		if err != nil {
			return nil, fmt.Errorf("encoding secrets: %w", err)
		}
		encoded := string(raw)
		customerIDs, invoiceIDs = append(customerIDs, nullID(m.CustomerID)), append(invoiceIDs, m.InvoiceID)
		kinds, tos, froms = append(kinds, &m.Kind), append(tos, &m.To), append(froms, &m.From)
		subjects, texts, htmls = append(subjects, &m.Subject), append(texts, &m.Text), append(htmls, &m.HTML)
		secrets, dedupeKeys = append(secrets, &encoded), append(dedupeKeys, nullString(m.DedupeKey))
	}

	// The ids are drawn first so each inserted row is known by its position in msgs.
	var ids []int64
	err := tx.QueryRow(ctx, `
		SELECT array_agg(nextval(pg_get_serial_sequence('outbox_emails', 'id'))) FROM generate_series(1, $1::int)`, n).Scan(&ids)
	if err != nil {
		return nil, fmt.Errorf("allocating outbox e-mail ids: %w", err)
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO outbox_emails (id, customer_id, invoice_id, kind, to_addr, from_addr, subject, body_text, body_html, secrets, dedupe_key)
		SELECT k.id, k.customer_id, k.invoice_id, k.kind, k.to_addr, k.from_addr, k.subject, k.body_text, k.body_html,
			ARRAY(SELECT jsonb_array_elements_text(k.secrets::jsonb)), k.dedupe_key
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
			$9::text[], $10::text[], $11::text[])
			AS k (id, customer_id, invoice_id, kind, to_addr, from_addr, subject, body_text, body_html, secrets, dedupe_key)
		ON CONFLICT (dedupe_key) DO NOTHING
		RETURNING id`,
		ids, customerIDs, invoiceIDs, kinds, tos, froms, subjects, texts, htmls, secrets, dedupeKeys)
	if err != nil {
		return nil, fmt.Errorf("inserting outbox e-mails: %w", err)
	}
	inserted, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("inserting outbox e-mails: %w", err)
	}
	if len(inserted) < n {
		if _, err := tx.Exec(ctx, `DELETE FROM outbox_emails WHERE id = ANY ($1)`, inserted); err != nil {
			return nil, fmt.Errorf("removing e-mails queued with a duplicate: %w", err)
		}
		return nil, fmt.Errorf("%d of %d e-mails: %w", n-len(inserted), n, ErrDuplicate)
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

// recordQueued writes the "email.queued" timeline entries that Queue writes one
// at a time.
func recordQueued(ctx context.Context, tx pgx.Tx, ids []int64, msgs []Message) error {
	var customerIDs []int64
	var invoiceIDs []*int64
	var actors, sources, summaries, details []string
	for i, m := range msgs {
		if m.CustomerID == 0 {
			continue
		}
		raw, err := json.Marshal(map[string]any{
			"email_id": ids[i], "kind": m.Kind, "to": m.To, "subject": m.Subject,
			"text": redact(m.Text, m.Secrets), "attachments": len(m.Attachments),
		})
		if err != nil {
			return fmt.Errorf("encoding timeline details: %w", err)
		}
		customerIDs, invoiceIDs = append(customerIDs, m.CustomerID), append(invoiceIDs, m.InvoiceID)
		actors, sources = append(actors, m.Actor), append(sources, m.Source)
		summaries = append(summaries, fmt.Sprintf("E-mail %q queued for %s", m.Subject, m.To))
		details = append(details, string(raw))
	}
	if len(customerIDs) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO timeline_events (customer_id, invoice_id, kind, actor, source, summary, details)
		SELECT k.customer_id, k.invoice_id, 'email.queued', k.actor, k.source, k.summary, k.details::jsonb
		FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
			AS k (customer_id, invoice_id, actor, source, summary, details)`,
		customerIDs, invoiceIDs, actors, sources, summaries, details)
	if err != nil {
		return fmt.Errorf("appending email.queued timeline events: %w", err)
	}
	return nil
}
