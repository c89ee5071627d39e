package billing

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Frequencies of installment plans.
const (
	FrequencyWeekly   = "weekly"
	FrequencyBiweekly = "biweekly"
	FrequencyMonthly  = "monthly"
)

// Statuses of installment plans.
const (
	PlanPending  = "pending"
	PlanApproved = "approved"
	PlanRejected = "rejected"
)

// FrequencyLabel returns how a frequency reads to people.
func FrequencyLabel(f string) string {
	switch f {
	case FrequencyWeekly:
		return "weekly"
	case FrequencyBiweekly:
		return "every 2 weeks"
	case FrequencyMonthly:
		return "monthly"
	}
	return f
}

// InstallmentsPhrase returns a number of installments at a frequency as people
// read it, for example "2 biweekly installments" or "1 monthly installment".
func InstallmentsPhrase(count int, frequency string) string {
	noun := "installments"
	if count == 1 {
		noun = "installment"
	}
	return fmt.Sprintf("%d %s %s", count, frequency, noun)
}

// ScheduleLabel returns the plan's installments as people read them, for
// example "2 biweekly installments".
func (p Plan) ScheduleLabel() string { return InstallmentsPhrase(p.Count, p.Frequency) }

// ScheduleInput is the input of PlanSchedule: the amounts and dates a debtor chooses.
type ScheduleInput struct {
	Total       Money // sum of the open balances of the chosen invoices
	DownPayment Money // optional: paid today, before the installments
	Count       int   // number of installments after the down payment
	Frequency   string
	First       Date // due date of the first installment
	Today       Date // due date of the down payment
}

// ScheduledPayment is one due amount of a plan. Seq 0 is the down payment.
type ScheduledPayment struct {
	Seq    int
	DueOn  Date
	Amount Money
}

