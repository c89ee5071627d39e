package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/templates"
)

// payStatusPage shows the status of an attempt after the gateway sent the
// debtor back. A pending attempt reloads itself until the webhook confirms it.
type payStatusPage struct {
	templates.Base
	AttemptID int64
	Status    string
	Amount    string
	Method    string
	Failure   string
	Cancelled bool
}

// receiptPage is the receipt of a succeeded payment.
type receiptPage struct {
	templates.Base
	AttemptID int64
	Amount    string
	Discount  string
	Method    string
	Reference string
	Paid      string
	Status    string
	Lines     []receiptLine
}

type receiptLine struct {
	Number   string
	Amount   string
	Discount string
}

func (h *Handler) attemptParam(c echo.Context) (billing.PaymentAttempt, error) {
	d := c.Get("debtor").(debtor)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return billing.PaymentAttempt{}, echo.NewHTTPError(http.StatusNotFound)
	}
	a, err := billing.AttemptOfCustomer(c.Request().Context(), h.Pool, d.CustomerID, id)
	if errors.Is(err, billing.ErrNotFound) {
		return billing.PaymentAttempt{}, echo.NewHTTPError(http.StatusNotFound)
	}
	return a, err
}

func (h *Handler) payStatus(c echo.Context) error {
	a, err := h.attemptParam(c)
	if err != nil {
		return err
	}
	if a.Status == billing.AttemptSucceeded {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/portal/receipts/%d", a.ID))
	}
	page := payStatusPage{
		Base: h.base(c, "Payment status"), AttemptID: a.ID, Status: a.Status, Amount: a.Amount.String(),
		Method: methodLabel(a.Method), Failure: a.FailureMessage,
		Cancelled: c.QueryParam("result") == "cancel" && a.Status == billing.AttemptPending,
	}
	if a.Status == billing.AttemptPending && !page.Cancelled {
		// The webhook usually arrives within seconds, so the page reloads until
		// it does. The Refresh header needs no script, which the CSP forbids inline.
		c.Response().Header().Set("Refresh", "3")
	}
	return c.Render(http.StatusOK, "portal/pay_status", page)
}

func (h *Handler) receipt(c echo.Context) error {
	a, err := h.attemptParam(c)
	if err != nil {
		return err
	}
	switch a.Status {
	case billing.AttemptSucceeded, billing.AttemptRefunded, billing.AttemptDisputed:
	default:
		// Only money that arrived gets a receipt.
		return echo.NewHTTPError(http.StatusNotFound)
	}
	page := receiptPage{
		Base: h.base(c, "Receipt"), AttemptID: a.ID, Amount: a.Amount.String(), Method: methodLabel(a.Method),
		Reference: a.PaymentIntentID, Paid: a.CreatedAt.In(h.Timezone).Format("Jan 2, 2006"), Status: a.Status,
	}
	if a.Discount.Amount > 0 {
		page.Discount = a.Discount.String()
	}
	for _, l := range a.Lines {
		line := receiptLine{Number: l.Number, Amount: l.Amount.String()}
		if l.Discount.Amount > 0 {
			line.Discount = l.Discount.String()
		}
		page.Lines = append(page.Lines, line)
	}
	return c.Render(http.StatusOK, "portal/receipt", page)
}

func methodLabel(m string) string {
	switch m {
	case billing.MethodCard:
		return "card"
	case billing.MethodACH:
		return "bank account (ACH)"
	}
	return ""
}
