//go:build e2e

package e2e

import (
	"net/http"
	"testing"

	"github.com/mxschmitt/playwright-go"
)

func TestBackofficeImportReport(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	page := NewPage(t)
	StaffSignIn(t, page, s, AdminEmail, AdminPassword)
	Goto(t, page, s.URL+"/backoffice/imports", http.StatusOK)

	csv := "record,customer_id,customer_name,currency\ncustomer,IMP-1,Imported Co,USD\ncustomer,IMP-2,,USD\n"
	upload := func() {
		Must(t, ByTestID(page, "import-file").SetInputFiles([]playwright.InputFile{
			{Name: "customers.csv", MimeType: "text/csv", Buffer: []byte(csv)}}))
		Must(t, ByTestID(page, "import-submit").Click())
	}

	// The dry run is on by default and reports the invalid row.
	upload()
	Must(t, Expect().Locator(ByTestID(page, "import-report")).ToContainText("Not imported"))
	Must(t, Expect().Locator(ByTestID(page, "import-problems")).ToContainText("customer_name"))

	csv = "record,customer_id,customer_name,currency\ncustomer,IMP-1,Imported Co,USD\n"
	upload()
	Must(t, Expect().Locator(ByTestID(page, "import-report")).ToContainText("Checked: nothing was written"))
	Must(t, ByTestID(page, "import-dry-run").Uncheck())
	upload()
	Must(t, Expect().Locator(ByTestID(page, "import-report")).ToContainText("Imported"))

	Goto(t, page, s.URL+"/backoffice/customers?q=imported", http.StatusOK)
	Must(t, Expect().Locator(ByTestID(page, "customer-row")).ToContainText("Imported Co"))
}
