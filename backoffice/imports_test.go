package backoffice

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

func uploadImport(t *testing.T, c *http.Client, url, csv string, dryRun bool) (int, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("preset", "ledgvero")
	if dryRun {
		_ = w.WriteField("dry_run", "on")
	}
	part, err := w.CreateFormFile("file", "customers.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(part, csv)
	_ = w.Close()
	resp, err := c.Post(url, w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func TestImportShowsValidationReport(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.signIn(t, "admin@example.com", billing.RoleAdmin)

	bad := "record,customer_id,customer_name,currency\ncustomer,IMP-1,Imported Co,USD\ncustomer,IMP-2,,USD\n"
	status, body := uploadImport(t, admin, ts.URL+"/backoffice/imports", bad, false)
	if status != http.StatusOK || !strings.Contains(body, "Not imported") || !strings.Contains(body, `data-testid="import-problems"`) {
		t.Fatalf("invalid file: status %d, report missing:\n%s", status, body)
	}
	good := "record,customer_id,customer_name,currency\ncustomer,IMP-1,Imported Co,USD\n"
	status, body = uploadImport(t, admin, ts.URL+"/backoffice/imports", good, false)
	if status != http.StatusOK || !strings.Contains(body, "Imported") {
		t.Fatalf("valid file: status %d:\n%s", status, body)
	}
	_, body = get(t, admin, ts.URL+"/backoffice/customers?q=imported")
	if !strings.Contains(body, "Imported Co") {
		t.Error("imported customer not listed")
	}

	collector := ts.signIn(t, "col@example.com", billing.RoleCollector)
	if status, _ := uploadImport(t, collector, ts.URL+"/backoffice/imports", good, true); status != http.StatusForbidden {
		t.Errorf("collector upload: status %d, want 403", status)
	}
}
