package outbox_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/billing/outbox"
	"github.com/ledgvero/ledgvero/billing/outbox/smtpsink"
)

var fixedNow = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

type fixture struct {
	pool     *pgxpool.Pool
	jobs     *river.Client[pgx.Tx]
	sink     *smtpsink.Sink
	worker   *outbox.Worker
	customer int64
}

func setup(t *testing.T) fixture {
	t.Helper()
	pool := dbtest.New(t)
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	sink := smtpsink.Start(t)
	sender, err := outbox.NewSMTPSender(sink.URL())
	if err != nil {
		t.Fatal(err)
	}
	id, err := billing.CreateCustomer(context.Background(), pool, billing.Customer{Name: "Northwind", Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	w := &outbox.Worker{
		Pool: pool, Sender: sender, From: "billing@seller.example",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return fixedNow },
	}
	return fixture{pool: pool, jobs: jobs, sink: sink, worker: w, customer: id}
}

func (f fixture) queue(t *testing.T, msg outbox.Message) int64 {
	t.Helper()
	var id int64
	err := billing.InTx(context.Background(), f.pool, func(tx pgx.Tx) error {
		var err error
		id, err = outbox.Queue(context.Background(), tx, f.jobs, msg)
		return err
	})
	if err != nil {
		t.Fatalf("Queue: %v", err)
	}
	return id
}

func (f fixture) work(t *testing.T, id int64, attempt int) error {
	t.Helper()
	job := &river.Job[outbox.DeliverArgs]{
		JobRow: &rivertype.JobRow{ID: 1, Attempt: attempt, MaxAttempts: outbox.MaxAttempts},
		Args:   outbox.DeliverArgs{EmailID: id},
	}
	return f.worker.Work(context.Background(), job)
}

func timelineKinds(t *testing.T, pool *pgxpool.Pool, customer int64) []string {
	t.Helper()
	events, err := billing.Timeline(context.Background(), pool, customer, false, 50)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for i := len(events) - 1; i >= 0; i-- {
		kinds = append(kinds, events[i].Kind)
	}
	return kinds
}

func message(f fixture, to string) outbox.Message {
	return outbox.Message{
		To: to, Subject: "Your statement", Text: "Hello, see your statement.", HTML: "<p>Hello</p>",
		CustomerID: f.customer, Kind: "test",
	}
}

func TestQueueWritesRowJobAndTimeline(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.queue(t, message(f, "ap@northwind.example"))

	e, err := outbox.ByID(context.Background(), f.pool, id)
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != "queued" || e.Attempts != 0 {
		t.Errorf("status %q attempts %d, want queued and 0", e.Status, e.Attempts)
	}
	var jobs int
	err = f.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM river_job WHERE kind = 'outbox_deliver' AND (args->>'email_id')::bigint = $1`, id).Scan(&jobs)
	if err != nil {
		t.Fatal(err)
	}
	if jobs != 1 {
		t.Errorf("delivery jobs = %d, want 1", jobs)
	}
	if got := timelineKinds(t, f.pool, f.customer); strings.Join(got, ",") != "email.queued" {
		t.Errorf("timeline = %v, want [email.queued]", got)
	}
}

func TestQueueRolledBackLeavesNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	boom := errors.New("business write failed")
	err := billing.InTx(context.Background(), f.pool, func(tx pgx.Tx) error {
		if _, err := outbox.Queue(context.Background(), tx, f.jobs, message(f, "ap@northwind.example")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx error = %v", err)
	}
	var rows, jobs int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox_emails`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job`).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if rows != 0 || jobs != 0 {
		t.Errorf("after rollback: %d e-mails and %d jobs, want none", rows, jobs)
	}
}

func TestQueueRejectsBadMessage(t *testing.T) {
	t.Parallel()
	f := setup(t)
	cases := map[string]func(*outbox.Message){
		"bad recipient":     func(m *outbox.Message) { m.To = "not-an-address" },
		"missing subject":   func(m *outbox.Message) { m.Subject = " " },
		"subject with CRLF": func(m *outbox.Message) { m.Subject = "Hi\r\nBcc: x@y.example" },
		"missing body":      func(m *outbox.Message) { m.Text = "" },
		"missing kind":      func(m *outbox.Message) { m.Kind = "" },
		"huge attachment": func(m *outbox.Message) {
			m.Attachments = []outbox.Attachment{{Filename: "a.pdf", ContentType: "application/pdf", Content: make([]byte, outbox.MaxAttachmentBytes+1)}}
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			msg := message(f, "ap@northwind.example")
			mutate(&msg)
			err := billing.InTx(context.Background(), f.pool, func(tx pgx.Tx) error {
				_, err := outbox.Queue(context.Background(), tx, f.jobs, msg)
				return err
			})
			if err == nil {
				t.Error("Queue accepted an invalid message")
			}
		})
	}
}

func TestQueueDedupeKey(t *testing.T) {
	t.Parallel()
	f := setup(t)
	msg := message(f, "ap@northwind.example")
	msg.DedupeKey = "reminder:42:firm"
	f.queue(t, msg)

	err := billing.InTx(context.Background(), f.pool, func(tx pgx.Tx) error {
		_, err := outbox.Queue(context.Background(), tx, f.jobs, msg)
		if !errors.Is(err, outbox.ErrDuplicate) {
			t.Errorf("second Queue error = %v, want ErrDuplicate", err)
		}
		// The transaction must still be usable after the duplicate.
		_, err = tx.Exec(context.Background(), `SELECT 1`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestWorkOutageThenRecovery(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.queue(t, message(f, "outage@northwind.example"))

	f.sink.SetFailing(true)
	if err := f.work(t, id, 1); err == nil {
		t.Fatal("Work succeeded while the server rejects mail")
	}
	e, err := outbox.ByID(context.Background(), f.pool, id)
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != "queued" || e.Attempts != 1 || e.LastError == "" {
		t.Errorf("after failure: status %q attempts %d error %q", e.Status, e.Attempts, e.LastError)
	}

	f.sink.SetFailing(false)
	if err := f.work(t, id, 2); err != nil {
		t.Fatalf("Work after recovery: %v", err)
	}
	// A duplicate job for the same message must not send it again.
	if err := f.work(t, id, 1); err != nil {
		t.Fatalf("Work on a sent message: %v", err)
	}

	got := f.sink.To("outage@northwind.example")
	if len(got) != 1 {
		t.Fatalf("server received %d copies, want exactly 1", len(got))
	}
	if got[0].From != "billing@seller.example" {
		t.Errorf("envelope sender %q, want the default sender", got[0].From)
	}
	if mid := got[0].Header("Message-Id"); !strings.Contains(mid, "outbox-") {
		t.Errorf("Message-ID %q is not derived from the outbox id", mid)
	}
	e, err = outbox.ByID(context.Background(), f.pool, id)
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != "sent" || e.Attempts != 2 || e.LastError != "" {
		t.Errorf("after recovery: status %q attempts %d error %q", e.Status, e.Attempts, e.LastError)
	}
	want := "email.queued,email.failed,email.sent"
	if got := strings.Join(timelineKinds(t, f.pool, f.customer), ","); got != want {
		t.Errorf("timeline = %s, want %s", got, want)
	}
}

func TestWorkFinalAttemptMarksFailed(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.queue(t, message(f, "gone@northwind.example"))
	f.sink.SetFailing(true)
	if err := f.work(t, id, outbox.MaxAttempts); err == nil {
		t.Fatal("Work succeeded while the server rejects mail")
	}
	e, err := outbox.ByID(context.Background(), f.pool, id)
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != "failed" {
		t.Errorf("status %q after the last attempt, want failed", e.Status)
	}

	f.sink.SetFailing(false)
	err = billing.InTx(context.Background(), f.pool, func(tx pgx.Tx) error {
		return outbox.Requeue(context.Background(), tx, f.jobs, id)
	})
	if err != nil {
		t.Fatalf("Requeue: %v", err)
	}
	if err := f.work(t, id, 1); err != nil {
		t.Fatalf("Work after Requeue: %v", err)
	}
	if n := len(f.sink.To("gone@northwind.example")); n != 1 {
		t.Errorf("received %d copies after Requeue, want 1", n)
	}
}

func TestWorkSecretsRedacted(t *testing.T) {
	t.Parallel()
	f := setup(t)
	msg := message(f, "secret@northwind.example")
	msg.Text = "Sign in: https://pay.example/portal/link/TOKEN123"
	msg.Secrets = []string{"TOKEN123"}
	id := f.queue(t, msg)
	if err := f.work(t, id, 1); err != nil {
		t.Fatal(err)
	}

	got := f.sink.To("secret@northwind.example")
	if len(got) != 1 || !strings.Contains(got[0].Data, "TOKEN123") {
		t.Fatalf("the delivered message must carry the token")
	}
	e, err := outbox.ByID(context.Background(), f.pool, id)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(e.Text, "TOKEN123") {
		t.Errorf("stored body still holds the token after sending: %q", e.Text)
	}
	events, err := billing.Timeline(context.Background(), f.pool, f.customer, false, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if text, _ := ev.Details["text"].(string); strings.Contains(text, "TOKEN123") {
			t.Errorf("timeline event %s shows the token", ev.Kind)
		}
	}
}

func TestWorkAttachment(t *testing.T) {
	t.Parallel()
	f := setup(t)
	msg := message(f, "files@northwind.example")
	msg.Attachments = []outbox.Attachment{{Filename: "receipt.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4 test")}}
	id := f.queue(t, msg)
	if err := f.work(t, id, 1); err != nil {
		t.Fatal(err)
	}
	got := f.sink.To("files@northwind.example")
	if len(got) != 1 || !strings.Contains(got[0].Data, `filename="receipt.pdf"`) {
		t.Fatalf("attachment missing from the delivered message")
	}
}

// TestRiverDelivers runs the real River client with the worker registered, as serve does.
func TestRiverDelivers(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.worker.Now = time.Now
	workers := river.NewWorkers()
	river.AddWorker(workers, f.worker)
	client, err := river.NewClient(riverpgxv5.New(f.pool), &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
		Workers: workers, FetchCooldown: 20 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer cancel()
	ctx, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer client.Stop(context.Background()) //nolint:errcheck

	f.jobs = client
	f.queue(t, message(f, "river@northwind.example"))
	select {
	case ev := <-events:
		if ev.Kind != river.EventKindJobCompleted {
			t.Fatalf("job ended with %s", ev.Kind)
		}
	case <-ctx.Done():
		t.Fatal("delivery job did not finish in 30s")
	}
	if n := len(f.sink.To("river@northwind.example")); n != 1 {
		t.Errorf("received %d copies, want 1", n)
	}
}

func TestWorkNamesTheSeller(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.worker.FromName = true
	plain := f.queue(t, message(f, "ap@northwind.example"))
	if err := f.work(t, plain, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(context.Background(), `INSERT INTO organization (name, currency) VALUES ('Acme Industrial Supply', 'USD')`); err != nil {
		t.Fatal(err)
	}
	named := f.queue(t, message(f, "ar@northwind.example"))
	if err := f.work(t, named, 1); err != nil {
		t.Fatal(err)
	}
	if got := f.sink.To("ap@northwind.example")[0].Header("From"); !strings.Contains(got, "billing@seller.example") || strings.Contains(got, "Acme") {
		t.Errorf("From without an organization = %q, want the bare address", got)
	}
	if got := f.sink.To("ar@northwind.example")[0].Header("From"); !strings.Contains(got, `"Acme Industrial Supply" <billing@seller.example>`) {
		t.Errorf("From = %q, want the seller's name before the address", got)
	}
}
