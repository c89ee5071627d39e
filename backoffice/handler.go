// Package backoffice is the staff-facing HTTP surface: sign-in, the dashboard and,
// as they arrive, aging, customers, timelines, queues, settings and imports.
package backoffice

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/sessions"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/websession"
	"github.com/ledgvero/ledgvero/templates"
)

// Handler serves the back office. Its fields are its dependencies.
type Handler struct {
	Pool     *pgxpool.Pool
	Sessions *websession.Store
	Logger   *slog.Logger
	Now      func() time.Time
	Timezone *time.Location
	OrgName  string
}

const keyStaffID = "staff_id"

func (h *Handler) session(c echo.Context) (*sessions.Session, error) {
	return h.Sessions.Get(c.Request(), h.Sessions.CookieName())
}

func (h *Handler) base(c echo.Context, title string) templates.Base {
	b := templates.Base{Title: title, Surface: "backoffice"}
	if tok, ok := c.Get("csrf").(string); ok {
		b.CSRF = tok
	}
	if u, ok := c.Get("staff").(billing.StaffUser); ok {
		b.User = u.Email
	}
	return b
}

// requireStaff lets through only requests with a session of an active staff
// member, and stores that member in the context.
func (h *Handler) requireStaff(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess, err := h.session(c)
		if err != nil {
			return err
		}
		id, _ := sess.Values[keyStaffID].(int64)
		if id == 0 {
			return c.Redirect(http.StatusSeeOther, "/backoffice/login")
		}
		u, err := billing.StaffByID(c.Request().Context(), h.Pool, id)
		if errors.Is(err, billing.ErrNotFound) {
			return c.Redirect(http.StatusSeeOther, "/backoffice/login")
		}
		if err != nil {
			return err
		}
		c.Set("staff", u)
		return next(c)
	}
}
