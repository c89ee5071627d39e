package backoffice

import (
	"encoding/csv"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
)

// agingPage is the aging report by customer as of any date, sortable, with a
// drill-down to one customer's open invoices.
type agingPage struct {
	page
	AsOf     string
	Sort     string
	Currency string
	Totals   []string
	Rows     []agingRow
	Drill    *agingDrill
	CSVURL   string
	Shown    int // rows on the page; the CSV has every customer
	Count    int // customers with an open balance
}

// maxAgingRows caps the customers listed on the page, in the chosen order, so a
// ledger with tens of thousands of debtors still renders quickly. The CSV export
// lists every customer.
const maxAgingRows = 500

type agingRow struct {
	CustomerID int64
	Name       string
	Cells      []string
	Total      string
}

type agingDrill struct {
	Name     string
	Invoices []billing.AgingInvoice
}

// agingColumns are the sortable columns, in the order the page shows them.
var agingColumns = []string{"name", "current", "1-30", "31-60", "61-90", "91+", "total"}

func (h *Handler) agingQuery(c echo.Context) (billing.AgingReport, string, error) {
	asOf := h.today()
	if v := c.QueryParam("as_of"); v != "" {
		d, err := billing.ParseDate(v)
		if err != nil {
			return billing.AgingReport{}, "", badRequest("as_of: enter a date such as 2026-01-31")
		}
		asOf = d
	}
	sortBy := c.QueryParam("sort")
	if !contains(agingColumns, sortBy) {
		sortBy = "total"
	}
	r, err := billing.Aging(c.Request().Context(), h.Pool, asOf)
	if err != nil {
		return billing.AgingReport{}, "", err
	}
	sortAging(r.Customers, sortBy)
	return r, sortBy, nil
}

// sortAging orders lines by name ascending or by an amount column descending.
func sortAging(lines []billing.CustomerAgingLine, by string) {
	amount := func(l billing.CustomerAgingLine) int64 {
		if by == "total" {
			return l.Buckets.Total().Amount
		}
		for i, name := range billing.AgingBucketNames {
			if name == by {
				return l.Buckets.Values()[i].Amount
			}
		}
		return 0
	}
	sort.SliceStable(lines, func(i, j int) bool {
		if by == "name" {
			return strings.ToLower(lines[i].Name) < strings.ToLower(lines[j].Name)
		}
		return amount(lines[i]) > amount(lines[j])
	})
}

func (h *Handler) aging(c echo.Context) error {
	r, sortBy, err := h.agingQuery(c)
	if err != nil {
		return err
	}
	p := agingPage{page: h.page(c, "Aging"), AsOf: r.AsOf.String(), Sort: sortBy, Currency: r.Currency,
		CSVURL: "/backoffice/aging.csv?as_of=" + r.AsOf.String() + "&sort=" + sortBy}
	for _, m := range r.Buckets.Values() {
		p.Totals = append(p.Totals, m.String())
	}
	p.Totals = append(p.Totals, r.Buckets.Total().String())
	p.Count = len(r.Customers)
	for _, l := range r.Customers[:min(len(r.Customers), maxAgingRows)] {
		row := agingRow{CustomerID: l.CustomerID, Name: l.Name, Total: l.Buckets.Total().String()}
		for _, m := range l.Buckets.Values() {
			row.Cells = append(row.Cells, m.String())
		}
		p.Rows = append(p.Rows, row)
	}
	p.Shown = len(p.Rows)

	if v := c.QueryParam("customer"); v != "" {
		id, err := pathIDValue(v)
		if err != nil {
			return err
		}
		cust, err := billing.CustomerByID(c.Request().Context(), h.Pool, id)
		if err != nil {
			return err
		}
		inv, err := billing.AgingInvoices(c.Request().Context(), h.Pool, r.AsOf, r.Currency, id)
		if err != nil {
			return err
		}
		p.Drill = &agingDrill{Name: cust.Name, Invoices: inv}
	}
	return c.Render(http.StatusOK, "backoffice/aging", p)
}

// agingCSV exports the report. Every text cell goes through billing.SafeCSVCell, so a customer
// named "=HYPERLINK(...)" opens as text in a spreadsheet, not as a formula.
func (h *Handler) agingCSV(c echo.Context) error {
	r, _, err := h.agingQuery(c)
	if err != nil {
		return err
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	header := []string{"customer_id", "external_id", "customer", "currency", "current", "1-30", "31-60", "61-90", "91+", "total"}
	if err := w.Write(header); err != nil {
		return err
	}
	for _, l := range r.Customers {
		rec := []string{itoa(l.CustomerID), billing.SafeCSVCell(l.ExternalID), billing.SafeCSVCell(l.Name), r.Currency}
		for _, m := range l.Buckets.Values() {
			rec = append(rec, m.Decimal())
		}
		rec = append(rec, l.Buckets.Total().Decimal())
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="aging-`+r.AsOf.String()+`.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", []byte(b.String()))
}
