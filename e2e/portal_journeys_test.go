//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/mxschmitt/playwright-go"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox/smtpsink"
)

// portalAccount is a customer seeded by a journey, with its contact and invoices.
type portalAccount struct {
	ID       int64
	Email    string
	Invoices map[string]int64 // invoice number to id
}

// seedAccount creates a customer with one contact and invoices issued 40 days
// before today, each of one line at the given amount, such as "1200.00".
func seedAccount(t *testing.T, s *Server, name, email string, invoices map[string]string) portalAccount {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, s.DatabaseURL)
	Must(t, err)
	defer pool.Close()

	acct := portalAccount{Email: email, Invoices: map[string]int64{}}
	acct.ID, err = billing.CreateCustomer(ctx, pool, billing.Customer{Name: name, Currency: "USD", Terms: billing.Terms{NetDays: 30}})
	Must(t, err)
	_, err = billing.AddContact(ctx, pool, billing.Contact{CustomerID: acct.ID, Email: email, ReceivesReminders: true})
	Must(t, err)
	issued := billing.Today(time.Now(), time.UTC).AddDays(-40)
	for number, amount := range invoices {
		price, err := billing.ParseMoney(amount, "USD")
		Must(t, err)
		inv, err := billing.IssueInvoice(ctx, pool, billing.NewInvoice{
			CustomerID: acct.ID, Number: number, IssueDate: issued, Source: "manual",
			Lines: []billing.Line{{Description: "Industrial fasteners", QuantityMilli: 1000, UnitPrice: price}},
		}, billing.SystemActor("e2e"))
		Must(t, err)
		acct.Invoices[number] = inv.ID
	}
	return acct
}

func portalSQL(t *testing.T, s *Server, sql string, args ...any) {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), s.DatabaseURL)
	Must(t, err)
	defer pool.Close()
	_, err = pool.Exec(context.Background(), sql, args...)
	Must(t, err)
}

var mailedLink = regexp.MustCompile(`https?://[^\s"<>]+/portal/link/[A-Za-z0-9_-]+`)

// waitForLink polls the SMTP sink until a message to addr carries its count-th
// sign-in link, which the outbox job delivers a moment after the request.
func waitForLink(t *testing.T, sink *smtpsink.Sink, addr string, count int) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		msgs := sink.To(addr)
		if len(msgs) >= count {
			body := strings.ReplaceAll(msgs[count-1].Data, "=\r\n", "")
			if link := mailedLink.FindString(body); link != "" {
				return link
			}
			t.Fatalf("message to %s has no sign-in link:\n%s", addr, msgs[count-1].Data)
		}
		time.Sleep(100 * time.Millisecond) // polling the sink for a job's delivery, not a fixed wait
	}
	t.Fatalf("no sign-in e-mail %d to %s within 20 s", count, addr)
	return ""
}

func TestPortalEmailedLinkOpensStatement(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := StartServer(t, WithEnv("SMTP_URL", sink.URL()))
	acct := seedAccount(t, s, "Fabrikam Tools", "ap@fabrikam.example", map[string]string{"FAB-1": "1200.00", "FAB-2": "80.25"})
	page := NewPage(t)

	Goto(t, page, s.URL+"/portal/login", http.StatusOK)
	Must(t, ByTestID(page, "portal-email").Fill(acct.Email))
	Must(t, ByTestID(page, "portal-request-link").Click())
	Must(t, Expect().Locator(ByTestID(page, "login-sent")).ToBeVisible())

	link := waitForLink(t, sink, acct.Email, 1)
	link = s.URL + link[strings.Index(link, "/portal/link/"):]
	Goto(t, page, link, http.StatusOK)
	Must(t, ByTestID(page, "link-continue").Click())
	Must(t, Expect().Locator(ByTestID(page, "statement-title")).ToContainText("Fabrikam Tools"))
	Must(t, Expect().Locator(ByTestID(page, "current-account")).ToContainText("Fabrikam Tools"))
	Must(t, Expect().Locator(ByTestID(page, "invoice-row")).ToHaveCount(2))
	Must(t, Expect().Locator(ByTestID(page, "total-due")).ToHaveText("$1,280.25"))
}

