package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
)

func (h *Handler) loginForm(c echo.Context) error {
	return c.Render(http.StatusOK, "portal/login", loginPage{Base: h.base(c, "Sign in")})
}

// linkRequestInput is the sign-in link request form as submitted.
type linkRequestInput struct {
	Email string `form:"email" validate:"required,email,max=254" label:"e-mail address"`
}

// requestLink responds the same whether or not the address belongs to a contact,
// so the form cannot be used to find out who our customers are.
func (h *Handler) requestLink(c echo.Context) error {
	var in linkRequestInput
	if err := c.Bind(&in); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read. Reload the page and try again.")
	}
	email := strings.TrimSpace(in.Email)
	in.Email = email
	page := loginPage{Base: h.base(c, "Sign in"), Email: email}
	if err := c.Validate(&in); err != nil {
		var fe billing.FieldErrors
		if !errors.As(err, &fe) {
			return err
		}
		page.Error = fe["email"]
		return c.Render(http.StatusUnprocessableEntity, "portal/login", page)
	}

	ctx := c.Request().Context()
	if err := h.allowLinkRequest(ctx, email, c.RealIP()); err != nil {
		return h.rateLimited(c, page, err)
	}
	err := h.sendSignInLink(ctx, email, billing.LinkRequested, c.RealIP())
	if err != nil && !errors.Is(err, billing.ErrNotFound) {
		return err
	}
	page.Sent, page.Lifetime = true, humanDuration(billing.RequestedLinkTTL)
	return c.Render(http.StatusOK, "portal/login", page)
}

// rateLimited responds 429 with the form and a message, or returns err when it is
// not a rate-limit error.
func (h *Handler) rateLimited(c echo.Context, page loginPage, err error) error {
	if !errors.Is(err, errRateLimited) {
		return err
	}
	h.Logger.Warn("sign-in link requests rate limited", "ip", c.RealIP())
	page.Error = "Too many sign-in links were requested. Wait 15 minutes, then try again."
	c.Response().Header().Set("Retry-After", "900")
	return c.Render(http.StatusTooManyRequests, "portal/login", page)
}

// linkLanding shows a button that POSTs the token. A mail scanner that fetches
// the link does not use it up, because only the POST spends it.
func (h *Handler) linkLanding(c echo.Context) error {
	token := c.Param("token")
	page := linkPage{Base: h.base(c, "Sign in"), Token: token}
	link, err := billing.LookupMagicLink(c.Request().Context(), h.Pool, token)
	switch {
	case errors.Is(err, billing.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound)
	case err != nil:
		return err
	}
	page.Problem = linkProblem(link.Usable(h.Now()))
	return c.Render(http.StatusOK, "portal/link", page)
}

func linkProblem(err error) string {
	switch {
	case errors.Is(err, billing.ErrUsed):
		return "This sign-in link was already used"
	case errors.Is(err, billing.ErrExpired):
		return "This sign-in link has expired"
	case err != nil:
		return "This sign-in link does not work"
	}
	return ""
}

func (h *Handler) redeemLink(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.FormValue("token")
	email, err := billing.RedeemMagicLink(ctx, h.Pool, token, c.RealIP(), h.Now())
	if errors.Is(err, billing.ErrUsed) || errors.Is(err, billing.ErrExpired) {
		page := linkPage{Base: h.base(c, "Sign in"), Token: token, Problem: linkProblem(err)}
		return c.Render(http.StatusGone, "portal/link", page)
	}
	if errors.Is(err, billing.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return err
	}

	sess, err := h.session(c)
	if err != nil {
		return err
	}
	if err := h.Sessions.Rotate(ctx, sess); err != nil {
		return err
	}
	sess.Values[keyEmail] = email

	accounts, err := billing.AccountsForEmail(ctx, h.Pool, email)
	if err != nil {
		return err
	}
	next := "/portal/accounts"
	if len(accounts) == 1 {
		if err := h.openAccount(c, email, accounts[0]); err != nil {
			return err
		}
		sess.Values[keyCustomerID] = accounts[0].CustomerID
		next = "/portal/"
	}
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// openAccount records the portal visit on the customer's timeline.
func (h *Handler) openAccount(c echo.Context, email string, acct billing.AccountRef) error {
	return billing.AppendEvent(c.Request().Context(), h.Pool, billing.Event{
		CustomerID: acct.CustomerID, Kind: "portal.signed_in", Actor: "contact:" + email, Source: "portal",
		Summary: fmt.Sprintf("%s signed in to the portal", email),
		Details: map[string]any{"ip": c.RealIP(), "user_agent": c.Request().UserAgent()},
	})
}

// resendLink e-mails a fresh link to the contact of a used or expired one.
func (h *Handler) resendLink(c echo.Context) error {
	ctx := c.Request().Context()
	link, err := billing.LookupMagicLink(ctx, h.Pool, c.FormValue("token"))
	if errors.Is(err, billing.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	page := loginPage{Base: h.base(c, "Sign in"), Email: link.Email}
	if err := h.allowLinkRequest(ctx, link.Email, c.RealIP()); err != nil {
		return h.rateLimited(c, page, err)
	}
	err = h.sendSignInLink(ctx, link.Email, billing.LinkEmailed, c.RealIP())
	if err != nil && !errors.Is(err, billing.ErrNotFound) {
		return err
	}
	page.Sent, page.Lifetime = true, humanDuration(billing.EmailedLinkTTL)
	return c.Render(http.StatusOK, "portal/login", page)
}

func (h *Handler) accounts(c echo.Context) error {
	sess, err := h.session(c)
	if err != nil {
		return err
	}
	email, _ := sess.Values[keyEmail].(string)
	if email == "" {
		return c.Redirect(http.StatusSeeOther, "/portal/login")
	}
	accounts, err := billing.AccountsForEmail(c.Request().Context(), h.Pool, email)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "portal/accounts", accountsPage{Base: h.base(c, "Choose an account"), Accounts: accounts})
}

func (h *Handler) chooseAccount(c echo.Context) error {
	sess, err := h.session(c)
	if err != nil {
		return err
	}
	email, _ := sess.Values[keyEmail].(string)
	if email == "" {
		return c.Redirect(http.StatusSeeOther, "/portal/login")
	}
	accounts, err := billing.AccountsForEmail(c.Request().Context(), h.Pool, email)
	if err != nil {
		return err
	}
	chosen := c.FormValue("customer_id")
	for _, a := range accounts {
		if fmt.Sprint(a.CustomerID) == chosen {
			if err := h.openAccount(c, email, a); err != nil {
				return err
			}
			sess.Values[keyCustomerID] = a.CustomerID
			if err := sess.Save(c.Request(), c.Response()); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, "/portal/")
		}
	}
	// Another customer's id gets the same 404 as a missing one.
	return echo.NewHTTPError(http.StatusNotFound)
}

func (h *Handler) logout(c echo.Context) error {
	sess, err := h.session(c)
	if err != nil {
		return err
	}
	sess.Options.MaxAge = -1
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/portal/login")
}
