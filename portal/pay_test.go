package portal

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/assets"
	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/billing/outbox"
	"github.com/ledgvero/ledgvero/billing/stripegw"
	"github.com/ledgvero/ledgvero/billing/websession"
	"github.com/ledgvero/ledgvero/templates"
)

const payTestSecret = "whsec_pay_test"

// payServer is the portal with the payment sandbox on httptest, for pay tests
// and the pay benchmark.
type payServer struct {
	*httptest.Server
	pool *pgxpool.Pool
	now  time.Time
}

func newPayServer(tb testing.TB) *payServer {
	tb.Helper()
	pool := dbtest.New(tb)
	jobs, err := outbox.NewInserter(pool)
	if err != nil {
		tb.Fatal(err)
	}
	ps := &payServer{pool: pool, now: testNow}
	now := func() time.Time { return ps.now }
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	proc := &stripegw.Processor{
		Pool: pool, Secret: payTestSecret, Jobs: jobs, Logger: logger, Now: now, Timezone: time.UTC,
		BaseURL: "http://portal.test", OrgName: "Test Seller",
	}
	sb := &stripegw.Sandbox{Pool: pool, Processor: proc, Jobs: jobs, ACHDelay: time.Second, Now: now, Logger: logger}
	h := &Handler{
		Pool: pool, Logger: logger, Now: now, Timezone: time.UTC, BaseURL: "http://portal.test", Jobs: jobs, Sandbox: true,
		Sessions: websession.New(pool, websession.Options{
			Surface: "portal", CookieName: "ledgvero_portal", Secret: []byte(strings.Repeat("k", 32)),
			IdleTimeout: 30 * time.Minute, MaxLifetime: 12 * time.Hour, Now: now,
		}),
		Payments: Payments{Gateway: sb, Sandbox: sb, Processor: proc},
	}

	e := newTestEcho(tb)
	h.Routes(e)
	ps.Server = httptest.NewServer(e)
	tb.Cleanup(ps.Close)
	return ps
}

// payer creates a customer with one contact and terms, and returns its id.
func (ps *payServer) payer(tb testing.TB, name string, terms billing.Terms) int64 {
	tb.Helper()
	ctx := context.Background()
	id, err := billing.CreateCustomer(ctx, ps.pool, billing.Customer{Name: name, Currency: "USD", Terms: terms})
	if err != nil {
		tb.Fatal(err)
	}
	email := "ap@" + strings.ToLower(name) + ".example"
	if _, err := billing.AddContact(ctx, ps.pool, billing.Contact{CustomerID: id, Email: email}); err != nil {
		tb.Fatal(err)
	}
	return id
}

func (ps *payServer) issue(tb testing.TB, customerID int64, number string, minor int64, issued billing.Date) billing.Invoice {
	tb.Helper()
	inv, err := billing.IssueInvoice(context.Background(), ps.pool, billing.NewInvoice{
		CustomerID: customerID, Number: number, IssueDate: issued, Source: "manual",
		Lines: []billing.Line{{Description: "Widgets", QuantityMilli: 1000, UnitPrice: billing.Money{Amount: minor, Currency: "USD"}}},
	}, billing.SystemActor("test"))
	if err != nil {
		tb.Fatal(err)
	}
	return inv
}

