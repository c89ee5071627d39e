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
	AttemptID    int64
	Number       string // the receipt number, as in "R-000042"
	Payee        string // the seller's organization name
	PayeeAddress string
	Payer        string // the customer's name
	PayerEmail   string // the contact who paid
	Amount       string
	Discount     string
	Method       string // in words, as in "Card" or "Visa ending 4242"
	Reference    string
	Paid         string // the date the payment was received
	Status       string
	Lines        []receiptLine
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
	ctx := c.Request().Context()
	d := c.Get("debtor").(debtor)
	number := billing.ReceiptNumber(a.ID)
	page := receiptPage{
		Base: h.base(c, "Receipt "+number), AttemptID: a.ID, Number: number, Payer: d.Account, PayerEmail: a.ContactEmail,
		Amount: a.Amount.String(), Reference: a.PaymentIntentID, Status: a.Status,
		Paid: a.CreatedAt.In(h.Timezone).Format("Jan 2, 2006"),
	}
	org, err := billing.LoadOrganization(ctx, h.Pool)
	if err != nil && !errors.Is(err, billing.ErrNotFound) {
		return err
	}
	page.Payee, page.PayeeAddress = org.Name, org.Address
	if a.PaymentID != nil {
		p, err := billing.PaymentByID(ctx, h.Pool, *a.PaymentID)
		if err != nil {
			return err
		}
		page.Paid = p.ReceivedOn.Format()
	}
	if page.Method, err = h.receiptMethod(c, a); err != nil {
		return err
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

// receiptMethod names the payment method in words, with its last four digits
// when Ledgvero stores them, which it does only for a plan's saved method.
func (h *Handler) receiptMethod(c echo.Context, a billing.PaymentAttempt) (string, error) {
	saved, ok, err := billing.ChargedMethod(c.Request().Context(), h.Pool, a.ID)
	if err != nil {
		return "", err
	}
	if ok {
		return saved.Label(), nil
	}
	switch a.Method {
	case billing.MethodCard:
		return "Card", nil
	case billing.MethodACH:
		return "Bank account (ACH)", nil
	}
	return "", nil
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
