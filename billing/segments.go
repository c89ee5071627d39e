package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// RiskInputs are the facts about one customer that its risk score is computed from.
// Amounts are minor units of the customer's currency; history covers 365 days.
type RiskInputs struct {
	OpenMinor          int64
	OverdueMinor       int64
	WeightedDaysLate   int    // open overdue balance's days past due, weighted by amount
	AvgDaysLatePaid    int    // mean days past due of invoices settled in the last year (early counts as 0)
	RecentDaysLatePaid *int   // the same over the last 90 days; nil without settled invoices there
	OlderDaysLatePaid  *int   // the same over the 275 days before that
	Disputes           int    // disputes opened in the last year
	BrokenPromises     int    // promises to pay broken in the last year
	DefaultedPlans     int    // installment plans proposed in the last year that defaulted
	CreditLimitMinor   *int64 // nil: no limit set
	Revenue12mMinor    int64  // invoices issued in the last year
}

// RiskFactor is one part of a risk score with the points it added, so staff can
// see why a customer scores as it does.
type RiskFactor struct {
	Name   string `json:"name"`
	Detail string `json:"detail"`
	Points int    `json:"points"`
}

// Value tier thresholds on trailing 12-month revenue plus open balance, in minor units.
const (
	HighValueMinor   = 10_000_000 // 100,000.00
	MediumValueMinor = 1_000_000  // 10,000.00
)

// RiskScore returns a score from 0 (safe) to 100 (risky) and the factors behind it.
// Each factor is capped so no single one decides the score:
//   - payment history: 1 point per average day late on settled invoices, up to 30;
//   - overdue now: up to 20 for the share of the open balance that is overdue, and
//     1 point per 6 weighted days past due, up to 15;
//   - trend: +10 when the last 90 days average 5 or more days later than before,
//     −5 when 5 or more days earlier;
//   - disputes: 4 each, up to 10; broken promises: 5 each, up to 15; defaulted
//     plans: 10 each, up to 20;
//   - credit use: 5 above 80% of the limit, 10 above 100%.
func RiskScore(in RiskInputs) (int, []RiskFactor) {
	var factors []RiskFactor
	add := func(name, detail string, points int) {
		if points != 0 {
			factors = append(factors, RiskFactor{Name: name, Detail: detail, Points: points})
		}
	}

	add("Payment history", fmt.Sprintf("settled invoices were paid %d days late on average", in.AvgDaysLatePaid), min(30, max(0, in.AvgDaysLatePaid)))
	if in.OpenMinor > 0 && in.OverdueMinor > 0 {
		share := int(divRoundHalfAway(in.OverdueMinor*100, in.OpenMinor))
		add("Overdue share", fmt.Sprintf("%d%% of the open balance is overdue", share), int(divRoundHalfAway(int64(share)*20, 100)))
		add("Days past due", fmt.Sprintf("the overdue balance is %d days past due on average", in.WeightedDaysLate), min(15, in.WeightedDaysLate/6))
	}
	if in.RecentDaysLatePaid != nil && in.OlderDaysLatePaid != nil {
		diff := *in.RecentDaysLatePaid - *in.OlderDaysLatePaid
		switch {
		case diff >= 5:
			add("Trend", fmt.Sprintf("paying %d days later in the last 90 days than before", diff), 10)
		case diff <= -5:
			add("Trend", fmt.Sprintf("paying %d days earlier in the last 90 days than before", -diff), -5)
		}
	}
	add("Disputes", fmt.Sprintf("%d disputes in the last year", in.Disputes), min(10, 4*in.Disputes))
	add("Broken promises", fmt.Sprintf("%d broken promises to pay in the last year", in.BrokenPromises), min(15, 5*in.BrokenPromises))
	add("Defaulted plans", fmt.Sprintf("%d defaulted installment plans in the last year", in.DefaultedPlans), min(20, 10*in.DefaultedPlans))
	if in.CreditLimitMinor != nil && *in.CreditLimitMinor > 0 {
		use := int(divRoundHalfAway(in.OpenMinor*100, *in.CreditLimitMinor))
		switch {
		case use > 100:
			add("Credit use", fmt.Sprintf("%d%% of the credit limit is used", use), 10)
		case use > 80:
			add("Credit use", fmt.Sprintf("%d%% of the credit limit is used", use), 5)
		}
	}

	score := 0
	for _, f := range factors {
		score += f.Points
	}
	return min(100, max(0, score)), factors
}

// RiskBand groups a risk score: low below 30, medium below 60, high from 60.
func RiskBand(score int) string {
	switch {
	case score < 30:
		return "low"
	case score < 60:
		return "medium"
	}
	return "high"
}

// ValueTier groups a customer by trailing 12-month revenue plus open balance.
func ValueTier(revenue12mMinor, openMinor int64) string {
	switch v := revenue12mMinor + openMinor; {
	case v >= HighValueMinor:
		return "high"
	case v >= MediumValueMinor:
		return "medium"
	}
	return "low"
}

