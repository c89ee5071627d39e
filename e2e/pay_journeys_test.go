//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/mxschmitt/playwright-go"
)

// The demo account Northwind Traders has three open invoices: NW-0987 ($2,154.00,
// overdue), NW-1001 ($6,140.00) and NW-1002 ($2,480.00, inside a 2% early-payment
// window that saves $49.60).
const payer = "ap@northwind.example"

// startPayment chooses invoices on the pay form and submits it, which opens the
// sandbox checkout.
func startPayment(t *testing.T, page playwright.Page, s *Server, numbers ...string) {
	t.Helper()
	Goto(t, page, s.URL+"/portal/pay", http.StatusOK)
	Must(t, Expect().Locator(page.GetByText("Sandbox: no money moves")).ToHaveCount(1))
	for _, n := range numbers {
		Must(t, ByTestID(page, "pay-check-"+n).Check())
	}
	Must(t, ByTestID(page, "pay-submit").Click())
	Must(t, Expect().Page(page).ToHaveURL(regexp.MustCompile(`/sandbox/checkout/cs_test_sandbox_`)))
	Must(t, Expect().Locator(ByTestID(page, "sandbox-label")).ToContainText("Sandbox: no money moves"))
	Must(t, Expect().Locator(page.GetByText("Sandbox: no money moves")).ToHaveCount(1))
}

func payByBank(t *testing.T, page playwright.Page, account string) {
	t.Helper()
	Must(t, ByTestID(page, "sandbox-routing").Fill("110000000"))
	Must(t, ByTestID(page, "sandbox-account").Fill(account))
	Must(t, ByTestID(page, "sandbox-pay-bank").Click())
	Must(t, Expect().Locator(ByTestID(page, "pay-processing")).ToBeVisible())
}

// waitForStatus reloads the payment status page until the attempt reaches want.
// The bank outcome arrives from a River job after SANDBOX_ACH_DELAY.
func waitForStatus(t *testing.T, page playwright.Page, url, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		Goto(t, page, url, http.StatusOK)
		if want == "succeeded" && regexp.MustCompile(`/portal/receipts/\d+$`).MatchString(page.URL()) {
			return
		}
		status, err := ByTestID(page, "pay-status").GetAttribute("data-status")
		if err == nil && status == want {
			return
		}
		time.Sleep(250 * time.Millisecond) // polling a job's outcome, not waiting on a fixed delay
	}
	t.Fatalf("payment at %s did not reach %s within 30 s", url, want)
}

func TestPayCardShowsReceipt(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	page := NewPage(t)
	DebtorSignIn(t, page, s, payer)

	startPayment(t, page, s, "NW-0987")
	Must(t, Expect().Locator(ByTestID(page, "sandbox-amount")).ToHaveText("$2,154.00"))
	Must(t, ByTestID(page, "sandbox-card-number").Fill("4000 0000 0000 0002"))
	Must(t, ByTestID(page, "sandbox-pay-card").Click())
	Must(t, Expect().Locator(ByTestID(page, "sandbox-card-error")).ToContainText("declined"))

	Must(t, ByTestID(page, "sandbox-card-number").Fill("4242 4242 4242 4242"))
	Must(t, ByTestID(page, "sandbox-pay-card").Click())
	Must(t, Expect().Page(page).ToHaveURL(regexp.MustCompile(`/portal/receipts/\d+$`)))
	Must(t, Expect().Locator(ByTestID(page, "receipt-amount")).ToHaveText("$2,154.00"))
	Must(t, Expect().Locator(ByTestID(page, "receipt-method")).ToHaveText("Card"))
	Must(t, Expect().Locator(ByTestID(page, "receipt-payer")).ToContainText("Northwind Traders"))
	Must(t, Expect().Locator(ByTestID(page, "receipt-payee")).ToBeVisible())
	Must(t, Expect().Locator(ByTestID(page, "receipt-number")).ToHaveText(regexp.MustCompile(`^R-\d{6}$`)))

	// The Print button opens the print dialog through the receipt's script;
	// the stub records the call instead of opening a dialog.
	_, err := page.Evaluate(`() => { window.printed = false; window.print = () => { window.printed = true; }; }`)
	Must(t, err)
	Must(t, ByTestID(page, "receipt-print").Click())
	printed, err := page.Evaluate(`() => window.printed`)
	Must(t, err)
	if printed != true {
		t.Error("Print button did not open the print dialog")
	}

	Goto(t, page, s.URL+"/portal/pay", http.StatusOK)
	Must(t, Expect().Locator(ByTestID(page, "pay-row-NW-0987")).ToHaveCount(0))
	if n := countRows(t, s, `SELECT count(*) FROM outbox_emails WHERE kind = 'payment.receipt' AND to_addr = $1`, payer); n != 1 {
		t.Errorf("receipt e-mails queued = %d, want 1", n)
	}
}

