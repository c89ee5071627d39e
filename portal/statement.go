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
	Overdue  billing.Money
	Statuses []string // the debtor status of each open item, as DebtorStatus returns it
	Rows     []statementRow
	today    billing.Date
}

// loadStatement loads the customer's statement as of today with every open
// invoice formatted for display, for the downloads.
func (h *Handler) loadStatement(c echo.Context, customerID int64) (debtorStatement, error) {
	cust, err := h.debtorCustomer(c, customerID)
	if err != nil {
		return debtorStatement{}, err
	}
	ds, err := h.openStatement(c, cust)
	if err != nil {
		return debtorStatement{}, err
	}
	ds.Rows = ds.formatRows(0, len(ds.OpenItems))
	return ds, nil
}

// debtorCustomer returns the customer that requireDebtor loaded when its id is
// customerID, so a page does not read the same customer row twice, and
// otherwise loads it.
func (h *Handler) debtorCustomer(c echo.Context, customerID int64) (billing.Customer, error) {
	if d, ok := c.Get("debtor").(debtor); ok && d.customer.ID == customerID {
		return d.customer, nil
	}
	return billing.CustomerByID(c.Request().Context(), h.Pool, customerID)
}

// openStatement loads the open part of the customer's statement as of today and
// the status of each open item, but formats no rows.
func (h *Handler) openStatement(c echo.Context, cust billing.Customer) (debtorStatement, error) {
	ctx := c.Request().Context()
	today := billing.Today(h.Now(), h.Timezone)
	st, err := billing.OpenStatement(ctx, h.Pool, cust, today)
	if err != nil {
		return debtorStatement{}, err
	}
	states, err := billing.InvoiceStates(ctx, h.Pool, cust.ID)
	if err != nil {
		return debtorStatement{}, err
	}

	ds := debtorStatement{CustomerStatement: st, Overdue: billing.Money{Currency: st.TotalDue.Currency}, today: today}
	ds.Statuses = make([]string, len(st.OpenItems))
	for i, l := range st.OpenItems {
		ds.Statuses[i] = billing.DebtorStatus(l, states[l.ID])
		if l.DaysOverdue > 0 {
			ds.Overdue = ds.Overdue.Add(l.Open)
		}
	}
	return ds, nil
}

// formatRows formats the open items from index from up to, not including, to.
// The page formats only the rows it shows.
func (ds *debtorStatement) formatRows(from, to int) []statementRow {
	rows := make([]statementRow, 0, to-from)
	for i, l := range ds.OpenItems[from:to] {
		status := ds.Statuses[from+i]
		row := statementRow{
			ID: l.ID, URL: "/portal/invoices/" + strconv.FormatInt(l.ID, 10), Number: l.Number,
			Issued: l.IssueDate.Format(), Due: l.DueDate.Format(), Amount: l.Total.String(), Open: l.Open.String(),
			Status: status, StatusClass: statusClass(status),
		}
		if l.DaysOverdue > 0 {
			row.DaysOverdue = strconv.Itoa(l.DaysOverdue) + " days overdue"
			if status == "open" || status == "partially paid" {
				row.StatusClass = "overdue"
			}
		}
		if status == "open" && !l.DiscountUntil.IsZero() && !ds.today.After(l.DiscountUntil) {
			pct := float64(l.DiscountRateBP) / 100 // display only; the amount is computed in minor units
			row.Status, row.StatusClass = fmt.Sprintf("%.4g%% off until %s", pct, l.DiscountUntil.Format()), "discount"
		}
		rows = append(rows, row)
	}
	return rows
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

// ServeStatement renders the statement page of customer cust for the contact
// with e-mail address email, who must be allowed to see it. The statement route
// calls it through requireDebtor. The server benchmark calls it from a handler
// without sessions or middleware to measure what those add to the page.
func (h *Handler) ServeStatement(c echo.Context, email string, cust billing.Customer) error {
	c.Set("debtor", debtor{Email: email, CustomerID: cust.ID, Account: cust.Name, Currency: cust.Currency, customer: cust})
	return h.statement(c)
}

func (h *Handler) statement(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	ds, err := h.openStatement(c, d.customer)
	if err != nil {
		return err
	}

	pageCount := max(1, (len(ds.OpenItems)+statementPageSize-1)/statementPageSize)
	pageNumber, err := strconv.Atoi(c.QueryParam("page"))
	if err != nil || pageNumber < 1 {
		pageNumber = 1
	}
	pageNumber = min(pageNumber, pageCount)
	start := (pageNumber - 1) * statementPageSize
	rows := ds.formatRows(start, min(start+statementPageSize, len(ds.OpenItems)))

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