// Segment names a risk-by-value cell, such as "high-risk/low-value".
func Segment(riskBand, valueTier string) string { return riskBand + "-risk/" + valueTier + "-value" }

// riskInputsSQL gathers RiskInputs for every customer, or only customer $2 when it
// is not zero, as of day $1.
const riskInputsSQL = `
WITH inv AS (
	SELECT i.customer_id,
		coalesce(sum(i.open_minor) FILTER (WHERE i.open_minor <> 0), 0) AS open_minor,
		coalesce(sum(i.open_minor) FILTER (WHERE i.open_minor <> 0 AND i.due_date < $1), 0) AS overdue_minor,
		coalesce(sum(i.open_minor * ($1 - i.due_date)) FILTER (WHERE i.open_minor > 0 AND i.due_date < $1), 0) AS overdue_days_weight,
		avg(greatest(i.settled_on - i.due_date, 0)) FILTER (WHERE i.settled_on > $1 - 365 AND i.settled_on <= $1) AS avg_late,
		avg(greatest(i.settled_on - i.due_date, 0)) FILTER (WHERE i.settled_on > $1 - 90 AND i.settled_on <= $1) AS recent_late,
		avg(greatest(i.settled_on - i.due_date, 0)) FILTER (WHERE i.settled_on > $1 - 365 AND i.settled_on <= $1 - 90) AS older_late,
		coalesce(sum(i.total_minor) FILTER (WHERE i.issue_date > $1 - 365 AND i.issue_date <= $1), 0) AS revenue
	FROM invoices i
	WHERE i.voided_at IS NULL AND ($2 = 0 OR i.customer_id = $2)
	GROUP BY i.customer_id
), disp AS (
	SELECT customer_id, count(*) AS n FROM disputes
	WHERE opened_at > ($1::date - 365)::timestamptz AND ($2 = 0 OR customer_id = $2) GROUP BY customer_id
), prom AS (
	SELECT customer_id, count(*) AS n FROM promises
	WHERE status = 'broken' AND coalesce(resolved_at, created_at) > ($1::date - 365)::timestamptz
		AND ($2 = 0 OR customer_id = $2)
	GROUP BY customer_id
), plan AS (
	SELECT customer_id, count(*) AS n FROM installment_plans
	WHERE status = 'defaulted' AND proposed_at > ($1::date - 365)::timestamptz AND ($2 = 0 OR customer_id = $2)
	GROUP BY customer_id
)
SELECT c.id, coalesce(inv.open_minor, 0), coalesce(inv.overdue_minor, 0), coalesce(inv.overdue_days_weight, 0),
	coalesce(round(inv.avg_late)::int, 0), round(inv.recent_late)::int, round(inv.older_late)::int,
	coalesce(disp.n, 0), coalesce(prom.n, 0), coalesce(plan.n, 0), c.credit_limit_minor, coalesce(inv.revenue, 0)
FROM customers c
LEFT JOIN inv ON inv.customer_id = c.id
LEFT JOIN disp ON disp.customer_id = c.id
LEFT JOIN prom ON prom.customer_id = c.id
LEFT JOIN plan ON plan.customer_id = c.id
WHERE $2 = 0 OR c.id = $2`

// RecomputeSegments recomputes the risk score, value tier and balances of every
// customer, or of customerID alone when it is not zero, as of today, and returns
// how many customers it updated. The nightly job and the "Recompute" button run it.
func RecomputeSegments(ctx context.Context, db DB, today Date, customerID int64) (int, error) {
	query := riskInputsSQL
	if customerID != 0 {
		// Without the "$2 = 0 OR" guards the planner can use the customer indexes
		// even in a generic plan, so one customer costs only its own rows.
		query = strings.ReplaceAll(query, "$2 = 0 OR ", "")
	}
	rows, err := db.Query(ctx, query, today, customerID)
	if err != nil {
		return 0, fmt.Errorf("querying risk inputs: %w", err)
	}
	type result struct {
		id         int64
		in         RiskInputs
		score      int
		factors    []byte
		band, tier string
	}
	var results []result
	for rows.Next() {
		var r result
		var weight int64
		if err := rows.Scan(&r.id, &r.in.OpenMinor, &r.in.OverdueMinor, &weight, &r.in.AvgDaysLatePaid,
			&r.in.RecentDaysLatePaid, &r.in.OlderDaysLatePaid, &r.in.Disputes, &r.in.BrokenPromises,
			&r.in.DefaultedPlans, &r.in.CreditLimitMinor, &r.in.Revenue12mMinor); err != nil {
			rows.Close()
			return 0, fmt.Errorf("scanning risk inputs: %w", err)
		}
		if r.in.OverdueMinor > 0 {
			r.in.WeightedDaysLate = int(divRoundHalfAway(weight, r.in.OverdueMinor))
		}
		score, factors := RiskScore(r.in)
		if factors == nil {
			factors = []RiskFactor{}
		}
		raw, err := json.Marshal(factors)
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("encoding risk factors: %w", err)
		}
		r.score, r.factors = score, raw
		r.band, r.tier = RiskBand(score), ValueTier(r.in.Revenue12mMinor, r.in.OpenMinor)
		results = append(results, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("reading risk inputs: %w", err)
	}

	const batch = 1000
	for start := 0; start < len(results); start += batch {
		part := results[start:min(len(results), start+batch)]
		ids := make([]int64, len(part))
		scores := make([]int32, len(part))
		bands := make([]string, len(part))
		tiers := make([]string, len(part))
		factors := make([]string, len(part))
		opens := make([]int64, len(part))
		overdues := make([]int64, len(part))
		revenues := make([]int64, len(part))
		for i, r := range part {
			ids[i], scores[i], bands[i], tiers[i], factors[i] = r.id, int32(r.score), r.band, r.tier, string(r.factors)
			opens[i], overdues[i], revenues[i] = r.in.OpenMinor, r.in.OverdueMinor, r.in.Revenue12mMinor
		}
		_, err := db.Exec(ctx, `
			INSERT INTO customer_segments (customer_id, risk_score, risk_band, value_tier, factors, open_minor,
				overdue_minor, revenue_12m_minor, computed_at)
			SELECT * , now() FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::jsonb[], $6::bigint[],
				$7::bigint[], $8::bigint[])
			ON CONFLICT (customer_id) DO UPDATE SET risk_score = excluded.risk_score, risk_band = excluded.risk_band,
				value_tier = excluded.value_tier, factors = excluded.factors, open_minor = excluded.open_minor,
				overdue_minor = excluded.overdue_minor, revenue_12m_minor = excluded.revenue_12m_minor,
				computed_at = excluded.computed_at`,
			ids, scores, bands, tiers, factors, opens, overdues, revenues)
		if err != nil {
			return 0, fmt.Errorf("storing segments: %w", err)
		}
	}
	return len(results), nil
}

