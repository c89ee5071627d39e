package portal

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/stripegw"
	"github.com/ledgvero/ledgvero/templates"
)

// sandboxPage is the sandbox's stand-in for Stripe Checkout.
type sandboxPage struct {
	templates.Base
	SessionID string
	Amount    string
	CancelURL string
	Complete  bool
	Method    string // the form that was submitted: "card" or "bank"
	Errors    map[string]string
}

func (h *Handler) sandboxCheckout(c echo.Context) error {
	page, err := h.newSandboxPage(c)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "portal/sandbox_checkout", page)
}

func (h *Handler) newSandboxPage(c echo.Context) (sandboxPage, error) {
	ss, err := h.Payments.Sandbox.Load(c.Request().Context(), c.Param("id"))
	if errors.Is(err, billing.ErrNotFound) {
		return sandboxPage{}, echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return sandboxPage{}, err
	}
	base := h.base(c, "Sandbox checkout")
	base.Sandbox = true
	return sandboxPage{
		Base: base, SessionID: ss.ID, Amount: ss.Amount.String(), CancelURL: ss.CancelURL,
		Complete: ss.Status != "open", Errors: map[string]string{},
	}, nil
}

// sandboxPay takes a test card or bank account. The session id in the URL is
// the capability, as with a Stripe Checkout URL.
func (h *Handler) sandboxPay(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	var next string
	var err error
	method := c.FormValue("method")
	switch method {
	case "card":
		next, err = h.Payments.Sandbox.PayByCard(ctx, id, c.FormValue("card_number"))
	case "bank":
		next, err = h.Payments.Sandbox.PayByBank(ctx, id, c.FormValue("routing_number"), c.FormValue("account_number"))
	default:
		return echo.NewHTTPError(http.StatusBadRequest, "Invalid payment method: choose card or bank account.")
	}

	var inputErr *stripegw.SandboxInputError
	switch {
	case errors.As(err, &inputErr):
		page, perr := h.newSandboxPage(c)
		if perr != nil {
			return perr
		}
		page.Method, page.Errors[inputErr.Field] = method, inputErr.Message
		return c.Render(http.StatusUnprocessableEntity, "portal/sandbox_checkout", page)
	case errors.Is(err, billing.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound)
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}
