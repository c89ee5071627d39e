package billing

import (
	"context"
	"fmt"
	"math"
	"time"
)

// KPIPeriodDays is the length of the period that DSO and CEI in a snapshot cover:
// the 90 days ending on the snapshot date.
const KPIPeriodDays = 90

// Snapshot is one day's receivables figures, kept so the dashboard draws trends
// without recomputing a year of aging per request. Ratios are in hundredths so
// they are stored exactly: DSOCenti 4525 is 45.25 days, CEICenti 8712 is 87.12%.
type Snapshot struct {
	Date              Date
	Currency          string
	Aging             AgingBalances
	CreditSales       Money // invoices issued in the KPIPeriodDays ending on Date
	DSOCenti          int64
	BestDSOCenti      int64
	ADDCenti          int64 // average days delinquent: DSO − best possible DSO
	CEICenti          int64
	CurrentShareCenti int64 // current AR as a share of all AR; 0 without AR
	TakenAt           time.Time
}

// Overdue returns the open balance past due on the snapshot date.
func (s Snapshot) Overdue() Money { return s.Aging.Total().Sub(s.Aging.Current) }

func centi(x float64) int64 { return int64(math.Round(x * 100)) }

// TakeSnapshot computes the receivables figures as of date with Aging and PeriodKPIs (the
// KPIPeriodDays ending on date) and stores them, replacing any snapshot of the same
// date, so running it twice for a day is safe.
func TakeSnapshot(ctx context.Context, db DB, date Date) (Snapshot, error) {
	aging, err := Aging(ctx, db, date)
	if err != nil {
		return Snapshot{}, fmt.Errorf("snapshot of %s: %w", date, err)
	}
	k, err := PeriodKPIs(ctx, db, date.AddDays(-(KPIPeriodDays - 1)), date)
	if err != nil {
		return Snapshot{}, fmt.Errorf("snapshot of %s: %w", date, err)
	}

	s := Snapshot{
		Date: date, Currency: aging.Currency, Aging: aging.Buckets, CreditSales: k.CreditSales,
		DSOCenti: centi(k.DSO), BestDSOCenti: centi(k.BestPossibleDSO), ADDCenti: centi(k.ADD), CEICenti: centi(k.CEI),
	}
	if total := aging.Buckets.Total().Amount; total != 0 {
		s.CurrentShareCenti = divRoundHalfAway(aging.Buckets.Current.Amount*10000, total)
	}
	b := aging.Buckets
	err = db.QueryRow(ctx, `
		INSERT INTO kpi_snapshots (snapshot_date, currency, open_minor, current_minor, bucket_1_30_minor,
			bucket_31_60_minor, bucket_61_90_minor, bucket_91_plus_minor, overdue_minor, credit_sales_minor,
			dso_centi, best_dso_centi, add_centi, cei_centi, current_share_centi)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (snapshot_date) DO UPDATE SET currency = $2, open_minor = $3, current_minor = $4,
			bucket_1_30_minor = $5, bucket_31_60_minor = $6, bucket_61_90_minor = $7, bucket_91_plus_minor = $8,
			overdue_minor = $9, credit_sales_minor = $10, dso_centi = $11, best_dso_centi = $12, add_centi = $13,
			cei_centi = $14, current_share_centi = $15, taken_at = now()
		RETURNING taken_at`,
		date, s.Currency, b.Total().Amount, b.Current.Amount, b.Days1To30.Amount, b.Days31To60.Amount,
		b.Days61To90.Amount, b.Days91Plus.Amount, s.Overdue().Amount, s.CreditSales.Amount,
		s.DSOCenti, s.BestDSOCenti, s.ADDCenti, s.CEICenti, s.CurrentShareCenti).Scan(&s.TakenAt)
	if err != nil {
		return Snapshot{}, fmt.Errorf("storing KPI snapshot: %w", err)
	}
	return s, nil
}

// Snapshots returns the stored snapshots from from to to inclusive, oldest first.
func Snapshots(ctx context.Context, db DB, from, to Date) ([]Snapshot, error) {
	rows, err := db.Query(ctx, `
		SELECT snapshot_date, currency, current_minor, bucket_1_30_minor, bucket_31_60_minor, bucket_61_90_minor,
			bucket_91_plus_minor, credit_sales_minor, dso_centi, best_dso_centi, add_centi,
			coalesce(cei_centi, 0), coalesce(current_share_centi, 0), taken_at
		FROM kpi_snapshots WHERE snapshot_date BETWEEN $1 AND $2 ORDER BY snapshot_date`, from, to)
	if err != nil {
		return nil, fmt.Errorf("querying KPI snapshots: %w", err)
	}
	defer rows.Close()

	var out []Snapshot
	for rows.Next() {
		var s Snapshot
		var cur, b1, b2, b3, b4, sales int64
		if err := rows.Scan(&s.Date, &s.Currency, &cur, &b1, &b2, &b3, &b4, &sales, &s.DSOCenti, &s.BestDSOCenti,
			&s.ADDCenti, &s.CEICenti, &s.CurrentShareCenti, &s.TakenAt); err != nil {
			return nil, fmt.Errorf("scanning KPI snapshot: %w", err)
		}
		m := func(v int64) Money { return Money{Amount: v, Currency: s.Currency} }
		s.Aging = AgingBalances{Current: m(cur), Days1To30: m(b1), Days31To60: m(b2), Days61To90: m(b3), Days91Plus: m(b4)}
		s.CreditSales = m(sales)
		out = append(out, s)
	}
	return out, rows.Err()
}

// MonthlySnapshots returns, for each of the months months ending with the month of
// to, the last snapshot taken in that month on or before to, oldest first. A month
// without a snapshot is left out.
func MonthlySnapshots(ctx context.Context, db DB, to Date, months int) ([]Snapshot, error) {
	first := NewDate(to.Year, to.Month, 1).Time().AddDate(0, -(months - 1), 0)
	all, err := Snapshots(ctx, db, DateOf(first), to)
	if err != nil {
		return nil, err
	}
	var out []Snapshot
	for i, s := range all {
		if i+1 == len(all) || all[i+1].Date.Month != s.Date.Month || all[i+1].Date.Year != s.Date.Year {
			out = append(out, s)
		}
	}
	return out, nil
}
