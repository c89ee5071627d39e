//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing"
)

// mailpitAPI is the development mail catcher that `make mail-start` runs.
const mailpitAPI = "http://127.0.0.1:8025/api/v1"

// mailpitMessage is one message as Mailpit's message endpoint returns it.
type mailpitMessage struct {
	ID      string
	Subject string
	Date    time.Time
	Text    string
	HTML    string
}

// mailpitTo returns every message Mailpit contains for addr, oldest first.
func mailpitTo(t *testing.T, addr string) []mailpitMessage {
	t.Helper()
	var found struct {
		Messages []struct{ ID string }
	}
	mailpitGet(t, "/search?query="+url.QueryEscape("to:"+addr), &found)
	msgs := make([]mailpitMessage, 0, len(found.Messages))
	// Search lists the newest first.
	for i := len(found.Messages) - 1; i >= 0; i-- {
		var m mailpitMessage
		mailpitGet(t, "/message/"+found.Messages[i].ID, &m)
		msgs = append(msgs, m)
	}
	return msgs
}

func mailpitGet(t *testing.T, path string, into any) {
	t.Helper()
	resp, err := http.Get(mailpitAPI + path)
	if err != nil {
		t.Fatalf("reading Mailpit (run `make mail-start`): %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, resp.StatusCode)
	}
	Must(t, json.NewDecoder(resp.Body).Decode(into))
}

// waitForMailpit waits until the server's outbox has delivered everything it
// queued for addr, then returns what Mailpit contains for addr. It fails
// unless both sides contain exactly want messages, so a run that should send
// nothing is caught even though the delivery worker runs a moment later.
func waitForMailpit(t *testing.T, pool *pgxpool.Pool, addr string, want int) []mailpitMessage {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var queued, sent, failed int
		Must(t, pool.QueryRow(context.Background(), `
			SELECT count(*) FILTER (WHERE status = 'queued'), count(*) FILTER (WHERE status = 'sent'),
				count(*) FILTER (WHERE status = 'failed')
			FROM outbox_emails WHERE to_addr = $1`, addr).Scan(&queued, &sent, &failed))
		if failed > 0 {
			t.Fatalf("%d e-mails to %s failed to send", failed, addr)
		}
		if queued == 0 {
			if sent != want {
				t.Fatalf("outbox sent %d e-mails to %s, want %d", sent, addr, want)
			}
			if msgs := mailpitTo(t, addr); len(msgs) == want {
				return msgs
			} else if len(msgs) > want {
				t.Fatalf("Mailpit holds %d messages for %s, want %d", len(msgs), addr, want)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: %d e-mails to %s still queued, %d sent, Mailpit holds %d; want %d",
				queued, addr, sent, len(mailpitTo(t, addr)), want)
		}
		time.Sleep(100 * time.Millisecond) // polling the outbox worker's deliveries
	}
}

// reminderStep is what one step of the standard policy must send.
type reminderStep struct {
	offset  int      // days from the due date
	subject string   // the exact subject
	body    []string // phrases of the step's tone
	closing string
}

