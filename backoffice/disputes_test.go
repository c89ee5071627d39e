package backoffice

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

// openDispute opens a dispute on the demo customer's oldest invoice and returns
// its id, the invoice id and the invoice's open balance in minor units.
func openDispute(t *testing.T, ts *testServer) (string, int64, int64) {
	t.Helper()
	var disputeID, invoiceID, open int64
	err := ts.pool.QueryRow(context.Background(), `
		WITH i AS (SELECT id, customer_id, open_minor FROM invoices ORDER BY due_date, id LIMIT 1)
		INSERT INTO disputes (customer_id, invoice_id, reason, message, source)
		SELECT customer_id, id, 'Damaged goods', 'Two racks arrived bent', 'portal' FROM i
		RETURNING id, invoice_id, (SELECT open_minor FROM i)`).Scan(&disputeID, &invoiceID, &open)
	if err != nil {
		t.Fatal(err)
	}
	return itoa(disputeID), invoiceID, open
}

func TestCollectorResolvesDisputeWithPartialCredit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.signIn(t, "col@example.com", billing.RoleCollector)
	id, invoiceID, open := openDispute(t, ts)

	status, body := get(t, c, ts.URL+"/backoffice/queues/disputes")
	if status != http.StatusOK || !strings.Contains(body, "Two racks arrived bent") || !strings.Contains(body, `data-testid="dispute-resolve"`) {
		t.Fatalf("queue: status %d, dispute or resolve button missing", status)
	}
	status, _ = post(t, c, ts.URL+"/backoffice/queues/disputes/"+id+"/resolve", url.Values{"credit": {"100.00"}, "message": {"Credit for the two racks"}})
	if status != http.StatusSeeOther {
		t.Fatalf("resolve: status %d", status)
	}

	ctx := context.Background()
	var disputeStatus string
	var after, credited int64
	if err := ts.pool.QueryRow(ctx, `SELECT status FROM disputes WHERE id = $1`, id).Scan(&disputeStatus); err != nil {
		t.Fatal(err)
	}
	if err := ts.pool.QueryRow(ctx, `SELECT open_minor FROM invoices WHERE id = $1`, invoiceID).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if err := ts.pool.QueryRow(ctx, `SELECT amount_minor FROM credit_notes WHERE number = 'CN-D' || $1`, id).Scan(&credited); err != nil {
		t.Fatal(err)
	}
	if disputeStatus != "resolved" {
		t.Errorf("dispute status %q, want resolved", disputeStatus)
	}
	if credited != 10000 || after != open-10000 {
		t.Errorf("credited %d and open %d, want 10000 and %d", credited, after, open-10000)
	}
	var mails int
	if err := ts.pool.QueryRow(ctx, `SELECT count(*) FROM timeline_events WHERE kind = 'email.queued' AND details->>'kind' = 'dispute.decision'`).Scan(&mails); err != nil {
		t.Fatal(err)
	}
	if mails == 0 {
		t.Error("no decision e-mail queued for the customer")
	}

	status, _ = post(t, c, ts.URL+"/backoffice/queues/disputes/"+id+"/reject", url.Values{"message": {"again"}})
	if status != http.StatusSeeOther {
		t.Errorf("deciding a decided dispute: status %d, want a redirect with an error", status)
	}
}

func TestCollectorLimitOnDisputes(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.signIn(t, "col@example.com", billing.RoleCollector)
	id, _, _ := openDispute(t, ts)
	if _, err := ts.pool.Exec(context.Background(), `UPDATE collection_settings SET collector_limit_minor = 5000`); err != nil {
		t.Fatal(err)
	}
	status, _ := post(t, c, ts.URL+"/backoffice/queues/disputes/"+id+"/resolve", url.Values{"credit": {"100.00"}})
	if status != http.StatusForbidden {
		t.Errorf("credit above the limit: status %d, want 403", status)
	}
	status, _ = post(t, c, ts.URL+"/backoffice/queues/disputes/"+id+"/resolve", url.Values{"credit": {"50.00"}})
	if status != http.StatusSeeOther {
		t.Errorf("credit within the limit: status %d, want 303", status)
	}

	viewer := ts.signIn(t, "view@example.com", billing.RoleViewer)
	_, body := get(t, viewer, ts.URL+"/backoffice/queues/disputes?all=1")
	if strings.Contains(body, `data-testid="dispute-resolve"`) {
		t.Error("viewer sees the resolve button")
	}
}

func TestStaffReplyReachesDebtor(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.signIn(t, "col@example.com", billing.RoleCollector)
	id, _, _ := openDispute(t, ts)
	status, _ := post(t, c, ts.URL+"/backoffice/queues/disputes/"+id+"/reply", url.Values{"message": {"We have asked the warehouse for photos."}})
	if status != http.StatusSeeOther {
		t.Fatalf("reply: status %d", status)
	}
	var visible bool
	err := ts.pool.QueryRow(context.Background(), `
		SELECT visible_to_debtor FROM timeline_events WHERE kind = 'dispute.reply' AND details->>'message' LIKE 'We have asked%'`).Scan(&visible)
	if err != nil {
		t.Fatalf("reply not on the timeline: %v", err)
	}
	if !visible {
		t.Error("staff reply is hidden from the debtor")
	}
	_, body := get(t, c, ts.URL+"/backoffice/queues/disputes")
	if !strings.Contains(body, "We have asked the warehouse for photos.") {
		t.Error("reply missing from the queue")
	}
}
