package backoffice

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

// proposePendingPlan has the demo customer propose eight monthly installments for
// its oldest invoice, more than the portal approves on its own, and returns the
// plan id.
func proposePendingPlan(t *testing.T, ts *testServer) (string, billing.Plan) {
	t.Helper()
	ctx := context.Background()
	var customerID, invoiceID int64
	if err := ts.pool.QueryRow(ctx, `SELECT customer_id, id FROM invoices ORDER BY due_date, id LIMIT 1`).Scan(&customerID, &invoiceID); err != nil {
		t.Fatal(err)
	}
	today := billing.Today(testNow, mustNY(t))
	plan, err := billing.ProposePlan(ctx, ts.pool, billing.PlanProposal{CustomerID: customerID, InvoiceIDs: []int64{invoiceID},
		Count: 8, Frequency: billing.FrequencyMonthly, First: today.AddDays(7), Actor: billing.Actor{Kind: "contact", Name: "ap@northwind.example"}}, today)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Status != billing.PlanPending {
		t.Fatalf("plan status %q, want pending", plan.Status)
	}
	return itoa(plan.ID), plan
}

func TestCollectorApprovesPlanWithChanges(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.signIn(t, "col@example.com", billing.RoleCollector)
	id, _ := proposePendingPlan(t, ts)

	_, body := get(t, c, ts.URL+"/backoffice/")
	if !strings.Contains(body, `data-testid="queue-plans">1<`) {
		t.Error("dashboard does not count the waiting plan")
	}
	status, body := get(t, c, ts.URL+"/backoffice/queues/plans")
	if status != http.StatusOK || !strings.Contains(body, `data-testid="plan-approve-changes"`) {
		t.Fatalf("queue: status %d, approve button missing", status)
	}
	status, _ = post(t, c, ts.URL+"/backoffice/queues/plans/"+id+"/approve",
		url.Values{"count": {"4"}, "frequency": {"biweekly"}, "message": {"Four payments suit our month end better."}})
	if status != http.StatusSeeOther {
		t.Fatalf("approve: status %d", status)
	}

	ctx := context.Background()
	var planStatus, frequency string
	var count, installments int
	err := ts.pool.QueryRow(ctx, `
		SELECT status, frequency, installment_count, (SELECT count(*) FROM installments WHERE plan_id = p.id AND seq > 0)
		FROM installment_plans p WHERE id = $1`, id).Scan(&planStatus, &frequency, &count, &installments)
	if err != nil {
		t.Fatal(err)
	}
	if planStatus != "approved" || frequency != "biweekly" || count != 4 || installments != 4 {
		t.Errorf("plan is %s, %s, %d installments (%d rows); want approved, biweekly, 4", planStatus, frequency, count, installments)
	}
	var visible bool
	if err := ts.pool.QueryRow(ctx, `SELECT visible_to_debtor FROM timeline_events WHERE kind = 'plan.approved'`).Scan(&visible); err != nil || !visible {
		t.Errorf("approval not on the debtor's timeline: %v", err)
	}
	var mails int
	if err := ts.pool.QueryRow(ctx, `SELECT count(*) FROM timeline_events WHERE kind = 'email.queued' AND details->>'kind' = 'plan.decision'`).Scan(&mails); err != nil || mails == 0 {
		t.Errorf("no decision e-mail queued: %v", err)
	}
	if status, _ := post(t, c, ts.URL+"/backoffice/queues/plans/"+id+"/reject", url.Values{"message": {"late"}}); status != http.StatusSeeOther {
		t.Errorf("deciding twice: status %d, want a redirect with an error", status)
	}
}

func TestPlanRejectNeedsMessageAndLimit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.signIn(t, "col@example.com", billing.RoleCollector)
	id, _ := proposePendingPlan(t, ts)

	status, _ := post(t, c, ts.URL+"/backoffice/queues/plans/"+id+"/reject", url.Values{"message": {""}})
	if status != http.StatusSeeOther {
		t.Fatalf("reject without message: status %d", status)
	}
	var planStatus string
	_ = ts.pool.QueryRow(context.Background(), `SELECT status FROM installment_plans WHERE id = $1`, id).Scan(&planStatus)
	if planStatus != "pending" {
		t.Errorf("rejected without a message: status %s", planStatus)
	}

	if _, err := ts.pool.Exec(context.Background(), `UPDATE collection_settings SET collector_limit_minor = 100`); err != nil {
		t.Fatal(err)
	}
	if status, _ := post(t, c, ts.URL+"/backoffice/queues/plans/"+id+"/approve", nil); status != http.StatusForbidden {
		t.Errorf("above the limit: status %d, want 403", status)
	}
	viewer := ts.signIn(t, "view@example.com", billing.RoleViewer)
	_, body := get(t, viewer, ts.URL+"/backoffice/queues/plans")
	if strings.Contains(body, `data-testid="plan-approve"`) {
		t.Error("viewer sees the approve button")
	}
	if status, _ := post(t, viewer, ts.URL+"/backoffice/queues/plans/"+id+"/approve", nil); status != http.StatusForbidden {
		t.Errorf("viewer approve: status %d, want 403", status)
	}
	admin := ts.signIn(t, "admin@example.com", billing.RoleAdmin)
	if status, _ := post(t, admin, ts.URL+"/backoffice/queues/plans/"+id+"/reject", url.Values{"message": {"Please pay half now."}}); status != http.StatusSeeOther {
		t.Errorf("admin reject: status %d", status)
	}
}
