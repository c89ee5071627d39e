package billing

import (
	"context"
	"fmt"
	"strings"
)

// FollowUpResult counts what SettleDebtorCommitments changed.
type FollowUpResult struct {
	PromisesKept   int
	PromisesBroken int
	PlansDefaulted int
	PlansCompleted int
}

// SettleDebtorCommitments closes the promises and plans whose time has come, as
// of today, and records each change on the timeline ("promise.kept",
// "promise.broken", "plan.defaulted", "plan.completed"), which the risk score reads:
//
//   - An open promise whose date plus the grace days has passed is kept when the
//     payments and credits applied to its invoice since it was made reach its
//     amount, or when the invoice is settled. Otherwise it is broken.
//   - An approved plan is completed when all its invoices are settled. It
//     defaults when the amount paid on its invoices since it was proposed falls
//     short of the installments due more than the grace days ago; its invoices
//     then return to the reminder cadence and staff get a plan_default task.
//
// It is safe to run repeatedly and from several processes: each row is locked
// and changed at most once.
func SettleDebtorCommitments(ctx context.Context, db DB, today Date) (FollowUpResult, error) {
	var res FollowUpResult
	settings, err := LoadPortalSettings(ctx, db)
	if err != nil {
		return res, err
	}
	if err := settlePromises(ctx, db, today, settings, &res); err != nil {
		return res, err
	}
	return res, settlePlans(ctx, db, today, settings, &res)
}

