// Package outbox queues e-mail inside business transactions and delivers it over
// SMTP from a River job.
//
// Queue writes the message to outbox_emails and inserts a delivery job in the same
// pgx transaction, so a rolled-back write sends nothing and a committed one is
// delivered even when the mail server is down at the time. The worker marks a
// message sent in the database right after the SMTP server accepts it. If the
// process dies between that acceptance and the commit, the retried job sends the
// message a second time: delivery is at least once, with a window of one SMTP
// round trip plus one commit.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/ledgvero/ledgvero/billing"
)

// ErrDuplicate reports a message whose DedupeKey was queued before. Nothing new is
// written and the transaction stays usable.
var ErrDuplicate = errors.New("e-mail with this dedupe key already queued")

// Limits that keep one message deliverable by ordinary mail servers.
const (
	MaxAttachments     = 10
	MaxAttachmentBytes = 10 << 20
)

// Inserter inserts River jobs inside a transaction. *river.Client[pgx.Tx]
// satisfies it, including an insert-only client built without workers.
type Inserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Attachment is a file sent with a message.
type Attachment struct {
	Filename    string
	ContentType string
	Content     []byte
}

// Message is one e-mail to queue.
type Message struct {
	To          string
	From        string // empty means the worker's default sender (MAIL_FROM)
	Subject     string
	Text        string
	HTML        string // optional alternative body
	Attachments []Attachment
	CustomerID  int64  // 0 when the message belongs to no customer; otherwise its timeline records it
	InvoiceID   *int64 // optional invoice the message is about
	Kind        string // for example "portal.sign_in_link", "payment.receipt", "reminder"
	DedupeKey   string // optional: a second Queue with the same key returns ErrDuplicate
	// Secrets are substrings, such as sign-in tokens, that are replaced by
	// "[redacted]" in the timeline and scrubbed from the stored bodies once sent.
	Secrets []string
	Actor   string // who caused the message, as stored on the timeline; default "system:outbox"
	Source  string // where it was caused: "portal", "backoffice", "job", ...; default "job"
}

func (m Message) validate() error {
	if _, err := mail.ParseAddress(m.To); err != nil {
		return fmt.Errorf("invalid recipient %q: %w", m.To, err)
	}
	if m.From != "" {
		if _, err := mail.ParseAddress(m.From); err != nil {
			return fmt.Errorf("invalid sender %q: %w", m.From, err)
		}
	}
	if strings.TrimSpace(m.Subject) == "" {
		return errors.New("missing subject")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return errors.New("invalid subject: it contains a line break")
	}
	if m.Text == "" {
		return errors.New("missing text body")
	}
	if m.Kind == "" {
		return errors.New("missing kind")
	}
	if len(m.Attachments) > MaxAttachments {
		return fmt.Errorf("too many attachments: %d, the maximum is %d", len(m.Attachments), MaxAttachments)
	}
	for _, a := range m.Attachments {
		if a.Filename == "" || a.ContentType == "" {
			return errors.New("attachment without a filename or content type")
		}
		if len(a.Content) > MaxAttachmentBytes {
			return fmt.Errorf("attachment %s is %d bytes, the maximum is %d", a.Filename, len(a.Content), MaxAttachmentBytes)
		}
	}
	return nil
}

