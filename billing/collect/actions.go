package collect

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

// escalation is a staff task that a step asks for, opened with the chunk's
// other tasks in one insert.
type escalation struct {
	customerID int64
	invoiceID  *int64 // set when the task is about one invoice
	title      string
}

// applyActions carries out the actions of the steps in rows, which this run just
// claimed. It places the credit hold a step asks for and returns the escalation
// task for the steps that ask for one or go to staff instead of e-mail, nil when
// none does, and the number of holds placed.
func (s sender) applyActions(ctx context.Context, tx pgx.Tx, c customerInfo, invoices map[int64]invoiceInfo, rows []dueRow) (*escalation, int, error) {
	var taskRows []dueRow
	hold := false
	for _, r := range rows {
		st := s.steps[r.StepID]
		if st.CreateTask || st.Channel == ChannelTask {
			taskRows = append(taskRows, r)
		}
		hold = hold || st.CreditHold
		if st.LateFee {
			// The step charges the invoice's late fee now, without waiting for the
			// grace days of its terms. An invoice whose terms have no fee gets none.
			if _, err := accrue(ctx, tx, s.opts.AsOf, r.InvoiceID, true, s.opts.Actor, s.opts.Source); err != nil {
				return nil, 0, err
			}
		}
	}

	holds := 0
	if hold && !c.CreditHold {
		placed, err := PlaceCreditHold(ctx, tx, c.ID, "a reminder step put the account on hold", s.opts.AsOf, s.opts.Actor, s.opts.Source)
		if err != nil {
			return nil, 0, err
		}
		if placed {
			holds++
		}
	}
	if len(taskRows) == 0 {
		return nil, holds, nil
	}

	total := billing.Money{Currency: invoices[taskRows[0].InvoiceID].Open.Currency}
	numbers := make([]string, 0, len(taskRows))
	for _, r := range taskRows {
		total = total.Add(invoices[r.InvoiceID].Open)
		numbers = append(numbers, invoices[r.InvoiceID].Number)
	}
	task := &escalation{customerID: c.ID,
		title: fmt.Sprintf("Call %s about %s overdue: %s", c.Name, total, joinNumbers(numbers))}
	if len(taskRows) == 1 {
		task.invoiceID = &taskRows[0].InvoiceID
	}
	return task, holds, nil
}

// openEscalations inserts the chunk's escalation tasks, each assigned to its
// customer's owner and due on the run's date, with a "task.created" timeline
// entry each, as billing.CreateTask writes them one at a time.
func openEscalations(ctx context.Context, tx pgx.Tx, tasks []*escalation, opts RunOptions) error {
	if len(tasks) == 0 {
		return nil
	}
	var customerIDs, invoiceIDs []int64
	var titles []string
	for _, t := range tasks {
		invoiceID := int64(0)
		if t.invoiceID != nil {
			invoiceID = *t.invoiceID
		}
		customerIDs, invoiceIDs, titles = append(customerIDs, t.customerID), append(invoiceIDs, invoiceID), append(titles, t.title)
	}
	_, err := tx.Exec(ctx, `
		WITH opened AS (
			INSERT INTO staff_tasks (customer_id, invoice_id, kind, title, owner_id, due_date, created_by)
			SELECT k.customer_id, nullif(k.invoice_id, 0), $4, k.title, c.owner_id, $5, $6
			FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS k (customer_id, invoice_id, title)
			JOIN customers c ON c.id = k.customer_id
			RETURNING id, customer_id, invoice_id, title
		)
		INSERT INTO timeline_events (customer_id, invoice_id, kind, actor, source, summary, details)
		SELECT customer_id, invoice_id, 'task.created', $6, $7, 'Task: ' || title,
			jsonb_build_object('task_id', id, 'kind', $4::text, 'due_date', $5::date)
		FROM opened`,
		customerIDs, invoiceIDs, titles, billing.TaskEscalation, opts.AsOf, opts.Actor.String(), opts.Source)
	if err != nil {
		return fmt.Errorf("opening escalation tasks: %w", err)
	}
	return nil
}

func joinNumbers(numbers []string) string {
	const shown = 5
	if len(numbers) <= shown {
		return strings.Join(numbers, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(numbers[:shown], ", "), len(numbers)-shown)
}

// PlaceCreditHold puts a customer on credit hold with the reason on the timeline
// and opens a follow-up task for the account owner. It returns false, doing
// nothing, when the customer is already on hold. Run it inside a transaction.
func PlaceCreditHold(ctx context.Context, db billing.DB, customerID int64, reason string, today billing.Date, actor billing.Actor, source string) (bool, error) {
	tag, err := db.Exec(ctx, `UPDATE customers SET credit_hold = true, updated_at = now() WHERE id = $1 AND NOT credit_hold`, customerID)
	if err != nil {
		return false, fmt.Errorf("placing credit hold on customer %d: %w", customerID, err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	err = billing.AppendEvent(ctx, db, billing.Event{
		CustomerID: customerID, Kind: "credit_hold.placed", Actor: actor.String(), Source: source,
		Summary: "Account put on credit hold: " + reason, Details: map[string]any{"reason": reason},
	})
	if err != nil {
		return false, err
	}
	_, err = billing.CreateTask(ctx, db, billing.NewTask{
		CustomerID: &customerID, Kind: billing.TaskFollowUp, DueDate: today, CreatedBy: actor,
		Title: "Review the credit hold: " + reason,
	})
	if err != nil {
		return false, fmt.Errorf("opening credit hold task for customer %d: %w", customerID, err)
	}
	return true, nil
}
