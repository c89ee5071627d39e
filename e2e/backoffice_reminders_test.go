//go:build e2e

package e2e

import (
	"net/http"
	"testing"

	"github.com/mxschmitt/playwright-go"
)

// TestStaffEditsTemplateAndPreviews edits a reminder template's subject and
// previews it for a real customer, which sends nothing.
func TestStaffEditsTemplateAndPreviews(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	page := NewPage(t)
	StaffSignIn(t, page, s, AdminEmail, AdminPassword)
	Goto(t, page, s.URL+"/backoffice/settings", http.StatusOK)
	Must(t, ByTestID(page, "reminders-link").Click())
	Must(t, Expect().Locator(ByTestID(page, "policy-standard")).ToContainText("3 days before the due date"))

	friendly := ByTestID(page, "template-friendly")
	Must(t, friendly.Locator("summary").Click())
	Must(t, friendly.GetByLabel("Subject").Fill("Friendly reminder: {{.TotalDue}} open for {{.Customer}}"))
	Must(t, friendly.Locator(`[data-testid="template-save"]`).Click())
	Must(t, Expect().Locator(ByTestID(page, "flash")).ToHaveText("Template friendly saved."))

	_, err := ByTestID(page, "preview-customer").SelectOption(playwright.SelectOptionValues{Labels: &[]string{"Northwind Traders"}})
	Must(t, err)
	_, err = ByTestID(page, "preview-template").SelectOption(playwright.SelectOptionValues{Values: &[]string{"friendly"}})
	Must(t, err)
	Must(t, ByTestID(page, "preview-submit").Click())
	Must(t, Expect().Locator(ByTestID(page, "preview-subject")).ToContainText("Friendly reminder:"))
	Must(t, Expect().Locator(ByTestID(page, "preview-subject")).ToContainText("open for Northwind Traders"))
	Must(t, Expect().Locator(ByTestID(page, "preview-to")).ToHaveText("ap@northwind.example"))
	Must(t, Expect().Locator(ByTestID(page, "preview-text")).ToContainText("NW-0987"))
	if n := countRows(t, s, `SELECT count(*) FROM outbox_emails WHERE kind LIKE 'reminder.%'`); n != 0 {
		t.Errorf("the preview queued %d reminder e-mails", n)
	}
}

// TestStaffPausesAndSendsReminders pauses and resumes a customer's reminders,
// then sends the due ones at once and checks that the schedule lists them.
func TestStaffPausesAndSendsReminders(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	page := NewPage(t)
	StaffSignIn(t, page, s, AdminEmail, AdminPassword)
	Goto(t, page, s.URL+"/backoffice/customers", http.StatusOK)
	Must(t, page.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Northwind Traders"}).Click())
	Must(t, Expect().Locator(ByTestID(page, "reminder-schedule")).ToContainText("Next planned"))

	Must(t, ByTestID(page, "reminders-pause-toggle").Click())
	Must(t, ByTestID(page, "reminders-pause-reason").Fill("Negotiating a settlement"))
	Must(t, ByTestID(page, "reminders-pause").Click())
	Must(t, Expect().Locator(ByTestID(page, "flash")).ToHaveText("Reminders paused."))
	Must(t, Expect().Locator(ByTestID(page, "reminders-paused")).ToBeVisible())

	Must(t, ByTestID(page, "reminders-resume").Click())
	Must(t, Expect().Locator(ByTestID(page, "flash")).ToHaveText("Reminders resumed."))

	Must(t, ByTestID(page, "reminders-send-now").Click())
	Must(t, Expect().Locator(ByTestID(page, "flash")).ToContainText("Reminder e-mailed about"))
	Must(t, Expect().Locator(ByTestID(page, "reminders-past")).ToContainText("Sent"))
	if n := countRows(t, s, `SELECT count(*) FROM outbox_emails WHERE kind LIKE 'reminder.%' AND to_addr = 'ap@northwind.example'`); n != 1 {
		t.Errorf("reminder e-mails to Northwind = %d, want 1", n)
	}
}
