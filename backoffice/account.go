package backoffice

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
)

// totpPage enrolls the signed-in member in an authenticator app.
type totpPage struct {
	page
	Enabled  bool
	Required bool
	Secret   string
	QR       template.URL // data: URL of the enrollment QR code
	Error    string
}

func (h *Handler) totpForm(c echo.Context) error {
	u := staff(c)
	p := totpPage{page: h.page(c, "Authenticator app"), Enabled: u.TOTPEnabled,
		Required: h.RequireAdminTOTP && u.Role == billing.RoleAdmin}
	if u.TOTPEnabled {
		return c.Render(http.StatusOK, "backoffice/totp", p)
	}
	key, err := billing.NewTOTPKey("Ledgvero "+h.OrgName, u.Email)
	if err != nil {
		return err
	}
	sess, err := h.session(c)
	if err != nil {
		return err
	}
	sess.Values[keyPendingTOTP] = key.Secret()
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	p.Secret = key.Secret()
	img, err := key.Image(200, 200)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	p.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Render(http.StatusOK, "backoffice/totp", p)
}

func (h *Handler) totpEnable(c echo.Context) error {
	ctx := c.Request().Context()
	u := staff(c)
	sess, err := h.session(c)
	if err != nil {
		return err
	}
	secret, _ := sess.Values[keyPendingTOTP].(string)
	if secret == "" {
		return h.redirectWith(c, "/backoffice/account/totp", "!Start again: scan the new code below.")
	}
	err = h.inTx(c, func(tx pgx.Tx) error {
		if err := billing.EnableTOTP(ctx, tx, u.ID, secret, c.FormValue("code"), h.Now()); err != nil {
			return err
		}
		return billing.RecordStaffAction(ctx, tx, billing.StaffAction{Staff: u, Action: "user.totp_enabled",
			Summary: "Enabled an authenticator app"})
	})
	if err == billing.ErrInvalidCode {
		return h.redirectWith(c, "/backoffice/account/totp", "!That code is not correct. Scan the code again and enter the current 6 digits.")
	}
	if err != nil {
		return err
	}
	delete(sess.Values, keyPendingTOTP)
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return h.redirectWith(c, "/backoffice/", "Authenticator app enabled. Sign-in now asks for its code.")
}

func (h *Handler) totpDisable(c echo.Context) error {
	u := staff(c)
	if h.RequireAdminTOTP && u.Role == billing.RoleAdmin {
		return h.redirectWith(c, "/backoffice/account/totp", "!Admins must keep an authenticator app on this server.")
	}
	err := h.inTx(c, func(tx pgx.Tx) error {
		if err := billing.DisableTOTP(c.Request().Context(), tx, u.ID); err != nil {
			return err
		}
		return billing.RecordStaffAction(c.Request().Context(), tx, billing.StaffAction{Staff: u, Action: "user.totp_disabled",
			Summary: "Removed the authenticator app"})
	})
	if err != nil {
		return err
	}
	return h.redirectWith(c, "/backoffice/account/totp", "Authenticator app removed.")
}
