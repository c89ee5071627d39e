package portal

import (
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

func TestStatementShowsOpenInvoices(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	ts.invoice(t, id, "INV-100", "1200.00", billing.NewDate(2026, 1, 1))
	ts.invoice(t, id, "INV-101", "300.50", billing.NewDate(2026, 2, 20))
	c := ts.signIn(t, "ap@northwind.example")

	status, body := get(t, c, ts.URL, "/portal/")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	for _, want := range []string{"INV-100", "INV-101", "$1,500.50", `data-testid="days-overdue">30 days overdue<`, "Northwind"} {
		if !strings.Contains(body, want) {
			t.Errorf("statement lacks %q", want)
		}
	}
	if n := strings.Count(body, `data-testid="invoice-row"`); n != 2 {
		t.Errorf("%d invoice rows, want 2", n)
	}
}

func TestStatementPages(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	for i := 0; i < statementPageSize+3; i++ {
		ts.invoice(t, id, fmt.Sprintf("INV-%03d", i), "10.00", billing.NewDate(2026, 2, 1))
	}
	c := ts.signIn(t, "ap@northwind.example")

	_, first := get(t, c, ts.URL, "/portal/")
	if n := strings.Count(first, `data-testid="invoice-row"`); n != statementPageSize {
		t.Errorf("first page has %d rows, want %d", n, statementPageSize)
	}
	if !strings.Contains(first, "Page 1 of 2") || !strings.Contains(first, `href="/portal/?page=2"`) {
		t.Error("pager missing on the first page")
	}
	_, second := get(t, c, ts.URL, "/portal/?page=2")
	if n := strings.Count(second, `data-testid="invoice-row"`); n != 3 {
		t.Errorf("second page has %d rows, want 3", n)
	}
	if !strings.Contains(second, "$530.00") {
		t.Error("the total due must cover every page")
	}
}

func TestStatementDownloads(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	ts.invoice(t, id, "=HYPERLINK(1)", "99.95", billing.NewDate(2026, 2, 1))
	c := ts.signIn(t, "ap@northwind.example")

	resp, err := c.Get(ts.URL + "/portal/statement.csv")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	if !strings.Contains(body, "'=HYPERLINK(1)") {
		t.Errorf("formula not neutralized: %q", body)
	}
	if !strings.Contains(body, ",99.95,99.95,") {
		t.Errorf("amounts not plain decimals: %q", body)
	}

	resp, err = c.Get(ts.URL + "/portal/statement.pdf")
	if err != nil {
		t.Fatal(err)
	}
	pdf := readAll(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(pdf, "%PDF-") {
		t.Errorf("statement PDF: status %d, starts %q", resp.StatusCode, pdf[:min(8, len(pdf))])
	}
}

func TestStatementPDFDatesUSStyle(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	ts.invoice(t, id, "INV-1", "120.00", billing.NewDate(2026, 2, 1))
	c := ts.signIn(t, "ap@northwind.example")

	resp, err := c.Get(ts.URL + "/portal/statement.pdf")
	if err != nil {
		t.Fatal(err)
	}
	text := pdfContent(t, readAll(t, resp))
	if !strings.Contains(text, "(Feb 1, 2026)") {
		t.Error("statement PDF lacks the issue date as Feb 1, 2026")
	}
	if !strings.Contains(text, "(Mar 3, 2026)") {
		t.Error("statement PDF lacks the due date as Mar 3, 2026")
	}
	if strings.Contains(text, "2026-02-01") || strings.Contains(text, "2026-03-03") {
		t.Error("statement PDF shows an ISO date")
	}
}

// pdfContent returns a PDF's content streams, inflated, so a test can look for
// the text the PDF draws.
func pdfContent(t *testing.T, pdf string) string {
	t.Helper()
	var out strings.Builder
	rest := pdf
	for {
		start := strings.Index(rest, "stream\n")
		if start < 0 {
			return out.String()
		}
		rest = rest[start+len("stream\n"):]
		end := strings.Index(rest, "endstream")
		if end < 0 {
			t.Fatal("PDF stream without endstream")
		}
		if r, err := zlib.NewReader(strings.NewReader(rest[:end])); err == nil {
			b, _ := io.ReadAll(r)
			out.Write(b)
		} else {
			out.WriteString(rest[:end])
		}
		rest = rest[end+len("endstream"):]
	}
}

func TestInvoicePageAndPDF(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	inv := ts.invoice(t, id, "INV-7", "250.00", billing.NewDate(2026, 2, 1))
	c := ts.signIn(t, "ap@northwind.example")

	status, body := get(t, c, ts.URL, fmt.Sprintf("/portal/invoices/%d", inv.ID))
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	for _, want := range []string{"Invoice INV-7", "Widgets", "$250.00", "Payment is due 30 days after the invoice date.", "No late fees apply."} {
		if !strings.Contains(body, want) {
			t.Errorf("invoice page lacks %q", want)
		}
	}
	// The event is recorded at the database clock's time, not on the Feb 1 issue date.
	if !strings.Contains(body, `<li><span class="muted">Feb 1, 2026</span> Invoice INV-7 issued`) {
		t.Error("history does not date the issued line by the issue date")
	}
	resp, err := c.Get(ts.URL + fmt.Sprintf("/portal/invoices/%d/pdf", inv.ID))
	if err != nil {
		t.Fatal(err)
	}
	if pdf := readAll(t, resp); !strings.HasPrefix(pdf, "%PDF-") {
		t.Error("invoice PDF is not a PDF")
	}
}

func TestForeignInvoiceSame404(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.customer(t, "Northwind", "ap@northwind.example")
	other := ts.customer(t, "Contoso", "ap@contoso.example")
	foreign := ts.invoice(t, other, "INV-C1", "10.00", billing.NewDate(2026, 2, 1))
	c := ts.signIn(t, "ap@northwind.example")

	for _, path := range []string{"/portal/invoices/%d", "/portal/invoices/%d/pdf"} {
		fStatus, fBody := get(t, c, ts.URL, fmt.Sprintf(path, foreign.ID))
		mStatus, mBody := get(t, c, ts.URL, fmt.Sprintf(path, foreign.ID+1000))
		if fStatus != http.StatusNotFound || mStatus != http.StatusNotFound || fBody != mBody {
			t.Errorf("%s: foreign %d, missing %d; bodies equal %v", path, fStatus, mStatus, fBody == mBody)
		}
	}
	for _, action := range []string{"promise", "confirm"} {
		resp, _ := post(t, c, ts.URL, fmt.Sprintf("/portal/invoices/%d/%s", foreign.ID, action),
			url.Values{"date": {"2026-03-10"}, "amount": {"1.00"}})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s on a foreign invoice: status %d, want 404", action, resp.StatusCode)
		}
	}
	if status, _ := get(t, c, ts.URL, "/portal/invoices/abc"); status != http.StatusNotFound {
		t.Errorf("malformed id: status %d, want 404", status)
	}
}

func TestPromiseForm(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	inv := ts.invoice(t, id, "INV-8", "500.00", billing.NewDate(2026, 2, 1))
	c := ts.signIn(t, "ap@northwind.example")
	path := fmt.Sprintf("/portal/invoices/%d/promise", inv.ID)

	cases := []struct {
		name, date, amount, want string
	}{
		{"past date", "2026-03-01", "100.00", "in the past"},
		{"far date", "2026-06-01", "100.00", "within 90 days"},
		{"bad date", "next week", "100.00", "YYYY-MM-DD"},
		{"zero", "2026-03-10", "0", "greater than zero"},
		{"negative", "2026-03-10", "-5.00", "greater than zero"},
		{"over balance", "2026-03-10", "500.01", "more than the open balance"},
		{"decimals", "2026-03-10", "10.001", "at most 2 decimals"},
		{"not a number", "2026-03-10", "ten", "as a number"},
	}
	for _, tc := range cases {
		resp, body := post(t, c, ts.URL, path, url.Values{"date": {tc.date}, "amount": {tc.amount}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.name, resp.StatusCode)
		}
		if !strings.Contains(body, tc.want) {
			t.Errorf("%s: page lacks %q", tc.name, tc.want)
		}
	}

	resp, _ := post(t, c, ts.URL, path, url.Values{"date": {"2026-03-20"}, "amount": {"500"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid promise: status %d", resp.StatusCode)
	}
	_, body := get(t, c, ts.URL, resp.Header.Get("Location"))
	if !strings.Contains(body, "You promised to pay by Mar 20, 2026") || !strings.Contains(body, ">promised<") {
		t.Error("invoice page does not show the promise")
	}
	if !strings.Contains(body, "Promise to pay $500.00 of invoice INV-8") {
		t.Error("promise missing from the debtor's history")
	}
}

func TestConfirmReceiptForm(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	inv := ts.invoice(t, id, "INV-9", "75.00", billing.NewDate(2026, 2, 1))
	c := ts.signIn(t, "ap@northwind.example")
	path := fmt.Sprintf("/portal/invoices/%d/confirm", inv.ID)

	resp, body := post(t, c, ts.URL, path, url.Values{"scheduled_on": {"2025-12-01"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "in the past") {
		t.Errorf("past scheduled date: status %d", resp.StatusCode)
	}
	resp, _ = post(t, c, ts.URL, path, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: status %d", resp.StatusCode)
	}
	_, body = get(t, c, ts.URL, resp.Header.Get("Location"))
	if !strings.Contains(body, `data-testid="receipt-confirmed"`) || !strings.Contains(body, "confirmed receipt of invoice INV-9") {
		t.Error("confirmation not shown")
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

func TestInvoiceDiscountExpired(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	id, err := billing.CreateCustomer(ctx, ts.pool, billing.Customer{
		Name: "Contoso", Currency: "USD", Terms: billing.Terms{NetDays: 30, DiscountRateBP: 200, DiscountDays: 10},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := billing.AddContact(ctx, ts.pool, billing.Contact{CustomerID: id, Email: "ap@contoso.example", ReceivesReminders: true}); err != nil {
		t.Fatal(err)
	}
	// Today is Mar 2, 2026: the window of the first invoice ended on Feb 11,
	// the window of the second one is open until Mar 7.
	expired := ts.invoice(t, id, "INV-OLD", "6140.00", billing.NewDate(2026, 2, 1))
	open := ts.invoice(t, id, "INV-NEW", "6140.00", billing.NewDate(2026, 2, 25))
	c := ts.signIn(t, "ap@contoso.example")

	_, body := get(t, c, ts.URL, fmt.Sprintf("/portal/invoices/%d", expired.ID))
	if !strings.Contains(body, "2% discount if paid by Feb 11, 2026 (expired).") {
		t.Error("expired discount terms missing from the invoice page")
	}
	if strings.Contains(body, "to save") {
		t.Error("invoice page offers an expired discount")
	}
	pdf := pdfText(t, c, ts.URL+fmt.Sprintf("/portal/invoices/%d/pdf", expired.ID))
	if !strings.Contains(pdf, "2% discount if paid by Feb 11, 2026 ") || strings.Contains(pdf, "to save") {
		t.Errorf("invoice PDF offers an expired discount: %q", pdf)
	}

	_, body = get(t, c, ts.URL, fmt.Sprintf("/portal/invoices/%d", open.ID))
	if !strings.Contains(body, "Pay the whole balance by Mar 7, 2026 to save 2% ($122.80).") {
		t.Error("open discount missing from the invoice page")
	}
	pdf = pdfText(t, c, ts.URL+fmt.Sprintf("/portal/invoices/%d/pdf", open.ID))
	if !strings.Contains(pdf, "Pay the whole balance by Mar 7, 2026 to save 2% ") {
		t.Errorf("open discount missing from the invoice PDF: %q", pdf)
	}
}

// pdfText downloads a PDF and returns the text of its content streams, inflated.
// Text drawn by fpdf appears inside "(...) Tj" operators with '(' and ')' escaped.
func pdfText(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	raw := readAll(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(raw, "%PDF-") {
		t.Fatalf("GET %s: status %d, not a PDF", url, resp.StatusCode)
	}
	var out strings.Builder
	for rest := raw; ; {
		start := strings.Index(rest, ">>\nstream\n")
		if start < 0 {
			break
		}
		rest = rest[start+len(">>\nstream\n"):]
		end := strings.Index(rest, "\nendstream")
		if end < 0 {
			break
		}
		r, err := zlib.NewReader(strings.NewReader(rest[:end]))
		rest = rest[end:]
		if err != nil {
			continue // not a deflated stream
		}
		b, err := io.ReadAll(r)
		if err != nil {
			continue
		}
		out.Write(b)
	}
	return strings.NewReplacer(`\(`, "(", `\)`, ")").Replace(out.String())
}

func TestPDFsShowSeller(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, err := ts.pool.Exec(context.Background(), `
		INSERT INTO organization (name, address, remit_to, bank_details)
		VALUES ('Fabrikam Supply Inc.', '1 Main St, Springfield', 'PO Box 77, Springfield', 'First Bank, ABA 021000021, account 1234567')
		ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address,
			remit_to = EXCLUDED.remit_to, bank_details = EXCLUDED.bank_details`)
	if err != nil {
		t.Fatal(err)
	}
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	inv := ts.invoice(t, id, "INV-8", "250.00", billing.NewDate(2026, 2, 1))
	c := ts.signIn(t, "ap@northwind.example")

	for _, path := range []string{fmt.Sprintf("/portal/invoices/%d/pdf", inv.ID), "/portal/statement.pdf"} {
		text := pdfText(t, c, ts.URL+path)
		for _, want := range []string{"Fabrikam Supply Inc.", "1 Main St, Springfield", "Remit to", "PO Box 77, Springfield",
			"Bank details for wires", "First Bank, ABA 021000021, account 1234567"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
	}
}
