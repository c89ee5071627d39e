//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/mxschmitt/playwright-go"
)

// inviteStaff invites email with role through the users page, signed in as the
// admin, and returns the temporary password the page shows once.
func inviteStaff(t *testing.T, page playwright.Page, s *Server, email, role string) string {
	t.Helper()
	Goto(t, page, s.URL+"/backoffice/settings/users", http.StatusOK)
	Must(t, ByTestID(page, "invite-email").Fill(email))
	_, err := ByTestID(page, "invite-role").SelectOption(playwright.SelectOptionValues{Values: &[]string{role}})
	Must(t, err)
	Must(t, ByTestID(page, "invite-submit").Click())
	Must(t, Expect().Locator(ByTestID(page, "temp-password")).ToBeVisible())
	password, err := ByTestID(page, "temp-password").TextContent()
	Must(t, err)
	return strings.TrimSpace(password)
}

// customerID returns the id of the demo customer named name.
func customerID(t *testing.T, s *Server, name string) string {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), s.DatabaseURL)
	Must(t, err)
	defer conn.Close(context.Background())
	var id string
	Must(t, conn.QueryRow(context.Background(), `SELECT id::text FROM customers WHERE name = $1`, name).Scan(&id))
	return id
}

func TestBackofficeAdminCreatesCollector(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	admin := NewPage(t)
	StaffSignIn(t, admin, s, AdminEmail, AdminPassword)
	Must(t, Expect().Locator(ByTestID(admin, "dashboard-title")).ToHaveText("Dashboard"))

	password := inviteStaff(t, admin, s, "casey@ledgvero.localhost", "collector")
	Must(t, Expect().Locator(admin.Locator(`[data-testid="user-row"][data-email="casey@ledgvero.localhost"]`)).ToContainText("collector"))

	collector := NewPage(t)
	StaffSignIn(t, collector, s, "casey@ledgvero.localhost", password)
	Must(t, Expect().Locator(ByTestID(collector, "current-user")).ToHaveText("casey@ledgvero.localhost"))

	// A collector logs activity, reads the settings and does not change them.
	Goto(t, collector, s.URL+"/backoffice/customers/"+customerID(t, s, "Northwind Traders"), http.StatusOK)
	Must(t, ByTestID(collector, "note-text").Fill("Called AP, payment run on Friday"))
	Must(t, ByTestID(collector, "save-note").Click())
	Must(t, Expect().Locator(ByTestID(collector, "flash")).ToHaveText("Note saved."))
	Must(t, Expect().Locator(ByTestID(collector, "timeline").Locator(`[data-kind="note"]`)).ToContainText("payment run on Friday"))
	Goto(t, collector, s.URL+"/backoffice/settings", http.StatusOK)
	Must(t, Expect().Locator(ByTestID(collector, "collection-form")).ToBeVisible())
	Must(t, Expect().Locator(ByTestID(collector, "save-collection")).ToHaveCount(0))
	Goto(t, collector, s.URL+"/backoffice/audit", http.StatusForbidden)
}

func TestBackofficeViewerCannotAct(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	admin := NewPage(t)
	StaffSignIn(t, admin, s, AdminEmail, AdminPassword)
	password := inviteStaff(t, admin, s, "vic@ledgvero.localhost", "viewer")

	viewer := NewPage(t)
	StaffSignIn(t, viewer, s, "vic@ledgvero.localhost", password)
	Must(t, Expect().Locator(ByTestID(viewer, "dashboard-title")).ToHaveText("Dashboard"))
	id := customerID(t, s, "Northwind Traders")
	Goto(t, viewer, s.URL+"/backoffice/customers/"+id, http.StatusOK)
	Must(t, Expect().Locator(ByTestID(viewer, "customer-name")).ToHaveText("Northwind Traders"))
	for _, button := range []string{"save-note", "log-call", "send-login-link", "save-customer-settings"} {
		Must(t, Expect().Locator(ByTestID(viewer, button)).ToHaveCount(0))
	}

	// Posting the form anyway, with a valid CSRF token, is refused.
	token, err := viewer.Locator(`input[name="csrf"]`).First().InputValue()
	Must(t, err)
	resp, err := viewer.Request().Post(s.URL+"/backoffice/customers/"+id+"/notes", playwright.APIRequestContextPostOptions{
		Form: map[string]any{"csrf": token, "note": "should not land"},
	})
	Must(t, err)
	if resp.Status() != http.StatusForbidden {
		t.Fatalf("viewer note: status %d, want 403", resp.Status())
	}
	Goto(t, viewer, s.URL+"/backoffice/customers/"+id, http.StatusOK)
	Must(t, Expect().Locator(viewer.GetByText("should not land")).ToHaveCount(0))
}

func TestBackofficeLockout(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	page := NewPage(t)
	for i := 0; i < 9; i++ {
		StaffSignIn(t, page, s, AdminEmail, "not the password at all")
		Must(t, Expect().Locator(ByTestID(page, "login-error")).ToContainText("not correct"))
	}
	StaffSignIn(t, page, s, AdminEmail, "not the password at all")
	Must(t, Expect().Locator(ByTestID(page, "login-error")).ToContainText("locked after 10 failed sign-ins"))
	Must(t, Expect().Locator(ByTestID(page, "login-error")).ToContainText("15 minutes"))

	StaffSignIn(t, page, s, AdminEmail, AdminPassword)
	Must(t, Expect().Locator(ByTestID(page, "login-error")).ToContainText("locked"))
}

func TestBackofficeAgingCSVIsFormulaSafe(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	conn, err := pgx.Connect(context.Background(), s.DatabaseURL)
	Must(t, err)
	_, err = conn.Exec(context.Background(), `UPDATE customers SET name = '=HYPERLINK("http://evil.example/x","Click")' WHERE name = 'Northwind Traders'`)
	conn.Close(context.Background())
	Must(t, err)

	page := NewPage(t)
	StaffSignIn(t, page, s, AdminEmail, AdminPassword)
	Goto(t, page, s.URL+"/backoffice/aging", http.StatusOK)
	Must(t, Expect().Locator(ByTestID(page, "aging-row").First()).ToBeVisible())

	download, err := page.ExpectDownload(func() error { return ByTestID(page, "aging-csv").Click() })
	Must(t, err)
	path, err := download.Path()
	Must(t, err)
	raw, err := readFile(path)
	Must(t, err)
	if !strings.Contains(raw, `"'=HYPERLINK(""http://evil.example/x"",""Click"")"`) {
		t.Fatalf("the customer name is not escaped as text:\n%s", raw)
	}
	if regexp.MustCompile(`(?m)(^|,)"?[=+\-@]`).MatchString(raw) {
		t.Fatalf("a cell starts with a formula character:\n%s", raw)
	}
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
