package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ledgvero/ledgvero/billing"
)

// cmdSnapshot stores the KPI snapshot that the back-office dashboard reads, for
// one day or, with --months, also for the last day of each earlier month, so a
// new installation shows 12-month trends at once.
func cmdSnapshot(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("snapshot", a.stdout)
	dateFlag := fs.String("date", "", "the day to snapshot, YYYY-MM-DD; default today in ORG_TIMEZONE")
	months := fs.Int("months", 0, "also snapshot the last day of each of this many earlier months (0 to 36)")
	segments := fs.Bool("segments", false, "also recompute every customer's risk score and segment")
	if err := fs.Parse(args); err != nil {
		return err
	}
	day := a.today()
	if *dateFlag != "" {
		d, err := billing.ParseDate(*dateFlag)
		if err != nil {
			return usageError{fmt.Sprintf("invalid --date %q: use YYYY-MM-DD", *dateFlag)}
		}
		day = d
	}
	if *months < 0 || *months > 36 {
		return usageError{fmt.Sprintf("invalid --months %d: use 0 to 36", *months)}
	}
	if err := requireSchema(ctx, a); err != nil {
		return err
	}

	days := []billing.Date{day}
	for i := 1; i <= *months; i++ {
		// The last day of the month i months before day's month.
		first := time.Date(day.Year, day.Month, 1, 12, 0, 0, 0, time.UTC).AddDate(0, -i+1, 0)
		days = append(days, billing.DateOf(first.AddDate(0, 0, -1)))
	}
	for _, d := range days {
		start := time.Now()
		s, err := billing.TakeSnapshot(ctx, a.pool, d)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s  open %s  overdue %s  DSO %.2f  CEI %.2f%%  (%s)\n", d, s.Aging.Total(), s.Overdue(),
			float64(s.DSOCenti)/100, float64(s.CEICenti)/100, time.Since(start).Round(time.Millisecond))
	}
	if *segments {
		n, err := billing.RecomputeSegments(ctx, a.pool, a.today(), 0)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "recomputed the segments of %d customers\n", n)
	}
	return nil
}
