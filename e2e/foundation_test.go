//go:build e2e

package e2e

import (
	"net/http"
	"regexp"
	"testing"
)

func TestStaffSignInShowsDashboard(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	page := NewPage(t)

	Goto(t, page, s.URL+"/backoffice/", http.StatusOK) // redirected to the sign-in form
	Must(t, Expect().Page(page).ToHaveURL(regexp.MustCompile(`/backoffice/login$`)))

	StaffSignIn(t, page, s, AdminEmail, "wrong password, surely")
	Must(t, Expect().Locator(ByTestID(page, "login-error")).ToContainText("not correct"))

	StaffSignIn(t, page, s, AdminEmail, AdminPassword)
	Must(t, Expect().Locator(ByTestID(page, "dashboard-title")).ToHaveText("Dashboard"))
	Must(t, Expect().Locator(ByTestID(page, "current-user")).ToHaveText(AdminEmail))
}

func TestDebtorMagicLinkOpensStatement(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	page := NewPage(t)

	link := s.MagicLink(t, "ap@northwind.example")
	Goto(t, page, link, http.StatusOK)
	Goto(t, page, link, http.StatusOK) // a mail scanner's second fetch does not use the link up
	Must(t, ByTestID(page, "link-continue").Click())

	Must(t, Expect().Locator(ByTestID(page, "statement-title")).ToHaveText("Statement for Northwind Traders"))
	Must(t, Expect().Locator(ByTestID(page, "current-account")).ToContainText("Northwind Traders"))
	Must(t, Expect().Locator(ByTestID(page, "invoice-row")).ToHaveCount(3))
	Must(t, Expect().Locator(page.GetByText("40 days overdue")).ToBeVisible())

	Goto(t, page, link, http.StatusOK) // the spent link now offers a fresh one
	Must(t, Expect().Locator(ByTestID(page, "link-problem")).ToHaveText("This sign-in link was already used"))
}