func TestPayBankSettlesAndFails(t *testing.T) {
	t.Parallel()
	s := StartServer(t, WithEnv("SANDBOX_ACH_DELAY", "2s"))
	page := NewPage(t)
	DebtorSignIn(t, page, s, payer)

	startPayment(t, page, s, "NW-1001")
	payByBank(t, page, "000123456789")
	settling := page.URL()

	startPayment(t, page, s, "NW-0987")
	payByBank(t, page, "000111111116")
	failing := page.URL()

	// In flight, both invoices show as processing and cannot be paid again.
	Goto(t, page, s.URL+"/portal/pay", http.StatusOK)
	Must(t, Expect().Locator(ByTestID(page, "in-flight-NW-1001")).ToHaveText("Processing"))
	Must(t, Expect().Locator(ByTestID(page, "in-flight-NW-0987")).ToHaveText("Processing"))

	waitForStatus(t, page, settling, "succeeded")
	Must(t, Expect().Locator(ByTestID(page, "receipt-amount")).ToHaveText("$6,140.00"))
	Must(t, Expect().Locator(ByTestID(page, "receipt-method")).ToHaveText("Bank account (ACH)"))

	waitForStatus(t, page, failing, "failed")
	Must(t, Expect().Locator(ByTestID(page, "pay-failed")).ToBeVisible())
	Must(t, ByTestID(page, "pay-retry").Click())
	Must(t, Expect().Locator(ByTestID(page, "pay-check-NW-0987")).ToBeVisible())
	if n := countRows(t, s, `SELECT count(*) FROM outbox_emails WHERE kind = 'payment.failed' AND to_addr = $1`, payer); n != 1 {
		t.Errorf("failure e-mails queued = %d, want 1", n)
	}
}

func TestPayDiscountOnlyInsideWindow(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	page := NewPage(t)
	DebtorSignIn(t, page, s, payer)

	Goto(t, page, s.URL+"/portal/pay", http.StatusOK)
	Must(t, Expect().Locator(ByTestID(page, "discount-NW-1002")).ToContainText("$49.60"))
	Must(t, Expect().Locator(ByTestID(page, "due-now-NW-1002")).ToHaveText("$2,430.40"))
	startPayment(t, page, s, "NW-1002")
	Must(t, Expect().Locator(ByTestID(page, "sandbox-amount")).ToHaveText("$2,430.40"))
	Must(t, ByTestID(page, "sandbox-card-number").Fill("4242 4242 4242 4242"))
	Must(t, ByTestID(page, "sandbox-pay-card").Click())
	Must(t, Expect().Locator(ByTestID(page, "receipt-discount")).ToContainText("$49.60"))

	// Move NW-1001's window into the past, as if its last day were yesterday in
	// the seller's zone (the server's default, America/New_York), which is not
	// always yesterday in the database's UTC.
	execSQL(t, s, `UPDATE invoices SET discount_rate_bp = 200,
		discount_until = (now() AT TIME ZONE 'America/New_York')::date - 1 WHERE number = 'NW-1001'`)
	Goto(t, page, s.URL+"/portal/pay", http.StatusOK)
	Must(t, Expect().Locator(ByTestID(page, "discount-NW-1001")).ToHaveCount(0))
	Must(t, Expect().Locator(ByTestID(page, "due-now-NW-1001")).ToHaveText("$6,140.00"))
	startPayment(t, page, s, "NW-1001")
	Must(t, Expect().Locator(ByTestID(page, "sandbox-amount")).ToHaveText("$6,140.00"))
	Must(t, ByTestID(page, "sandbox-card-number").Fill("4242 4242 4242 4242"))
	Must(t, ByTestID(page, "sandbox-pay-card").Click())
	Must(t, Expect().Locator(ByTestID(page, "receipt-amount")).ToHaveText("$6,140.00"))
	Must(t, Expect().Locator(ByTestID(page, "receipt-discount")).ToHaveCount(0))
}

func TestPayRejectsBadAmount(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	page := NewPage(t)
	DebtorSignIn(t, page, s, payer)

	Goto(t, page, s.URL+"/portal/pay", http.StatusOK)
	Must(t, ByTestID(page, "pay-check-NW-0987").Check())
	Must(t, ByTestID(page, "pay-amount-NW-0987").Fill("99999"))
	Must(t, ByTestID(page, "pay-submit").Click())
	Must(t, Expect().Locator(ByTestID(page, "error-amount-NW-0987")).ToContainText("more than the open balance"))

	Must(t, ByTestID(page, "pay-amount-NW-0987").Fill("10.001"))
	Must(t, ByTestID(page, "pay-submit").Click())
	Must(t, Expect().Locator(ByTestID(page, "error-amount-NW-0987")).ToContainText("at most 2 decimals"))
	if n := countRows(t, s, `SELECT count(*) FROM payment_attempts`); n != 0 {
		t.Errorf("attempts = %d after rejected forms, want 0", n)
	}
}

func execSQL(t *testing.T, s *Server, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), s.DatabaseURL)
	Must(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(context.Background(), sql, args...)
	Must(t, err)
}

func countRows(t *testing.T, s *Server, sql string, args ...any) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), s.DatabaseURL)
	Must(t, err)
	defer conn.Close(context.Background())
	var n int
	Must(t, conn.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}
