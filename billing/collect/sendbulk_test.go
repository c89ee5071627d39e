package collect_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

// linkPattern finds the sign-in token in a queued reminder's text body.
var linkPattern = regexp.MustCompile(`/portal/link/([A-Za-z0-9_-]+)`)

func TestRunChunkLinksAndEntries(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	due := billing.NewDate(2026, 2, 2)
	emails := map[int64]string{}
	for _, c := range []struct{ name, email, number string }{
		{"Northwind Traders", "ap@northwind.example", "N-1"},
		{"Contoso Supply", "ap@contoso.example", "C-1"},
		{"Fabrikam Tools", "ap@fabrikam.example", "F-1"},
	} {
		id := f.customer(t, c.name, c.email)
		f.invoice(t, id, c.number, 50000, due)
		f.invoice(t, id, c.number+"b", 20000, due.AddDays(-1))
		emails[id] = c.email
	}

	res := f.run(t, due.AddDays(3))
	if res.Sent != 3 {
		t.Fatalf("e-mails queued = %d, want 3", res.Sent)
	}
	if again := f.run(t, due.AddDays(3)); again.Sent != 0 || again.Invoices != 0 {
		t.Errorf("second run the same day queued %d e-mails about %d invoices, want none", again.Sent, again.Invoices)
	}

	for customer, email := range emails {
		var text string
		err := f.pool.QueryRow(ctx, `SELECT body_text FROM outbox_emails WHERE customer_id = $1`, customer).Scan(&text)
		if err != nil {
			t.Fatalf("e-mail of customer %d: %v", customer, err)
		}
		match := linkPattern.FindStringSubmatch(text)
		if match == nil {
			t.Fatalf("e-mail of customer %d has no sign-in link", customer)
		}
		link, err := billing.LookupMagicLink(ctx, f.pool, match[1])
		if err != nil {
			t.Fatalf("sign-in link of customer %d: %v", customer, err)
		}
		if link.Email != email || link.Purpose != billing.LinkEmailed {
			t.Errorf("link of customer %d is for %q (%s), want %q (%s)", customer, link.Email, link.Purpose, email, billing.LinkEmailed)
		}
		if n := f.count(t, `SELECT count(*) FROM river_job j JOIN outbox_emails e ON e.id = (j.args->>'email_id')::bigint
			WHERE j.kind = 'outbox_deliver' AND e.customer_id = $1`, customer); n != 1 {
			t.Errorf("delivery jobs of customer %d = %d, want 1", customer, n)
		}
		for _, kind := range []string{"email.queued", "reminder.sent"} {
			if n := f.count(t, `SELECT count(*) FROM timeline_events WHERE customer_id = $1 AND kind = $2`, customer, kind); n != 1 {
				t.Errorf("%s entries of customer %d = %d, want 1", kind, customer, n)
			}
		}
		if n := f.count(t, `SELECT count(*) FROM reminder_emails r JOIN outbox_emails e ON e.id = r.email_id WHERE r.customer_id = $1`, customer); n != 1 {
			t.Errorf("reminder e-mails of customer %d linked to the outbox = %d, want 1", customer, n)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM timeline_events WHERE kind = 'email.queued' AND details->>'text' LIKE '%/portal/link/[redacted]%'`); n != 3 {
		t.Errorf("email.queued entries with the token redacted = %d, want 3", n)
	}
}
