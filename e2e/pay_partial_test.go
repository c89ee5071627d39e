//go:build e2e

package e2e

import (
	"net/http"
	"regexp"
	"testing"
)

func TestPayPartOfTwoInvoices(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	page := NewPage(t)
	DebtorSignIn(t, page, s, payer)

	Goto(t, page, s.URL+"/portal/pay", http.StatusOK)
	Must(t, ByTestID(page, "pay-check-NW-0987").Check())
	Must(t, ByTestID(page, "pay-amount-NW-0987").Fill("100.00"))
	Must(t, ByTestID(page, "pay-check-NW-1001").Check())
	Must(t, ByTestID(page, "pay-amount-NW-1001").Fill("250.50"))
	Must(t, ByTestID(page, "pay-reason").Fill("Two lines are disputed"))
	Must(t, ByTestID(page, "pay-submit").Click())
	Must(t, Expect().Page(page).ToHaveURL(regexp.MustCompile(`/sandbox/checkout/cs_test_sandbox_`)))
	Must(t, Expect().Locator(ByTestID(page, "sandbox-amount")).ToHaveText("$350.50"))

	Must(t, ByTestID(page, "sandbox-card-number").Fill("4242 4242 4242 4242"))
	Must(t, ByTestID(page, "sandbox-pay-card").Click())
	Must(t, Expect().Page(page).ToHaveURL(regexp.MustCompile(`/portal/receipts/\d+$`)))
	Must(t, Expect().Locator(ByTestID(page, "receipt-amount")).ToHaveText("$350.50"))

	// Each invoice is reduced by the amount typed for it, not oldest first.
	if n := countRows(t, s, `SELECT count(*) FROM invoices WHERE number = 'NW-0987' AND open_minor = 215400 - 10000`); n != 1 {
		t.Error("NW-0987 is not open for $2,054.00 after paying $100.00 of it")
	}
	if n := countRows(t, s, `SELECT count(*) FROM invoices WHERE number = 'NW-1001' AND open_minor = 614000 - 25050`); n != 1 {
		t.Error("NW-1001 is not open for $5,889.50 after paying $250.50 of it")
	}
}
