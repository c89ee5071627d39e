package billing

import (
	"context"
	"fmt"
)

// AgingBalances is an open balance split by days past due at the end of a date:
// Current is not yet due (due on or after that date), then 1-30, 31-60, 61-90
// and 91 or more days past due.
type AgingBalances struct {
	Current Money
	Days1To30,
	Days31To60,
	Days61To90,
	Days91Plus Money
}

// AgingBucketNames lists the bucket keys of reports, in order.
var AgingBucketNames = []string{"current", "1-30", "31-60", "61-90", "91+"}

// Total returns the sum of the buckets.
func (b AgingBalances) Total() Money {
	return b.Current.Add(b.Days1To30).Add(b.Days31To60).Add(b.Days61To90).Add(b.Days91Plus)
}

// Values returns the buckets in the order of AgingBucketNames.
func (b AgingBalances) Values() []Money {
	return []Money{b.Current, b.Days1To30, b.Days31To60, b.Days61To90, b.Days91Plus}
}

// AgingBucket returns the index in AgingBucketNames of an amount daysPastDue days past
// due; zero or negative days is current.
func AgingBucket(daysPastDue int) int {
	switch {
	case daysPastDue <= 0:
		return 0
	case daysPastDue <= 30:
		return 1
	case daysPastDue <= 60:
		return 2
	case daysPastDue <= 90:
		return 3
	}
	return 4
}

func newBuckets(currency string) AgingBalances {
	z := Money{Currency: currency}
	return AgingBalances{z, z, z, z, z}
}

func (b *AgingBalances) set(i int, amount int64) {
	ptrs := []*Money{&b.Current, &b.Days1To30, &b.Days31To60, &b.Days61To90, &b.Days91Plus}
	ptrs[i].Amount += amount
}

// CustomerAgingLine is one customer's line of an aging report.
type CustomerAgingLine struct {
	CustomerID int64
	ExternalID string
	Name       string
	Buckets    AgingBalances
}

// AgingReport is the receivables open at the end of AsOf in one currency.
type AgingReport struct {
	AsOf      Date
	Currency  string
	Buckets   AgingBalances
	Customers []CustomerAgingLine // customers with a non-zero open balance, by name
}

// agingSQL sums the open balance at the end of $1 per customer and bucket, for
// invoices in currency $2. Days past due are $1 minus the due date. It groups by
// customer id and bucket before joining the customers, so only the grouped rows,
// not every open invoice, are sorted by name.
var agingSQL = fmt.Sprintf(`
WITH per_bucket AS (
	SELECT o.customer_id,
		CASE WHEN $1::date - o.due_date <= 0 THEN 0
			WHEN $1::date - o.due_date <= 30 THEN 1
			WHEN $1::date - o.due_date <= 60 THEN 2
			WHEN $1::date - o.due_date <= 90 THEN 3
			ELSE 4 END AS bucket,
		sum(o.open_minor) AS open_minor
	FROM (%s) o
	GROUP BY 1, 2
	HAVING sum(o.open_minor) <> 0
)
SELECT p.customer_id, coalesce(c.external_id, ''), c.name, p.bucket, p.open_minor
FROM per_bucket p JOIN customers c ON c.id = p.customer_id
ORDER BY c.name, p.customer_id, p.bucket`, fmt.Sprintf(openAsOfSQL, `AND i.currency = $2`))

// Aging returns the aging report at the end of asOf in the seller's currency (the
// organization's; invoices in other currencies are left out, see AgingIn). An
// invoice counts while it is open on asOf, so one paid later still shows on
// earlier dates, and a partly paid one shows its remaining balance.
func Aging(ctx context.Context, db DB, asOf Date) (AgingReport, error) {
	currency, err := reportCurrency(ctx, db)
	if err != nil {
		return AgingReport{}, err
	}
	return AgingIn(ctx, db, asOf, currency)
}

// AgingIn returns the aging report at the end of asOf for invoices in currency.
func AgingIn(ctx context.Context, db DB, asOf Date, currency string) (AgingReport, error) {
	var r AgingReport
	err := readReport(ctx, db, func(db DB) error {
		var err error
		r, err = queryAging(ctx, db, asOf, currency)
		return err
	})
	return r, err
}

func queryAging(ctx context.Context, db DB, asOf Date, currency string) (AgingReport, error) {
	rows, err := db.Query(ctx, agingSQL, asOf, currency)
	if err != nil {
		return AgingReport{}, fmt.Errorf("querying aging: %w", err)
	}
	defer rows.Close()

	r := AgingReport{AsOf: asOf, Currency: currency, Buckets: newBuckets(currency)}
	for rows.Next() {
		var id, amount int64
		var ext, name string
		var bucket int
		if err := rows.Scan(&id, &ext, &name, &bucket, &amount); err != nil {
			return AgingReport{}, fmt.Errorf("scanning aging: %w", err)
		}
		if n := len(r.Customers); n == 0 || r.Customers[n-1].CustomerID != id {
			r.Customers = append(r.Customers, CustomerAgingLine{CustomerID: id, ExternalID: ext, Name: name, Buckets: newBuckets(currency)})
		}
		r.Customers[len(r.Customers)-1].Buckets.set(bucket, amount)
		r.Buckets.set(bucket, amount)
	}
	return r, rows.Err()
}
