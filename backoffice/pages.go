package backoffice

import "github.com/ledgvero/ledgvero/templates"

// loginPage is the staff sign-in form.
type loginPage struct {
	templates.Base
	Email string
	Error string
}

// dashboardPage is the back-office home.
type dashboardPage struct {
	templates.Base
	OrgName          string
	CustomerCount    int
	OpenInvoiceCount int
}
