package portal

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/stripegw"
	"github.com/ledgvero/ledgvero/templates"
)

// sandboxSetupPage is the sandbox's stand-in for Stripe Checkout in setup
// mode: it saves a test card or bank account for automatic charging.
type sandboxSetupPage struct {
	templates.Base
	SetupID   string
	CancelURL string
	Complete  bool
	Method    string // the form that was submitted: "card" or "bank"
	Errors    map[string]string
}

func (h *Handler) newSandboxSetupPage(c echo.Context) (sandboxSetupPage, error) {
	setup, err := billing.LoadPlanSetup(c.Request().Context(), h.Pool, c.Param("id"))
	if errors.Is(err, billing.ErrNotFound) || (err == nil && setup.Gateway != "sandbox") {
		return sandboxSetupPage{}, echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return sandboxSetupPage{}, err
	}
	base := h.base(c, "Sandbox: save a payment method")
	base.Sandbox = true
	return sandboxSetupPage{Base: base, SetupID: setup.ID, CancelURL: setup.CancelURL, Complete: setup.Status != "open",
		Errors: map[string]string{}}, nil
}

func (h *Handler) sandboxSetup(c echo.Context) error {
	page, err := h.newSandboxSetupPage(c)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "portal/sandbox_setup", page)
}

// sandboxSaveMethod saves a test card or bank account. The setup id in the URL
// is the capability, as with a Stripe Checkout URL.
func (h *Handler) sandboxSaveMethod(c echo.Context) error {
	method := c.FormValue("method")
	next, err := h.Payments.Sandbox.SaveSetup(c.Request().Context(), c.Param("id"), method, c.FormValue("card_number"),
		c.FormValue("routing_number"), c.FormValue("account_number"))

	var inputErr *stripegw.SandboxInputError
	switch {
	case errors.As(err, &inputErr):
		page, perr := h.newSandboxSetupPage(c)
		if perr != nil {
			return perr
		}
		page.Method, page.Errors[inputErr.Field] = method, inputErr.Message
		return c.Render(http.StatusUnprocessableEntity, "portal/sandbox_setup", page)
	case errors.Is(err, billing.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound)
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}
