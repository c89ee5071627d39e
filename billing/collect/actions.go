package collect

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

// applyActions carries out the actions of the steps in rows, which this run just
// claimed: one staff task per customer for the steps that ask for one or go to
// staff instead of e-mail, and the credit hold. It returns the tasks opened and
// the holds placed.
func (s sender) applyActions(ctx context.Context, tx pgx.Tx, c customerInfo, invoices map[int64]invoiceInfo, rows []dueRow) (int, int, error) {
	var taskRows []dueRow
	hold := false
	for _, r := range rows {
		st := s.steps[r.StepID]
		if st.CreateTask || st.Channel == ChannelTask {
			taskRows = append(taskRows, r)
		}
		hold = hold || st.CreditHold
	}

	tasks := 0
	if len(taskRows) > 0 {
		total := billing.Money{Currency: invoices[taskRows[0].InvoiceID].Open.Currency}
		numbers := make([]string, 0, len(taskRows))
		for _, r := range taskRows {
			total = total.Add(invoices[r.InvoiceID].Open)
			numbers = append(numbers, invoices[r.InvoiceID].Number)
		}
		var invoiceID *int64
		if len(taskRows) == 1 {
			invoiceID = &taskRows[0].InvoiceID
		}
		customerID := c.ID
		_, err := billing.CreateTask(ctx, tx, billing.NewTask{
			CustomerID: &customerID, InvoiceID: invoiceID, Kind: billing.TaskEscalation,
			Title:   fmt.Sprintf("Call %s about %s overdue (%s): final notice sent", c.Name, total, joinNumbers(numbers)),
			DueDate: s.opts.AsOf, CreatedBy: s.opts.Actor,
		})
		if err != nil {
			return 0, 0, fmt.Errorf("opening escalation task for customer %d: %w", c.ID, err)
		}
		tasks++
	}

	holds := 0
	if hold && !c.CreditHold {
		placed, err := PlaceCreditHold(ctx, tx, c.ID, "a reminder step put the account on hold", s.opts.AsOf, s.opts.Actor, s.opts.Source)
		if err != nil {
			return 0, 0, err
		}
		if placed {
			holds++
			tasks++
		}
	}
	return tasks, holds, nil
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
