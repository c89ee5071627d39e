//go:build e2e

package e2e

import (
	"net/http"
	"testing"

	"github.com/mxschmitt/playwright-go"
)

func TestStaffWaivesLateFee(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	execSQL(t, s, `INSERT INTO late_fees (invoice_id, customer_id, kind, period, currency, amount_minor, basis_minor, accrued_on, rule)
		SELECT id, customer_id, 'flat', 0, currency, 2500, 0, due_date + 1, 'A flat fee of $25.00 once the invoice is overdue'
		FROM invoices WHERE number = 'NW-0987'`)
	page := NewPage(t)
	StaffSignIn(t, page, s, AdminEmail, AdminPassword)
	Goto(t, page, s.URL+"/backoffice/customers", http.StatusOK)
	Must(t, page.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Northwind Traders"}).Click())

	row := ByTestID(page, "late-fee-row")
	Must(t, Expect().Locator(row).ToContainText("NW-0987"))
	Must(t, Expect().Locator(row).ToContainText("$25.00"))
	Must(t, ByTestID(page, "waive-fee-toggle").Click())
	Must(t, ByTestID(page, "waive-fee-reason").Fill("First late payment in five years"))
	Must(t, ByTestID(page, "waive-fee").Click())

	Must(t, Expect().Locator(ByTestID(page, "flash")).ToHaveText("Late fee waived."))
	Must(t, Expect().Locator(ByTestID(page, "late-fee-waived")).ToBeVisible())
	Must(t, Expect().Locator(ByTestID(page, "waive-fee-form")).ToHaveCount(0))
	waived := page.Locator(`[data-testid="timeline-event"][data-kind="late_fee.waived"]`)
	Must(t, Expect().Locator(waived).ToContainText("Late fee of $25.00 waived: First late payment in five years"))
	if n := countRows(t, s, `SELECT count(*) FROM late_fees WHERE waived_by = $1`, "staff:"+AdminEmail); n != 1 {
		t.Errorf("waived fees = %d, want 1", n)
	}
}