func TestAutomationMailpitFullCadence(t *testing.T) {
	t.Parallel()
	suffix := make([]byte, 6)
	_, err := rand.Read(suffix)
	Must(t, err)
	addr := "ap-" + hex.EncodeToString(suffix) + "@fabrikam.example"

	// The daily reminder job of the server must not fire during the test: only
	// the runs below, each with its own as-of date, may send.
	quietHour := (time.Now().UTC().Hour() + 12) % 24
	s := StartServer(t, WithEnv("ORG_TIMEZONE", "UTC"), WithEnv("REMINDER_HOUR", fmt.Sprint(quietHour)))
	pool, err := pgxpool.New(context.Background(), s.DatabaseURL)
	Must(t, err)
	t.Cleanup(pool.Close)

	// Issued 60 days ago on net 30, so due 30 days ago: the final step falls on
	// today. The invoice is older than a week, which keeps it out of the
	// new-invoice e-mail, so every message below is a reminder.
	today := billing.Today(time.Now(), time.UTC)
	issued, due := today.AddDays(-60), today.AddDays(-30)
	csv := "record,customer_id,customer_name,currency,terms_days,contact_email,contact_name," +
		"invoice_id,invoice_number,issue_date,due_date,description,quantity,amount\n" +
		"customer,FAB,Fabrikam Inc,USD,30,,,,,,,,,\n" +
		"contact,FAB,,,," + addr + ",Dana Reyes,,,,,,,\n" +
		"invoice,FAB,,,,,,FAB-7781,FAB-7781," + issued.String() + "," + due.String() + ",Pallet racking,1,1234.50\n"
	file := filepath.Join(t.TempDir(), "fabrikam.csv")
	Must(t, os.WriteFile(file, []byte(csv), 0o600))
	s.Run(t, "import", "--preset", "ledgvero", file)
	waitForMailpit(t, pool, addr, 0)

	steps := []reminderStep{
		{offset: -3, subject: "Upcoming payment: $1,234.50 due " + due.Format(),
			body: []string{"This is a courtesy note", "falls due soon", "due in 3 days"}, closing: "Kind regards,"},
		{offset: 3, subject: "Reminder: $1,234.50 past due for Fabrikam Inc",
			body: []string{"invoice for Fabrikam Inc is now past due", "It may simply have slipped through", "3 days past due",
				"payment by " + due.AddDays(3+7).Format()}, closing: "Thank you,"},
		{offset: 10, subject: "Second reminder: $1,234.50 overdue for Fabrikam Inc",
			body: []string{"We wrote earlier about the invoice below, which remains unpaid", "10 days past due",
				"payment of $1,234.50 by " + due.AddDays(10+7).Format()}, closing: "Regards,"},
		{offset: 30, subject: "Final notice: $1,234.50 overdue for Fabrikam Inc",
			body: []string{"This is our", "final notice", "30 days past due", "a member of our team will call you",
				"please pay $1,234.50 by " + due.AddDays(30+7).Format(), "/portal/plan"}, closing: "Sincerely,"},
	}
	stepAt := map[int]reminderStep{}
	for _, st := range steps {
		stepAt[st.offset] = st
	}

	// Each step's day sends its e-mail. The days between, and a step's day run
	// twice, send nothing.
	var got []mailpitMessage
	for _, offset := range []int{-5, -3, -3, -2, 0, 3, 4, 3, 9, 10, 11, 29, 30, 30} {
		asOf := due.AddDays(offset)
		started := time.Now()
		run := s.Run(t, "reminders", "run", "--as-of", asOf.String(), "--format", "json")
		want := len(got)
		st, isStep := stepAt[offset]
		if isStep && !sentBefore(got, st.subject) {
			want++
		}
		msgs := waitForMailpit(t, pool, addr, want)
		if want == len(got) {
			continue
		}
		got = msgs
		checkReminder(t, asOf, started, st, got[len(got)-1], run)
	}
	if len(got) != len(steps) {
		t.Fatalf("Mailpit holds %d reminders, want one per step (%d)", len(got), len(steps))
	}
	seen := map[string]bool{}
	for _, m := range got {
		if seen[m.Subject] {
			t.Errorf("step %q was sent twice", m.Subject)
		}
		seen[m.Subject] = true
	}

	var tasks int
	Must(t, pool.QueryRow(context.Background(), `
		SELECT count(*) FROM staff_tasks st JOIN customers c ON c.id = st.customer_id WHERE c.external_id = 'FAB'`).Scan(&tasks))
	if tasks != 1 {
		t.Errorf("the final step opened %d staff tasks for Fabrikam, want 1", tasks)
	}
}

func sentBefore(msgs []mailpitMessage, subject string) bool {
	for _, m := range msgs {
		if m.Subject == subject {
			return true
		}
	}
	return false
}

// checkReminder checks one delivered reminder against its step.
func checkReminder(t *testing.T, asOf billing.Date, started time.Time, st reminderStep, m mailpitMessage, run string) {
	t.Helper()
	if m.Subject != st.subject {
		t.Errorf("%s: subject = %q, want %q (run output %s)", asOf, m.Subject, st.subject, run)
	}
	text := strings.Join(strings.Fields(m.Text), " ")
	wants := append([]string{"Hello Dana Reyes,", "Invoice FAB-7781", "$1,234.50 open", "Total due: $1,234.50",
		st.closing}, st.body...)
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s: %q lacks %q:\n%s", asOf, m.Subject, want, m.Text)
		}
	}
	if !mailedLink.MatchString(m.Text) {
		t.Errorf("%s: %q has no portal sign-in link:\n%s", asOf, m.Subject, m.Text)
	}
	if !strings.Contains(m.HTML, "FAB-7781") || !mailedLink.MatchString(m.HTML) {
		t.Errorf("%s: the HTML part of %q lacks the invoice number or the sign-in link", asOf, m.Subject)
	}
	// The Date header has whole seconds: the reminder is sent by this run, not
	// an earlier one.
	if m.Date.Before(started.Truncate(time.Second)) || m.Date.After(time.Now()) {
		t.Errorf("%s: %q is dated %s, want between the run's start %s and now", asOf, m.Subject, m.Date, started)
	}
}
