package backoffice

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
)

// dashboardPage is the back-office home: KPIs with 12-month trends, the aging
// chart and the queue counts. Every figure comes from kpi_snapshots, so the page
// costs a few indexed reads however large the ledger is. The figures therefore
// stay as they were when the snapshot was taken, and the page states that time.
// A snapshot scans the whole ledger, which is too slow to repeat after every
// payment, while the Aging page computes open balances on each request.
type dashboardPage struct {
	page
	OrgName  string
	AsOf     string // date of the snapshot shown; empty when there is none yet
	TakenAt  string // when that snapshot was computed, in the seller's zone
	KPIs     []kpiTile
	Aging    barChart
	Queues   billing.QueueCounts
	NoData   bool
	Stale    bool // the newest snapshot is older than yesterday
	Currency string
}

// staffTimeLayout is the US-style time layout of back-office pages, for example
// "Dec 4, 2026, 7:35 PM EST". The customer template's risk panel repeats it.
const staffTimeLayout = "Jan 2, 2006, 3:04 PM MST"

// kpiTile is one KPI with its current value and its 12-month trend.
type kpiTile struct {
	Key   string // data-testid suffix
	Name  string
	Value string
	Hint  string
	Trend sparkline
}

func (h *Handler) dashboard(c echo.Context) error {
	ctx := c.Request().Context()
	today := h.today()
	p := dashboardPage{page: h.page(c, "Dashboard"), OrgName: h.OrgName}

	months, err := billing.MonthlySnapshots(ctx, h.Pool, today, 12)
	if err != nil {
		return err
	}
	if p.Queues, err = billing.CountQueues(ctx, h.Pool, today, h.Now()); err != nil {
		return err
	}
	if len(months) == 0 {
		p.NoData = true
		return c.Render(http.StatusOK, "backoffice/dashboard", p)
	}

	last := months[len(months)-1]
	p.AsOf, p.Currency = last.Date.Format(), last.Currency
	p.TakenAt = last.TakenAt.In(h.Timezone).Format(staffTimeLayout)
	p.Stale = last.Date.Before(today.AddDays(-1))
	p.KPIs = kpiTiles(months)
	labels := []string{"Current", "1–30", "31–60", "61–90", "91+"}
	var values []string
	var amounts []int64
	for _, m := range last.Aging.Values() {
		values = append(values, m.String())
		amounts = append(amounts, m.Amount)
	}
	p.Aging = newBarChart(labels, values, amounts, "Open balance by days past due on "+p.AsOf)
	return c.Render(http.StatusOK, "backoffice/dashboard", p)
}

// kpiTiles builds the six KPI tiles from monthly snapshots, oldest first.
func kpiTiles(months []billing.Snapshot) []kpiTile {
	last := months[len(months)-1]
	series := func(f func(billing.Snapshot) float64) []*float64 {
		out := make([]*float64, len(months))
		for i, s := range months {
			v := f(s)
			out[i] = &v
		}
		return out
	}
	days := func(c int64) string { return fmt.Sprintf("%.2f days", float64(c)/100) }
	pct := func(c int64) string { return fmt.Sprintf("%.2f%%", float64(c)/100) }
	span := fmt.Sprintf(" from %s to %s", months[0].Date.Format(), last.Date.Format())
	tile := func(key, name, value, hint string, f func(billing.Snapshot) float64) kpiTile {
		return kpiTile{Key: key, Name: name, Value: value, Hint: hint, Trend: newSparkline(series(f), name+span)}
	}
	return []kpiTile{
		tile("dso", "DSO", days(last.DSOCenti), "AR ÷ credit sales × 90 days",
			func(s billing.Snapshot) float64 { return float64(s.DSOCenti) / 100 }),
		tile("best-dso", "Best possible DSO", days(last.BestDSOCenti), "current AR ÷ credit sales × 90 days",
			func(s billing.Snapshot) float64 { return float64(s.BestDSOCenti) / 100 }),
		tile("add", "Average days delinquent", days(last.ADDCenti), "DSO − best possible DSO",
			func(s billing.Snapshot) float64 { return float64(s.ADDCenti) / 100 }),
		tile("cei", "CEI", pct(last.CEICenti), "collection effectiveness over 90 days",
			func(s billing.Snapshot) float64 { return float64(s.CEICenti) / 100 }),
		tile("current-share", "Current", pct(last.CurrentShareCenti), "share of AR not yet due",
			func(s billing.Snapshot) float64 { return float64(s.CurrentShareCenti) / 100 }),
		tile("overdue", "Total overdue", last.Overdue().String(), "AR past its due date",
			func(s billing.Snapshot) float64 { return float64(s.Overdue().Amount) }),
	}
}
