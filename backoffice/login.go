package backoffice

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
)

func (h *Handler) loginForm(c echo.Context) error {
	return c.Render(http.StatusOK, "backoffice/login", loginPage{Base: h.base(c, "Staff sign in")})
}

// loginInput is the staff sign-in form as submitted.
type loginInput struct {
	Email    string `form:"email" validate:"required,email,max=254" label:"e-mail address"`
	Password string `form:"password" validate:"required,max=1024" label:"password"`
	Code     string `form:"code" validate:"omitempty,numeric,len=6" label:"authenticator code"`
}

func (h *Handler) login(c echo.Context) error {
	ctx := c.Request().Context()
	var in loginInput
	if err := c.Bind(&in); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The sign-in form could not be read. Reload the page and try again.")
	}
	in.Email, in.Code = strings.TrimSpace(in.Email), strings.TrimSpace(in.Code)
	page := loginPage{Base: h.base(c, "Staff sign in"), Email: in.Email, AskCode: in.Code != ""}
	if err := c.Validate(&in); err != nil {
		var fe billing.FieldErrors
		if !errors.As(err, &fe) {
			return err
		}
		page.Error = firstOf(fe, "email", "password", "code")
		return c.Render(http.StatusUnprocessableEntity, "backoffice/login", page)
	}

	u, err := billing.Authenticate(ctx, h.Pool, in.Email, in.Password, in.Code, h.Now())
	switch {
	case errors.Is(err, billing.ErrLocked):
		page.Error = fmt.Sprintf("This account is locked after %d failed sign-ins. Try again in %d minutes or ask an admin to reset your password.",
			billing.MaxFailedLogins, int(billing.LockoutWindow.Minutes()))
		return c.Render(http.StatusTooManyRequests, "backoffice/login", page)
	case errors.Is(err, billing.ErrCodeRequired):
		page.AskCode = true
		page.Error = "Enter the 6-digit code from your authenticator app."
		return c.Render(http.StatusUnauthorized, "backoffice/login", page)
	case errors.Is(err, billing.ErrInvalidCode):
		page.AskCode = true
		page.Error = "The authenticator code is not correct. Enter the current 6-digit code."
		return c.Render(http.StatusUnauthorized, "backoffice/login", page)
	case errors.Is(err, billing.ErrInvalidCredentials):
		page.Error = "The e-mail address or password is not correct."
		return c.Render(http.StatusUnauthorized, "backoffice/login", page)
	case err != nil:
		return err
	}

	sess, err := h.session(c)
	if err != nil {
		return err
	}
	if err := h.Sessions.Rotate(ctx, sess); err != nil {
		return err
	}
	sess.Values[keyStaffID] = u.ID
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	err = billing.RecordStaffAction(ctx, h.Pool, billing.StaffAction{Staff: u, Action: "staff.signed_in",
		Summary: "Signed in", Details: map[string]any{"ip": c.RealIP(), "totp": u.TOTPEnabled}})
	if err != nil {
		return err
	}
	h.Logger.Info("staff signed in", "staff_id", u.ID)
	return c.Redirect(http.StatusSeeOther, "/backoffice/")
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
	return c.Redirect(http.StatusSeeOther, "/backoffice/login")
}

// firstOf returns the message of the first listed field that has one.
func firstOf(fe billing.FieldErrors, fields ...string) string {
	for _, f := range fields {
		if msg, ok := fe[f]; ok {
			return msg
		}
	}
	return fe.Error()
}
