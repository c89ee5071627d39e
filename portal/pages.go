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
