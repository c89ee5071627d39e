package billing_test

import (
	"testing"
	"time"

	"github.com/ledgvero/ledgvero/billing"
)

func TestParseDateRejectsImpossible(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, layout string
		want       string
		wantErr    bool
	}{
		{"2024-02-29", "2006-01-02", "2024-02-29", false},
		{"2023-02-29", "2006-01-02", "", true},
		{"2026-02-30", "2006-01-02", "", true},
		{"2026-04-31", "2006-01-02", "", true},
		{"2026-13-01", "2006-01-02", "", true},
		{"2/29/2024", "1/2/2006", "2024-02-29", false},
		{"2/30/2024", "1/2/2006", "", true},
		{"31/12/2025", "2/1/2006", "2025-12-31", false},
		{"12/31/2025", "2/1/2006", "", true},
		{" 1/5/2026 ", "1/2/2006", "2026-01-05", false},
	}
	for _, c := range cases {
		got, err := billing.ParseDateLayout(c.in, c.layout)
		if (err != nil) != c.wantErr {
			t.Errorf("ParseDateLayout(%q, %q) error = %v, want error %v", c.in, c.layout, err, c.wantErr)
			continue
		}
		if err == nil && got.String() != c.want {
			t.Errorf("ParseDateLayout(%q, %q) = %s, want %s", c.in, c.layout, got, c.want)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	t.Parallel()
	cases := []struct {
		from billing.Date
		days int
		want string
	}{
		{billing.NewDate(2026, 1, 31), 1, "2026-02-01"},
		{billing.NewDate(2024, 2, 28), 1, "2024-02-29"},
		{billing.NewDate(2023, 2, 28), 1, "2023-03-01"},
		{billing.NewDate(2025, 12, 31), 1, "2026-01-01"},
		{billing.NewDate(2026, 3, 1), -1, "2026-02-28"},
		{billing.NewDate(2024, 3, 1), -1, "2024-02-29"},
		{billing.NewDate(2026, 3, 7), 2, "2026-03-09"},   // across the US spring-forward day
		{billing.NewDate(2026, 10, 31), 2, "2026-11-02"}, // across the US fall-back day
		{billing.NewDate(2026, 1, 15), 30, "2026-02-14"},
	}
	for _, c := range cases {
		got := c.from.AddDays(c.days)
		if got.String() != c.want {
			t.Errorf("%s + %d days = %s, want %s", c.from, c.days, got, c.want)
		}
		if back := got.DaysSince(c.from); back != c.days {
			t.Errorf("%s - %s = %d days, want %d", got, c.from, back, c.days)
		}
	}
	if n := billing.NewDate(2024, 12, 31).DaysSince(billing.NewDate(2024, 1, 1)); n != 365 {
		t.Errorf("days in leap year 2024 to Dec 31 = %d, want 365", n)
	}
}

func TestTodayInSellerZone(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	cases := []struct {
		now  time.Time
		loc  *time.Location
		want string
	}{
		// 03:30 UTC is still the previous evening in New York.
		{time.Date(2026, 3, 1, 3, 30, 0, 0, time.UTC), ny, "2026-02-28"},
		// Spring forward: 2026-03-08 02:00 EST jumps to 03:00 EDT.
		{time.Date(2026, 3, 8, 6, 59, 0, 0, time.UTC), ny, "2026-03-08"},
		{time.Date(2026, 3, 9, 3, 59, 0, 0, time.UTC), ny, "2026-03-08"},
		{time.Date(2026, 3, 9, 4, 0, 0, 0, time.UTC), ny, "2026-03-09"},
		// Fall back: 2026-11-01 02:00 EDT goes back to 01:00 EST.
		{time.Date(2026, 11, 2, 4, 59, 0, 0, time.UTC), ny, "2026-11-01"},
		{time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC), ny, "2026-11-02"},
		// Tokyo is ahead: 15:00 UTC is already the next day.
		{time.Date(2026, 12, 31, 15, 0, 0, 0, time.UTC), tokyo, "2027-01-01"},
	}
	for _, c := range cases {
		if got := billing.Today(c.now, c.loc); got.String() != c.want {
			t.Errorf("Today(%s, %s) = %s, want %s", c.now.Format(time.RFC3339), c.loc, got, c.want)
		}
	}
}

func TestAgingBucket(t *testing.T) {
	t.Parallel()
	cases := map[int]string{-5: "current", 0: "current", 1: "1-30", 30: "1-30", 31: "31-60", 60: "31-60", 61: "61-90", 90: "61-90", 91: "91+", 400: "91+"}
	for days, want := range cases {
		if got := billing.AgingBucketNames[billing.AgingBucket(days)]; got != want {
			t.Errorf("AgingBucket(%d) = %s, want %s", days, got, want)
		}
	}
}

func TestKPIFormulas(t *testing.T) {
	t.Parallel()
	usd := func(n int64) billing.Money { return billing.Money{Amount: n, Currency: "USD"} }
	r := billing.KPIReport{
		Days: 90, CreditSales: usd(900000), OpeningAR: usd(300000), ClosingAR: usd(400000),
		ClosingCurrentAR: usd(250000), InvoicesSettled: 8, InvoicesPaidLate: 3, InvoicesIssued: 10, InvoicesDisputed: 1,
	}
	r.ComputeKPIs()
	want := map[string][2]float64{
		"DSO":             {r.DSO, 40}, // 4000 / 9000 × 90
		"BestPossibleDSO": {r.BestPossibleDSO, 25},
		"ADD":             {r.ADD, 15},
		"CEI":             {r.CEI, 84.21}, // (3000 + 9000 − 4000) / (3000 + 9000 − 2500) × 100
		"SharePaidLate":   {r.SharePaidLate, 37.5},
		"DisputeRate":     {r.DisputeRate, 10},
	}
	for name, v := range want {
		if v[0] != v[1] {
			t.Errorf("%s = %v, want %v", name, v[0], v[1])
		}
	}
	var empty billing.KPIReport
	empty.ComputeKPIs()
	if empty.DSO != 0 || empty.CEI != 0 {
		t.Errorf("KPIs without sales: DSO %v, CEI %v; want 0", empty.DSO, empty.CEI)
	}
}

func TestDateString(t *testing.T) {
	cases := []struct {
		d    billing.Date
		want string
	}{
		{billing.Date{2026, time.December, 4}, "2026-12-04"},
		{billing.Date{2024, time.February, 29}, "2024-02-29"},
		{billing.Date{987, time.January, 1}, "0987-01-01"},
		{billing.Date{5, time.October, 10}, "0005-10-10"},
		{billing.Date{}, "0000-00-00"},
	}
	for _, c := range cases {
		if got := c.d.String(); got != c.want {
			t.Errorf("Date%v.String() = %q, want %q", [3]int{c.d.Year, int(c.d.Month), c.d.Day}, got, c.want)
		}
	}
}
