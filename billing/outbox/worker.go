package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/wneessen/go-mail"

	"github.com/ledgvero/ledgvero/billing"
)

// MaxAttempts is how often delivery of one message is tried. With the backoff of
// Worker.NextRetry the attempts span about eight hours; a message still failing
// then is marked failed and kept for Requeue.
const MaxAttempts = 25

// DeliverArgs is the River job that delivers one outbox message.
type DeliverArgs struct {
	EmailID int64 `json:"email_id"`
}

// Kind is the job kind stored by River; it must never change.
func (DeliverArgs) Kind() string { return "outbox_deliver" }

// InsertOpts sets the retry budget of every delivery job.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: MaxAttempts}
}

// Sender sends one finished message. SMTPSender is the production one.
type Sender interface {
	Send(ctx context.Context, msg *mail.Msg) error
}

// Worker delivers outbox messages. Its fields are its dependencies.
type Worker struct {
	river.WorkerDefaults[DeliverArgs]
	Pool   *pgxpool.Pool
	Sender Sender
	From   string // default sender, MAIL_FROM
	// FromName puts the seller's name, read from the organization row at
	// each delivery, before the default sender's address, so a renamed
	// seller shows at once. False leaves the bare address.
	FromName bool
	Logger   *slog.Logger
	Now      func() time.Time
}

// NextRetry backs off quadratically from 10 seconds up to 30 minutes between tries.
func (w *Worker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	return w.Now().Add(retryDelay(job.Attempt))
}

func retryDelay(attempt int) time.Duration {
	d := time.Duration(attempt*attempt) * 10 * time.Second
	return min(d, 30*time.Minute)
}

// Timeout bounds one delivery attempt.
func (w *Worker) Timeout(*river.Job[DeliverArgs]) time.Duration { return time.Minute }