// AddMonthsClamped returns d moved n months, keeping d's day of month but clamping
// it to the month's last day, so Jan 31 plus 1 is Feb 28 (29 in leap years) and
// plus 2 is Mar 31.
func AddMonthsClamped(d Date, n int) Date {
	first := time.Date(d.Year, d.Month+time.Month(n), 1, 12, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return NewDate(first.Year(), first.Month(), min(d.Day, last))
}

// PlanSchedule returns the due amounts of a plan: the down payment (if any) today,
// then Count installments that split the rest exactly, the remainder on the first.
// Monthly dates keep the first date's day of month, clamped to each month's end.
func PlanSchedule(in ScheduleInput) ([]ScheduledPayment, error) {
	if in.Count <= 0 {
		return nil, fmt.Errorf("invalid installment count %d: it must be at least 1", in.Count)
	}
	if in.DownPayment.Currency == "" {
		in.DownPayment.Currency = in.Total.Currency
	}
	rest := in.Total.Sub(in.DownPayment)
	if rest.Amount < int64(in.Count) {
		return nil, fmt.Errorf("the balance after the down payment, %s, is too small for %d installments", rest, in.Count)
	}

	var out []ScheduledPayment
	if in.DownPayment.Amount > 0 {
		out = append(out, ScheduledPayment{Seq: 0, DueOn: in.Today, Amount: in.DownPayment})
	}
	for i, share := range rest.Split(in.Count) {
		var due Date
		switch in.Frequency {
		case FrequencyWeekly:
			due = in.First.AddDays(7 * i)
		case FrequencyBiweekly:
			due = in.First.AddDays(14 * i)
		case FrequencyMonthly:
			due = AddMonthsClamped(in.First, i)
		default:
			return nil, fmt.Errorf("invalid frequency %q: use weekly, biweekly or monthly", in.Frequency)
		}
		out = append(out, ScheduledPayment{Seq: i + 1, DueOn: due, Amount: share})
	}
	return out, nil
}

// PlanProposal is a debtor's proposed plan.
type PlanProposal struct {
	CustomerID  int64
	InvoiceIDs  []int64
	Count       int
	Frequency   string
	First       Date
	DownPayment Money
	Autopay     bool // charge the saved payment method on each due date
	Actor       Actor
}

// Plan is a stored installment plan.
type Plan struct {
	ID           int64
	CustomerID   int64
	Total        Money
	DownPayment  Money
	Count        int
	Frequency    string
	First        Date
	Status       string
	AutoApproved bool
	Autopay      bool
	ProposedAt   time.Time
	DecisionNote string
	InvoiceIDs   []int64
	Schedule     []ScheduledPayment
}

// PlanPreview is a validated proposal with its exact schedule, before it is stored.
type PlanPreview struct {
	Invoices    []StatementLine
	Total       Money
	Schedule    []ScheduledPayment
	AutoApprove bool
}

// PreviewPlan validates a proposal against the customer's open invoices and the
// portal limits and returns its schedule. Invalid input returns FieldErrors keyed
// "invoices", "count", "frequency", "first_date" and "down_payment".
func PreviewPlan(ctx context.Context, db DB, p PlanProposal, today Date) (PlanPreview, error) {
	settings, err := LoadPortalSettings(ctx, db)
	if err != nil {
		return PlanPreview{}, err
	}
	open, err := OpenInvoices(ctx, db, p.CustomerID, today)
	if err != nil {
		return PlanPreview{}, err
	}
	inPlan, err := invoicesInPlans(ctx, db, p.CustomerID)
	if err != nil {
		return PlanPreview{}, err
	}

	errs := FieldErrors{}
	var pv PlanPreview
	chosen := map[int64]bool{}
	for _, id := range p.InvoiceIDs {
		chosen[id] = true
	}
	for _, l := range open {
		if !chosen[l.ID] {
			continue
		}
		delete(chosen, l.ID)
		if inPlan[l.ID] {
			errs["invoices"] = fmt.Sprintf("Invoice %s is already in a plan: leave it out.", l.Number)
			continue
		}
		if pv.Total.Currency == "" {
			pv.Total = Money{Currency: l.Open.Currency}
		}
		if l.Open.Currency != pv.Total.Currency {
			errs["invoices"] = "Choose invoices in one currency for each plan."
			continue
		}
		pv.Invoices = append(pv.Invoices, l)
		pv.Total = pv.Total.Add(l.Open)
	}
	if len(chosen) > 0 {
		// An id that is not this customer's open invoice gets the same message
		// whether it is another customer's, settled or missing.
		errs["invoices"] = "One of the chosen invoices is not open on your account: reload the page and choose again."
	} else if len(pv.Invoices) == 0 && errs["invoices"] == "" {
		errs["invoices"] = "Choose at least one invoice."
	}

	switch {
	case p.Count < 1:
		errs["count"] = "Enter at least 1 installment."
	case p.Count > settings.PlanMaxInstallments:
		errs["count"] = fmt.Sprintf("Choose at most %d installments.", settings.PlanMaxInstallments)
	}
	if p.Frequency != FrequencyWeekly && p.Frequency != FrequencyBiweekly && p.Frequency != FrequencyMonthly {
		errs["frequency"] = "Choose weekly, every 2 weeks or monthly."
	}
	switch {
	case p.First.IsZero():
		errs["first_date"] = "Enter the date of the first installment, as YYYY-MM-DD."
	case p.First.Before(today):
		errs["first_date"] = fmt.Sprintf("The date %s is in the past: choose today or a later date.", p.First.Format())
	case p.First.DaysSince(today) > settings.PlanMaxFirstDays:
		errs["first_date"] = fmt.Sprintf("Choose a first date within %d days, on or before %s.",
			settings.PlanMaxFirstDays, today.AddDays(settings.PlanMaxFirstDays).Format())
	}
	if p.DownPayment.Amount < 0 {
		errs["down_payment"] = "Enter a down payment of zero or more."
	} else if pv.Total.Currency != "" && p.DownPayment.Amount > 0 {
		if p.DownPayment.Currency != pv.Total.Currency {
			errs["down_payment"] = fmt.Sprintf("Enter the down payment in %s.", pv.Total.Currency)
		} else if p.DownPayment.Amount >= pv.Total.Amount {
			errs["down_payment"] = fmt.Sprintf("The down payment must be less than the plan total of %s; to pay everything, use Pay instead.", pv.Total)
		}
	}
	if len(errs) > 0 {
		return PlanPreview{}, errs
	}

	down := p.DownPayment
	down.Currency = pv.Total.Currency
	pv.Schedule, err = PlanSchedule(ScheduleInput{
		Total: pv.Total, DownPayment: down, Count: p.Count, Frequency: p.Frequency, First: p.First, Today: today,
	})
	if err != nil {
		return PlanPreview{}, FieldErrors{"count": "The amount is too small for that many installments: choose fewer."}
	}
	pv.AutoApprove = autoApprovable(settings, pv, today)
	return pv, nil
}

// autoApprovable applies the auto-approval rules: total, number of installments
// and the date of the last installment, each within the portal limits.
func autoApprovable(s PortalSettings, pv PlanPreview, today Date) bool {
	last := pv.Schedule[len(pv.Schedule)-1].DueOn
	installments := len(pv.Schedule)
	if pv.Schedule[0].Seq == 0 {
		installments-- // the down payment is not an installment
	}
	return pv.Total.Amount <= s.PlanAutoMaxTotalMinor &&
		installments <= s.PlanAutoMaxInstallment &&
		!last.After(AddMonthsClamped(today, s.PlanAutoMaxMonths))
}

// invoicesInPlans returns the customer's invoices that belong to a pending or
// approved plan.
func invoicesInPlans(ctx context.Context, db DB, customerID int64) (map[int64]bool, error) {
	rows, err := db.Query(ctx, `
		SELECT pi.invoice_id FROM installment_plan_invoices pi JOIN installment_plans p ON p.id = pi.plan_id
		WHERE p.customer_id = $1 AND p.status IN ('pending', 'approved')`, customerID)
	if err != nil {
		return nil, fmt.Errorf("querying invoices in plans: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scanning invoice in plan: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// ProposePlan validates and stores a plan with its schedule, approving it at once
// when it is within the auto-approval rules and leaving it pending for staff
// otherwise, and records it on the timeline. It locks the customer's row so two
// concurrent proposals cannot put one invoice in two plans. Run it inside a
// transaction.
func ProposePlan(ctx context.Context, db DB, p PlanProposal, today Date) (Plan, error) {
	if _, err := db.Exec(ctx, `SELECT 1 FROM customers WHERE id = $1 FOR UPDATE`, p.CustomerID); err != nil {
		return Plan{}, fmt.Errorf("locking customer %d: %w", p.CustomerID, err)
	}
	pv, err := PreviewPlan(ctx, db, p, today)
	if err != nil {
		return Plan{}, err
	}

	plan := Plan{
		CustomerID: p.CustomerID, Total: pv.Total, DownPayment: Money{Amount: max(p.DownPayment.Amount, 0), Currency: pv.Total.Currency},
		Count: p.Count, Frequency: p.Frequency, First: p.First, Status: PlanPending, AutoApproved: pv.AutoApprove,
		Autopay: p.Autopay, Schedule: pv.Schedule,
	}
	if pv.AutoApprove {
		plan.Status = PlanApproved
	}
	var decidedBy *string
	if pv.AutoApprove {
		s := "system:auto_approval"
		decidedBy = &s
	}
	err = db.QueryRow(ctx, `
		INSERT INTO installment_plans (customer_id, currency, total_minor, down_payment_minor, installment_count,
			frequency, first_due_on, status, auto_approved, autopay, proposed_by, decided_by, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CASE WHEN $12::text IS NULL THEN NULL ELSE now() END)
		RETURNING id, proposed_at`,
		p.CustomerID, pv.Total.Currency, pv.Total.Amount, plan.DownPayment.Amount, p.Count, p.Frequency, p.First,
		plan.Status, plan.AutoApproved, p.Autopay, p.Actor.String(), decidedBy).Scan(&plan.ID, &plan.ProposedAt)
	if err != nil {
		return Plan{}, fmt.Errorf("inserting plan: %w", err)
	}

	numbers := make([]string, 0, len(pv.Invoices))
	for _, inv := range pv.Invoices {
		plan.InvoiceIDs = append(plan.InvoiceIDs, inv.ID)
		numbers = append(numbers, inv.Number)
		if _, err := db.Exec(ctx, `INSERT INTO installment_plan_invoices (plan_id, invoice_id, amount_minor) VALUES ($1, $2, $3)`,
			plan.ID, inv.ID, inv.Open.Amount); err != nil {
			return Plan{}, fmt.Errorf("inserting plan invoice: %w", err)
		}
	}
	for _, s := range pv.Schedule {
		if _, err := db.Exec(ctx, `INSERT INTO installments (plan_id, seq, due_on, amount_minor) VALUES ($1, $2, $3, $4)`,
			plan.ID, s.Seq, s.DueOn, s.Amount.Amount); err != nil {
			return Plan{}, fmt.Errorf("inserting installment %d: %w", s.Seq, err)
		}
	}

	summary := fmt.Sprintf("Plan proposed: %s in %s from %s for invoices %s",
		pv.Total, InstallmentsPhrase(p.Count, p.Frequency), p.First.Format(), strings.Join(numbers, ", "))
	if pv.AutoApprove {
		summary += "; approved automatically"
	} else {
		summary += "; waiting for approval"
	}
	return plan, AppendEvent(ctx, db, Event{
		CustomerID: p.CustomerID, Kind: "plan.proposed", Actor: p.Actor.String(), Source: "portal", VisibleToDebtor: true,
		Summary: summary,
		Details: map[string]any{
			"plan_id": plan.ID, "status": plan.Status, "auto_approved": plan.AutoApproved, "total": pv.Total.Decimal(),
			"currency": pv.Total.Currency, "down_payment": plan.DownPayment.Decimal(), "installments": p.Count,
			"frequency": p.Frequency, "first_date": p.First.String(), "invoice_ids": plan.InvoiceIDs, "autopay": p.Autopay,
		},
	})
}

// CustomerPlans returns the customer's plans, newest first, with their schedules.
func CustomerPlans(ctx context.Context, db DB, customerID int64) ([]Plan, error) {
	rows, err := db.Query(ctx, `
		SELECT id, customer_id, currency, total_minor, down_payment_minor, installment_count, frequency, first_due_on,
			status, auto_approved, autopay, proposed_at, decision_note,
			ARRAY(SELECT invoice_id FROM installment_plan_invoices WHERE plan_id = p.id ORDER BY invoice_id)
		FROM installment_plans p WHERE customer_id = $1 ORDER BY proposed_at DESC, id DESC`, customerID)
	if err != nil {
		return nil, fmt.Errorf("querying plans: %w", err)
	}
	var plans []Plan
	for rows.Next() {
		var pl Plan
		if err := rows.Scan(&pl.ID, &pl.CustomerID, &pl.Total.Currency, &pl.Total.Amount, &pl.DownPayment.Amount,
			&pl.Count, &pl.Frequency, &pl.First, &pl.Status, &pl.AutoApproved, &pl.Autopay, &pl.ProposedAt,
			&pl.DecisionNote, &pl.InvoiceIDs); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scanning plan: %w", err)
		}
		pl.DownPayment.Currency = pl.Total.Currency
		plans = append(plans, pl)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	for i := range plans {
		sched, err := planSchedule(ctx, db, plans[i].ID, plans[i].Total.Currency)
		if err != nil {
			return nil, err
		}
		plans[i].Schedule = sched
	}
	return plans, nil
}

func planSchedule(ctx context.Context, db DB, planID int64, currency string) ([]ScheduledPayment, error) {
	rows, err := db.Query(ctx, `SELECT seq, due_on, amount_minor FROM installments WHERE plan_id = $1 ORDER BY seq`, planID)
	if err != nil {
		return nil, fmt.Errorf("querying installments: %w", err)
	}
	defer rows.Close()
	var out []ScheduledPayment
	for rows.Next() {
		s := ScheduledPayment{Amount: Money{Currency: currency}}
		if err := rows.Scan(&s.Seq, &s.DueOn, &s.Amount.Amount); err != nil {
			return nil, fmt.Errorf("scanning installment: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
