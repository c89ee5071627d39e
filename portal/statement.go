package portal

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/templates"
)

// statementPageSize is how many open invoices one statement page shows.
const statementPageSize = 50

// statementPage is the portal home: the open account of one customer.
type statementPage struct {
	templates.Base
	AsOf         string
	TotalDue     string
	TotalOverdue string
	Credit       string // unapplied customer credit, "" when there is none
	NetDue       string // total due minus credit
	Rows         []statementRow
	Paid         []paidRow
	PageNumber   int
	PageCount    int
	PrevURL      string
	NextURL      string
}

// statementRow is pre-formatted in Go so the template does no per-row work.
type statementRow struct {
	ID          int64
	URL         string
	Number      string
	Issued      string
	Due         string
	Amount      string
	Open        string
	DaysOverdue string
	Status      string
	StatusClass string
}

// paidRow is one settled invoice in the paid history.
type paidRow struct {
	URL    string
	Number string
	Issued string
	Amount string
	PaidOn string
}

// debtorStatement is the statement data shared by the page and the downloads.
type debtorStatement struct {
	billing.CustomerStatement
	Overdue billing.Money
	Rows    []statementRow
}

// loadStatement loads the customer's statement as of today with every open
// invoice formatted for display.
func (h *Handler) loadStatement(c echo.Context, customerID int64) (debtorStatement, error) {
	ctx := c.Request().Context()
	today := billing.Today(h.Now(), h.Timezone)
	st, err := billing.Statement(ctx, h.Pool, customerID, today)
	if err != nil {
		return debtorStatement{}, err
	}
	states, err := billing.InvoiceStates(ctx, h.Pool, customerID)
	if err != nil {
		return debtorStatement{}, err
	}

	ds := debtorStatement{CustomerStatement: st, Overdue: billing.Money{Currency: st.TotalDue.Currency}}
	ds.Rows = make([]statementRow, 0, len(st.OpenItems))
	for _, l := range st.OpenItems {
		status := billing.DebtorStatus(l, states[l.ID])
		row := statementRow{
			ID: l.ID, URL: fmt.Sprintf("/portal/invoices/%d", l.ID), Number: l.Number,
			Issued: l.IssueDate.Format(), Due: l.DueDate.Format(), Amount: l.Total.String(), Open: l.Open.String(),
			Status: status, StatusClass: statusClass(status),
		}
		if l.DaysOverdue > 0 {
			ds.Overdue = ds.Overdue.Add(l.Open)
			row.DaysOverdue = fmt.Sprintf("%d days overdue", l.DaysOverdue)
			if status == "open" || status == "partially paid" {
				row.StatusClass = "overdue"
			}
		}
		if status == "open" && !l.DiscountUntil.IsZero() && !today.After(l.DiscountUntil) {
			pct := float64(l.DiscountRateBP) / 100 // display only; the amount is computed in minor units
			row.Status, row.StatusClass = fmt.Sprintf("%.4g%% off until %s", pct, l.DiscountUntil.Format()), "discount"
		}
		ds.Rows = append(ds.Rows, row)
	}
	return ds, nil
}

func statusClass(status string) string {
	switch status {
	case "paid":
		return "paid"
	case "disputed":
		return "disputed"
	case "in a plan", "plan pending", "promised", "processing":
		return "paused"
	}
	return ""
}

func (h *Handler) statement(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	ds, err := h.loadStatement(c, d.CustomerID)
	if err != nil {
		return err
	}

	pageCount := max(1, (len(ds.Rows)+statementPageSize-1)/statementPageSize)
	pageNumber, err := strconv.Atoi(c.QueryParam("page"))
	if err != nil || pageNumber < 1 {
		pageNumber = 1
	}
	pageNumber = min(pageNumber, pageCount)
	start := (pageNumber - 1) * statementPageSize
	rows := ds.Rows[start:min(start+statementPageSize, len(ds.Rows))]

	paid, err := billing.PaidInvoices(c.Request().Context(), h.Pool, d.CustomerID, 20, 0)
	if err != nil {
		return err
	}
	page := statementPage{
		Base: h.base(c, "Statement"), AsOf: ds.AsOf.Format(),
		TotalDue: ds.TotalDue.String(), TotalOverdue: ds.Overdue.String(), Rows: rows,
		NetDue: ds.Balance.String(), PageNumber: pageNumber, PageCount: pageCount,
	}
	if ds.Credit.Amount > 0 {
		page.Credit = ds.Credit.String()
	}
	if pageNumber > 1 {
		page.PrevURL = fmt.Sprintf("/portal/?page=%d", pageNumber-1)
	}
	if pageNumber < pageCount {
		page.NextURL = fmt.Sprintf("/portal/?page=%d", pageNumber+1)
	}
	for _, p := range paid {
		page.Paid = append(page.Paid, paidRow{
			URL: fmt.Sprintf("/portal/invoices/%d", p.ID), Number: p.Number, Issued: p.IssueDate.Format(),
			Amount: p.Total.String(), PaidOn: p.PaidOn.Format(),
		})
	}
	return c.Render(http.StatusOK, "portal/statement", page)
}