func (ps *payServer) login(tb testing.TB, email string) *http.Client {
	tb.Helper()
	token, err := billing.CreateMagicLink(context.Background(), ps.pool, email, billing.LinkSupport, ps.now)
	if err != nil {
		tb.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _ := ps.submit(tb, c, "/portal/link", url.Values{"token": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("redeeming link: status %d", resp.StatusCode)
	}
	return c
}

func (ps *payServer) fetch(tb testing.TB, c *http.Client, path string) (*http.Response, string) {
	tb.Helper()
	resp, err := c.Get(ps.URL + path)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (ps *payServer) submit(tb testing.TB, c *http.Client, path string, form url.Values) (*http.Response, string) {
	tb.Helper()
	resp, err := c.PostForm(ps.URL+path, form)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var keyPattern = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`)

// payKey loads the pay form and returns its idempotency key.
func (ps *payServer) payKey(tb testing.TB, c *http.Client) string {
	tb.Helper()
	resp, body := ps.fetch(tb, c, "/portal/pay")
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("pay form: status %d", resp.StatusCode)
	}
	m := keyPattern.FindStringSubmatch(body)
	if m == nil {
		tb.Fatal("pay form without an idempotency key")
	}
	return m[1]
}

func payForm(key string, invoiceID int64, amount, reason string) url.Values {
	return url.Values{
		"idempotency_key": {key}, "invoice": {fmt.Sprint(invoiceID)},
		billing.AmountField(invoiceID): {amount}, "reason": {reason},
	}
}

func TestPayFormShowsDiscount(t *testing.T) {
	t.Parallel()
	ps := newPayServer(t)
	cust := ps.payer(t, "Disc", billing.Terms{NetDays: 30, DiscountRateBP: 200, DiscountDays: 10})
	ps.issue(t, cust, "D-1", 248000, billing.NewDate(2026, 3, 1))
	c := ps.login(t, "ap@disc.example")

	_, body := ps.fetch(t, c, "/portal/pay")
	if !strings.Contains(body, `data-testid="discount-D-1">$49.60 early-payment discount`) {
		t.Error("discount missing from the pay form")
	}
	if !strings.Contains(body, `data-testid="due-now-D-1">$2,430.40`) {
		t.Error("discounted amount missing from the pay form")
	}
	if n := strings.Count(body, "Sandbox: no money moves"); n != 1 {
		t.Errorf("pay form shows the sandbox label %d times, want once", n)
	}
}

func TestPayRejectsBadAmounts(t *testing.T) {
	t.Parallel()
	ps := newPayServer(t)
	cust := ps.payer(t, "Bad", billing.Terms{NetDays: 30})
	inv := ps.issue(t, cust, "B-1", 100000, billing.NewDate(2026, 3, 1))
	c := ps.login(t, "ap@bad.example")
	key := ps.payKey(t, c)

	tests := []struct {
		amount, want string
	}{
		{"1000.01", "more than the open balance"},
		{"0", "greater than zero"},
		{"-5", "greater than zero"},
		{"10.001", "at most 2 decimals"},
		{"ten", "Enter an amount such as"},
	}
	for _, tt := range tests {
		resp, body := ps.submit(t, c, "/portal/pay", payForm(key, inv.ID, tt.amount, "short shipment"))
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("amount %q: status %d, want 422", tt.amount, resp.StatusCode)
		}
		if !strings.Contains(body, `data-testid="error-amount-B-1">`) || !strings.Contains(body, tt.want) {
			t.Errorf("amount %q: message %q missing next to the field", tt.amount, tt.want)
		}
	}
	resp, body := ps.submit(t, c, "/portal/pay", payForm(key, inv.ID, "10", ""))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-reason"`) {
		t.Errorf("partial without reason: status %d, want 422 with a reason message", resp.StatusCode)
	}

	var n int
	if err := ps.pool.QueryRow(context.Background(), `SELECT count(*) FROM payment_attempts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("attempts = %d after rejected forms, want 0", n)
	}
}

func TestPayForeignInvoiceNotFound(t *testing.T) {
	t.Parallel()
	ps := newPayServer(t)
	mine := ps.payer(t, "Mine", billing.Terms{NetDays: 30})
	theirs := ps.payer(t, "Theirs", billing.Terms{NetDays: 30})
	ps.issue(t, mine, "M-1", 1000, billing.NewDate(2026, 3, 1))
	other := ps.issue(t, theirs, "T-1", 1000, billing.NewDate(2026, 3, 1))
	c := ps.login(t, "ap@mine.example")
	key := ps.payKey(t, c)

	foreign, foreignBody := ps.submit(t, c, "/portal/pay", payForm(key, other.ID, "", ""))
	missing, missingBody := ps.submit(t, c, "/portal/pay", payForm(key, 999999, "", ""))
	if foreign.StatusCode != http.StatusNotFound || missing.StatusCode != http.StatusNotFound {
		t.Errorf("foreign invoice status %d, missing invoice status %d, want 404 for both", foreign.StatusCode, missing.StatusCode)
	}
	if foreignBody != missingBody {
		t.Error("a foreign invoice gets another answer than a missing one")
	}
}

func TestPayTwiceMakesOneAttempt(t *testing.T) {
	t.Parallel()
	ps := newPayServer(t)
	cust := ps.payer(t, "Twice", billing.Terms{NetDays: 30})
	inv := ps.issue(t, cust, "W-1", 50000, billing.NewDate(2026, 3, 1))
	c := ps.login(t, "ap@twice.example")
	key := ps.payKey(t, c)

	first, _ := ps.submit(t, c, "/portal/pay", payForm(key, inv.ID, "", ""))
	second, _ := ps.submit(t, c, "/portal/pay", payForm(key, inv.ID, "", ""))
	if first.StatusCode != http.StatusSeeOther || second.StatusCode != http.StatusSeeOther {
		t.Fatalf("statuses %d and %d, want 303 twice", first.StatusCode, second.StatusCode)
	}
	if first.Header.Get("Location") != second.Header.Get("Location") {
		t.Errorf("second submission went to %s, want %s", second.Header.Get("Location"), first.Header.Get("Location"))
	}
	var attempts, sessions int
	err := ps.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM payment_attempts), (SELECT count(*) FROM sandbox_sessions)`).
		Scan(&attempts, &sessions)
	if err != nil {
		t.Fatal(err)
	}
	if attempts != 1 {
		t.Errorf("attempts = %d, want 1", attempts)
	}
	if sessions != 1 {
		t.Errorf("sandbox sessions = %d, want 1", sessions)
	}
}

func TestSandboxCheckoutNamesSeller(t *testing.T) {
	t.Parallel()
	ps := newPayServer(t)
	cust := ps.payer(t, "Card", billing.Terms{NetDays: 30})
	inv := ps.issue(t, cust, "C-1", 120000, billing.NewDate(2026, 3, 1))
	_, err := ps.pool.Exec(context.Background(), `INSERT INTO organization (name, timezone, currency, address, remit_to)
		VALUES ('Acme Industrial Supply', 'America/New_York', 'USD', '', '')`)
	if err != nil {
		t.Fatal(err)
	}
	c := ps.login(t, "ap@card.example")
	key := ps.payKey(t, c)

	resp, _ := ps.submit(t, c, "/portal/pay", payForm(key, inv.ID, "", ""))
	checkout := resp.Header.Get("Location")
	if !strings.HasPrefix(checkout, "/sandbox/checkout/") {
		t.Fatalf("redirect to %q, want the sandbox checkout", checkout)
	}
	_, page := ps.fetch(t, c, checkout)
	if !strings.Contains(page, `data-testid="seller-name">Acme Industrial Supply<`) {
		t.Error("sandbox checkout header does not name the seller")
	}
	if !strings.Contains(page, "· Acme Industrial Supply</title>") {
		t.Error("sandbox checkout title does not name the seller")
	}
}

func TestPayCardShowsReceipt(t *testing.T) {
	t.Parallel()
	ps := newPayServer(t)
	cust := ps.payer(t, "Card", billing.Terms{NetDays: 30})
	inv := ps.issue(t, cust, "C-1", 120000, billing.NewDate(2026, 3, 1))
	c := ps.login(t, "ap@card.example")
	key := ps.payKey(t, c)

	resp, _ := ps.submit(t, c, "/portal/pay", payForm(key, inv.ID, "", ""))
	checkout := resp.Header.Get("Location")
	if !strings.HasPrefix(checkout, "/sandbox/checkout/cs_test_sandbox_") {
		t.Fatalf("redirect to %q, want the sandbox checkout", checkout)
	}
	_, page := ps.fetch(t, c, checkout)
	if n := strings.Count(page, "Sandbox: no money moves"); n != 1 {
		t.Errorf("sandbox checkout shows the sandbox label %d times, want once", n)
	}
	if !strings.Contains(page, "$1,200.00") {
		t.Error("sandbox checkout without its amount")
	}

	resp, _ = ps.submit(t, c, checkout, url.Values{"method": {"card"}, "card_number": {"4242 4242 4242 4242"}})
	status := strings.TrimPrefix(resp.Header.Get("Location"), "http://portal.test")
	resp, _ = ps.fetch(t, c, status)
	receipt := resp.Header.Get("Location")
	if receipt == "" || !strings.HasPrefix(receipt, "/portal/receipts/") {
		t.Fatalf("status page redirected to %q, want the receipt", receipt)
	}
	_, err := ps.pool.Exec(context.Background(), `INSERT INTO organization (name, timezone, currency, address, remit_to)
		VALUES ('Test Seller Inc.', 'UTC', 'USD', '1 Main St, Springfield', '')`)
	if err != nil {
		t.Fatal(err)
	}
	_, body := ps.fetch(t, c, receipt)
	if !strings.Contains(body, `data-testid="receipt-amount">$1,200.00`) {
		t.Error("receipt without the amount")
	}
	if !regexp.MustCompile(`data-testid="receipt-number">R-\d{6}<`).MatchString(body) {
		t.Error("receipt number is not formatted as R-000000")
	}
	if !strings.Contains(body, `data-testid="receipt-payee">Test Seller Inc.<br><span class="muted">1 Main St, Springfield</span>`) {
		t.Error("receipt does not name the payee with its address")
	}
	if !strings.Contains(body, `data-testid="receipt-payer">Card<br><span class="muted">ap@card.example</span>`) {
		t.Error("receipt does not name the payer and the contact who paid")
	}
	if !strings.Contains(body, `data-testid="receipt-date">`+billing.Today(testNow, time.UTC).Format()+`<`) {
		t.Error("receipt does not show the date paid")
	}
	if strings.Contains(body, "Started on") {
		t.Error("receipt still labels the date as the start")
	}
	if !strings.Contains(body, `data-testid="receipt-print"`) || !strings.Contains(body, `<script src="/assets/print.`) {
		t.Error("receipt has no print button with its script")
	}
	if !strings.Contains(body, `<dl class="details" data-testid="receipt-details">`) {
		t.Error("receipt details are not laid out as a details table")
	}
	if !strings.Contains(body, `data-testid="receipt-method">Card<`) {
		t.Error("receipt does not name the card method in words")
	}

	// Another debtor cannot open the receipt.
	other := ps.payer(t, "Nosy", billing.Terms{NetDays: 30})
	ps.issue(t, other, "N-1", 100, billing.NewDate(2026, 3, 1))
	nosy := ps.login(t, "ap@nosy.example")
	if resp, _ := ps.fetch(t, nosy, receipt); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another customer's receipt: status %d, want 404", resp.StatusCode)
	}
}

func TestWebhookEndpointChecksSignature(t *testing.T) {
	t.Parallel()
	ps := newPayServer(t)
	payload, err := stripegw.EventJSON("evt_ping", "customer.created", map[string]any{"id": "cus_1", "object": "customer"}, ps.now)
	if err != nil {
		t.Fatal(err)
	}
	send := func(header string) int {
		req, err := http.NewRequest(http.MethodPost, ps.URL+"/webhooks/stripe", strings.NewReader(string(payload)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Stripe-Signature", header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	if got := send(stripegw.Sign(payload, "whsec_wrong", ps.now)); got != http.StatusBadRequest {
		t.Errorf("wrong secret: status %d, want 400", got)
	}
	if got := send(stripegw.Sign(payload, payTestSecret, ps.now)); got != http.StatusOK {
		t.Errorf("good signature: status %d, want 200", got)
	}
}

func TestPayTemplatesRender(t *testing.T) {
	t.Parallel()
	set, err := assets.Load()
	if err != nil {
		t.Fatal(err)
	}
	r, err := templates.New(set.URL)
	if err != nil {
		t.Fatal(err)
	}
	base := templates.Base{Title: "Pay", Surface: "portal", Sandbox: true, Account: "Northwind"}
	pages := []struct {
		name, want string
		data       any
	}{
		{"portal/pay", "nothing-to-pay", payPage{Base: base, Errors: map[string]string{}}},
		{"portal/pay", "error-reason", payPage{Base: base, AllowPartial: true, Rows: []payRow{{ID: 1, Number: "A-1", Field: "amount_1"}},
			Errors: map[string]string{"reason": "Say why."}}},
		{"portal/pay_status", "pay-waiting", payStatusPage{Base: base, Status: "pending"}},
		{"portal/pay_status", "pay-cancelled", payStatusPage{Base: base, Status: "pending", Cancelled: true}},
		{"portal/pay_status", "pay-processing", payStatusPage{Base: base, Status: "processing", Method: "bank account (ACH)"}},
		{"portal/pay_status", "pay-failed", payStatusPage{Base: base, Status: "failed", Failure: "The bank payment failed."}},
		{"portal/pay_status", "pay-other", payStatusPage{Base: base, Status: "refunded"}},
		{"portal/receipt", "receipt-status", receiptPage{Base: base, Status: "disputed", Lines: []receiptLine{{Number: "A-1"}}}},
		{"portal/sandbox_checkout", "sandbox-complete", sandboxPage{Base: base, Complete: true, Errors: map[string]string{}}},
		{"portal/sandbox_checkout", "sandbox-account-error", sandboxPage{Base: base, Errors: map[string]string{"account_number": "Use a test account."}}},
	}
	for _, p := range pages {
		var b strings.Builder
		if err := r.Render(&b, p.name, p.data); err != nil {
			t.Errorf("%s: %v", p.name, err)
			continue
		}
		if !strings.Contains(b.String(), `data-testid="`+p.want+`"`) {
			t.Errorf("%s: %s missing", p.name, p.want)
		}
	}
}

func TestPayFormInputsHaveStyledTypes(t *testing.T) {
	t.Parallel()
	ps := newPayServer(t)
	cust := ps.payer(t, "Typed", billing.Terms{NetDays: 30})
	ps.issue(t, cust, "T-1", 120000, billing.NewDate(2026, 3, 1))
	c := ps.login(t, "ap@typed.example")

	_, body := ps.fetch(t, c, "/portal/pay")
	if !strings.Contains(body, `<table class="responsive pay"`) {
		t.Error("pay table lacks the class that aligns its rows")
	}
	// app.css styles inputs by type, so an input without a styled type is drawn
	// as the browser's bare default.
	styled := map[string]bool{"text": true, "checkbox": true, "hidden": true}
	inputs := regexp.MustCompile(`<input[^>]*>`).FindAllString(body, -1)
	if len(inputs) < 4 {
		t.Fatalf("pay form has %d inputs, want at least 4", len(inputs))
	}
	typeAttr := regexp.MustCompile(` type="([a-z]+)"`)
	for _, input := range inputs {
		m := typeAttr.FindStringSubmatch(input)
		if m == nil || !styled[m[1]] {
			t.Errorf("input without a styled type: %s", input)
		}
	}
}

func TestPayPartOfTwoInvoices(t *testing.T) {
	t.Parallel()
	ps := newPayServer(t)
	cust := ps.payer(t, "Split", billing.Terms{NetDays: 30})
	first := ps.issue(t, cust, "S-1", 100000, billing.NewDate(2026, 3, 1))
	second := ps.issue(t, cust, "S-2", 50000, billing.NewDate(2026, 3, 2))
	c := ps.login(t, "ap@split.example")
	key := ps.payKey(t, c)

	form := payForm(key, first.ID, "250.00", "two disputed lines")
	form.Add("invoice", fmt.Sprint(second.ID))
	form.Set(billing.AmountField(second.ID), "75.50")
	resp, body := ps.submit(t, c, "/portal/pay", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303; body: %s", resp.StatusCode, body)
	}

	rows, err := ps.pool.Query(context.Background(), `
		SELECT l.invoice_id, l.amount_minor FROM payment_attempt_invoices l ORDER BY l.invoice_id`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]int64{}
	for rows.Next() {
		var id, amount int64
		if err := rows.Scan(&id, &amount); err != nil {
			t.Fatal(err)
		}
		got[id] = amount
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[first.ID] != 25000 || got[second.ID] != 7550 {
		t.Errorf("attempt lines = %v, want 25000 on S-1 and 7550 on S-2", got)
	}
}
