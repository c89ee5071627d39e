package portal

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

var digestPattern = regexp.MustCompile(`name="digest" value="([0-9a-f]+)"`)

func TestPlanPreviewThenSubmitAutoApproved(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	inv := ts.invoice(t, id, "INV-1", "1000.00", billing.NewDate(2026, 2, 1))
	c := ts.signIn(t, "ap@northwind.example")

	form := url.Values{"invoice": {itoa(inv.ID)}, "count": {"3"}, "frequency": {"monthly"}, "first_date": {"2026-03-31"}, "action": {"preview"}}
	resp, body := post(t, c, ts.URL, "/portal/plan", form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("preview: status %d", resp.StatusCode)
	}
	for _, want := range []string{"Mar 31, 2026", "Apr 30, 2026", "May 31, 2026", "$333.34", "$333.33", `data-testid="plan-auto"`} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	m := digestPattern.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no digest in the preview")
	}

	form.Set("action", "submit")
	form.Set("digest", m[1])
	resp, _ = post(t, c, ts.URL, "/portal/plan", form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/portal/plan?done=approved" {
		t.Fatalf("submit: status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	mails := ts.queuedMail(t, "ap@northwind.example")
	if len(mails) != 1 || !strings.Contains(mails[0], "approved") || !strings.Contains(mails[0], "May 31, 2026") {
		t.Errorf("plan e-mail = %q, want one approval with the schedule", mails)
	}
	_, statement := get(t, c, ts.URL, "/portal/")
	if !strings.Contains(statement, ">in a plan<") {
		t.Error("statement does not show the invoice in a plan")
	}
}

func TestPlanSubmitChangedScheduleRejected(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	inv := ts.invoice(t, id, "INV-1", "1000.00", billing.NewDate(2026, 2, 1))
	c := ts.signIn(t, "ap@northwind.example")

	form := url.Values{"invoice": {itoa(inv.ID)}, "count": {"4"}, "frequency": {"weekly"}, "first_date": {"2026-03-09"},
		"action": {"submit"}, "digest": {"stale"}}
	resp, body := post(t, c, ts.URL, "/portal/plan", form)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "The schedule changed") {
		t.Errorf("stale digest: status %d", resp.StatusCode)
	}
	plans, err := billing.CustomerPlans(t.Context(), ts.pool, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 0 {
		t.Errorf("%d plans stored from a stale preview", len(plans))
	}
}

func TestPlanPendingOverLimit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	inv := ts.invoice(t, id, "INV-1", "8000.00", billing.NewDate(2026, 2, 1))
	c := ts.signIn(t, "ap@northwind.example")

	form := url.Values{"invoice": {itoa(inv.ID)}, "count": {"4"}, "frequency": {"biweekly"}, "first_date": {"2026-03-09"},
		"down_payment": {"1000"}, "autopay": {"on"}, "action": {"preview"}}
	_, body := post(t, c, ts.URL, "/portal/plan", form)
	if !strings.Contains(body, `data-testid="plan-review"`) || !strings.Contains(body, "Down payment") {
		t.Fatal("preview does not say the plan needs approval or lacks the down payment")
	}
	form.Set("action", "submit")
	form.Set("digest", digestPattern.FindStringSubmatch(body)[1])
	resp, _ := post(t, c, ts.URL, "/portal/plan", form)
	if resp.Header.Get("Location") != "/portal/plan?done=pending" {
		t.Fatalf("submit: location %q, want pending", resp.Header.Get("Location"))
	}
	_, page := get(t, c, ts.URL, "/portal/plan")
	if !strings.Contains(page, "waiting for approval") {
		t.Error("plan list does not show the pending plan")
	}
}

func TestPlanSummaryNamesFrequency(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	inv := ts.invoice(t, id, "INV-1", "2480.00", billing.NewDate(2026, 2, 1))
	c := ts.signIn(t, "ap@northwind.example")

	form := url.Values{"invoice": {itoa(inv.ID)}, "count": {"2"}, "frequency": {"biweekly"}, "first_date": {"2026-03-09"}, "action": {"preview"}}
	_, body := post(t, c, ts.URL, "/portal/plan", form)
	form.Set("action", "submit")
	form.Set("digest", digestPattern.FindStringSubmatch(body)[1])
	if resp, _ := post(t, c, ts.URL, "/portal/plan", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: status %d, want a redirect", resp.StatusCode)
	}

	_, page := get(t, c, ts.URL, "/portal/plan")
	if !strings.Contains(page, "$2,480.00 in 2 biweekly installments, proposed") {
		t.Error("plan list does not read \"$2,480.00 in 2 biweekly installments\"")
	}
	if strings.Contains(page, "every 2 weeks installments") {
		t.Error("plan list still reads \"every 2 weeks installments\"")
	}
	var summary string
	if err := ts.pool.QueryRow(context.Background(), `SELECT summary FROM timeline_events WHERE kind = 'plan.proposed'`).Scan(&summary); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(summary, "Plan proposed: $2,480.00 in 2 biweekly installments from Mar 9, 2026") {
		t.Errorf("timeline summary %q, want \"Plan proposed: $2,480.00 in 2 biweekly installments from Mar 9, 2026 ...\"", summary)
	}
}

