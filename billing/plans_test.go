package billing_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
)

func TestInstallmentsPhrase(t *testing.T) {
	cases := []struct {
		count     int
		frequency string
		want      string
	}{
		{2, billing.FrequencyBiweekly, "2 biweekly installments"},
		{3, billing.FrequencyMonthly, "3 monthly installments"},
		{4, billing.FrequencyWeekly, "4 weekly installments"},
		{1, billing.FrequencyMonthly, "1 monthly installment"},
	}
	for _, c := range cases {
		if got := billing.InstallmentsPhrase(c.count, c.frequency); got != c.want {
			t.Errorf("InstallmentsPhrase(%d, %q) = %q, want %q", c.count, c.frequency, got, c.want)
		}
	}
}

func TestAddMonthsClamped(t *testing.T) {
	cases := []struct {
		from billing.Date
		n    int
		want billing.Date
	}{
		{billing.NewDate(2026, 1, 31), 1, billing.NewDate(2026, 2, 28)},
		{billing.NewDate(2026, 1, 31), 2, billing.NewDate(2026, 3, 31)},
		{billing.NewDate(2028, 1, 31), 1, billing.NewDate(2028, 2, 29)},
		{billing.NewDate(2026, 1, 30), 1, billing.NewDate(2026, 2, 28)},
		{billing.NewDate(2026, 3, 31), 1, billing.NewDate(2026, 4, 30)},
		{billing.NewDate(2026, 11, 30), 3, billing.NewDate(2027, 2, 28)},
		{billing.NewDate(2026, 5, 15), 0, billing.NewDate(2026, 5, 15)},
		{billing.NewDate(2026, 12, 31), 12, billing.NewDate(2027, 12, 31)},
	}
	for _, c := range cases {
		if got := billing.AddMonthsClamped(c.from, c.n); got != c.want {
			t.Errorf("AddMonthsClamped(%s, %d) = %s, want %s", c.from, c.n, got, c.want)
		}
	}
}

func dollars(minor int64) billing.Money { return billing.Money{Amount: minor, Currency: "USD"} }

