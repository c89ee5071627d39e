package collect_test

import (
	"context"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
)

func TestScheduleAndControls(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	staff := billing.Actor{Kind: "staff", Name: "ana@seller.example"}
	cust := f.customer(t, "Fabrikam", "ap@fabrikam.example")
	due := billing.NewDate(2026, 6, 10)
	inv := f.invoice(t, cust, "FAB-1", 40000, due)

	sc, err := collect.CustomerSchedule(ctx, f.pool, cust, due.AddDays(-10))
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Past) != 0 || len(sc.Next) != 4 {
		t.Fatalf("schedule before any step: %d past, %d next; want 0 and 4", len(sc.Past), len(sc.Next))
	}
	if sc.Next[0].Date != due.AddDays(-3) || sc.Next[0].Tone != collect.ToneCourtesy || sc.Next[3].Date != due.AddDays(30) {
		t.Errorf("planned steps = %+v, want courtesy on %s first and final on %s last", sc.Next, due.AddDays(-3), due.AddDays(30))
	}

	f.run(t, due.AddDays(-3))
	if err := collect.Snooze(ctx, f.pool, cust, due.AddDays(5), due.AddDays(-2), staff); err != nil {
		t.Fatal(err)
	}
	if res := f.run(t, due.AddDays(3)); res.Sent != 0 || res.Skipped[collect.SkipSnoozed] != 1 {
		t.Errorf("run while snoozed: sent %d, skipped %v; want 0 sent and 1 snoozed", res.Sent, res.Skipped)
	}
	if res := f.run(t, due.AddDays(6)); res.Sent != 1 {
		t.Errorf("run after the snooze ended sent %d, want 1", res.Sent)
	}

	if err := collect.Pause(ctx, f.pool, cust, "", staff); err == nil {
		t.Error("Pause without a reason succeeded, want a field error")
	}
	if err := collect.Pause(ctx, f.pool, cust, "disputing the contract", staff); err != nil {
		t.Fatal(err)
	}
	if res := f.run(t, due.AddDays(10)); res.Sent != 0 || res.Skipped[collect.SkipPaused] != 1 {
		t.Errorf("run while paused: sent %d, skipped %v", res.Sent, res.Skipped)
	}
	if err := collect.Resume(ctx, f.pool, cust, staff); err != nil {
		t.Fatal(err)
	}
	f.clock.setDay(due.AddDays(11))
	res, err := f.engine.SendNow(ctx, cust, due.AddDays(11), staff)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 1 {
		t.Errorf("SendNow after resume sent %d, want 1", res.Sent)
	}

	sc, err = collect.CustomerSchedule(ctx, f.pool, cust, due.AddDays(11))
	if err != nil {
		t.Fatal(err)
	}
	var sent, skipped int
	for _, e := range sc.Past {
		switch e.Status {
		case collect.EntrySent:
			sent++
		case collect.EntrySkipped:
			skipped++
		}
	}
	if sent != 3 || skipped != 2 {
		t.Errorf("past entries: %d sent, %d skipped; want 3 and 2", sent, skipped)
	}
	if len(sc.Next) != 1 || sc.Next[0].Tone != collect.ToneFinal || sc.Next[0].Date != due.AddDays(30) || sc.Next[0].InvoiceID != inv.ID {
		t.Errorf("next = %+v, want the final notice on %s", sc.Next, due.AddDays(30))
	}
	if _, err := f.engine.SendNow(ctx, 999999, due, staff); err == nil {
		t.Error("SendNow for a missing customer succeeded")
	}
}
