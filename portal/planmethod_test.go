package portal

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

var methodLinkPattern = regexp.MustCompile(`/portal/plans/method-link/([A-Za-z0-9_-]+)`)

// location returns the path of a redirect, without the test base URL.
func location(resp *http.Response) string {
	return strings.TrimPrefix(resp.Header.Get("Location"), "http://portal.test")
}

// saveSandboxMethod starts a setup for a plan, saves a test card on the
// sandbox page, and returns the path of the portal's return page.
func saveSandboxMethod(t *testing.T, ps *payServer, c *http.Client, start string, form url.Values, card string) string {
	t.Helper()
	resp, _ := ps.submit(t, c, start, form)
	setupPage := location(resp)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(setupPage, "/sandbox/setup/") {
		t.Fatalf("start setup: status %d location %q, want the sandbox setup page", resp.StatusCode, setupPage)
	}
	resp, body := ps.fetch(t, c, setupPage)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sandbox setup page: status %d", resp.StatusCode)
	}
	if n := strings.Count(body, "Sandbox: no money moves"); n != 1 {
		t.Errorf("sandbox setup page shows the sandbox label %d times, want once", n)
	}
	resp, _ = ps.submit(t, c, setupPage, url.Values{"method": {"card"}, "card_number": {card}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save card: status %d", resp.StatusCode)
	}
	return location(resp)
}

