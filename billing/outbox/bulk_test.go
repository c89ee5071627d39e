package outbox_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

func TestQueueManyWritesRowsJobsAndTimeline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	first := message(f, "ap@northwind.example")
	first.Secrets = []string{"tok-1"}
	first.Text = "Sign in at /portal/link/tok-1"
	second := message(f, "ar@northwind.example")
	second.Attachments = []outbox.Attachment{{Filename: "a.pdf", ContentType: "application/pdf", Content: []byte("%PDF")}}
	third := message(f, "system@seller.example")
	third.CustomerID = 0

	var ids []int64
	err := billing.InTx(ctx, f.pool, func(tx pgx.Tx) error {
		var err error
		ids, err = outbox.QueueMany(ctx, tx, f.jobs, []outbox.Message{first, second, third})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 {
		t.Fatalf("ids = %v, want 3", ids)
	}
	for i, to := range []string{first.To, second.To, third.To} {
		e, err := outbox.ByID(ctx, f.pool, ids[i])
		if err != nil {
			t.Fatal(err)
		}
		if e.To != to || e.Status != "queued" {
			t.Errorf("e-mail %d: to %q status %q, want %q queued", ids[i], e.To, e.Status, to)
		}
	}

	var jobs, attachments int
	var secrets []string
	err = f.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'outbox_deliver' AND (args->>'email_id')::bigint = ANY ($1)`, ids).Scan(&jobs)
	if err != nil {
		t.Fatal(err)
	}
	if jobs != 3 {
		t.Errorf("delivery jobs = %d, want 3", jobs)
	}
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM outbox_attachments WHERE email_id = $1`, ids[1]).Scan(&attachments); err != nil {
		t.Fatal(err)
	}
	if attachments != 1 {
		t.Errorf("attachments of the second e-mail = %d, want 1", attachments)
	}
	if err := f.pool.QueryRow(ctx, `SELECT secrets FROM outbox_emails WHERE id = $1`, ids[0]).Scan(&secrets); err != nil {
		t.Fatal(err)
	}
	if strings.Join(secrets, ",") != "tok-1" {
		t.Errorf("secrets = %q, want [tok-1]", secrets)
	}

	if got := timelineKinds(t, f.pool, f.customer); strings.Join(got, ",") != "email.queued,email.queued" {
		t.Errorf("timeline = %v, want two email.queued entries", got)
	}
	var text string
	err = f.pool.QueryRow(ctx, `SELECT details->>'text' FROM timeline_events WHERE (details->>'email_id')::bigint = $1`, ids[0]).Scan(&text)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "tok-1") {
		t.Errorf("timeline text %q contains the secret", text)
	}
}

func TestQueueManyDuplicateWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	taken := message(f, "ap@northwind.example")
	taken.DedupeKey = "reminder:7"
	f.queue(t, taken)

	fresh := message(f, "ar@northwind.example")
	fresh.DedupeKey = "reminder:8"
	err := billing.InTx(ctx, f.pool, func(tx pgx.Tx) error {
		_, err := outbox.QueueMany(ctx, tx, f.jobs, []outbox.Message{fresh, taken})
		if !errors.Is(err, outbox.ErrDuplicate) {
			t.Errorf("QueueMany error = %v, want ErrDuplicate", err)
		}
		var queued int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM outbox_emails`).Scan(&queued); err != nil {
			return err
		}
		if queued != 1 {
			t.Errorf("e-mails after the duplicate = %d, want only the earlier one", queued)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestQueueManyRejectsBadMessage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	bad := message(f, "not-an-address")
	err := billing.InTx(ctx, f.pool, func(tx pgx.Tx) error {
		_, err := outbox.QueueMany(ctx, tx, f.jobs, []outbox.Message{message(f, "ap@northwind.example"), bad})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "not-an-address") {
		t.Fatalf("error = %v, want one naming the invalid recipient", err)
	}
	var queued int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM outbox_emails`).Scan(&queued); err != nil {
		t.Fatal(err)
	}
	if queued != 0 {
		t.Errorf("e-mails after the rejected call = %d, want none", queued)
	}
}
