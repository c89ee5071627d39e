package backoffice

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// overdueCustomer returns the id of the demo customer with the oldest overdue invoice.
func overdueCustomer(t *testing.T, ts *testServer) int64 {
	t.Helper()
	var id int64
	err := ts.pool.QueryRow(context.Background(), `
		SELECT customer_id FROM invoices WHERE open_minor > 0 ORDER BY due_date, id LIMIT 1`).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestReminderSettingsEditAndPreview(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.signIn(t, "admin@example.com", "admin")
	ctx := context.Background()

	status, body := get(t, admin, ts.URL+reminderSettingsURL)
	if status != http.StatusOK {
		t.Fatalf("settings page: status %d", status)
	}
	for _, want := range []string{`data-testid="policy-standard"`, "3 days before the due date", `data-testid="template-friendly"`, `data-testid="preview-form"`} {
		if !strings.Contains(body, want) {
			t.Errorf("settings page lacks %s", want)
		}
	}

	// A step with an unknown tone is rejected with the field named; a valid change is stored.
	var stepID int64
	if err := ts.pool.QueryRow(ctx, `
		SELECT s.id FROM reminder_steps s JOIN reminder_policies p ON p.id = s.policy_id
		WHERE p.segment = 'standard' AND s.offset_days = 10`).Scan(&stepID); err != nil {
		t.Fatal(err)
	}
	stepURL := ts.URL + reminderSettingsURL + "/steps/" + itoa(stepID)
	form := url.Values{"offset_days": {"12"}, "tone": {"stern"}, "channel": {"email"}, "template": {"firm"}}
	post(t, admin, stepURL, form)
	_, body = get(t, admin, ts.URL+reminderSettingsURL)
	if !strings.Contains(body, "Tone: Choose courtesy, friendly, firm or final.") {
		t.Error("no error naming the tone after an invalid step")
	}
	form.Set("tone", "firm")
	if status, _ := post(t, admin, stepURL, form); status != http.StatusSeeOther {
		t.Fatalf("saving a step: status %d", status)
	}
	var offset int
	if err := ts.pool.QueryRow(ctx, `SELECT offset_days FROM reminder_steps WHERE id = $1`, stepID).Scan(&offset); err != nil || offset != 12 {
		t.Errorf("step offset = %d (%v), want 12", offset, err)
	}

	// A template that does not parse is rejected; a valid edit is used by the preview.
	tmplForm := url.Values{"name": {"firm"}, "subject": {"Overdue: {{.TotalDue}"}, "body_text": {"x"}, "body_html": {"<p>x</p>"}}
	post(t, admin, ts.URL+reminderSettingsURL+"/templates", tmplForm)
	if n := countRows(t, ts, `SELECT count(*) FROM reminder_templates`); n != 0 {
		t.Errorf("%d templates stored after an invalid edit, want 0", n)
	}
	tmplForm.Set("subject", "Overdue balance of {{.TotalDue}} for {{.Customer}}")
	tmplForm.Set("body_text", "Dear {{.Customer}},\n{{template \"invoices\" .}}")
	if status, _ := post(t, admin, ts.URL+reminderSettingsURL+"/templates", tmplForm); status != http.StatusSeeOther {
		t.Fatalf("saving a template: status %d", status)
	}

	customer := overdueCustomer(t, ts)
	var name string
	if err := ts.pool.QueryRow(ctx, `SELECT name FROM customers WHERE id = $1`, customer).Scan(&name); err != nil {
		t.Fatal(err)
	}
	status, body = get(t, admin, ts.URL+reminderSettingsURL+"?customer="+itoa(customer)+"&template=firm")
	if status != http.StatusOK || !strings.Contains(body, "Overdue balance of") || !strings.Contains(body, "Dear "+name) {
		t.Errorf("preview: status %d, edited subject or customer missing", status)
	}
	resp, err := admin.Get(ts.URL + reminderSettingsURL + "/preview.html?customer=" + itoa(customer) + "&template=friendly")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("HTML preview: status %d, policy %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	if status, _ := get(t, admin, ts.URL+reminderSettingsURL+"?customer=0&template=firm"); status != http.StatusUnprocessableEntity {
		t.Errorf("preview without a customer: status %d, want 422", status)
	}

	if status, _ := post(t, admin, ts.URL+reminderSettingsURL+"/templates/firm/reset", nil); status != http.StatusSeeOther {
		t.Errorf("reset: status %d", status)
	}
	if n := countRows(t, ts, `SELECT count(*) FROM reminder_templates`); n != 0 {
		t.Errorf("%d templates stored after the reset, want 0", n)
	}
	if n := countRows(t, ts, `SELECT count(*) FROM staff_audit WHERE action LIKE 'settings.reminder_%'`); n != 3 {
		t.Errorf("%d audit entries for reminder settings, want 3", n)
	}

	collector := ts.signIn(t, "col@example.com", "collector")
	if status, _ := post(t, collector, stepURL, form); status != http.StatusForbidden {
		t.Errorf("collector saving a step: status %d, want 403", status)
	}
}

func TestCustomerReminderControls(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	collector := ts.signIn(t, "col@example.com", "collector")
	customer := overdueCustomer(t, ts)
	page := ts.URL + "/backoffice/customers/" + itoa(customer)

	status, body := get(t, collector, page)
	if status != http.StatusOK || !strings.Contains(body, `data-testid="reminder-schedule"`) || !strings.Contains(body, `data-testid="reminders-send-now"`) {
		t.Fatalf("customer page: status %d, reminder schedule or controls missing", status)
	}

	post(t, collector, page+"/reminders/pause", url.Values{"reason": {" "}})
	if n := countRows(t, ts, `SELECT count(*) FROM customers WHERE id = $1 AND reminders_paused_at IS NOT NULL`, customer); n != 0 {
		t.Error("paused without a reason")
	}
	post(t, collector, page+"/reminders/pause", url.Values{"reason": {"negotiating a settlement"}})
	if n := countRows(t, ts, `SELECT count(*) FROM customers WHERE id = $1 AND reminders_paused_reason = 'negotiating a settlement'`, customer); n != 1 {
		t.Error("not paused with the reason")
	}
	if _, body := get(t, collector, page); !strings.Contains(body, `data-testid="reminders-paused"`) {
		t.Error("customer page does not show the pause")
	}
	post(t, collector, page+"/reminders/resume", nil)
	if n := countRows(t, ts, `SELECT count(*) FROM customers WHERE id = $1 AND reminders_paused_at IS NULL`, customer); n != 1 {
		t.Error("not resumed")
	}
	post(t, collector, page+"/reminders/snooze", url.Values{"until": {"2026-03-20"}})
	if n := countRows(t, ts, `SELECT count(*) FROM customers WHERE id = $1 AND reminders_snoozed_until = '2026-03-20'`, customer); n != 1 {
		t.Error("not snoozed until 2026-03-20")
	}
	post(t, collector, page+"/reminders/resume", nil)

	if status, _ := post(t, collector, page+"/reminders/send", nil); status != http.StatusSeeOther {
		t.Fatalf("send now: status %d", status)
	}
	sent := countRows(t, ts, `SELECT count(*) FROM outbox_emails WHERE customer_id = $1 AND kind LIKE 'reminder.%'`, customer)
	if sent != 1 {
		t.Errorf("reminder e-mails after send now = %d, want 1", sent)
	}
	post(t, collector, page+"/reminders/send", nil)
	if n := countRows(t, ts, `SELECT count(*) FROM outbox_emails WHERE customer_id = $1 AND kind LIKE 'reminder.%'`, customer); n != sent {
		t.Errorf("a second send now the same day queued %d more e-mails", n-sent)
	}
	for _, kind := range []string{"reminders.paused", "reminders.resumed", "reminders.snoozed"} {
		if n := countRows(t, ts, `SELECT count(*) FROM timeline_events WHERE customer_id = $1 AND kind = $2`, customer, kind); n == 0 {
			t.Errorf("no %s timeline entry", kind)
		}
	}

	viewer := ts.signIn(t, "view@example.com", "viewer")
	if status, _ := post(t, viewer, page+"/reminders/pause", url.Values{"reason": {"x"}}); status != http.StatusForbidden {
		t.Errorf("viewer pausing: status %d, want 403", status)
	}
}

func countRows(t *testing.T, ts *testServer, query string, args ...any) int {
	t.Helper()
	var n int
	if err := ts.pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestTimelineEntryBy(t *testing.T) {
	cases := []struct{ actor, source, want string }{
		{"staff:ana@example.com", "backoffice", "ana@example.com in the back office"},
		{"system:invoice-delivery", "job", "Ledgvero (invoice delivery) by a scheduled job"},
		{"contact:ap@northwind.example", "portal", "the customer's contact ap@northwind.example in the portal"},
		{"system:stripe", "webhook", "Ledgvero (stripe) from the payment gateway"},
		{"staff:ana@example.com", "fax", "ana@example.com via fax"},
	}
	for _, c := range cases {
		var e timelineEntry
		e.Actor, e.Source = c.actor, c.source
		if got := e.By(); got != c.want {
			t.Errorf("By(%q, %q) = %q, want %q", c.actor, c.source, got, c.want)
		}
	}
}
