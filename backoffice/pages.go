package backoffice

import "github.com/ledgvero/ledgvero/templates"

// loginPage is the staff sign-in form. AskCode shows the authenticator code field.
type loginPage struct {
	templates.Base
	Email   string
	Error   string
	AskCode bool
}
