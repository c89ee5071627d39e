//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
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
	if got := msg.Header("Subject"); got != "Second reminder: $2,550.00 overdue for Adatum Corporation" {
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
