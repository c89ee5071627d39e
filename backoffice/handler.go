// Package backoffice is the staff-facing HTTP surface: sign-in, the dashboard,
// aging, customers and their timelines, queues, segmentation, settings, imports
// and the audit log. Handlers parse input, call billing and render typed pages;
// who may do what is decided by billing.Allowed.
package backoffice

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
	"github.com/ledgvero/ledgvero/billing/outbox"
	"github.com/ledgvero/ledgvero/billing/stripegw"
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
	Currency string            // the organization's ISO 4217 code, for KPI figures
	BaseURL  string            // public URL for e-mailed sign-in links
	Jobs     outbox.Inserter   // enqueues e-mail delivery inside business transactions
	Refunds  *stripegw.Refunds // refunds card and bank payments; nil disables them
	// Reminders previews reminder e-mails and sends a customer's due reminders
	// on demand.
	Reminders *collect.Engine

	// RequireAdminTOTP sends admins without an authenticator app to enrollment
	// before any other page.
	RequireAdminTOTP bool
}

const (
	keyStaffID     = "staff_id"
	keyPendingTOTP = "pending_totp_secret"
	keyFlash       = "flash"
)

func (h *Handler) session(c echo.Context) (*sessions.Session, error) {
	return h.Sessions.Get(c.Request(), h.Sessions.CookieName())
}

func (h *Handler) today() billing.Date { return billing.Today(h.Now(), h.Timezone) }

// staff returns the signed-in staff member that requireStaff stored.
func staff(c echo.Context) billing.StaffUser {
	u, _ := c.Get("staff").(billing.StaffUser)
	return u
}

// can is the set of actions the signed-in member may perform, for templates that
// show a button only to those who may press it.
type can struct {
	LogActivity, SendLoginLink, ApprovePlan, ResolveDispute, EditCustomer bool
	WriteOff, Refund, ManageSettings, ManageUsers, Import, ViewAudit      bool
	RecomputeScores                                                       bool
}

func canFor(role string) can {
	return can{
		LogActivity:     billing.Allowed(role, billing.ActLogActivity),
		SendLoginLink:   billing.Allowed(role, billing.ActSendLoginLink),
		ApprovePlan:     billing.Allowed(role, billing.ActApprovePlan),
		ResolveDispute:  billing.Allowed(role, billing.ActResolveDispute),
		EditCustomer:    billing.Allowed(role, billing.ActEditCustomer),
		WriteOff:        billing.Allowed(role, billing.ActWriteOff),
		Refund:          billing.Allowed(role, billing.ActRefund),
		ManageSettings:  billing.Allowed(role, billing.ActManageSettings),
		ManageUsers:     billing.Allowed(role, billing.ActManageUsers),
		Import:          billing.Allowed(role, billing.ActImport),
		ViewAudit:       billing.Allowed(role, billing.ActViewAudit),
		RecomputeScores: billing.Allowed(role, billing.ActRecomputeScores),
	}
}

// page is embedded in every signed-in page: the shared base plus the member's
// role and permissions.
type page struct {
	templates.Base
	Role string
	Can  can
}

func (h *Handler) page(c echo.Context, title string) page {
	u := staff(c)
	p := page{Base: h.base(c, title), Role: u.Role, Can: canFor(u.Role)}
	if sess, err := h.session(c); err == nil {
		if msg, ok := sess.Values[keyFlash].(string); ok {
			p.FlashError = strings.HasPrefix(msg, "!")
			p.Flash = strings.TrimPrefix(msg, "!")
			delete(sess.Values, keyFlash)
			if err := sess.Save(c.Request(), c.Response()); err != nil {
				h.Logger.Warn("clearing flash", "error", err)
			}
		}
	}
	return p
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

// flash stores a one-time message for the next page; a leading "!" marks an error.
func (h *Handler) flash(c echo.Context, msg string) {
	sess, err := h.session(c)
	if err != nil {
		h.Logger.Warn("loading session for flash", "error", err)
		return
	}
	sess.Values[keyFlash] = msg
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		h.Logger.Warn("saving flash", "error", err)
	}
}

// redirectWith sets a flash message and redirects with 303 See Other.
func (h *Handler) redirectWith(c echo.Context, url, msg string) error {
	if msg != "" {
		h.flash(c, msg)
	}
	return c.Redirect(http.StatusSeeOther, url)
}

// requireStaff lets through only requests with a session of an active staff
// member, and stores that member in the context. With RequireAdminTOTP, an admin
// without an authenticator reaches only the enrollment page.
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
		if h.RequireAdminTOTP && u.Role == billing.RoleAdmin && !u.TOTPEnabled &&
			!strings.HasPrefix(c.Path(), "/backoffice/account/totp") {
			return c.Redirect(http.StatusSeeOther, "/backoffice/account/totp")
		}
		return next(c)
	}
}

// requireAction returns 403 unless the signed-in member's role allows action.
// It runs after requireStaff.
func requireAction(action billing.Action) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !billing.Allowed(staff(c).Role, action) {
				return echo.NewHTTPError(http.StatusForbidden, "Your role does not allow this action. Ask an admin if you need it.")
			}
			return next(c)
		}
	}
}
