//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox/smtpsink"
)

// reminderRun is the JSON that `ledgvero reminders run --format json` prints.
type reminderRun struct {
	Sent     int            `json:"sent"`
	Invoices int            `json:"invoices"`
	Skipped  map[string]int `json:"skipped"`
}

func runReminders(t *testing.T, s *Server, asOf billing.Date) reminderRun {
	t.Helper()
	out := s.Run(t, "reminders", "run", "--as-of", asOf.String(), "--format", "json")
	var res reminderRun
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("decoding reminders run output %q: %v", out, err)
	}
	return res
}

func TestAutomationReminderLinkOpensStatement(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := StartServer(t, WithEnv("SMTP_URL", sink.URL()))
	// Issued 40 days ago on net 30: 10 days past due, the firm step of the
	// standard policy.
	acct := seedAccount(t, s, "Adatum Corporation", "ap@adatum.example", map[string]string{"AD-1": "2400.00", "AD-2": "150.00"})
	asOf := billing.Today(time.Now(), time.UTC)

	first := runReminders(t, s, asOf)
	if first.Sent < 1 {
		t.Fatalf("first run sent %d e-mails, want at least the one to Adatum", first.Sent)
	}
	link := waitForLink(t, sink, acct.Email, 1)
	msg := sink.To(acct.Email)[0]
	// The first e-mail Adatum gets is at the firm step, so it must not call
	// itself a second reminder.
	if got := msg.Header("Subject"); got != "$2,550.00 overdue for Adatum Corporation" {
		t.Errorf("reminder subject = %q", got)
	}
	body := strings.ReplaceAll(msg.Data, "=\r\n", "")
	for _, want := range []string{"AD-1", "AD-2", "10 days past due"} {
		if !strings.Contains(body, want) {
			t.Errorf("reminder lacks %q", want)
		}
	}

	if again := runReminders(t, s, asOf); again.Sent != 0 || again.Invoices != 0 {
		t.Errorf("second run the same day sent %d e-mails about %d invoices, want none", again.Sent, again.Invoices)
	}

	page := NewPage(t)
	Goto(t, page, s.URL+link[strings.Index(link, "/portal/link/"):], http.StatusOK)
	Must(t, ByTestID(page, "link-continue").Click())
	Must(t, Expect().Locator(ByTestID(page, "statement-title")).ToContainText("Adatum Corporation"))
	Must(t, Expect().Locator(ByTestID(page, "invoice-row")).ToHaveCount(2))
	Must(t, Expect().Locator(ByTestID(page, "total-due")).ToHaveText("$2,550.00"))
}

func TestAutomationTwoProcessesSendOnce(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := StartServer(t, WithEnv("SMTP_URL", sink.URL()))
	const accounts = 12
	for i := range accounts {
		seedAccount(t, s, fmt.Sprintf("Parallel %02d", i), fmt.Sprintf("ap%02d@parallel.example", i),
			map[string]string{fmt.Sprintf("PAR-%02d-1", i): "100.00", fmt.Sprintf("PAR-%02d-2", i): "50.00"})
	}
	asOf := billing.NewDate(2030, 1, 15) // every seeded invoice is far past due

	var wg sync.WaitGroup
	results := make([]reminderRun, 2)
	outputs := make([]string, 2)
	errs := make([]error, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outputs[i], errs[i] = s.RunErr("reminders", "run", "--as-of", asOf.String(), "--format", "json")
			if errs[i] == nil {
				errs[i] = json.Unmarshal([]byte(outputs[i]), &results[i])
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, outputs[i])
		}
	}

	// The demo customers of the seed are reminded too, once each.
	total := results[0].Sent + results[1].Sent
	if total < accounts {
		t.Fatalf("the two processes sent %d + %d e-mails, want at least %d", results[0].Sent, results[1].Sent, accounts)
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(sink.Messages()) < total && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond) // polling the sink for the outbox job's deliveries
	}
	if got := len(sink.Messages()); got != total {
		t.Errorf("sink received %d messages, want %d", got, total)
	}
	for i := range accounts {
		addr := fmt.Sprintf("ap%02d@parallel.example", i)
		if got := len(sink.To(addr)); got != 1 {
			t.Errorf("%s received %d reminders, want 1", addr, got)
		}
	}
}