// Work delivers the message. It holds the message's row lock while sending, so two
// jobs for one message never send it twice; only a crash between the SMTP server's
// acceptance and the commit can, and then the retry sends it again.
func (w *Worker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	tx, err := w.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit

	email, secrets, err := lockEmail(ctx, tx, job.Args.EmailID)
	if errors.Is(err, billing.ErrNotFound) {
		w.Logger.Warn("outbox e-mail missing; nothing to deliver", "email_id", job.Args.EmailID, "job_id", job.ID)
		return nil
	}
	if err != nil {
		return err
	}
	if email.Status == "sent" {
		return tx.Commit(ctx)
	}
	if email.From == "" {
		email.From = w.From
		if w.FromName {
			var name string
			if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT name FROM organization), '')`).Scan(&name); err != nil {
				return fmt.Errorf("loading the sender name: %w", err)
			}
			if name != "" {
				email.From = (&netmail.Address{Name: name, Address: w.From}).String()
			}
		}
	}

	msg, err := w.build(ctx, tx, email)
	if err != nil {
		return err
	}
	if sendErr := w.Sender.Send(ctx, msg); sendErr != nil {
		return w.recordFailure(ctx, tx, job, email, secrets, sendErr)
	}

	_, err = tx.Exec(ctx, `
		UPDATE outbox_emails SET status = 'sent', sent_at = $2, attempts = attempts + 1, last_error = '',
			from_addr = $3, body_text = $4, body_html = $5, secrets = '{}'
		WHERE id = $1`,
		email.ID, w.Now(), email.From, redact(email.Text, secrets), redact(email.HTML, secrets))
	if err != nil {
		return fmt.Errorf("marking e-mail %d sent: %w", email.ID, err)
	}
	if email.CustomerID != nil {
		err := billing.AppendEvent(ctx, tx, billing.Event{
			CustomerID: *email.CustomerID, Kind: "email.sent", Actor: "system:outbox", Source: "job",
			Summary: fmt.Sprintf("E-mail %q sent to %s", email.Subject, email.To),
			Details: map[string]any{
				"email_id": email.ID, "kind": email.Kind, "to": email.To, "from": email.From,
				"subject": email.Subject, "text": redact(email.Text, secrets), "attempt": job.Attempt,
			},
		})
		if err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		// The server has the message; the retry will send it once more.
		return fmt.Errorf("committing sent e-mail %d: %w", email.ID, err)
	}
	w.Logger.Info("e-mail sent", "email_id", email.ID, "kind", email.Kind, "attempt", job.Attempt)
	return nil
}

// recordFailure stores the error, marks the message failed on the last attempt and
// returns sendErr so River schedules the next try.
func (w *Worker) recordFailure(ctx context.Context, tx pgx.Tx, job *river.Job[DeliverArgs], email Email, secrets []string, sendErr error) error {
	final := job.Attempt >= job.MaxAttempts
	status := "queued"
	if final {
		status = "failed"
	}
	_, err := tx.Exec(ctx, `
		UPDATE outbox_emails SET status = $2, attempts = attempts + 1, last_error = $3 WHERE id = $1`,
		email.ID, status, truncate(sendErr.Error(), 1000))
	if err != nil {
		return fmt.Errorf("recording failure of e-mail %d: %w", email.ID, err)
	}
	// The first failure and the final one go on the timeline; the retries between
	// them would only repeat it.
	if email.CustomerID != nil && (job.Attempt == 1 || final) {
		summary := fmt.Sprintf("E-mail %q to %s failed; retrying", email.Subject, email.To)
		if final {
			summary = fmt.Sprintf("E-mail %q to %s failed after %d attempts", email.Subject, email.To, job.Attempt)
		}
		err := billing.AppendEvent(ctx, tx, billing.Event{
			CustomerID: *email.CustomerID, Kind: "email.failed", Actor: "system:outbox", Source: "job",
			Summary: summary,
			Details: map[string]any{
				"email_id": email.ID, "kind": email.Kind, "to": email.To, "subject": email.Subject,
				"text": redact(email.Text, secrets), "attempt": job.Attempt, "final": final, "error": truncate(sendErr.Error(), 300),
			},
		})
		if err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("committing failure of e-mail %d: %w", email.ID, err)
	}
	w.Logger.Warn("e-mail delivery failed", "email_id", email.ID, "attempt", job.Attempt, "final", final, "error", sendErr)
	return fmt.Errorf("sending e-mail %d: %w", email.ID, sendErr)
}

func lockEmail(ctx context.Context, tx pgx.Tx, id int64) (Email, []string, error) {
	var e Email
	var secrets []string
	err := tx.QueryRow(ctx, `
		SELECT id, customer_id, kind, to_addr, from_addr, subject, body_text, body_html, status, attempts, last_error, secrets
		FROM outbox_emails WHERE id = $1 FOR UPDATE`, id).Scan(
		&e.ID, &e.CustomerID, &e.Kind, &e.To, &e.From, &e.Subject, &e.Text, &e.HTML, &e.Status, &e.Attempts, &e.LastError, &secrets)
	if errors.Is(err, pgx.ErrNoRows) {
		return Email{}, nil, billing.ErrNotFound
	}
	if err != nil {
		return Email{}, nil, fmt.Errorf("locking e-mail %d: %w", id, err)
	}
	return e, secrets, nil
}

// build turns a stored message into a go-mail message. The Message-ID is derived
// from the outbox id, so a copy sent twice in the at-least-once window carries the
// same id and mail clients can drop it.
func (w *Worker) build(ctx context.Context, tx pgx.Tx, e Email) (*mail.Msg, error) {
	m := mail.NewMsg()
	if err := m.From(e.From); err != nil {
		return nil, fmt.Errorf("e-mail %d: invalid sender %q: %w", e.ID, e.From, err)
	}
	if err := m.To(e.To); err != nil {
		return nil, fmt.Errorf("e-mail %d: invalid recipient %q: %w", e.ID, e.To, err)
	}
	m.Subject(e.Subject)
	m.SetDateWithValue(w.Now())
	domain := "ledgvero.localhost"
	if _, d, ok := strings.Cut(e.From, "@"); ok {
		domain = strings.Trim(d, "> ")
	}
	m.SetMessageIDWithValue(fmt.Sprintf("outbox-%d@%s", e.ID, domain))
	m.SetBodyString(mail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		m.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	}

	rows, err := tx.Query(ctx, `SELECT filename, content_type, content FROM outbox_attachments WHERE email_id = $1 ORDER BY id`, e.ID)
	if err != nil {
		return nil, fmt.Errorf("loading attachments of e-mail %d: %w", e.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, ctype string
		var content []byte
		if err := rows.Scan(&name, &ctype, &content); err != nil {
			return nil, fmt.Errorf("scanning attachment: %w", err)
		}
		if err := m.AttachReader(name, strings.NewReader(string(content)), mail.WithFileContentType(mail.ContentType(ctype))); err != nil {
			return nil, fmt.Errorf("attaching %s: %w", name, err)
		}
	}
	return m, rows.Err()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
