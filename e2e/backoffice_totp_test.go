//go:build e2e

package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

func TestBackofficeAdminTOTPRequired(t *testing.T) {
	t.Parallel()
	s := StartServer(t, WithEnv("REQUIRE_ADMIN_TOTP", "true"))
	page := NewPage(t)
	StaffSignIn(t, page, s, AdminEmail, AdminPassword)

	// Every page leads to enrollment until the admin has an authenticator.
	Goto(t, page, s.URL+"/backoffice/customers", http.StatusOK)
	Must(t, Expect().Locator(ByTestID(page, "totp-secret")).ToBeVisible())
	secret, err := ByTestID(page, "totp-secret").TextContent()
	Must(t, err)
	code, err := totp.GenerateCode(strings.TrimSpace(secret), time.Now())
	Must(t, err)
	Must(t, ByTestID(page, "totp-code").Fill(code))
	Must(t, ByTestID(page, "totp-submit").Click())
	Must(t, Expect().Locator(ByTestID(page, "dashboard-title")).ToHaveText("Dashboard"))

	// A fresh sign-in asks for the code after the password.
	other := NewPage(t)
	StaffSignIn(t, other, s, AdminEmail, AdminPassword)
	Must(t, Expect().Locator(ByTestID(other, "login-error")).ToContainText("6-digit code"))
	Must(t, ByTestID(other, "login-password").Fill(AdminPassword))
	code, err = totp.GenerateCode(strings.TrimSpace(secret), time.Now())
	Must(t, err)
	Must(t, ByTestID(other, "login-code").Fill(code))
	Must(t, ByTestID(other, "login-submit").Click())
	Must(t, Expect().Locator(ByTestID(other, "dashboard-title")).ToHaveText("Dashboard"))
}