func TestPortalReusedAndExpiredLinks(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := StartServer(t, WithEnv("SMTP_URL", sink.URL()))
	acct := seedAccount(t, s, "Tailspin Parts", "ap@tailspin.example", map[string]string{"TS-1": "10.00"})

	link := s.MagicLink(t, acct.Email)
	first := NewPage(t)
	Goto(t, first, link, http.StatusOK)
	Must(t, ByTestID(first, "link-continue").Click())
	Must(t, Expect().Locator(ByTestID(first, "statement-title")).ToBeVisible())

	again := NewPage(t)
	Goto(t, again, link, http.StatusOK)
	Must(t, Expect().Locator(ByTestID(again, "link-problem")).ToContainText("already used"))
	Must(t, ByTestID(again, "link-resend").Click())
	Must(t, Expect().Locator(ByTestID(again, "login-sent")).ToContainText("7 days"))
	fresh := waitForLink(t, sink, acct.Email, 1)
	if strings.HasSuffix(link, fresh[strings.LastIndex(fresh, "/"):]) {
		t.Fatal("the resent link is the used one")
	}

	expiring := s.MagicLink(t, acct.Email)
	portalSQL(t, s, `UPDATE magic_links SET expires_at = now() - interval '1 minute' WHERE used_at IS NULL AND purpose = 'support'`)
	late := NewPage(t)
	Goto(t, late, expiring, http.StatusOK)
	Must(t, Expect().Locator(ByTestID(late, "link-problem")).ToContainText("expired"))
	Must(t, Expect().Locator(ByTestID(late, "link-resend")).ToBeVisible())
}

func TestPortalForeignInvoiceIsNotFound(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	mine := seedAccount(t, s, "Litware", "ap@litware.example", map[string]string{"LW-1": "50.00"})
	theirs := seedAccount(t, s, "Adatum", "ap@adatum.example", map[string]string{"AD-1": "70.00"})
	page := NewPage(t)
	DebtorSignIn(t, page, s, mine.Email)
	Must(t, Expect().Locator(ByTestID(page, "statement-title")).ToBeVisible())

	Goto(t, page, fmt.Sprintf("%s/portal/invoices/%d", s.URL, mine.Invoices["LW-1"]), http.StatusOK)
	Must(t, Expect().Locator(ByTestID(page, "invoice-title")).ToContainText("LW-1"))

	resp, err := page.Goto(fmt.Sprintf("%s/portal/invoices/%d", s.URL, theirs.Invoices["AD-1"]))
	Must(t, err)
	foreign, err := page.Locator("main").InnerText()
	Must(t, err)
	if resp.Status() != http.StatusNotFound {
		t.Fatalf("another customer's invoice: status %d, want 404", resp.Status())
	}
	resp, err = page.Goto(fmt.Sprintf("%s/portal/invoices/%d", s.URL, theirs.Invoices["AD-1"]+10_000))
	Must(t, err)
	missing, err := page.Locator("main").InnerText()
	Must(t, err)
	if resp.Status() != http.StatusNotFound || stripRequestID(foreign) != stripRequestID(missing) {
		t.Errorf("missing invoice: status %d; pages differ:\n%s\n---\n%s", resp.Status(), foreign, missing)
	}
}

// stripRequestID removes the per-request id that the error page shows.
func stripRequestID(s string) string {
	return regexp.MustCompile(`[A-Za-z0-9]{20,}`).ReplaceAllString(s, "")
}

func TestPortalPlansApprovedAndPending(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	acct := seedAccount(t, s, "Proseware", "ap@proseware.example", map[string]string{"PW-1": "900.00", "PW-2": "12000.00"})
	page := NewPage(t)
	DebtorSignIn(t, page, s, acct.Email)

	proposePlan(t, page, s, "PW-1", "3", "monthly")
	Must(t, Expect().Locator(ByTestID(page, "plan-schedule-row")).ToHaveCount(3))
	Must(t, Expect().Locator(ByTestID(page, "plan-total")).ToHaveText("$900.00"))
	Must(t, Expect().Locator(ByTestID(page, "plan-auto")).ToBeVisible())
	Must(t, ByTestID(page, "plan-submit").Click())
	Must(t, Expect().Locator(ByTestID(page, "flash")).ToContainText("approved"))

	proposePlan(t, page, s, "PW-2", "10", "biweekly")
	Must(t, Expect().Locator(ByTestID(page, "plan-review")).ToBeVisible())
	Must(t, ByTestID(page, "plan-submit").Click())
	Must(t, Expect().Locator(ByTestID(page, "flash")).ToContainText("waiting for approval"))
	Must(t, Expect().Locator(ByTestID(page, "plan-status")).ToHaveText([]string{"waiting for approval", "approved"}))

	Goto(t, page, s.URL+"/portal/", http.StatusOK)
	Must(t, Expect().Locator(page.Locator(`[data-invoice="PW-1"] [data-testid="invoice-status"]`)).ToHaveText("in a plan"))
	Must(t, Expect().Locator(page.Locator(`[data-invoice="PW-2"] [data-testid="invoice-status"]`)).ToHaveText("plan pending"))
}

