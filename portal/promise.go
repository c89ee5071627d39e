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

// promiseInput is the promise-to-pay form.
type promiseInput struct {
	Date   string `form:"date"`
	Amount string `form:"amount"`
}

func (h *Handler) promise(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	id, err := invoiceID(c)
	if err != nil {
		return err
	}
	in := promiseInput{Date: strings.TrimSpace(c.FormValue("date")), Amount: strings.TrimSpace(c.FormValue("amount"))}
	ctx := c.Request().Context()
	today := billing.Today(h.Now(), h.Timezone)

	inv, err := billing.DebtorInvoice(ctx, h.Pool, d.CustomerID, id, today)
	if err != nil {
		return err
	}
	form := promiseForm{Date: in.Date, Amount: in.Amount}
	date, derr := billing.ParseDate(in.Date)
	if derr != nil {
		form.DateError = "Enter the date you will pay, as YYYY-MM-DD."
	}
	amount, aerr := billing.ParseMoney(in.Amount, inv.Total.Currency)
	if aerr != nil {
		form.AmountError = amountMessage(in.Amount, inv.Total.Currency)
	}

	if derr == nil && aerr == nil {
		err = billing.InTx(ctx, h.Pool, func(tx pgx.Tx) error {
			_, err := billing.CreatePromise(ctx, tx, billing.NewPromise{
				CustomerID: d.CustomerID, InvoiceID: id, Date: date, Amount: amount,
				Actor: billing.Actor{Kind: "contact", Name: d.Email}, Source: "portal",
			}, today)
			return err
		})
		var fe billing.FieldErrors
		switch {
		case err == nil:
			return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/portal/invoices/%d?done=promise", id))
		case errors.As(err, &fe):
			form.DateError, form.AmountError = fe["date"], fe["amount"]
		default:
			return err
		}
	}
	return h.renderInvoice(c, http.StatusUnprocessableEntity, func(p *invoicePage) {
		p.Promise = form
		p.Flash, p.FlashError = "Your promise was not saved. Check the fields below.", true
	})
}

// amountMessage explains why an amount did not parse, naming the currency's decimals.
func amountMessage(raw, currency string) string {
	if raw == "" {
		return "Enter an amount, such as 250.00."
	}
	digits, _ := billing.MinorDigits(currency)
	if whole, frac, ok := strings.Cut(raw, "."); ok && len(frac) > digits && whole != "" {
		if digits == 0 {
			return fmt.Sprintf("%s amounts have no decimals: enter a whole number.", currency)
		}
		return fmt.Sprintf("Use at most %d decimals for %s.", digits, currency)
	}
	return "Enter the amount as a number, such as 250.00."
}