func TestPlanMethodSavedThenChangedByLink(t *testing.T) {
	t.Parallel()
	ps := newPayServer(t)
	ctx := context.Background()
	id := ps.payer(t, "Autopayer", billing.Terms{NetDays: 30})
	inv := ps.issue(t, id, "AP-1", 90000, billing.Today(ps.now, time.UTC).AddDays(-10))
	var plan billing.Plan
	err := billing.InTx(ctx, ps.pool, func(tx pgx.Tx) error {
		var err error
		plan, err = billing.ProposePlan(ctx, tx, billing.PlanProposal{
			CustomerID: id, InvoiceIDs: []int64{inv.ID}, Count: 3, Frequency: billing.FrequencyMonthly,
			First: billing.Today(ps.now, time.UTC).AddDays(7), DownPayment: billing.Money{Currency: "USD"}, Autopay: true,
			Actor: billing.Actor{Kind: "contact", Name: "ap@autopayer.example"},
		}, billing.Today(ps.now, time.UTC))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c := ps.login(t, "ap@autopayer.example")
	start := "/portal/plans/" + itoa(plan.ID) + "/method"

	_, page := ps.fetch(t, c, "/portal/plan")
	if !strings.Contains(page, `data-testid="plan-method-missing"`) {
		t.Error("plan page does not say that no payment method is saved")
	}

	// A bad card is rejected on the sandbox page and nothing is saved.
	resp, _ := ps.submit(t, c, start, nil)
	setupPage := location(resp)
	resp, body := ps.submit(t, c, setupPage, url.Values{"method": {"card"}, "card_number": {"1234"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Use a Stripe test card") {
		t.Errorf("bad card: status %d, want 422 with the test cards", resp.StatusCode)
	}

	done := saveSandboxMethod(t, ps, c, start, nil, "4242 4242 4242 4242")
	resp, _ = ps.fetch(t, c, done)
	if resp.StatusCode != http.StatusSeeOther || location(resp) != "/portal/plan?done=method_saved" {
		t.Fatalf("return page: status %d location %q", resp.StatusCode, location(resp))
	}
	_, page = ps.fetch(t, c, "/portal/plan")
	if !strings.Contains(page, "Visa ending 4242") {
		t.Error("plan page does not show the saved card")
	}

	// Another customer cannot use the return page of this plan.
	other := ps.payer(t, "Intruder", billing.Terms{NetDays: 30})
	ps.issue(t, other, "IN-1", 1000, billing.Today(ps.now, time.UTC))
	intruder := ps.login(t, "ap@intruder.example")
	if resp, _ := ps.fetch(t, intruder, done); resp.StatusCode != http.StatusNotFound {
		t.Errorf("return page of another customer's plan: status %d, want 404", resp.StatusCode)
	}

	// With a method saved, the session gets an e-mailed link instead of a setup.
	resp, _ = ps.submit(t, c, start, nil)
	if location(resp) != "/portal/plan?done=method_link" {
		t.Fatalf("change: location %q, want the link notice", location(resp))
	}
	var mail string
	if err := ps.pool.QueryRow(ctx, `SELECT body_text FROM outbox_emails WHERE kind = 'plan.payment_method_link' AND to_addr = $1`,
		"ap@autopayer.example").Scan(&mail); err != nil {
		t.Fatal(err)
	}
	m := methodLinkPattern.FindStringSubmatch(mail)
	if m == nil {
		t.Fatalf("link e-mail has no link: %q", mail)
	}
	if resp, body := ps.fetch(t, c, "/portal/plans/method-link/"+m[1]); resp.StatusCode != http.StatusOK || !strings.Contains(body, "method-link-continue") {
		t.Errorf("link landing: status %d", resp.StatusCode)
	}

	done = saveSandboxMethod(t, ps, c, "/portal/plans/method-link", url.Values{"token": {m[1]}}, "4000 0000 0000 0002")
	if resp, _ := ps.fetch(t, c, done); location(resp) != "/portal/plan?done=method_saved" {
		t.Fatalf("return page after the link: location %q", location(resp))
	}
	_, page = ps.fetch(t, c, "/portal/plan")
	if !strings.Contains(page, "Visa ending 0002") {
		t.Error("plan page does not show the replaced card")
	}
	if resp, _ := ps.submit(t, c, "/portal/plans/method-link", url.Values{"token": {m[1]}}); location(resp) != "/portal/plan?done=method_link_spent" {
		t.Errorf("second use of the link: location %q, want the spent notice", location(resp))
	}
}

func TestPlanMethodNotReplacedWithoutLink(t *testing.T) {
	t.Parallel()
	ps := newPayServer(t)
	ctx := context.Background()
	id := ps.payer(t, "Keeper", billing.Terms{NetDays: 30})
	inv := ps.issue(t, id, "KP-1", 90000, billing.Today(ps.now, time.UTC).AddDays(-10))
	var plan billing.Plan
	err := billing.InTx(ctx, ps.pool, func(tx pgx.Tx) error {
		var err error
		plan, err = billing.ProposePlan(ctx, tx, billing.PlanProposal{
			CustomerID: id, InvoiceIDs: []int64{inv.ID}, Count: 3, Frequency: billing.FrequencyMonthly,
			First: billing.Today(ps.now, time.UTC).AddDays(7), DownPayment: billing.Money{Currency: "USD"}, Autopay: true,
			Actor: billing.Actor{Kind: "contact", Name: "ap@keeper.example"},
		}, billing.Today(ps.now, time.UTC))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c := ps.login(t, "ap@keeper.example")
	start := "/portal/plans/" + itoa(plan.ID) + "/method"

	// Two setups opened before any method was saved: the second one completed
	// later must not replace the first without an e-mailed link.
	resp, _ := ps.submit(t, c, start, nil)
	stale := location(resp)
	done := saveSandboxMethod(t, ps, c, start, nil, "4242424242424242")
	ps.fetch(t, c, done)
	resp, _ = ps.submit(t, c, stale, url.Values{"method": {"card"}, "card_number": {"4000000000000002"}})
	if resp, _ := ps.fetch(t, c, location(resp)); location(resp) != "/portal/plan?done=method_kept" {
		t.Errorf("stale setup: location %q, want the kept notice", location(resp))
	}
	_, page := ps.fetch(t, c, "/portal/plan")
	if !strings.Contains(page, "Visa ending 4242") || strings.Contains(page, "ending 0002") {
		t.Error("a setup without a link replaced the saved card")
	}
}

func TestPlanMethodRejectedWithoutAutopay(t *testing.T) {
	t.Parallel()
	ps := newPayServer(t)
	ctx := context.Background()
	id := ps.payer(t, "Manual", billing.Terms{NetDays: 30})
	inv := ps.issue(t, id, "MA-1", 90000, billing.Today(ps.now, time.UTC).AddDays(-10))
	var plan billing.Plan
	err := billing.InTx(ctx, ps.pool, func(tx pgx.Tx) error {
		var err error
		plan, err = billing.ProposePlan(ctx, tx, billing.PlanProposal{
			CustomerID: id, InvoiceIDs: []int64{inv.ID}, Count: 3, Frequency: billing.FrequencyMonthly,
			First: billing.Today(ps.now, time.UTC).AddDays(7), DownPayment: billing.Money{Currency: "USD"},
			Actor: billing.Actor{Kind: "contact", Name: "ap@manual.example"},
		}, billing.Today(ps.now, time.UTC))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c := ps.login(t, "ap@manual.example")

	_, page := ps.fetch(t, c, "/portal/plan")
	if strings.Contains(page, `data-testid="plan-method-save"`) {
		t.Error("plan without automatic charging offers to save a payment method")
	}
	resp, _ := ps.submit(t, c, "/portal/plans/"+itoa(plan.ID)+"/method", nil)
	if resp.StatusCode != http.StatusSeeOther || location(resp) != "/portal/plan?done=method_unavailable" {
		t.Errorf("save method: status %d location %q, want the unavailable notice", resp.StatusCode, location(resp))
	}
	var setups int
	if err := ps.pool.QueryRow(ctx, `SELECT count(*) FROM payment_method_setups WHERE plan_id = $1`, plan.ID).Scan(&setups); err != nil {
		t.Fatal(err)
	}
	if setups != 0 {
		t.Errorf("setups = %d, want 0", setups)
	}
}
