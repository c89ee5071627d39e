package billing

import (
	"context"
	"fmt"
	"math"
)

// KPIReport holds the collection KPIs of one period, from From to To with both
// days included, in one currency. Ratios are float64 because they are not money;
// they are 0 when their denominator is 0.
type KPIReport struct {
	From, To Date
	Days     int // days in the period, both ends included
	Currency string

	CreditSales      Money // totals of invoices issued From..To, void ones excluded
	InvoicesIssued   int
	OpeningAR        Money // open at the end of the day before From
	ClosingAR        Money // open at the end of To
	ClosingCurrentAR Money // open at the end of To and due on or after To
	InvoicesSettled  int   // invoices whose balance reached zero From..To
	InvoicesPaidLate int   // of those, settled after their due date
	InvoicesDisputed int   // invoices issued From..To with at least one dispute

	DSO             float64 // ClosingAR / CreditSales × Days
	BestPossibleDSO float64 // ClosingCurrentAR / CreditSales × Days
	ADD             float64 // average days delinquent: DSO − BestPossibleDSO
	CEI             float64 // (OpeningAR + CreditSales − ClosingAR) / (OpeningAR + CreditSales − ClosingCurrentAR) × 100
	AvgDaysToPay    float64 // mean of settled date − issue date over InvoicesSettled
	SharePaidLate   float64 // InvoicesPaidLate / InvoicesSettled × 100
	DisputeRate     float64 // InvoicesDisputed / InvoicesIssued × 100
}

// ratio returns a/b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// round2 rounds a KPI to two decimals, half away from zero, for display.
func round2(x float64) float64 { return math.Round(x*100) / 100 }

// ComputeKPIs fills the ratios of r from its inputs. It is separate from PeriodKPIs so
// tests can check the formulas without a database.
func (r *KPIReport) ComputeKPIs() {
	sales := float64(r.CreditSales.Amount)
	days := float64(r.Days)
	r.DSO = round2(ratio(float64(r.ClosingAR.Amount), sales) * days)
	r.BestPossibleDSO = round2(ratio(float64(r.ClosingCurrentAR.Amount), sales) * days)
	r.ADD = round2(r.DSO - r.BestPossibleDSO)
	collectable := float64(r.OpeningAR.Amount) + sales
	r.CEI = round2(ratio(collectable-float64(r.ClosingAR.Amount), collectable-float64(r.ClosingCurrentAR.Amount)) * 100)
	r.SharePaidLate = round2(ratio(float64(r.InvoicesPaidLate), float64(r.InvoicesSettled)) * 100)
	r.DisputeRate = round2(ratio(float64(r.InvoicesDisputed), float64(r.InvoicesIssued)) * 100)
	r.AvgDaysToPay = round2(r.AvgDaysToPay)
}

// arAsOfSQL sums the balance open at the end of $1 in currency $2, and the part
// not yet due (due on or after $1).
var arAsOfSQL = fmt.Sprintf(`
SELECT coalesce(sum(open_minor), 0), coalesce(sum(open_minor) FILTER (WHERE due_date >= $1), 0)
FROM (%s) o`, fmt.Sprintf(openAsOfSQL, `AND i.currency = $2`))

// PeriodKPIs returns the collection KPIs of the period from..to (both days included) in
// the seller's currency. The dates that count: credit sales are invoices with an
// issue date in the period; opening AR is open at the end of the day before from;
// closing AR is open at the end of to; closing current AR is the part of it due on
// or after to; days to pay and paid-late shares cover invoices settled in the
// period (paid, credited or written off), measured from the issue date to the
// settled date; the dispute rate covers invoices issued in the period.
func PeriodKPIs(ctx context.Context, db DB, from, to Date) (KPIReport, error) {
	if to.Before(from) {
		return KPIReport{}, fmt.Errorf("invalid period %s to %s: the end is before the start", from, to)
	}
	currency, err := reportCurrency(ctx, db)
	if err != nil {
		return KPIReport{}, err
	}
	r := KPIReport{From: from, To: to, Days: to.DaysSince(from) + 1, Currency: currency}
	r.CreditSales = Money{Currency: currency}
	r.OpeningAR = Money{Currency: currency}
	r.ClosingAR = Money{Currency: currency}
	r.ClosingCurrentAR = Money{Currency: currency}

	// Opening and closing AR take most of the time and about the same each, so
	// they run on two connections that read one snapshot.
	err = readReportInParallel(ctx, db,
		func(db DB) error { return queryKPISalesAndOpening(ctx, db, &r) },
		func(db DB) error { return queryKPIClosingAndPaid(ctx, db, &r) })
	if err != nil {
		return KPIReport{}, err
	}
	r.ComputeKPIs()
	return r, nil
}

// queryKPISalesAndOpening fills the credit sales, dispute counts and opening AR
// of r. queryKPIClosingAndPaid fills the closing AR and days to pay, which are
// other fields, so the two may run at once. Credit sales, dispute counts and
// days to pay read only the covering indexes on issue_date and settled_on, and
// the two AR sums only the open range index. So none of them visits the table
// once VACUUM has marked its pages all-visible.
func queryKPISalesAndOpening(ctx context.Context, db DB, r *KPIReport) error {
	from, to, currency := r.From, r.To, r.Currency
	err := db.QueryRow(ctx, `
		SELECT coalesce(sum(total_minor), 0), count(*)
		FROM invoices
		WHERE voided_at IS NULL AND currency = $3 AND issue_date BETWEEN $1 AND $2`, from, to, currency).
		Scan(&r.CreditSales.Amount, &r.InvoicesIssued)
	if err != nil {
		return fmt.Errorf("querying credit sales: %w", err)
	}

	// EXISTS in the WHERE clause lets PostgreSQL join the period's invoices with
	// disputes in one hash semi-join instead of probing disputes once per invoice.
	err = db.QueryRow(ctx, `
		SELECT count(*)
		FROM invoices i
		WHERE voided_at IS NULL AND currency = $3 AND issue_date BETWEEN $1 AND $2
			AND EXISTS (SELECT 1 FROM disputes d WHERE d.invoice_id = i.id)`, from, to, currency).
		Scan(&r.InvoicesDisputed)
	if err != nil {
		return fmt.Errorf("querying disputed invoices: %w", err)
	}

	var ignored int64
	if err := db.QueryRow(ctx, arAsOfSQL, from.AddDays(-1), currency).Scan(&r.OpeningAR.Amount, &ignored); err != nil {
		return fmt.Errorf("querying opening AR: %w", err)
	}
	return nil
}

func queryKPIClosingAndPaid(ctx context.Context, db DB, r *KPIReport) error {
	from, to, currency := r.From, r.To, r.Currency
	if err := db.QueryRow(ctx, arAsOfSQL, to, currency).Scan(&r.ClosingAR.Amount, &r.ClosingCurrentAR.Amount); err != nil {
		return fmt.Errorf("querying closing AR: %w", err)
	}

	var avg *float64
	err := db.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE settled_on > due_date), avg(settled_on - issue_date)::float8
		FROM invoices
		WHERE voided_at IS NULL AND currency = $3 AND total_minor > 0 AND settled_on BETWEEN $1 AND $2`, from, to, currency).
		Scan(&r.InvoicesSettled, &r.InvoicesPaidLate, &avg)
	if err != nil {
		return fmt.Errorf("querying days to pay: %w", err)
	}
	if avg != nil {
		r.AvgDaysToPay = *avg
	}
	return nil
}