func TestPlanBadInput(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	inv := ts.invoice(t, id, "INV-1", "100.00", billing.NewDate(2026, 2, 1))
	other := ts.customer(t, "Contoso", "ap@contoso.example")
	foreign := ts.invoice(t, other, "INV-C", "100.00", billing.NewDate(2026, 2, 1))
	c := ts.signIn(t, "ap@northwind.example")

	cases := []struct {
		name   string
		change url.Values
		want   string
	}{
		{"foreign invoice", url.Values{"invoice": {itoa(foreign.ID)}}, "not open on your account"},
		{"no invoice", url.Values{"invoice": nil}, "Choose at least one invoice"},
		{"count text", url.Values{"count": {"three"}}, "whole number"},
		{"past first date", url.Values{"first_date": {"2026-02-01"}}, "in the past"},
		{"down too big", url.Values{"down_payment": {"100.00"}}, "less than the plan total"},
		{"down decimals", url.Values{"down_payment": {"1.234"}}, "at most 2 decimals"},
	}
	for _, tc := range cases {
		form := url.Values{"invoice": {itoa(inv.ID)}, "count": {"2"}, "frequency": {"monthly"}, "first_date": {"2026-03-10"}, "action": {"preview"}}
		for k, v := range tc.change {
			form[k] = v
		}
		resp, body := post(t, c, ts.URL, "/portal/plan", form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.name, resp.StatusCode)
		}
		if !strings.Contains(body, tc.want) {
			t.Errorf("%s: page lacks %q", tc.name, tc.want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestPlanAutopayExplainsNextStep(t *testing.T) {
	t.Parallel()
	ps := newPayServer(t)
	id := ps.payer(t, "Autoplan", billing.Terms{NetDays: 30})
	inv := ps.issue(t, id, "AU-1", 100000, billing.NewDate(2026, 2, 1))
	c := ps.login(t, "ap@autoplan.example")

	_, page := ps.fetch(t, c, "/portal/plan")
	if !strings.Contains(page, `data-testid="plan-autopay"`) || !strings.Contains(page, `data-testid="plan-autopay-hint"`) {
		t.Fatal("plan form does not offer autopay with its next step")
	}
	if strings.Contains(page, "Charge my saved payment method") {
		t.Error("plan form offers a saved payment method before one can exist")
	}

	form := url.Values{"invoice": {itoa(inv.ID)}, "count": {"3"}, "frequency": {"monthly"}, "first_date": {"2026-03-31"},
		"autopay": {"on"}, "action": {"preview"}}
	_, body := ps.submit(t, c, "/portal/plan", form)
	m := digestPattern.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no digest in the preview")
	}
	form.Set("action", "submit")
	form.Set("digest", m[1])
	resp, _ := ps.submit(t, c, "/portal/plan", form)
	if location(resp) != "/portal/plan?done=approved" {
		t.Fatalf("submit: location %q, want approved", location(resp))
	}
	_, page = ps.fetch(t, c, location(resp))
	if !strings.Contains(page, "Next, save a payment method below") {
		t.Error("approval notice does not ask for a payment method")
	}
	if !strings.Contains(page, `data-testid="plan-method-save"`) {
		t.Error("plan list has no button to save a payment method")
	}
}

func TestPlanAutopayHiddenWithoutMethodGateway(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.customer(t, "Northwind", "ap@northwind.example")
	inv := ts.invoice(t, id, "INV-1", "1000.00", billing.NewDate(2026, 2, 1))
	c := ts.signIn(t, "ap@northwind.example")

	_, page := get(t, c, ts.URL, "/portal/plan")
	if strings.Contains(page, `data-testid="plan-autopay"`) {
		t.Error("plan form offers autopay, which this gateway cannot charge")
	}

	form := url.Values{"invoice": {itoa(inv.ID)}, "count": {"3"}, "frequency": {"monthly"}, "first_date": {"2026-03-31"},
		"autopay": {"on"}, "action": {"preview"}}
	_, body := post(t, c, ts.URL, "/portal/plan", form)
	form.Set("action", "submit")
	form.Set("digest", digestPattern.FindStringSubmatch(body)[1])
	if resp, _ := post(t, c, ts.URL, "/portal/plan", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: status %d", resp.StatusCode)
	}
	var autopay bool
	if err := ts.pool.QueryRow(context.Background(), `SELECT autopay FROM installment_plans WHERE customer_id = $1`, id).Scan(&autopay); err != nil {
		t.Fatal(err)
	}
	if autopay {
		t.Error("plan stored with autopay that no gateway can charge")
	}
}
