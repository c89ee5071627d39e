package backoffice

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"

	"github.com/ledgvero/ledgvero/billing"
)

func TestTOTPEnrollmentAndSignIn(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.signIn(t, "admin@example.com", billing.RoleAdmin)

	status, body := get(t, c, ts.URL+"/backoffice/account/totp")
	if status != http.StatusOK {
		t.Fatalf("enrollment page: status %d", status)
	}
	m := regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no secret on the enrollment page")
	}
	if !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Error("no QR code image")
	}
	if status, _ := post(t, c, ts.URL+"/backoffice/account/totp", url.Values{"code": {"000000"}}); status != http.StatusSeeOther {
		t.Fatalf("wrong code: status %d", status)
	}
	code, err := totp.GenerateCode(m[1], testNow)
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := post(t, c, ts.URL+"/backoffice/account/totp", url.Values{"code": {code}}); status != http.StatusSeeOther {
		t.Fatalf("right code: status %d", status)
	}
	// StaffByID, not a sign-in, checks the enrollment: a sign-in would use up the code.
	var id int64
	if err := ts.pool.QueryRow(context.Background(), `SELECT id FROM staff_users WHERE email = 'admin@example.com'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	u, err := billing.StaffByID(context.Background(), ts.pool, id)
	if err != nil || !u.TOTPEnabled {
		t.Fatalf("TOTP not enabled: %v", err)
	}

	fresh := ts.client()
	status, body = post(t, fresh, ts.URL+"/backoffice/login", url.Values{"email": {"admin@example.com"}, "password": {staffPassword}})
	if status != http.StatusUnauthorized || !strings.Contains(body, `data-testid="login-code"`) {
		t.Fatalf("password only: status %d, code field shown: %v", status, strings.Contains(body, "login-code"))
	}
	status, _ = post(t, fresh, ts.URL+"/backoffice/login", url.Values{"email": {"admin@example.com"}, "password": {staffPassword}, "code": {code}})
	if status != http.StatusSeeOther {
		t.Errorf("password and code: status %d, want 303", status)
	}
}

func TestRequireAdminTOTPRedirects(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(h *Handler) { h.RequireAdminTOTP = true })
	admin := ts.signIn(t, "admin@example.com", billing.RoleAdmin)
	resp, err := admin.Get(ts.URL + "/backoffice/customers")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/backoffice/account/totp" {
		t.Errorf("admin without TOTP: status %d to %q, want 303 to the enrollment page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, _ := get(t, admin, ts.URL+"/backoffice/account/totp"); status != http.StatusOK {
		t.Errorf("enrollment page: status %d", status)
	}
	collector := ts.signIn(t, "col@example.com", billing.RoleCollector)
	if status, _ := get(t, collector, ts.URL+"/backoffice/customers"); status != http.StatusOK {
		t.Errorf("collector: status %d, want 200", status)
	}
}
