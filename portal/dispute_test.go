package portal

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

var testPDF = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// postMultipart submits fields and files (name to content) as multipart/form-data.
func postMultipart(t *testing.T, c *http.Client, url string, fields map[string]string, files map[string][]byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range files {
		part, err := w.CreateFormFile("attachments", name)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(content)
	}
	w.Close()
	resp, err := c.Post(url, w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readAll(t, resp)
}

func TestDisputeWithAttachment(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	inv := ts.invoice(t, id, "INV-D", "640.00", billing.NewDate(2026, 2, 1))
	c := ts.signIn(t, "ap@northwind.example")
	url := fmt.Sprintf("%s/portal/invoices/%d/dispute", ts.URL, inv.ID)

	resp, body := postMultipart(t, c, url, map[string]string{"reason": "damaged", "message": "Arrived broken"},
		map[string][]byte{"photo.pdf": []byte("this is not really a pdf")})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "not a PDF, PNG or JPEG") {
		t.Errorf("mislabelled file: status %d", resp.StatusCode)
	}
	resp, body = postMultipart(t, c, url, map[string]string{"reason": "", "message": ""}, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Choose a reason") || !strings.Contains(body, "Tell us what is wrong") {
		t.Errorf("missing fields: status %d", resp.StatusCode)
	}

	resp, _ = postMultipart(t, c, url, map[string]string{"reason": "damaged", "message": "Arrived broken"},
		map[string][]byte{"delivery-note.pdf": testPDF})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid dispute: status %d", resp.StatusCode)
	}

	status, page := get(t, c, ts.URL, fmt.Sprintf("/portal/invoices/%d/dispute", inv.ID))
	if status != http.StatusOK || !strings.Contains(page, "delivery-note.pdf") || !strings.Contains(page, `data-testid="dispute-paused"`) {
		t.Fatalf("dispute page: status %d, attachment or pause notice missing", status)
	}
	_, statement := get(t, c, ts.URL, "/portal/")
	if !strings.Contains(statement, ">disputed<") {
		t.Error("statement does not show the invoice as disputed")
	}

	link := strings.Split(strings.Split(page, `href="/portal/dispute-attachments/`)[1], `"`)[0]
	resp, err := c.Get(ts.URL + "/portal/dispute-attachments/" + link)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, resp)
	if got != string(testPDF) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d bytes, disposition %q", len(got), resp.Header.Get("Content-Disposition"))
	}

	other := ts.customer(t, "Contoso", "ap@contoso.example")
	ts.invoice(t, other, "INV-X", "1.00", billing.NewDate(2026, 2, 1))
	stranger := ts.signIn(t, "ap@contoso.example")
	if status, _ := get(t, stranger, ts.URL, "/portal/dispute-attachments/"+link); status != http.StatusNotFound {
		t.Errorf("another customer's attachment: status %d, want 404", status)
	}
}

func TestDisputeReply(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	inv := ts.invoice(t, id, "INV-R", "64.00", billing.NewDate(2026, 2, 1))
	c := ts.signIn(t, "ap@northwind.example")
	postMultipart(t, c, fmt.Sprintf("%s/portal/invoices/%d/dispute", ts.URL, inv.ID),
		map[string]string{"reason": "duplicate", "message": "Billed twice"}, nil)

	var disputeID int64
	if err := ts.pool.QueryRow(t.Context(), `SELECT id FROM disputes`).Scan(&disputeID); err != nil {
		t.Fatal(err)
	}
	resp, _ := post(t, c, ts.URL, fmt.Sprintf("/portal/disputes/%d/reply", disputeID), map[string][]string{"message": {"See PO 42"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply: status %d", resp.StatusCode)
	}
	_, page := get(t, c, ts.URL, resp.Header.Get("Location"))
	if !strings.Contains(page, "See PO 42") {
		t.Error("reply not shown")
	}
	resp, _ = post(t, c, ts.URL, fmt.Sprintf("/portal/disputes/%d/reply", disputeID), map[string][]string{"message": {" "}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("empty reply: status %d, want 422", resp.StatusCode)
	}
	resp, _ = post(t, c, ts.URL, fmt.Sprintf("/portal/disputes/%d/reply", disputeID+100), map[string][]string{"message": {"hi"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing dispute: status %d, want 404", resp.StatusCode)
	}
}
