package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/stripegw"
	"github.com/ledgvero/ledgvero/templates"
)

// Payments are the portal's payment dependencies. Sandbox is set only when no
// Stripe key is configured, and then it is also the Gateway.
type Payments struct {
	Gateway   stripegw.Gateway
	Sandbox   *stripegw.Sandbox
	Processor *stripegw.Processor
}

// payPage is the form where a debtor chooses invoices and amounts to pay.
type payPage struct {
	templates.Base
	IdempotencyKey string
	Rows           []payRow
	AllowPartial   bool
	Reason         string
	Errors         map[string]string
	Stripe         bool
}

// payRow is one open invoice on the pay form, formatted in Go.
type payRow struct {
	ID            int64
	Number        string
	Due           string
	Open          string
	DueNow        string
	DueNowDecimal string
	Discount      string
	DiscountUntil string
	InFlight      bool
	Checked       bool
	Amount        string
	Field         string
	Error         string
}

func (h *Handler) payForm(c echo.Context) error {
	page, err := h.newPayPage(c)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "portal/pay", page)
}

func (h *Handler) newPayPage(c echo.Context) (payPage, error) {
	d := c.Get("debtor").(debtor)
	ctx := c.Request().Context()
	payable, err := billing.PayableInvoices(ctx, h.Pool, d.CustomerID, billing.Today(h.Now(), h.Timezone))
	if err != nil {
		return payPage{}, err
	}
	allow, err := billing.AllowPartialPayments(ctx, h.Pool)
	if err != nil {
		return payPage{}, err
	}
	page := payPage{
		Base: h.base(c, "Pay invoices"), IdempotencyKey: billing.NewIdempotencyKey(), AllowPartial: allow,
		Errors: map[string]string{}, Stripe: h.Payments.Sandbox == nil,
	}
	for _, p := range payable {
		row := payRow{
			ID: p.ID, Number: p.Number, Due: p.DueDate.Format(), Open: p.Open.String(),
			DueNow: p.DueNow.String(), DueNowDecimal: p.DueNow.Decimal(), InFlight: p.InFlight,
			Field: billing.AmountField(p.ID),
		}
		if p.Discount.Amount > 0 {
			row.Discount, row.DiscountUntil = p.Discount.String(), p.DiscountUntil.Format()
		}
		page.Rows = append(page.Rows, row)
	}
	return page, nil
}

// pay creates a payment attempt from the form and sends the debtor to the
// gateway's checkout. The amounts come from the ledger; the form only says
// which invoices, and for a partial payment how much.
func (h *Handler) pay(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	ctx := c.Request().Context()
	req, err := h.payRequest(c, d)
	if err != nil {
		return err
	}

	var attempt billing.PaymentAttempt
	err = billing.InTx(ctx, h.Pool, func(tx pgx.Tx) error {
		attempt, _, err = billing.CreatePaymentAttempt(ctx, tx, req)
		return err
	})
	var inputErr *billing.InputError
	switch {
	case errors.As(err, &inputErr):
		return h.payFormWithErrors(c, req, inputErr)
	case errors.Is(err, billing.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound)
	case err != nil:
		return err
	}

	if attempt.Status != billing.AttemptPending {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/portal/pay/%d", attempt.ID))
	}
	url := attempt.CheckoutURL
	if url == "" {
		// A repeated submission that finds the attempt without a session asks
		// again with the same idempotency key and gets the same session.
		checkout, err := h.Payments.Gateway.StartCheckout(ctx, attempt, h.returnURLs(attempt.ID))
		if err != nil {
			return err
		}
		if err := billing.AttachCheckout(ctx, h.Pool, attempt.ID, checkout.SessionID, checkout.URL); err != nil {
			return err
		}
		url = checkout.URL
	}
	return c.Redirect(http.StatusSeeOther, url)
}

func (h *Handler) returnURLs(attemptID int64) stripegw.ReturnURLs {
	status := fmt.Sprintf("%s/portal/pay/%d", h.BaseURL, attemptID)
	return stripegw.ReturnURLs{Success: status + "?result=success", Cancel: status + "?result=cancel"}
}

// payRequest reads the form. An invoice id that is not a number gets the same
// 404 as another customer's invoice.
func (h *Handler) payRequest(c echo.Context, d debtor) (billing.PayRequest, error) {
	form, err := c.FormParams()
	if err != nil {
		return billing.PayRequest{}, echo.NewHTTPError(http.StatusBadRequest, "The form could not be read. Reload the page and try again.")
	}
	allow, err := billing.AllowPartialPayments(c.Request().Context(), h.Pool)
	if err != nil {
		return billing.PayRequest{}, err
	}
	req := billing.PayRequest{
		CustomerID: d.CustomerID, ContactEmail: d.Email, IdempotencyKey: form.Get("idempotency_key"),
		PartialReason: form.Get("reason"), Gateway: h.Payments.Gateway.Name(),
		InitiatedOn: billing.Today(h.Now(), h.Timezone), AllowPartial: allow,
	}
	for _, raw := range form["invoice"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return billing.PayRequest{}, echo.NewHTTPError(http.StatusNotFound)
		}
		req.Choices = append(req.Choices, billing.PayChoice{InvoiceID: id, Amount: form.Get(billing.AmountField(id))})
	}
	return req, nil
}

func (h *Handler) payFormWithErrors(c echo.Context, req billing.PayRequest, inputErr *billing.InputError) error {
	page, err := h.newPayPage(c)
	if err != nil {
		return err
	}
	if _, ok := inputErr.Fields["idempotency_key"]; !ok {
		// Keep the key: nothing was stored, and a corrected resubmission of this
		// form is still the same payment.
		page.IdempotencyKey = req.IdempotencyKey
	}
	page.Errors, page.Reason = inputErr.Fields, req.PartialReason
	chosen := map[int64]string{}
	for _, ch := range req.Choices {
		chosen[ch.InvoiceID] = ch.Amount
	}
	for i := range page.Rows {
		row := &page.Rows[i]
		if amount, ok := chosen[row.ID]; ok {
			row.Checked, row.Amount = true, amount
		}
		row.Error = inputErr.Fields[row.Field]
	}
	return c.Render(http.StatusUnprocessableEntity, "portal/pay", page)
}
