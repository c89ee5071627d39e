package backoffice

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
)

// segmentsPage is the risk-by-value matrix with counts and balances per cell.
type segmentsPage struct {
	page
	Rows     []matrixRow
	Currency string
}

type matrixRow struct {
	RiskBand string
	Cells    []matrixCellView
}

type matrixCellView struct {
	billing.MatrixCell
	Open, Overdue string
	ListURL       string
}

func (h *Handler) segments(c echo.Context) error {
	cells, err := billing.SegmentMatrix(c.Request().Context(), h.Pool)
	if err != nil {
		return err
	}
	p := segmentsPage{page: h.page(c, "Segments"), Currency: h.Currency}
	for i, cell := range cells {
		if i%3 == 0 {
			p.Rows = append(p.Rows, matrixRow{RiskBand: cell.RiskBand})
		}
		row := &p.Rows[len(p.Rows)-1]
		row.Cells = append(row.Cells, matrixCellView{MatrixCell: cell,
			Open:    billing.Money{Amount: cell.OpenMinor, Currency: h.Currency}.String(),
			Overdue: billing.Money{Amount: cell.OverdueMinor, Currency: h.Currency}.String(),
			ListURL: "/backoffice/customers?risk=" + cell.RiskBand + "&value=" + cell.ValueTier})
	}
	return c.Render(http.StatusOK, "backoffice/segments", p)
}

func (h *Handler) recomputeSegments(c echo.Context) error {
	n, err := billing.RecomputeSegments(c.Request().Context(), h.Pool, h.today(), 0)
	if err != nil {
		return err
	}
	h.Logger.Info("segments recomputed", "customers", n)
	return h.redirectWith(c, "/backoffice/segments", "Scores recomputed for "+itoa(int64(n))+" customers.")
}

func (h *Handler) takeSnapshot(c echo.Context) error {
	if _, err := billing.TakeSnapshot(c.Request().Context(), h.Pool, h.today()); err != nil {
		return err
	}
	return h.redirectWith(c, "/backoffice/", "Snapshot taken.")
}
