package billing_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

func payInvoice(t *testing.T, f portalFixture, ref string, invoiceID int64, minor int64, on billing.Date) {
	t.Helper()
	if _, err := withTx(t, f.pool, func(tx pgx.Tx) (billing.Payment, error) {
		return billing.RecordPayment(context.Background(), tx, billing.NewPayment{
			CustomerID: f.customer, ExternalID: ref, Method: "wire", Amount: dollars(minor), ReceivedOn: on,
			InvoiceIDs: []int64{invoiceID}, Source: "backoffice",
		}, billing.SystemActor("test"))
	}); err != nil {
		t.Fatal(err)
	}
}

func settle(t *testing.T, f portalFixture, today billing.Date) billing.FollowUpResult {
	t.Helper()
	res, err := withTx(t, f.pool, func(tx pgx.Tx) (billing.FollowUpResult, error) {
		return billing.SettleDebtorCommitments(context.Background(), tx, today)
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSettlePromisesKeptAndBroken(t *testing.T) {
	t.Parallel()
	f := newPortalFixture(t)
	ctx := context.Background()
	actor := billing.Actor{Kind: "contact", Name: "ap@northwind.example"}
	for _, inv := range []int64{f.inv1.ID, f.inv2.ID} {
		if _, err := withTx(t, f.pool, func(tx pgx.Tx) (billing.Promise, error) {
			return billing.CreatePromise(ctx, tx, billing.NewPromise{CustomerID: f.customer, InvoiceID: inv,
				Date: f.today.AddDays(5), Amount: dollars(50000), Actor: actor, Source: "portal"}, f.today)
		}); err != nil {
			t.Fatal(err)
		}
	}
	payInvoice(t, f, "wire-1", f.inv1.ID, 50000, f.today.AddDays(4))

	if res := settle(t, f, f.today.AddDays(8)); res != (billing.FollowUpResult{}) {
		t.Errorf("inside the grace days: %+v, want nothing settled", res)
	}
	res := settle(t, f, f.today.AddDays(9))
	if res.PromisesKept != 1 || res.PromisesBroken != 1 {
		t.Errorf("after the grace days: %+v, want 1 kept and 1 broken", res)
	}
	if again := settle(t, f, f.today.AddDays(10)); again != (billing.FollowUpResult{}) {
		t.Errorf("second run: %+v, want nothing", again)
	}

	var broken int
	err := f.pool.QueryRow(ctx, `SELECT count(*) FROM timeline_events WHERE kind = 'promise.broken' AND invoice_id = $1`, f.inv2.ID).Scan(&broken)
	if err != nil {
		t.Fatal(err)
	}
	if broken != 1 {
		t.Errorf("%d promise.broken events for the unpaid invoice, want 1", broken)
	}
}

func TestSettlePlanDefaultsAndCompletes(t *testing.T) {
	t.Parallel()
	f := newPortalFixture(t)
	ctx := context.Background()
	actor := billing.Actor{Kind: "contact", Name: "ap@northwind.example"}
	propose := func(inv int64) billing.Plan {
		p, err := withTx(t, f.pool, func(tx pgx.Tx) (billing.Plan, error) {
			return billing.ProposePlan(ctx, tx, billing.PlanProposal{CustomerID: f.customer, InvoiceIDs: []int64{inv},
				Count: 2, Frequency: billing.FrequencyWeekly, First: f.today.AddDays(7), Actor: actor}, f.today)
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	kept := propose(f.inv1.ID) // 1,200.00 in two weekly shares, auto-approved
	late := propose(f.inv2.ID) // 9,000.00: pending until staff approve
	if _, err := withTx(t, f.pool, func(tx pgx.Tx) (billing.Plan, error) {
		return billing.DecidePlan(ctx, tx, late.ID, true, "", billing.Actor{Kind: "staff", Name: "ana@seller.example"})
	}); err != nil {
		t.Fatal(err)
	}

	payInvoice(t, f, "wire-a", f.inv1.ID, 60000, f.today.AddDays(7))
	payInvoice(t, f, "wire-b", f.inv1.ID, 60000, f.today.AddDays(14))
	payInvoice(t, f, "wire-c", f.inv2.ID, 100000, f.today.AddDays(7))

	// Day 13: the first installments are due more than 5 grace days ago.
	res := settle(t, f, f.today.AddDays(13))
	if res.PlansCompleted != 1 || res.PlansDefaulted != 1 {
		t.Fatalf("day 13: %+v, want 1 completed and 1 defaulted", res)
	}
	plans, err := billing.CustomerPlans(ctx, f.pool, f.customer)
	if err != nil {
		t.Fatal(err)
	}
	status := map[int64]string{}
	for _, p := range plans {
		status[p.ID] = p.Status
	}
	if status[kept.ID] != "completed" || status[late.ID] != "defaulted" {
		t.Errorf("statuses = %v", status)
	}
	hold, err := billing.ReminderHold(ctx, f.pool, f.inv2.ID, f.today.AddDays(13))
	if err != nil {
		t.Fatal(err)
	}
	if hold != "" {
		t.Errorf("defaulted plan still holds reminders: %q", hold)
	}
	var tasks int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM staff_tasks WHERE kind = 'plan_default'`).Scan(&tasks); err != nil {
		t.Fatal(err)
	}
	if tasks != 1 {
		t.Errorf("%d plan_default tasks, want 1", tasks)
	}
}

func TestDecidePlanRejectNeedsNote(t *testing.T) {
	t.Parallel()
	f := newPortalFixture(t)
	ctx := context.Background()
	p, err := withTx(t, f.pool, func(tx pgx.Tx) (billing.Plan, error) {
		return billing.ProposePlan(ctx, tx, billing.PlanProposal{CustomerID: f.customer, InvoiceIDs: []int64{f.inv2.ID},
			Count: 3, Frequency: billing.FrequencyMonthly, First: f.today.AddDays(7),
			Actor: billing.Actor{Kind: "contact", Name: "ap@northwind.example"}}, f.today)
	})
	if err != nil {
		t.Fatal(err)
	}
	staff := billing.Actor{Kind: "staff", Name: "ana@seller.example"}
	_, err = withTx(t, f.pool, func(tx pgx.Tx) (billing.Plan, error) { return billing.DecidePlan(ctx, tx, p.ID, false, " ", staff) })
	fieldError(t, err, "note")

	pending, err := billing.PendingPlans(ctx, f.pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].CustomerName != "Northwind" {
		t.Fatalf("pending plans = %+v", pending)
	}
	got, err := withTx(t, f.pool, func(tx pgx.Tx) (billing.Plan, error) {
		return billing.DecidePlan(ctx, tx, p.ID, false, "Please pay half first.", staff)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != billing.PlanRejected || got.DecisionNote != "Please pay half first." {
		t.Errorf("decided plan = %+v", got)
	}
}