// proposePlan fills the plan form for one invoice and shows its schedule.
func proposePlan(t *testing.T, page playwright.Page, s *Server, number, count, frequency string) {
	t.Helper()
	Goto(t, page, s.URL+"/portal/plan", http.StatusOK)
	boxes := ByTestID(page, "plan-invoice")
	n, err := boxes.Count()
	Must(t, err)
	for i := 0; i < n; i++ {
		box := boxes.Nth(i)
		if disabled, _ := box.IsDisabled(); disabled {
			continue
		}
		inv, err := box.GetAttribute("data-invoice")
		Must(t, err)
		Must(t, box.SetChecked(inv == number))
	}
	Must(t, ByTestID(page, "plan-count").Fill(count))
	_, err = ByTestID(page, "plan-frequency").SelectOption(playwright.SelectOptionValues{Values: playwright.StringSlice(frequency)})
	Must(t, err)
	Must(t, ByTestID(page, "plan-preview").Click())
	Must(t, Expect().Locator(ByTestID(page, "plan-schedule")).ToBeVisible())
}

func TestPortalDisputeWithAttachment(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	acct := seedAccount(t, s, "Wingtip Supply", "ap@wingtip.example", map[string]string{"WT-1": "450.00"})
	page := NewPage(t)
	DebtorSignIn(t, page, s, acct.Email)
	Goto(t, page, fmt.Sprintf("%s/portal/invoices/%d", s.URL, acct.Invoices["WT-1"]), http.StatusOK)
	Must(t, ByTestID(page, "open-dispute").Click())

	_, err := ByTestID(page, "dispute-reason").SelectOption(playwright.SelectOptionValues{Values: playwright.StringSlice("damaged")})
	Must(t, err)
	Must(t, ByTestID(page, "dispute-message").Fill("Two boxes arrived crushed; photos attached."))
	Must(t, ByTestID(page, "dispute-files").SetInputFiles([]playwright.InputFile{
		{Name: "fake.pdf", MimeType: "application/pdf", Buffer: []byte("not a pdf at all")},
	}))
	Must(t, ByTestID(page, "dispute-submit").Click())
	Must(t, Expect().Locator(ByTestID(page, "dispute-files-error")).ToContainText("not a PDF, PNG or JPEG"))

	Must(t, ByTestID(page, "dispute-files").SetInputFiles([]playwright.InputFile{
		{Name: "delivery-note.pdf", MimeType: "application/pdf", Buffer: []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")},
	}))
	Must(t, ByTestID(page, "dispute-submit").Click())
	Must(t, Expect().Locator(ByTestID(page, "flash")).ToContainText("Your dispute is open"))
	Must(t, Expect().Locator(ByTestID(page, "invoice-status")).ToHaveText("disputed"))

	Must(t, ByTestID(page, "open-dispute").Click())
	Must(t, Expect().Locator(ByTestID(page, "dispute-attachment")).ToHaveText("delivery-note.pdf"))
	Must(t, Expect().Locator(ByTestID(page, "dispute-paused")).ToBeVisible())
}

func TestPortalPromiseToPay(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	acct := seedAccount(t, s, "Northwind Logistics", "ap@nwlogistics.example", map[string]string{"NL-1": "300.00"})
	page := NewPage(t)
	DebtorSignIn(t, page, s, acct.Email)
	Goto(t, page, fmt.Sprintf("%s/portal/invoices/%d", s.URL, acct.Invoices["NL-1"]), http.StatusOK)

	Must(t, ByTestID(page, "promise-date").Fill(time.Now().AddDate(0, 0, 10).Format("2006-01-02")))
	Must(t, ByTestID(page, "promise-amount").Fill("300.01"))
	Must(t, ByTestID(page, "promise-submit").Click())
	Must(t, Expect().Locator(ByTestID(page, "promise-amount-error")).ToContainText("more than the open balance"))

	Must(t, ByTestID(page, "promise-amount").Fill("300.00"))
	Must(t, ByTestID(page, "promise-submit").Click())
	Must(t, Expect().Locator(ByTestID(page, "flash")).ToContainText("promise to pay is saved"))
	Must(t, Expect().Locator(ByTestID(page, "promised-on")).ToBeVisible())
	Must(t, Expect().Locator(ByTestID(page, "invoice-status")).ToHaveText("promised"))
	Must(t, Expect().Locator(ByTestID(page, "invoice-timeline")).ToContainText("Promise to pay $300.00 of invoice NL-1"))
}