// CustomerSegment is a customer's stored score with its explanation.
type CustomerSegment struct {
	RiskScore      int
	RiskBand       string
	ValueTier      string
	Factors        []RiskFactor
	OpenMinor      int64
	OverdueMinor   int64
	Revenue12m     int64
	ComputedAt     time.Time
	Override       string // staff override such as "low-risk/high-value"; empty when none
	OverrideReason string
}

// Segment returns the segment in force: the override when staff set one.
func (s CustomerSegment) Segment() string {
	if s.Override != "" {
		return s.Override
	}
	return Segment(s.RiskBand, s.ValueTier)
}

// SegmentOf returns a customer's stored segment, or ErrNotFound before the first
// computation.
func SegmentOf(ctx context.Context, db DB, customerID int64) (CustomerSegment, error) {
	var s CustomerSegment
	var raw []byte
	var override *string
	err := db.QueryRow(ctx, `
		SELECT s.risk_score, s.risk_band, s.value_tier, s.factors, s.open_minor, s.overdue_minor, s.revenue_12m_minor,
			s.computed_at, c.segment_override, c.segment_override_reason
		FROM customer_segments s JOIN customers c ON c.id = s.customer_id WHERE s.customer_id = $1`, customerID).
		Scan(&s.RiskScore, &s.RiskBand, &s.ValueTier, &raw, &s.OpenMinor, &s.OverdueMinor, &s.Revenue12m,
			&s.ComputedAt, &override, &s.OverrideReason)
	if err != nil {
		return CustomerSegment{}, notFound(err)
	}
	if override != nil {
		s.Override = *override
	}
	if err := json.Unmarshal(raw, &s.Factors); err != nil {
		return CustomerSegment{}, fmt.Errorf("decoding risk factors: %w", err)
	}
	return s, nil
}

// MatrixCell is one risk-by-value cell with its customer count and open balance.
type MatrixCell struct {
	RiskBand, ValueTier string
	Customers           int
	OpenMinor           int64
	OverdueMinor        int64
}

// SegmentMatrix returns the nine risk-by-value cells, counting each customer in
// its computed cell (overrides are listed on the customer, not moved here).
func SegmentMatrix(ctx context.Context, db DB) ([]MatrixCell, error) {
	rows, err := db.Query(ctx, `
		SELECT r.band, v.tier, count(s.customer_id), coalesce(sum(s.open_minor), 0), coalesce(sum(s.overdue_minor), 0)
		FROM unnest(ARRAY['high', 'medium', 'low']) WITH ORDINALITY r(band, ro)
		CROSS JOIN unnest(ARRAY['low', 'medium', 'high']) WITH ORDINALITY v(tier, vo)
		LEFT JOIN customer_segments s ON s.risk_band = r.band AND s.value_tier = v.tier
		GROUP BY r.band, r.ro, v.tier, v.vo ORDER BY r.ro, v.vo`)
	if err != nil {
		return nil, fmt.Errorf("querying segment matrix: %w", err)
	}
	defer rows.Close()

	var out []MatrixCell
	for rows.Next() {
		var m MatrixCell
		if err := rows.Scan(&m.RiskBand, &m.ValueTier, &m.Customers, &m.OpenMinor, &m.OverdueMinor); err != nil {
			return nil, fmt.Errorf("scanning segment matrix: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