func TestPlanScheduleMonthly(t *testing.T) {
	got, err := billing.PlanSchedule(billing.ScheduleInput{
		Total: dollars(100000), Count: 3, Frequency: billing.FrequencyMonthly,
		First: billing.NewDate(2026, 1, 31), Today: billing.NewDate(2026, 1, 10),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []billing.ScheduledPayment{
		{Seq: 1, DueOn: billing.NewDate(2026, 1, 31), Amount: dollars(33334)},
		{Seq: 2, DueOn: billing.NewDate(2026, 2, 28), Amount: dollars(33333)},
		{Seq: 3, DueOn: billing.NewDate(2026, 3, 31), Amount: dollars(33333)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d payments, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("payment %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestPlanScheduleDownPaymentAndWeeks(t *testing.T) {
	today := billing.NewDate(2026, 3, 2)
	first := billing.NewDate(2026, 3, 9)
	for _, c := range []struct {
		freq string
		step int
	}{{billing.FrequencyWeekly, 7}, {billing.FrequencyBiweekly, 14}} {
		got, err := billing.PlanSchedule(billing.ScheduleInput{
			Total: dollars(100001), DownPayment: dollars(20000), Count: 4, Frequency: c.freq, First: first, Today: today,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 5 {
			t.Fatalf("%s: %d payments, want a down payment and 4 installments", c.freq, len(got))
		}
		if got[0].Seq != 0 || got[0].DueOn != today || got[0].Amount != dollars(20000) {
			t.Errorf("%s: down payment = %+v", c.freq, got[0])
		}
		var sum int64
		for i, p := range got {
			sum += p.Amount.Amount
			if i > 0 && p.DueOn != first.AddDays(c.step*(i-1)) {
				t.Errorf("%s: installment %d due %s, want %s", c.freq, i, p.DueOn, first.AddDays(c.step*(i-1)))
			}
		}
		if sum != 100001 {
			t.Errorf("%s: shares sum to %d, want 100001", c.freq, sum)
		}
		if got[1].Amount != dollars(20001) {
			t.Errorf("%s: first installment %s, want the remainder on it: 200.01", c.freq, got[1].Amount)
		}
	}
}

func TestPlanScheduleRejects(t *testing.T) {
	base := billing.ScheduleInput{Total: dollars(500), Count: 2, Frequency: billing.FrequencyMonthly,
		First: billing.NewDate(2026, 3, 9), Today: billing.NewDate(2026, 3, 2)}
	cases := map[string]func(*billing.ScheduleInput){
		"zero count":      func(in *billing.ScheduleInput) { in.Count = 0 },
		"bad frequency":   func(in *billing.ScheduleInput) { in.Frequency = "daily" },
		"too many shares": func(in *billing.ScheduleInput) { in.Count = 501 },
		"down too large":  func(in *billing.ScheduleInput) { in.DownPayment = dollars(499) },
	}
	for name, mutate := range cases {
		in := base
		mutate(&in)
		if _, err := billing.PlanSchedule(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPlanScheduleJPY(t *testing.T) {
	got, err := billing.PlanSchedule(billing.ScheduleInput{
		Total: billing.Money{Amount: 10000, Currency: "JPY"}, Count: 3, Frequency: billing.FrequencyMonthly,
		First: billing.NewDate(2026, 3, 9), Today: billing.NewDate(2026, 3, 2),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Amount.Amount != 3334 || got[1].Amount.Amount != 3333 || got[2].Amount.Amount != 3333 {
		t.Errorf("JPY split = %v, want 3334, 3333, 3333", got)
	}
}

// portalFixture is a customer with two open invoices issued on Feb 1, 2026.
type portalFixture struct {
	pool     *pgxpool.Pool
	customer int64
	inv1     billing.Invoice // 1,200.00
	inv2     billing.Invoice // 9,000.00
	other    billing.Invoice // another customer's
	today    billing.Date
}

func newPortalFixture(t *testing.T) portalFixture {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.New(t)
	f := portalFixture{pool: pool, today: billing.NewDate(2026, 3, 2)}
	issue := func(customer int64, number string, minor int64) billing.Invoice {
		inv, err := billing.IssueInvoice(ctx, pool, billing.NewInvoice{
			CustomerID: customer, Number: number, IssueDate: billing.NewDate(2026, 2, 1), Source: "manual",
			Lines: []billing.Line{{Description: "Goods", QuantityMilli: 1000, UnitPrice: dollars(minor)}},
		}, billing.SystemActor("test"))
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	var err error
	f.customer, err = billing.CreateCustomer(ctx, pool, billing.Customer{Name: "Northwind", Currency: "USD", Terms: billing.Terms{NetDays: 30}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := billing.CreateCustomer(ctx, pool, billing.Customer{Name: "Contoso", Currency: "USD", Terms: billing.Terms{NetDays: 30}})
	if err != nil {
		t.Fatal(err)
	}
	f.inv1 = issue(f.customer, "INV-1", 120000)
	f.inv2 = issue(f.customer, "INV-2", 900000)
	f.other = issue(other, "INV-9", 5000)
	return f
}

func withTx[T any](t *testing.T, pool *pgxpool.Pool, fn func(tx pgx.Tx) (T, error)) (T, error) {
	t.Helper()
	var out T
	err := billing.InTx(context.Background(), pool, func(tx pgx.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

func fieldError(t *testing.T, err error, field string) {
	t.Helper()
	var fe billing.FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not FieldErrors", err)
	}
	if fe[field] == "" {
		t.Errorf("no message for field %q in %v", field, fe)
	}
}

func TestProposePlanAutoApproved(t *testing.T) {
	t.Parallel()
	f := newPortalFixture(t)
	ctx := context.Background()
	plan, err := withTx(t, f.pool, func(tx pgx.Tx) (billing.Plan, error) {
		return billing.ProposePlan(ctx, tx, billing.PlanProposal{
			CustomerID: f.customer, InvoiceIDs: []int64{f.inv1.ID}, Count: 3, Frequency: billing.FrequencyMonthly,
			First: billing.NewDate(2026, 3, 31), DownPayment: dollars(0), Actor: billing.Actor{Kind: "contact", Name: "ap@northwind.example"},
		}, f.today)
	})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Status != billing.PlanApproved || !plan.AutoApproved {
		t.Errorf("status %q auto %v, want approved automatically", plan.Status, plan.AutoApproved)
	}
	plans, err := billing.CustomerPlans(ctx, f.pool, f.customer)
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 1 || len(plans[0].Schedule) != 3 || plans[0].Schedule[1].DueOn != billing.NewDate(2026, 4, 30) {
		t.Errorf("stored plan = %+v", plans)
	}

	// The invoice cannot go into a second plan.
	_, err = withTx(t, f.pool, func(tx pgx.Tx) (billing.Plan, error) {
		return billing.ProposePlan(ctx, tx, billing.PlanProposal{
			CustomerID: f.customer, InvoiceIDs: []int64{f.inv1.ID}, Count: 2, Frequency: billing.FrequencyWeekly,
			First: f.today, DownPayment: dollars(0), Actor: billing.Actor{Kind: "contact", Name: "ap@northwind.example"},
		}, f.today)
	})
	fieldError(t, err, "invoices")
}

func TestProposePlanPendingOverLimits(t *testing.T) {
	t.Parallel()
	f := newPortalFixture(t)
	ctx := context.Background()
	cases := map[string]billing.PlanProposal{
		"over amount":       {InvoiceIDs: []int64{f.inv2.ID}, Count: 3, Frequency: billing.FrequencyMonthly, First: f.today.AddDays(7)},
		"over installments": {InvoiceIDs: []int64{f.inv1.ID}, Count: 7, Frequency: billing.FrequencyWeekly, First: f.today.AddDays(7)},
	}
	for name, p := range cases {
		p.CustomerID, p.Actor = f.customer, billing.Actor{Kind: "contact", Name: "ap@northwind.example"}
		pv, err := billing.PreviewPlan(ctx, f.pool, p, f.today)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if pv.AutoApprove {
			t.Errorf("%s: auto-approved, want pending", name)
		}
	}
	// Six monthly installments starting in 2 months end past the 6-month limit.
	pv, err := billing.PreviewPlan(ctx, f.pool, billing.PlanProposal{
		CustomerID: f.customer, InvoiceIDs: []int64{f.inv1.ID}, Count: 6, Frequency: billing.FrequencyMonthly,
		First: f.today.AddDays(45),
	}, f.today)
	if err != nil {
		t.Fatal(err)
	}
	if pv.AutoApprove {
		t.Error("plan ending after 6 months auto-approved")
	}

	plan, err := withTx(t, f.pool, func(tx pgx.Tx) (billing.Plan, error) {
		p := cases["over amount"]
		p.CustomerID, p.Actor = f.customer, billing.Actor{Kind: "contact", Name: "ap@northwind.example"}
		return billing.ProposePlan(ctx, tx, p, f.today)
	})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Status != billing.PlanPending {
		t.Errorf("status %q, want pending", plan.Status)
	}
}

func TestPreviewPlanRejectsBadInput(t *testing.T) {
	t.Parallel()
	f := newPortalFixture(t)
	ctx := context.Background()
	ok := billing.PlanProposal{CustomerID: f.customer, InvoiceIDs: []int64{f.inv1.ID}, Count: 3,
		Frequency: billing.FrequencyMonthly, First: f.today.AddDays(1)}
	cases := []struct {
		name   string
		field  string
		mutate func(*billing.PlanProposal)
	}{
		{"no invoices", "invoices", func(p *billing.PlanProposal) { p.InvoiceIDs = nil }},
		{"foreign invoice", "invoices", func(p *billing.PlanProposal) { p.InvoiceIDs = []int64{f.other.ID} }},
		{"missing invoice", "invoices", func(p *billing.PlanProposal) { p.InvoiceIDs = []int64{999999} }},
		{"zero count", "count", func(p *billing.PlanProposal) { p.Count = 0 }},
		{"too many", "count", func(p *billing.PlanProposal) { p.Count = 25 }},
		{"bad frequency", "frequency", func(p *billing.PlanProposal) { p.Frequency = "daily" }},
		{"past date", "first_date", func(p *billing.PlanProposal) { p.First = f.today.AddDays(-1) }},
		{"far date", "first_date", func(p *billing.PlanProposal) { p.First = f.today.AddDays(61) }},
		{"negative down", "down_payment", func(p *billing.PlanProposal) { p.DownPayment = dollars(-1) }},
		{"down over total", "down_payment", func(p *billing.PlanProposal) { p.DownPayment = dollars(120000) }},
	}
	for _, c := range cases {
		p := ok
		c.mutate(&p)
		_, err := billing.PreviewPlan(ctx, f.pool, p, f.today)
		t.Run(c.name, func(t *testing.T) { fieldError(t, err, c.field) })
	}
}

func TestCreatePromise(t *testing.T) {
	t.Parallel()
	f := newPortalFixture(t)
	ctx := context.Background()
	actor := billing.Actor{Kind: "contact", Name: "ap@northwind.example"}
	promise := func(inv int64, d billing.Date, m billing.Money) error {
		_, err := withTx(t, f.pool, func(tx pgx.Tx) (billing.Promise, error) {
			return billing.CreatePromise(ctx, tx, billing.NewPromise{CustomerID: f.customer, InvoiceID: inv, Date: d,
				Amount: m, Actor: actor, Source: "portal"}, f.today)
		})
		return err
	}

	fieldError(t, promise(f.inv1.ID, f.today.AddDays(-1), dollars(100)), "date")
	fieldError(t, promise(f.inv1.ID, f.today.AddDays(91), dollars(100)), "date")
	fieldError(t, promise(f.inv1.ID, f.today, dollars(0)), "amount")
	fieldError(t, promise(f.inv1.ID, f.today, dollars(-5)), "amount")
	fieldError(t, promise(f.inv1.ID, f.today, dollars(120001)), "amount")
	if err := promise(f.other.ID, f.today, dollars(100)); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("another customer's invoice: error %v, want ErrNotFound", err)
	}

	if err := promise(f.inv1.ID, f.today.AddDays(90), dollars(120000)); err != nil {
		t.Fatalf("valid promise: %v", err)
	}
	if err := promise(f.inv1.ID, f.today.AddDays(10), dollars(50000)); err != nil {
		t.Fatalf("second promise: %v", err)
	}
	p, err := billing.OpenPromise(ctx, f.pool, f.inv1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Amount != dollars(50000) || p.Date != f.today.AddDays(10) {
		t.Errorf("open promise = %+v, want the newer one", p)
	}
	var superseded int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM promises WHERE status = 'superseded'`).Scan(&superseded); err != nil {
		t.Fatal(err)
	}
	if superseded != 1 {
		t.Errorf("%d superseded promises, want 1", superseded)
	}
}

func TestConfirmReceiptWithSchedule(t *testing.T) {
	t.Parallel()
	f := newPortalFixture(t)
	ctx := context.Background()
	confirm := func(rc billing.ReceiptConfirmation) error {
		_, err := withTx(t, f.pool, func(tx pgx.Tx) (struct{}, error) {
			return struct{}{}, billing.ConfirmReceipt(ctx, tx, rc, f.today)
		})
		return err
	}
	rc := billing.ReceiptConfirmation{CustomerID: f.customer, InvoiceID: f.inv1.ID, Contact: "ap@northwind.example",
		IP: "203.0.113.9", UserAgent: "TestBrowser/1.0"}

	bad := rc
	bad.ScheduledOn = f.today.AddDays(-3)
	fieldError(t, confirm(bad), "scheduled_on")
	if ok, _ := billing.ReceiptConfirmed(ctx, f.pool, f.inv1.ID); ok {
		t.Error("a rejected confirmation was stored")
	}

	rc.ScheduledOn = f.today.AddDays(14)
	if err := confirm(rc); err != nil {
		t.Fatal(err)
	}
	if ok, _ := billing.ReceiptConfirmed(ctx, f.pool, f.inv1.ID); !ok {
		t.Error("confirmation not stored")
	}
	p, err := billing.OpenPromise(ctx, f.pool, f.inv1.ID)
	if err != nil {
		t.Fatalf("no promise from the scheduled date: %v", err)
	}
	if p.Amount != dollars(120000) || p.Source != "receipt" {
		t.Errorf("promise = %+v, want the open balance from the receipt", p)
	}
	events, err := billing.Timeline(ctx, f.pool, f.customer, true, 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range events {
		if ev.Kind == "invoice.receipt_confirmed" {
			found = true
			if ev.Details["ip"] != "203.0.113.9" || ev.Details["user_agent"] != "TestBrowser/1.0" {
				t.Errorf("confirmation details = %v", ev.Details)
			}
		}
	}
	if !found {
		t.Error("confirmation missing from the debtor's timeline")
	}

	other := rc
	other.InvoiceID = f.other.ID
	if err := confirm(other); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("another customer's invoice: error %v, want ErrNotFound", err)
	}
}