func settlePromises(ctx context.Context, db DB, today Date, s PortalSettings, res *FollowUpResult) error {
	rows, err := db.Query(ctx, `
		SELECT p.id, p.customer_id, p.invoice_id, i.number, p.amount_minor, p.currency, p.promised_on,
			i.open_minor = 0 OR coalesce((SELECT sum(a.amount_minor) FROM allocations a
				WHERE a.invoice_id = p.invoice_id AND a.created_at >= p.created_at), 0) >= p.amount_minor
		FROM promises p JOIN invoices i ON i.id = p.invoice_id
		WHERE p.status = 'open' AND p.promised_on + $2::int < $1::date
		ORDER BY p.id
		FOR UPDATE OF p SKIP LOCKED`, today, s.PromiseGraceDays)
	if err != nil {
		return fmt.Errorf("querying due promises: %w", err)
	}
	type due struct {
		id, customerID, invoiceID int64
		number                    string
		amount                    Money
		on                        Date
		kept                      bool
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.customerID, &d.invoiceID, &d.number, &d.amount.Amount, &d.amount.Currency, &d.on, &d.kept); err != nil {
			rows.Close()
			return fmt.Errorf("scanning due promise: %w", err)
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	for _, d := range list {
		status, verb := PromiseBroken, "broken"
		if d.kept {
			status, verb = PromiseKept, "kept"
			res.PromisesKept++
		} else {
			res.PromisesBroken++
		}
		if _, err := db.Exec(ctx, `UPDATE promises SET status = $2, resolved_at = now() WHERE id = $1`, d.id, status); err != nil {
			return fmt.Errorf("closing promise %d: %w", d.id, err)
		}
		err := AppendEvent(ctx, db, Event{
			CustomerID: d.customerID, InvoiceID: &d.invoiceID, Kind: "promise." + status, Actor: "system:follow_up",
			Source: "job", VisibleToDebtor: true,
			Summary: fmt.Sprintf("Promise to pay %s of invoice %s by %s was %s", d.amount, d.number, d.on.Format(), verb),
			Details: map[string]any{"promise_id": d.id, "amount": d.amount.Decimal(), "date": d.on.String()},
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func settlePlans(ctx context.Context, db DB, today Date, s PortalSettings, res *FollowUpResult) error {
	rows, err := db.Query(ctx, `
		SELECT p.id, p.customer_id, p.currency,
			(SELECT sum(pi.amount_minor) - sum(i.open_minor) FROM installment_plan_invoices pi
				JOIN invoices i ON i.id = pi.invoice_id WHERE pi.plan_id = p.id),
			(SELECT bool_and(i.open_minor = 0) FROM installment_plan_invoices pi
				JOIN invoices i ON i.id = pi.invoice_id WHERE pi.plan_id = p.id),
			coalesce((SELECT sum(amount_minor) FROM installments WHERE plan_id = p.id AND due_on + $2::int < $1::date), 0),
			ARRAY(SELECT i.number FROM installment_plan_invoices pi JOIN invoices i ON i.id = pi.invoice_id
				WHERE pi.plan_id = p.id ORDER BY i.number)
		FROM installment_plans p
		WHERE p.status = 'approved'
		ORDER BY p.id
		FOR UPDATE OF p SKIP LOCKED`, today, s.PlanGraceDays)
	if err != nil {
		return fmt.Errorf("querying approved plans: %w", err)
	}
	type plan struct {
		id, customerID int64
		currency       string
		paid, due      int64
		settled        bool
		invoiceNumbers []string
	}
	var list []plan
	for rows.Next() {
		var p plan
		if err := rows.Scan(&p.id, &p.customerID, &p.currency, &p.paid, &p.settled, &p.due, &p.invoiceNumbers); err != nil {
			rows.Close()
			return fmt.Errorf("scanning plan: %w", err)
		}
		list = append(list, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	for _, p := range list {
		invoices := strings.Join(p.invoiceNumbers, ", ")
		switch {
		case p.settled:
			res.PlansCompleted++
			if err := closePlan(ctx, db, p.id, "completed"); err != nil {
				return err
			}
			err := AppendEvent(ctx, db, Event{
				CustomerID: p.customerID, Kind: "plan.completed", Actor: "system:follow_up", Source: "job", VisibleToDebtor: true,
				Summary: fmt.Sprintf("Payment plan for invoices %s completed", invoices),
				Details: map[string]any{"plan_id": p.id},
			})
			if err != nil {
				return err
			}
		case p.paid < p.due:
			res.PlansDefaulted++
			if err := closePlan(ctx, db, p.id, "defaulted"); err != nil {
				return err
			}
			short := Money{Amount: p.due - p.paid, Currency: p.currency}
			err := AppendEvent(ctx, db, Event{
				CustomerID: p.customerID, Kind: "plan.defaulted", Actor: "system:follow_up", Source: "job", VisibleToDebtor: true,
				Summary: fmt.Sprintf("Payment plan for invoices %s defaulted: %s overdue past the grace days", invoices, short),
				Details: map[string]any{"plan_id": p.id, "paid": Money{Amount: p.paid, Currency: p.currency}.Decimal(),
					"due": Money{Amount: p.due, Currency: p.currency}.Decimal()},
			})
			if err != nil {
				return err
			}
			customerID := p.customerID
			if _, err := CreateTask(ctx, db, NewTask{
				CustomerID: &customerID, Kind: TaskPlanDefault, DueDate: today, CreatedBy: SystemActor("follow_up"),
				Title: fmt.Sprintf("Payment plan for invoices %s defaulted (%s short)", invoices, short),
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

func closePlan(ctx context.Context, db DB, id int64, status string) error {
	if _, err := db.Exec(ctx, `UPDATE installment_plans SET status = $2 WHERE id = $1`, id, status); err != nil {
		return fmt.Errorf("setting plan %d to %s: %w", id, status, err)
	}
	return nil
}

// PendingPlan is a proposed plan waiting for a staff decision.
type PendingPlan struct {
	Plan
	CustomerName string
	ProposedBy   string
}

// PendingPlans returns the plans waiting for staff, oldest first.
func PendingPlans(ctx context.Context, db DB) ([]PendingPlan, error) {
	rows, err := db.Query(ctx, `
		SELECT p.id, p.customer_id, c.name, p.currency, p.total_minor, p.down_payment_minor, p.installment_count,
			p.frequency, p.first_due_on, p.autopay, p.proposed_at, p.proposed_by
		FROM installment_plans p JOIN customers c ON c.id = p.customer_id
		WHERE p.status = 'pending' ORDER BY p.proposed_at, p.id`)
	if err != nil {
		return nil, fmt.Errorf("querying pending plans: %w", err)
	}
	defer rows.Close()
	var out []PendingPlan
	for rows.Next() {
		var p PendingPlan
		p.Status = PlanPending
		if err := rows.Scan(&p.ID, &p.CustomerID, &p.CustomerName, &p.Total.Currency, &p.Total.Amount, &p.DownPayment.Amount,
			&p.Count, &p.Frequency, &p.First, &p.Autopay, &p.ProposedAt, &p.ProposedBy); err != nil {
			return nil, fmt.Errorf("scanning pending plan: %w", err)
		}
		p.DownPayment.Currency = p.Total.Currency
		out = append(out, p)
	}
	return out, rows.Err()
}

// DecidePlan approves or rejects a pending plan as staff and records the decision
// on the timeline, visible to the debtor with the note. A plan that is not
// pending wraps ErrConflict; a missing one wraps ErrNotFound. Run it inside a
// transaction, and queue any e-mail to the debtor in the same one.
func DecidePlan(ctx context.Context, db DB, planID int64, approve bool, note string, actor Actor) (Plan, error) {
	var p Plan
	var status string
	err := db.QueryRow(ctx, `SELECT customer_id, status FROM installment_plans WHERE id = $1 FOR UPDATE`, planID).Scan(&p.CustomerID, &status)
	if err != nil {
		return Plan{}, fmt.Errorf("loading plan %d: %w", planID, notFound(err))
	}
	if status != PlanPending {
		return Plan{}, fmt.Errorf("plan %d is %s, not pending: %w", planID, status, ErrConflict)
	}
	note = strings.TrimSpace(note)
	decision, verb := PlanRejected, "rejected"
	if approve {
		decision, verb = PlanApproved, "approved"
	} else if note == "" {
		return Plan{}, FieldErrors{"note": "Write the reason for the rejection; the customer sees it."}
	}
	_, err = db.Exec(ctx, `
		UPDATE installment_plans SET status = $2, decided_by = $3, decided_at = now(), decision_note = $4 WHERE id = $1`,
		planID, decision, actor.String(), note)
	if err != nil {
		return Plan{}, fmt.Errorf("deciding plan %d: %w", planID, err)
	}
	summary := "Payment plan " + verb
	if note != "" {
		summary += ": " + note
	}
	if err := AppendEvent(ctx, db, Event{
		CustomerID: p.CustomerID, Kind: "plan." + decision, Actor: actor.String(), Source: "backoffice", VisibleToDebtor: true,
		Summary: summary, Details: map[string]any{"plan_id": planID, "note": note},
	}); err != nil {
		return Plan{}, err
	}

	plans, err := CustomerPlans(ctx, db, p.CustomerID)
	if err != nil {
		return Plan{}, err
	}
	for _, pl := range plans {
		if pl.ID == planID {
			return pl, nil
		}
	}
	return Plan{}, fmt.Errorf("plan %d: %w", planID, ErrNotFound)
}
