package backoffice

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ledgvero/ledgvero/billing"
)

func TestEveryPageRendersForAdmin(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.signIn(t, "admin@example.com", billing.RoleAdmin)
	if _, err := billing.RecomputeSegments(context.Background(), ts.pool, billing.Today(testNow, mustNY(t)), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := billing.TakeSnapshot(context.Background(), ts.pool, billing.Today(testNow, mustNY(t))); err != nil {
		t.Fatal(err)
	}
	id := firstCustomerID(t, ts.pool)
	pages := map[string]string{
		"/backoffice/":                                      `data-testid="kpi-dso"`,
		"/backoffice/aging":                                 `data-testid="aging-row"`,
		"/backoffice/aging?customer=" + id:                  `data-testid="aging-drill"`,
		"/backoffice/customers":                             `data-testid="customer-row"`,
		"/backoffice/customers?status=overdue&sort=overdue": `data-testid="customer-list"`,
		"/backoffice/customers/" + id:                       `data-testid="risk-score"`,
		"/backoffice/segments":                              `data-testid="segment-matrix"`,
		"/backoffice/queues/tasks":                          `data-testid="task-table"`,
		"/backoffice/settings":                              `data-testid="collection-form"`,
		"/backoffice/settings/users":                        `data-testid="invite-form"`,
		"/backoffice/audit":                                 `data-testid="audit-table"`,
		"/backoffice/account/totp":                          `data-testid="totp-secret"`,
	}
	for path, want := range pages {
		status, body := get(t, c, ts.URL+path)
		if status != http.StatusOK {
			t.Errorf("GET %s: status %d", path, status)
			continue
		}
		if !strings.Contains(body, want) {
			t.Errorf("GET %s: no %s in the page", path, want)
		}
	}
	_, body := get(t, c, ts.URL+"/backoffice/")
	if !strings.Contains(body, `<svg class="bars"`) || strings.Contains(body, "<script") {
		t.Error("dashboard: want an inline SVG aging chart and no script")
	}
}

func mustNY(t *testing.T) *time.Location {
	t.Helper()
	tz, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	return tz
}

func TestViewerSeesNoActionsAndGets403(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.signIn(t, "viewer@example.com", billing.RoleViewer)
	id := firstCustomerID(t, ts.pool)

	status, body := get(t, c, ts.URL+"/backoffice/customers/"+id)
	if status != http.StatusOK {
		t.Fatalf("customer page: status %d", status)
	}
	for _, button := range []string{`data-testid="save-note"`, `data-testid="send-login-link"`, `data-testid="save-customer-settings"`} {
		if strings.Contains(body, button) {
			t.Errorf("viewer sees %s", button)
		}
	}
	status, _ = post(t, c, ts.URL+"/backoffice/customers/"+id+"/notes", url.Values{"note": {"hello"}})
	if status != http.StatusForbidden {
		t.Errorf("viewer note: status %d, want 403", status)
	}
	status, body = get(t, c, ts.URL+"/backoffice/settings")
	if status != http.StatusOK {
		t.Errorf("viewer settings: status %d, want 200 (viewers read everything)", status)
	}
	if strings.Contains(body, `data-testid="save-collection"`) {
		t.Error("viewer sees the save button of the settings")
	}
	if status, _ := post(t, c, ts.URL+"/backoffice/settings/collection", url.Values{"collector_limit": {"1.00"}}); status != http.StatusForbidden {
		t.Errorf("viewer saves settings: status %d, want 403", status)
	}
	_, body = get(t, c, ts.URL+"/backoffice/settings/users")
	if strings.Contains(body, `data-testid="invite-form"`) || strings.Contains(body, `data-testid="deactivate-user"`) {
		t.Error("viewer sees user management buttons")
	}
}

func TestCollectorLogsNoteOnTimeline(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.signIn(t, "col@example.com", billing.RoleCollector)
	id := firstCustomerID(t, ts.pool)

	status, _ := post(t, c, ts.URL+"/backoffice/customers/"+id+"/notes", url.Values{"note": {"Spoke to AP; cheque in the post"}})
	if status != http.StatusSeeOther {
		t.Fatalf("note: status %d", status)
	}
	_, body := get(t, c, ts.URL+"/backoffice/customers/"+id)
	if !strings.Contains(body, "cheque in the post") || !strings.Contains(body, "col@example.com in the back office") {
		t.Error("note missing from the timeline with actor and source")
	}
	if !strings.Contains(body, "Note saved.") {
		t.Error("no confirmation flash")
	}
	if status, _ := post(t, c, ts.URL+"/backoffice/settings/users", url.Values{"email": {"x@example.com"}, "role": {"admin"}}); status != http.StatusForbidden {
		t.Errorf("collector invites a user: status %d, want 403", status)
	}
}

func TestAgingCSVIsFormulaSafe(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.signIn(t, "admin@example.com", billing.RoleAdmin)
	if _, err := ts.pool.Exec(context.Background(), `UPDATE customers SET name = '=HYPERLINK("http://evil.example","x")' WHERE id = (SELECT min(id) FROM customers)`); err != nil {
		t.Fatal(err)
	}
	status, body := get(t, c, ts.URL+"/backoffice/aging.csv")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if !strings.Contains(body, `"'=HYPERLINK(""http://evil.example"",""x"")"`) {
		t.Errorf("formula not escaped in:\n%s", body)
	}
	for _, line := range strings.Split(body, "\n") {
		for _, cell := range strings.Split(line, ",") {
			if strings.HasPrefix(cell, "=") || strings.HasPrefix(cell, `"=`) {
				t.Errorf("cell starts with '=': %s", cell)
			}
		}
	}
}

func TestDeactivationEndsSessions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.signIn(t, "admin@example.com", billing.RoleAdmin)
	victim := ts.signIn(t, "leaver@example.com", billing.RoleCollector)
	if status, _ := get(t, victim, ts.URL+"/backoffice/"); status != http.StatusOK {
		t.Fatalf("leaver before: status %d", status)
	}
	var id int64
	if err := ts.pool.QueryRow(context.Background(), `SELECT id FROM staff_users WHERE email = 'leaver@example.com'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	status, _ := post(t, admin, ts.URL+"/backoffice/settings/users/"+itoa(id)+"/deactivate", nil)
	if status != http.StatusSeeOther {
		t.Fatalf("deactivate: status %d", status)
	}
	if status, _ := get(t, victim, ts.URL+"/backoffice/"); status != http.StatusSeeOther {
		t.Errorf("leaver after: status %d, want a redirect to sign-in", status)
	}
	_, body := get(t, admin, ts.URL+"/backoffice/audit")
	if !strings.Contains(body, "Deactivated leaver@example.com") {
		t.Error("deactivation missing from the audit log")
	}
}

func TestAdminInvitesCollector(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.signIn(t, "admin@example.com", billing.RoleAdmin)
	status, body := post(t, admin, ts.URL+"/backoffice/settings/users", url.Values{"email": {"new@example.com"}, "role": {"collector"}})
	if status != http.StatusOK || !strings.Contains(body, `data-testid="temp-password"`) {
		t.Fatalf("invite: status %d, temporary password shown: %v", status, strings.Contains(body, "temp-password"))
	}
	status, body = post(t, admin, ts.URL+"/backoffice/settings/users", url.Values{"email": {"new@example.com"}, "role": {"collector"}})
	if status != http.StatusSeeOther {
		t.Errorf("duplicate invite: status %d, want a redirect with an error", status)
	}
	_ = body
}

func TestStaffPromiseAndWriteOff(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	var customerID, invoiceID, open int64
	if err := ts.pool.QueryRow(ctx, `SELECT customer_id, id, open_minor FROM invoices ORDER BY due_date, id LIMIT 1`).Scan(&customerID, &invoiceID, &open); err != nil {
		t.Fatal(err)
	}
	base := ts.URL + "/backoffice/customers/" + itoa(customerID)
	collector := ts.signIn(t, "col@example.com", billing.RoleCollector)
	status, _ := post(t, collector, base+"/promises", url.Values{"invoice_id": {itoa(invoiceID)}, "amount": {"50.00"}, "promise_date": {"2026-03-09"}})
	if status != http.StatusSeeOther {
		t.Fatalf("promise: status %d", status)
	}
	var promises int
	if err := ts.pool.QueryRow(ctx, `SELECT count(*) FROM promises WHERE invoice_id = $1 AND status = 'open' AND source = 'backoffice'`, invoiceID).Scan(&promises); err != nil || promises != 1 {
		t.Errorf("open promises %d (%v), want 1", promises, err)
	}
	_, body := get(t, collector, base)
	if !strings.Contains(body, `data-testid="customer-promises"`) || !strings.Contains(body, "staff:col@example.com via backoffice") {
		t.Error("promise missing from the customer page")
	}
	if strings.Contains(body, `data-testid="write-off"`) {
		t.Error("collector sees the write-off button")
	}
	if status, _ := post(t, collector, base+"/write-offs", url.Values{"invoice_id": {itoa(invoiceID)}, "reason": {"x"}}); status != http.StatusForbidden {
		t.Errorf("collector write-off: status %d, want 403", status)
	}

	admin := ts.signIn(t, "admin@example.com", billing.RoleAdmin)
	status, _ = post(t, admin, base+"/write-offs", url.Values{"invoice_id": {itoa(invoiceID)}, "amount": {"25.00"}, "reason": {"Goodwill"}})
	if status != http.StatusSeeOther {
		t.Fatalf("write-off: status %d", status)
	}
	var after int64
	if err := ts.pool.QueryRow(ctx, `SELECT open_minor FROM invoices WHERE id = $1`, invoiceID).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != open-2500 {
		t.Errorf("open after write-off %d, want %d", after, open-2500)
	}
	status, _ = post(t, admin, base+"/write-offs", url.Values{"invoice_id": {itoa(invoiceID)}, "amount": {"99999999.00"}, "reason": {"Too much"}})
	if status != http.StatusSeeOther {
		t.Errorf("write-off above the balance: status %d, want a redirect with an error", status)
	}
	if err := ts.pool.QueryRow(ctx, `SELECT open_minor FROM invoices WHERE id = $1`, invoiceID).Scan(&after); err != nil || after != open-2500 {
		t.Errorf("a rejected write-off changed the balance to %d", after)
	}
}

func TestSendLoginLinkQueuesEmail(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.signIn(t, "col@example.com", billing.RoleCollector)
	ctx := context.Background()
	var customerID, contactID int64
	if err := ts.pool.QueryRow(ctx, `SELECT customer_id, id FROM contacts WHERE email = $1`, billing.DemoContactEmail).Scan(&customerID, &contactID); err != nil {
		t.Fatal(err)
	}
	status, _ := post(t, c, ts.URL+"/backoffice/customers/"+itoa(customerID)+"/login-link", url.Values{"contact_id": {itoa(contactID)}})
	if status != http.StatusSeeOther {
		t.Fatalf("login link: status %d", status)
	}
	var body string
	err := ts.pool.QueryRow(ctx, `
		SELECT details->>'text' FROM timeline_events WHERE customer_id = $1 AND kind = 'email.queued'`, customerID).Scan(&body)
	if err != nil {
		t.Fatalf("no e-mail on the timeline: %v", err)
	}
	if !strings.Contains(body, "/portal/link/[redacted]") {
		t.Errorf("timeline copy of the e-mail shows the token or no link:\n%s", body)
	}
	var links int
	if err := ts.pool.QueryRow(ctx, `SELECT count(*) FROM magic_links WHERE contact_email = $1 AND purpose = 'email'`, billing.DemoContactEmail).Scan(&links); err != nil || links != 1 {
		t.Errorf("magic links %d (%v), want 1", links, err)
	}
	if status, _ := post(t, c, ts.URL+"/backoffice/customers/"+itoa(customerID)+"/login-link", url.Values{"contact_id": {"999999"}}); status != http.StatusNotFound {
		t.Errorf("foreign contact: status %d, want 404", status)
	}
}

func TestDashboardWarnsOfStaleSnapshot(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.signIn(t, "col@example.com", billing.RoleCollector)
	_, body := get(t, c, ts.URL+"/backoffice/")
	if !strings.Contains(body, `data-testid="no-snapshots"`) {
		t.Error("no notice without snapshots")
	}
	today := billing.Today(testNow, mustNY(t))
	if _, err := billing.TakeSnapshot(context.Background(), ts.pool, today.AddDays(-5)); err != nil {
		t.Fatal(err)
	}
	_, body = get(t, c, ts.URL+"/backoffice/")
	if !strings.Contains(body, `data-testid="stale-snapshot"`) {
		t.Error("no warning for a five-day-old snapshot")
	}
	if status, _ := post(t, c, ts.URL+"/backoffice/snapshots", nil); status != http.StatusSeeOther {
		t.Fatalf("take snapshot: status %d", status)
	}
	_, body = get(t, c, ts.URL+"/backoffice/")
	if strings.Contains(body, `data-testid="stale-snapshot"`) || !strings.Contains(body, today.Format()) {
		t.Error("today's snapshot is not shown")
	}
}

func TestDashboardSaysWhenSnapshotTaken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	today := billing.Today(testNow, mustNY(t))
	if _, err := billing.TakeSnapshot(ctx, ts.pool, today.AddDays(-1)); err != nil {
		t.Fatal(err)
	}
	takenAt := time.Date(2026, 3, 2, 0, 35, 0, 0, time.UTC) // Mar 1, 7:35 PM in New York
	if _, err := ts.pool.Exec(ctx, `UPDATE kpi_snapshots SET taken_at = $1`, takenAt); err != nil {
		t.Fatal(err)
	}

	c := ts.signIn(t, "col@example.com", billing.RoleCollector)
	_, body := get(t, c, ts.URL+"/backoffice/")
	if !strings.Contains(body, "KPI snapshot of Mar 1, 2026, taken Mar 1, 2026, 7:35 PM EST.") {
		t.Error("dashboard does not say when the snapshot was taken")
	}
	if !strings.Contains(body, `<a href="/backoffice/aging">Aging page</a>`) {
		t.Error("dashboard does not point to the live Aging page")
	}
	if strings.Contains(body, "figures as of") {
		t.Error("dashboard still reads \"figures as of\", which hides that the figures are a snapshot")
	}
}

func TestDashboardOneSnapshotDrawsNoDot(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	today := billing.Today(testNow, mustNY(t))
	if _, err := billing.TakeSnapshot(context.Background(), ts.pool, today); err != nil {
		t.Fatal(err)
	}

	c := ts.signIn(t, "col@example.com", billing.RoleCollector)
	_, body := get(t, c, ts.URL+"/backoffice/")
	if n := strings.Count(body, `<svg class="spark"`); n != 0 {
		t.Errorf("dashboard draws %d sparklines from one snapshot, want none", n)
	}
	if n := strings.Count(body, "no trend yet"); n != 6 {
		t.Errorf("dashboard says \"no trend yet\" on %d KPI cards, want 6", n)
	}
}

func TestAdminRecordsRefund(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	var customerID, invoiceID, open int64
	if err := ts.pool.QueryRow(ctx, `SELECT customer_id, id, open_minor FROM invoices ORDER BY due_date, id LIMIT 1`).Scan(&customerID, &invoiceID, &open); err != nil {
		t.Fatal(err)
	}
	pay := func(method, ref string) int64 {
		p, err := billing.RecordPayment(ctx, ts.pool, billing.NewPayment{CustomerID: customerID, ExternalID: ref, Method: method,
			Amount: billing.Money{Amount: 1000, Currency: "USD"}, ReceivedOn: billing.NewDate(2026, 3, 1), InvoiceIDs: []int64{invoiceID},
			Source: "backoffice"}, billing.SystemActor("test"))
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	wire, card := pay("wire", "W-1"), pay("card", "ch_1")
	base := ts.URL + "/backoffice/customers/" + itoa(customerID)

	admin := ts.signIn(t, "admin@example.com", billing.RoleAdmin)
	_, body := get(t, admin, base)
	if strings.Count(body, `data-testid="record-refund"`) != 1 {
		t.Errorf("want one refund button, for the wire payment only")
	}
	if status, _ := post(t, admin, base+"/refunds", url.Values{"payment_id": {itoa(card)}, "reason": {"x"}}); status != http.StatusSeeOther {
		t.Errorf("card refund: status %d, want a redirect with an error", status)
	}
	if status, _ := post(t, admin, base+"/refunds", url.Values{"payment_id": {itoa(wire)}, "reason": {"Paid twice"}}); status != http.StatusSeeOther {
		t.Fatalf("wire refund: status %d", status)
	}
	var wireStatus, cardStatus string
	_ = ts.pool.QueryRow(ctx, `SELECT status FROM payments WHERE id = $1`, wire).Scan(&wireStatus)
	_ = ts.pool.QueryRow(ctx, `SELECT status FROM payments WHERE id = $1`, card).Scan(&cardStatus)
	if wireStatus != "refunded" || cardStatus != "succeeded" {
		t.Errorf("statuses wire %s, card %s; want refunded and succeeded", wireStatus, cardStatus)
	}
	var after int64
	if err := ts.pool.QueryRow(ctx, `SELECT open_minor FROM invoices WHERE id = $1`, invoiceID).Scan(&after); err != nil || after != open-1000 {
		t.Errorf("open balance %d after one of two 10.00 payments was refunded, want %d", after, open-1000)
	}

	collector := ts.signIn(t, "col@example.com", billing.RoleCollector)
	if status, _ := post(t, collector, base+"/refunds", url.Values{"payment_id": {itoa(card)}, "reason": {"x"}}); status != http.StatusForbidden {
		t.Errorf("collector refund: status %d, want 403", status)
	}
}

func TestCustomerPageReadableFormats(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	c := ts.signIn(t, "admin@example.com", billing.RoleAdmin)
	id := firstCustomerID(t, ts.pool)
	if _, err := ts.pool.Exec(ctx, `UPDATE customers SET credit_limit_minor = 5000000 WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.pool.Exec(ctx, `INSERT INTO terms_templates (name, net_days, discount_rate_bp, discount_days) VALUES ('Net 45 1.5/10', 45, 150, 10)`); err != nil {
		t.Fatal(err)
	}

	_, body := get(t, c, ts.URL+"/backoffice/customers/"+id)
	if !strings.Contains(body, `data-testid="credit-limit">$50,000.00<`) {
		t.Error("credit limit is not shown as money")
	}
	if !regexp.MustCompile(`Computed [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M E[SD]T\.`).MatchString(body) {
		t.Error("score time is not like \"Dec 4, 2026, 7:35 PM EST\" in the seller's zone")
	}
	if !regexp.MustCompile(`title="Recorded [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M E[SD]T"`).MatchString(body) {
		t.Error("timeline times are not like \"Dec 4, 2026, 7:35 PM EST\"")
	}
	if !strings.Contains(body, `<option value="no_answer">No answer</option>`) || strings.Contains(body, ">wrong_number<") {
		t.Error("call outcomes are not shown as words")
	}
	if !strings.Contains(body, "Net 45 1.5/10 (net 45, 1.5% in 10 days)") {
		t.Error("terms template discount is not shown as a percentage")
	}
	invoices := body[strings.Index(body, `data-testid="customer-invoices"`):]
	invoices = invoices[:strings.Index(invoices, "</table>")]
	if regexp.MustCompile(`\d{4}-\d\d-\d\d`).MatchString(invoices) {
		t.Error("invoices table shows ISO dates")
	}
	if !regexp.MustCompile(`<td data-label="Due">[A-Z][a-z]{2} \d{1,2}, \d{4}</td>`).MatchString(invoices) {
		t.Error("invoices table does not show due dates as Jan 2, 2006")
	}
	if !strings.Contains(body, `data-testid="customer-owner-unassigned">Unassigned<`) || strings.Contains(body, ">nobody<") {
		t.Error("a customer without an owner is not shown as unassigned")
	}
	_, body = get(t, c, ts.URL+"/backoffice/customers")
	if !strings.Contains(body, `<td data-label="Owner"><span class="muted">Unassigned</span></td>`) {
		t.Error("customer list does not show a missing owner as unassigned")
	}

	_, body = get(t, c, ts.URL+"/backoffice/settings")
	if strings.Contains(body, "Discount (bp)") || !strings.Contains(body, `<td class="num">1.5%</td>`) {
		t.Error("terms templates table does not show the discount as a percentage")
	}
}
