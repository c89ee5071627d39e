package portal

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
)

func (h *Handler) statement(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	cust, err := billing.CustomerByID(c.Request().Context(), h.Pool, d.CustomerID)
	if err != nil {
		return err
	}
	today := billing.Today(h.Now(), h.Timezone)
	lines, err := billing.OpenInvoices(c.Request().Context(), h.Pool, d.CustomerID, today)
	if err != nil {
		return err
	}

	due := billing.Money{Currency: cust.Currency}
	overdue := due
	rows := make([]statementRow, 0, len(lines))
	for _, l := range lines {
		due = due.Add(l.Open)
		row := statementRow{
			Number: l.Number, Issued: l.IssueDate.Format(), Due: l.DueDate.Format(),
			Amount: l.Total.String(), Open: l.Open.String(), Status: "Open",
		}
		switch {
		case l.DaysOverdue > 0:
			overdue = overdue.Add(l.Open)
			row.Status, row.StatusClass = fmt.Sprintf("%d days overdue", l.DaysOverdue), "overdue"
		case !l.DiscountUntil.IsZero() && !today.After(l.DiscountUntil):
			pct := float64(l.DiscountRateBP) / 100 // display only; the amount is computed in minor units
			row.Status, row.StatusClass = fmt.Sprintf("%.4g%% off until %s", pct, l.DiscountUntil.Format()), "discount"
		}
		rows = append(rows, row)
	}

	page := statementPage{
		Base: h.base(c, "Statement"), AsOf: today.Format(),
		TotalDue: due.String(), TotalOverdue: overdue.String(), Rows: rows,
	}
	return c.Render(http.StatusOK, "portal/statement", page)
}
