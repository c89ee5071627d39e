package portal

import (
	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/templates"
)

// loginPage is the form where a contact asks for a sign-in link.
type loginPage struct {
	templates.Base
	Email    string
	Error    string
	Sent     bool
	Lifetime string // how long the sent link works, as in "15 minutes"
}

// linkPage is the landing page of a sign-in link. Problem is set when the link
// can no longer be used.
type linkPage struct {
	templates.Base
	Token   string
	Problem string
}

// accountsPage lets a contact of several customers pick one.
type accountsPage struct {
	templates.Base
	Accounts []billing.AccountRef
}

// statementPage is the portal home: the open account of one customer.
type statementPage struct {
	templates.Base
	AsOf         string
	TotalDue     string
	TotalOverdue string
	Rows         []statementRow
}

// statementRow is pre-formatted in Go so the template does no per-row work.
type statementRow struct {
	Number      string
	Issued      string
	Due         string
	Amount      string
	Open        string
	Status      string
	StatusClass string
}
