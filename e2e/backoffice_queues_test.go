//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing"
)

// seedPlanAndDispute has Northwind propose an eight-installment plan for its
// newest invoice (more than the portal approves alone) and dispute its oldest.
func seedPlanAndDispute(t *testing.T, s *Server) {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, s.DatabaseURL)
	Must(t, err)
	defer pool.Close()

	var customerID, newest, oldest int64
	Must(t, pool.QueryRow(ctx, `
		SELECT c.id, (SELECT id FROM invoices WHERE customer_id = c.id ORDER BY due_date DESC LIMIT 1),
			(SELECT id FROM invoices WHERE customer_id = c.id ORDER BY due_date LIMIT 1)
		FROM customers c WHERE c.name = 'Northwind Traders'`).Scan(&customerID, &newest, &oldest))
	tz, err := time.LoadLocation("America/New_York")
	Must(t, err)
	today := billing.Today(time.Now(), tz)
	_, err = billing.ProposePlan(ctx, pool, billing.PlanProposal{CustomerID: customerID, InvoiceIDs: []int64{newest}, Count: 8,
		Frequency: billing.FrequencyMonthly, First: today.AddDays(10), Actor: billing.Actor{Kind: "contact", Name: "ap@northwind.example"}}, today)
	Must(t, err)
	_, err = pool.Exec(ctx, `
		INSERT INTO disputes (customer_id, invoice_id, reason, message, source)
		VALUES ($1, $2, 'Damaged goods', 'Two racks arrived bent', 'portal')`, customerID, oldest)
	Must(t, err)
}

func TestBackofficeCollectorWorksQueues(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	seedPlanAndDispute(t, s)
	admin := NewPage(t)
	StaffSignIn(t, admin, s, AdminEmail, AdminPassword)
	password := inviteStaff(t, admin, s, "quinn@ledgvero.localhost", "collector")

	page := NewPage(t)
	StaffSignIn(t, page, s, "quinn@ledgvero.localhost", password)
	Must(t, Expect().Locator(ByTestID(page, "queue-plans")).ToHaveText("1"))
	Must(t, Expect().Locator(ByTestID(page, "queue-disputes")).ToHaveText("1"))

	// Approve the plan with four installments instead of eight.
	Goto(t, page, s.URL+"/backoffice/queues/plans", http.StatusOK)
	plan := ByTestID(page, "plan").First()
	Must(t, plan.Locator(`[data-testid="plan-changes-toggle"]`).Click())
	Must(t, plan.Locator(`[data-testid="plan-count"]`).Fill("4"))
	Must(t, plan.Locator(`[data-testid="plan-message"]`).Fill("Four payments suit our month end better."))
	Must(t, plan.Locator(`[data-testid="plan-approve-changes"]`).Click())
	Must(t, Expect().Locator(ByTestID(page, "flash")).ToContainText("Plan approved"))
	Must(t, Expect().Locator(ByTestID(page, "no-plans")).ToBeVisible())

	// Resolve the dispute with a partial credit of 100.00.
	Goto(t, page, s.URL+"/backoffice/queues/disputes", http.StatusOK)
	dispute := ByTestID(page, "dispute").First()
	Must(t, Expect().Locator(dispute).ToContainText("Two racks arrived bent"))
	Must(t, dispute.Locator(`[data-testid="dispute-resolve-toggle"]`).Click())
	Must(t, dispute.Locator(`[data-testid="dispute-credit"]`).Fill("100.00"))
	Must(t, dispute.Locator(`[data-testid="dispute-resolve"]`).Click())
	Must(t, Expect().Locator(ByTestID(page, "flash")).ToContainText("Dispute decided"))

	Goto(t, page, s.URL+"/backoffice/customers/"+customerID(t, s, "Northwind Traders"), http.StatusOK)
	timeline := ByTestID(page, "timeline")
	Must(t, Expect().Locator(timeline.Locator(`[data-kind="plan.approved"]`)).ToContainText("approved with changes"))
	Must(t, Expect().Locator(timeline.Locator(`[data-kind="dispute.resolved"]`)).ToContainText("partial credit of $100.00"))
	Must(t, Expect().Locator(timeline.Locator(`[data-kind="credit_note.issued"]`)).ToHaveCount(1))
}
