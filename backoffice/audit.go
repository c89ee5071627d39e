package backoffice

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
)

// auditPage is the admin view of every staff action, newest first, paged by id.
type auditPage struct {
	page
	Entries []billing.AuditEntry
	Actor   string
	NextURL string
}

func (h *Handler) audit(c echo.Context) error {
	f := billing.AuditFilter{Actor: c.QueryParam("actor"), Limit: 100}
	if v := c.QueryParam("before"); v != "" {
		f.BeforeID, _ = strconv.ParseInt(v, 10, 64)
	}
	entries, err := billing.ListAudit(c.Request().Context(), h.Pool, f)
	if err != nil {
		return err
	}
	for i := range entries {
		entries[i].OccurredAt = entries[i].OccurredAt.In(h.Timezone)
	}
	p := auditPage{page: h.page(c, "Audit log"), Entries: entries, Actor: f.Actor}
	if len(entries) == f.Limit {
		p.NextURL = "/backoffice/audit?before=" + itoa(entries[len(entries)-1].ID)
		if f.Actor != "" {
			p.NextURL += "&actor=" + url.QueryEscape(f.Actor)
		}
	}
	return c.Render(http.StatusOK, "backoffice/audit", p)
}
