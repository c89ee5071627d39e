// Package portal is the debtor-facing HTTP surface: magic-link sign-in, the
// statement and, as they arrive, invoices, payments, plans, promises and disputes.
// Handlers parse input, call billing and render; billing owns every effect on money.
package portal

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/sessions"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
	"github.com/ledgvero/ledgvero/billing/websession"
	"github.com/ledgvero/ledgvero/templates"
)

// Handler serves the portal. Its fields are its dependencies.
type Handler struct {
	Pool     *pgxpool.Pool
	Sessions *websession.Store
	Logger   *slog.Logger
	Now      func() time.Time
	Timezone *time.Location
	BaseURL  string
	Sandbox  bool
	Jobs     outbox.Inserter // enqueues e-mail delivery inside business transactions
	Payments Payments        // gateways and the webhook processor; see pay.go
}

// Session keys.
const (
	keyEmail      = "contact_email"
	keyCustomerID = "customer_id"
)

// debtor is the signed-in contact and the account they opened.
type debtor struct {
	Email      string
	CustomerID int64
	Account    string
	Currency   string // the customer's currency
	customer   billing.Customer
}

func (h *Handler) session(c echo.Context) (*sessions.Session, error) {
	return h.Sessions.Get(c.Request(), h.Sessions.CookieName())
}

// base fills the shared page fields.
func (h *Handler) base(c echo.Context, title string) templates.Base {
	b := templates.Base{Title: title, Surface: "portal", Sandbox: h.Sandbox}
	if tok, ok := c.Get("csrf").(string); ok {
		b.CSRF = tok
	}
	if d, ok := c.Get("debtor").(debtor); ok {
		b.User, b.Account = d.Email, d.Account
	}
	if seller, ok := c.Get("seller").(string); ok {
		b.Seller = seller
	}
	return b
}

// withSeller stores the seller's organization name, as the back-office
// settings and PDFs have it, for base to show in the header and title. Before
// the organization is set up the pages show "Ledgvero".
func (h *Handler) withSeller(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		org, err := billing.LoadOrganization(c.Request().Context(), h.Pool)
		if err != nil && !errors.Is(err, billing.ErrNotFound) {
			return fmt.Errorf("loading the organization name: %w", err)
		}
		c.Set("seller", org.Name)
		return next(c)
	}
}

// requireDebtor lets through only requests with a portal session that has an
// account open, and stores the debtor in the context.
func (h *Handler) requireDebtor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess, err := h.session(c)
		if err != nil {
			return err
		}
		email, _ := sess.Values[keyEmail].(string)
		if email == "" {
			return c.Redirect(http.StatusSeeOther, "/portal/login")
		}
		customerID, _ := sess.Values[keyCustomerID].(int64)
		if customerID == 0 {
			return c.Redirect(http.StatusSeeOther, "/portal/accounts")
		}
		cust, err := billing.CustomerByID(c.Request().Context(), h.Pool, customerID)
		if errors.Is(err, billing.ErrNotFound) {
			return c.Redirect(http.StatusSeeOther, "/portal/login")
		}
		if err != nil {
			return err
		}
		c.Set("debtor", debtor{Email: email, CustomerID: customerID, Account: cust.Name, Currency: cust.Currency, customer: cust})
		return next(c)
	}
}
