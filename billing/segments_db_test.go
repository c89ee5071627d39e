package billing_test

import (
	"context"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
)

func TestRecomputeSegmentsOnDemo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	today := billing.NewDate(2026, 3, 2)
	if _, err := billing.SeedDemo(ctx, pool, "Acme", "America/New_York", "USD", today); err != nil {
		t.Fatal(err)
	}
	n, err := billing.RecomputeSegments(ctx, pool, today, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("scored %d customers, want the 2 demo customers", n)
	}

	var northwind int64
	if err := pool.QueryRow(ctx, `SELECT id FROM customers WHERE external_id = 'DEMO-NORTHWIND'`).Scan(&northwind); err != nil {
		t.Fatal(err)
	}
	seg, err := billing.SegmentOf(ctx, pool, northwind)
	if err != nil {
		t.Fatal(err)
	}
	if seg.OverdueMinor <= 0 || seg.OpenMinor < seg.OverdueMinor {
		t.Errorf("balances open %d, overdue %d: want an overdue part of the open balance", seg.OpenMinor, seg.OverdueMinor)
	}
	if len(seg.Factors) == 0 || seg.RiskScore == 0 {
		t.Errorf("score %d with factors %+v: want the overdue invoice to count", seg.RiskScore, seg.Factors)
	}

	// One customer again gives the same result as the full pass.
	if _, err := billing.RecomputeSegments(ctx, pool, today, northwind); err != nil {
		t.Fatal(err)
	}
	again, err := billing.SegmentOf(ctx, pool, northwind)
	if err != nil {
		t.Fatal(err)
	}
	if again.RiskScore != seg.RiskScore || again.OverdueMinor != seg.OverdueMinor {
		t.Errorf("single recompute gave %d/%d, full pass %d/%d", again.RiskScore, again.OverdueMinor, seg.RiskScore, seg.OverdueMinor)
	}

	cells, err := billing.SegmentMatrix(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range cells {
		total += c.Customers
	}
	if len(cells) != 9 || total != 2 {
		t.Errorf("matrix has %d cells holding %d customers, want 9 and 2", len(cells), total)
	}
}
