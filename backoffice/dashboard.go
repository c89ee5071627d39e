package backoffice

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

func (h *Handler) dashboard(c echo.Context) error {
	page := dashboardPage{Base: h.base(c, "Dashboard"), OrgName: h.OrgName}
	err := h.Pool.QueryRow(c.Request().Context(), `
		SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM invoices WHERE voided_at IS NULL)`).
		Scan(&page.CustomerCount, &page.OpenInvoiceCount)
	if err != nil {
		return fmt.Errorf("counting dashboard figures: %w", err)
	}
	return c.Render(http.StatusOK, "backoffice/dashboard", page)
}