// Queue stores msg and inserts its delivery job inside tx, and records "email.queued"
// on the customer's timeline when msg has a customer. It returns the message id.
func Queue(ctx context.Context, tx pgx.Tx, jobs Inserter, msg Message) (int64, error) {
	if err := msg.validate(); err != nil {
		return 0, fmt.Errorf("queueing e-mail: %w", err)
	}
	if msg.Actor == "" {
		msg.Actor = "system:outbox"
	}
	if msg.Source == "" {
		msg.Source = "job"
	}
	secrets := msg.Secrets
	if secrets == nil {
		secrets = []string{}
	}

	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO outbox_emails (customer_id, invoice_id, kind, to_addr, from_addr, subject, body_text, body_html, secrets, dedupe_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (dedupe_key) DO NOTHING
		RETURNING id`,
		nullID(msg.CustomerID), msg.InvoiceID, msg.Kind, msg.To, msg.From, msg.Subject, msg.Text, msg.HTML,
		secrets, nullString(msg.DedupeKey)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrDuplicate
	}
	if err != nil {
		return 0, fmt.Errorf("inserting outbox e-mail: %w", err)
	}

	for _, a := range msg.Attachments {
		_, err := tx.Exec(ctx, `
			INSERT INTO outbox_attachments (email_id, filename, content_type, content) VALUES ($1, $2, $3, $4)`,
			id, a.Filename, a.ContentType, a.Content)
		if err != nil {
			return 0, fmt.Errorf("inserting attachment %s: %w", a.Filename, err)
		}
	}

	if _, err := jobs.InsertTx(ctx, tx, DeliverArgs{EmailID: id}, nil); err != nil {
		return 0, fmt.Errorf("inserting delivery job: %w", err)
	}

	if msg.CustomerID != 0 {
		err := billing.AppendEvent(ctx, tx, billing.Event{
			CustomerID: msg.CustomerID, InvoiceID: msg.InvoiceID, Kind: "email.queued",
			Actor: msg.Actor, Source: msg.Source,
			Summary: fmt.Sprintf("E-mail %q queued for %s", msg.Subject, msg.To),
			Details: map[string]any{
				"email_id": id, "kind": msg.Kind, "to": msg.To, "subject": msg.Subject,
				"text": redact(msg.Text, msg.Secrets), "attachments": len(msg.Attachments),
			},
		})
		if err != nil {
			return 0, err
		}
	}
	return id, nil
}

// Requeue sets a failed message back to queued and inserts a new delivery job, for
// staff retrying after a long mail outage. A message already sent is left alone.
func Requeue(ctx context.Context, tx pgx.Tx, jobs Inserter, emailID int64) error {
	tag, err := tx.Exec(ctx, `UPDATE outbox_emails SET status = 'queued' WHERE id = $1 AND status = 'failed'`, emailID)
	if err != nil {
		return fmt.Errorf("requeueing e-mail %d: %w", emailID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("e-mail %d is not in status failed: %w", emailID, billing.ErrConflict)
	}
	if _, err := jobs.InsertTx(ctx, tx, DeliverArgs{EmailID: emailID}, nil); err != nil {
		return fmt.Errorf("inserting delivery job: %w", err)
	}
	return nil
}

// Email is the stored state of a queued message, for the back office and tests.
type Email struct {
	ID         int64
	CustomerID *int64
	Kind       string
	To         string
	From       string
	Subject    string
	Text       string
	HTML       string
	Status     string
	Attempts   int
	LastError  string
}

// ByID returns one stored message.
func ByID(ctx context.Context, db billing.DB, id int64) (Email, error) {
	var e Email
	err := db.QueryRow(ctx, `
		SELECT id, customer_id, kind, to_addr, from_addr, subject, body_text, body_html, status, attempts, last_error
		FROM outbox_emails WHERE id = $1`, id).Scan(
		&e.ID, &e.CustomerID, &e.Kind, &e.To, &e.From, &e.Subject, &e.Text, &e.HTML, &e.Status, &e.Attempts, &e.LastError)
	if errors.Is(err, pgx.ErrNoRows) {
		return Email{}, billing.ErrNotFound
	}
	if err != nil {
		return Email{}, fmt.Errorf("loading e-mail %d: %w", id, err)
	}
	return e, nil
}

func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

func nullID(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

func nullString(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

// NewInserter returns an insert-only River client for Queue, for processes and
// handlers that enqueue mail without running workers. The serve command's full
// job client works as well.
func NewInserter(pool *pgxpool.Pool) (*river.Client[pgx.Tx], error) {
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("creating job inserter: %w", err)
	}
	return client, nil
}
