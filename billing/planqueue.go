package billing

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// QueuedPlan is an installment plan waiting for staff, with its schedule.
type QueuedPlan struct {
	Plan
	CustomerName string
	ProposedBy   string
	RiskScore    *int
}

// ListPlanQueue returns the plans waiting for approval, oldest first.
func ListPlanQueue(ctx context.Context, db DB, limit int) ([]QueuedPlan, error) {
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	rows, err := db.Query(ctx, `
		SELECT p.id, p.customer_id, c.name, p.currency, p.total_minor, p.down_payment_minor, p.installment_count,
			p.frequency, p.first_due_on, p.status, p.autopay, p.proposed_at, p.proposed_by, s.risk_score,
			ARRAY(SELECT invoice_id FROM installment_plan_invoices WHERE plan_id = p.id ORDER BY invoice_id)
		FROM installment_plans p JOIN customers c ON c.id = p.customer_id
		LEFT JOIN customer_segments s ON s.customer_id = p.customer_id
		WHERE p.status = 'pending'
		ORDER BY p.proposed_at, p.id
		LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("querying pending plans: %w", err)
	}
	var out []QueuedPlan
	for rows.Next() {
		var q QueuedPlan
		if err := rows.Scan(&q.ID, &q.CustomerID, &q.CustomerName, &q.Total.Currency, &q.Total.Amount, &q.DownPayment.Amount,
			&q.Count, &q.Frequency, &q.First, &q.Status, &q.Autopay, &q.ProposedAt, &q.ProposedBy, &q.RiskScore,
			&q.InvoiceIDs); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scanning pending plan: %w", err)
		}
		q.DownPayment.Currency = q.Total.Currency
		out = append(out, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading pending plans: %w", err)
	}
	for i := range out {
		if out[i].Schedule, err = planSchedule(ctx, db, out[i].ID, out[i].Total.Currency); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PlanDecision is the input of ApprovePendingPlan and RejectPendingPlan.
type PlanDecision struct {
	PlanID  int64
	Message string // to the debtor; required for a rejection

	// Changes to the proposal; zero values keep what the debtor proposed.
	Count     int
	Frequency string
	First     Date

	CollectorLimitMinor int64 // from collection settings
	Today               Date
}

// lockPendingPlan loads a plan for update. A decided plan is ErrConflict.
func lockPendingPlan(ctx context.Context, db DB, id int64) (Plan, time.Time, error) {
	var p Plan
	var proposedAt time.Time
	err := db.QueryRow(ctx, `
		SELECT id, customer_id, currency, total_minor, down_payment_minor, installment_count, frequency, first_due_on,
			status, proposed_at
		FROM installment_plans WHERE id = $1 FOR UPDATE`, id).
		Scan(&p.ID, &p.CustomerID, &p.Total.Currency, &p.Total.Amount, &p.DownPayment.Amount, &p.Count, &p.Frequency,
			&p.First, &p.Status, &proposedAt)
	if err != nil {
		return Plan{}, time.Time{}, notFound(err)
	}
	p.DownPayment.Currency = p.Total.Currency
	if p.Status != PlanPending {
		return Plan{}, time.Time{}, fmt.Errorf("plan %d is already %s: %w", id, p.Status, ErrConflict)
	}
	return p, proposedAt, nil
}

// ApprovePendingPlan approves a waiting plan, with the staff member's changes to
// the installment count, frequency or first date when given, and records the
// decision on the customer's timeline, visible to the debtor. A collector may
// approve plans up to the collector limit, and a larger one returns ErrForbidden.
// Run it in a transaction.
func ApprovePendingPlan(ctx context.Context, db DB, u StaffUser, in PlanDecision) (Plan, error) {
	p, _, err := lockPendingPlan(ctx, db, in.PlanID)
	if err != nil {
		return Plan{}, err
	}
	if !AllowedAmount(u.Role, ActApprovePlan, p.Total.Amount, in.CollectorLimitMinor) {
		return Plan{}, fmt.Errorf("approving a plan of %s is above your limit: %w", p.Total, ErrForbidden)
	}

	changed := false
	if in.Count != 0 && in.Count != p.Count {
		p.Count, changed = in.Count, true
	}
	if in.Frequency != "" && in.Frequency != p.Frequency {
		p.Frequency, changed = in.Frequency, true
	}
	if !in.First.IsZero() && in.First != p.First {
		if in.First.Before(in.Today) {
			return Plan{}, FieldErrors{"first": "The first installment cannot be due before today."}
		}
		p.First, changed = in.First, true
	}
	if changed {
		sched, err := PlanSchedule(ScheduleInput{Total: p.Total, DownPayment: p.DownPayment, Count: p.Count,
			Frequency: p.Frequency, First: p.First, Today: in.Today})
		if err != nil {
			return Plan{}, FieldErrors{"count": err.Error()}
		}
		if _, err := db.Exec(ctx, `DELETE FROM installments WHERE plan_id = $1`, p.ID); err != nil {
			return Plan{}, fmt.Errorf("replacing installments: %w", err)
		}
		for _, s := range sched {
			if _, err := db.Exec(ctx, `INSERT INTO installments (plan_id, seq, due_on, amount_minor) VALUES ($1, $2, $3, $4)`,
				p.ID, s.Seq, s.DueOn, s.Amount.Amount); err != nil {
				return Plan{}, fmt.Errorf("inserting installment %d: %w", s.Seq, err)
			}
		}
		p.Schedule = sched
	} else if p.Schedule, err = planSchedule(ctx, db, p.ID, p.Total.Currency); err != nil {
		return Plan{}, err
	}

	note := strings.TrimSpace(in.Message)
	_, err = db.Exec(ctx, `
		UPDATE installment_plans SET status = 'approved', installment_count = $2, frequency = $3, first_due_on = $4,
			decided_by = $5, decided_at = now(), decision_note = $6
		WHERE id = $1`, p.ID, p.Count, p.Frequency, p.First, StaffActor(u).String(), note)
	if err != nil {
		return Plan{}, fmt.Errorf("approving plan: %w", err)
	}
	p.Status, p.DecisionNote = PlanApproved, note

	summary := fmt.Sprintf("Plan approved: %s in %s from %s", p.Total, p.ScheduleLabel(), p.First.Format())
	if changed {
		summary = fmt.Sprintf("Plan approved with changes: %s in %s from %s", p.Total, p.ScheduleLabel(), p.First.Format())
	}
	if note != "" {
		summary += ". " + note
	}
	details := map[string]any{"plan_id": p.ID, "changed": changed, "installments": p.Count, "frequency": p.Frequency,
		"first_date": p.First.String(), "message": note}
	if err := AppendEvent(ctx, db, Event{CustomerID: p.CustomerID, Kind: "plan.approved", Actor: StaffActor(u).String(),
		Source: "backoffice", VisibleToDebtor: true, Summary: summary, Details: details}); err != nil {
		return Plan{}, err
	}
	return p, RecordStaffAction(ctx, db, StaffAction{Staff: u, Action: "plan.approved", CustomerID: p.CustomerID,
		Summary: summary, Details: details, SkipTimeline: true})
}

// RejectPendingPlan rejects a waiting plan with a message to the debtor and records
// it on the timeline, visible to the debtor. Run it in a transaction.
func RejectPendingPlan(ctx context.Context, db DB, u StaffUser, in PlanDecision) (Plan, error) {
	note := strings.TrimSpace(in.Message)
	if note == "" {
		return Plan{}, FieldErrors{"message": "Tell the customer why the plan is rejected and what would be accepted."}
	}
	p, _, err := lockPendingPlan(ctx, db, in.PlanID)
	if err != nil {
		return Plan{}, err
	}
	if !AllowedAmount(u.Role, ActApprovePlan, p.Total.Amount, in.CollectorLimitMinor) {
		return Plan{}, fmt.Errorf("deciding a plan of %s is above your limit: %w", p.Total, ErrForbidden)
	}
	_, err = db.Exec(ctx, `
		UPDATE installment_plans SET status = 'rejected', decided_by = $2, decided_at = now(), decision_note = $3
		WHERE id = $1`, p.ID, StaffActor(u).String(), note)
	if err != nil {
		return Plan{}, fmt.Errorf("rejecting plan: %w", err)
	}
	p.Status, p.DecisionNote = PlanRejected, note
	summary := "Plan rejected: " + note
	details := map[string]any{"plan_id": p.ID, "message": note}
	if err := AppendEvent(ctx, db, Event{CustomerID: p.CustomerID, Kind: "plan.rejected", Actor: StaffActor(u).String(),
		Source: "backoffice", VisibleToDebtor: true, Summary: summary, Details: details}); err != nil {
		return Plan{}, err
	}
	return p, RecordStaffAction(ctx, db, StaffAction{Staff: u, Action: "plan.rejected", CustomerID: p.CustomerID,
		Summary: summary, Details: details, SkipTimeline: true})
}

// CustomerEmails returns the e-mail addresses of a customer's contacts that have
// not opted out, for staff decisions that the debtor must hear about.
func CustomerEmails(ctx context.Context, db DB, customerID int64) ([]string, error) {
	rows, err := db.Query(ctx, `
		SELECT email FROM contacts WHERE customer_id = $1 AND opted_out_at IS NULL ORDER BY id`, customerID)
	if err != nil {
		return nil, fmt.Errorf("querying contacts: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, fmt.Errorf("scanning contact: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
