package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
)

// confirmReceipt records that the debtor received the invoice, optionally with
// the date their payables team scheduled payment.
func (h *Handler) confirmReceipt(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	id, err := invoiceID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	raw := strings.TrimSpace(c.FormValue("scheduled_on"))
	form := confirmForm{ScheduledOn: raw}

	var scheduled billing.Date
	if raw != "" {
		scheduled, err = billing.ParseDate(raw)
		if err != nil {
			form.ScheduledOnError = "Enter the scheduled payment date as YYYY-MM-DD, or leave it empty."
		}
	}
	if form.ScheduledOnError == "" {
		err = billing.InTx(ctx, h.Pool, func(tx pgx.Tx) error {
			return billing.ConfirmReceipt(ctx, tx, billing.ReceiptConfirmation{
				CustomerID: d.CustomerID, InvoiceID: id, Contact: d.Email, IP: c.RealIP(),
				UserAgent: c.Request().UserAgent(), ScheduledOn: scheduled,
			}, billing.Today(h.Now(), h.Timezone))
		})
		var fe billing.FieldErrors
		switch {
		case err == nil:
			return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/portal/invoices/%d?done=confirm", id))
		case errors.As(err, &fe):
			form.ScheduledOnError = fe["scheduled_on"]
		default:
			return err
		}
	}
	return h.renderInvoice(c, http.StatusUnprocessableEntity, func(p *invoicePage) {
		p.Confirm = form
		p.Flash, p.FlashError = "Your confirmation was not saved. Check the date below.", true
	})
}
