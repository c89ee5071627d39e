package billing

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Task kinds. Jobs and the payment code create the first four; staff create follow-ups.
const (
	TaskEscalation     = "escalation"
	TaskFailedPayment  = "failed_payment"
	TaskAmountMismatch = "amount_mismatch"
	TaskPlanDefault    = "plan_default"
	TaskFollowUp       = "follow_up"
)

// Task is a piece of work for staff, with an owner and a due date.
type Task struct {
	ID           int64
	CustomerID   *int64
	CustomerName string
	InvoiceID    *int64
	Kind         string
	Title        string
	OwnerID      *int64
	OwnerEmail   string
	DueDate      Date
	CreatedBy    string
	CreatedAt    time.Time
	DoneAt       *time.Time
}

// NewTask is the input of CreateTask.
type NewTask struct {
	CustomerID *int64
	InvoiceID  *int64
	Kind       string
	Title      string
	OwnerID    *int64 // nil leaves the task unassigned; with a customer it goes to the customer's owner
	DueDate    Date
	CreatedBy  Actor
}

// CreateTask stores a task and, when it names a customer, notes it on the timeline.
// Run it in the transaction of the event that causes it.
func CreateTask(ctx context.Context, db DB, t NewTask) (int64, error) {
	switch t.Kind {
	case TaskEscalation, TaskFailedPayment, TaskAmountMismatch, TaskPlanDefault, TaskFollowUp:
	default:
		return 0, fmt.Errorf("invalid task kind %q: use escalation, failed_payment, amount_mismatch, plan_default or follow_up", t.Kind)
	}
	if strings.TrimSpace(t.Title) == "" {
		return 0, FieldErrors{"title": "Enter what needs to be done."}
	}
	if t.DueDate.IsZero() {
		return 0, FieldErrors{"due_date": "Enter a due date such as 2026-01-31."}
	}
	var id int64
	err := db.QueryRow(ctx, `
		INSERT INTO staff_tasks (customer_id, invoice_id, kind, title, owner_id, due_date, created_by)
		VALUES ($1, $2, $3, $4,
			coalesce($5, (SELECT owner_id FROM customers WHERE id = $1)), $6, $7)
		RETURNING id`,
		t.CustomerID, t.InvoiceID, t.Kind, strings.TrimSpace(t.Title), t.OwnerID, t.DueDate, t.CreatedBy.String()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("inserting task: %w", err)
	}
	if t.CustomerID == nil {
		return id, nil
	}
	return id, AppendEvent(ctx, db, Event{
		CustomerID: *t.CustomerID, InvoiceID: t.InvoiceID, Kind: "task.created", Actor: t.CreatedBy.String(),
		Source: sourceOf(t.CreatedBy), Summary: "Task: " + strings.TrimSpace(t.Title),
		Details: map[string]any{"task_id": id, "kind": t.Kind, "due_date": t.DueDate.String()},
	})
}

// sourceOf guesses the timeline source of an actor that has none of its own.
func sourceOf(a Actor) string {
	if a.Kind == "staff" {
		return "backoffice"
	}
	return "job"
}

// TaskFilter narrows ListTasks.
type TaskFilter struct {
	OpenOnly   bool
	OwnerID    int64 // zero: any owner
	CustomerID int64 // zero: any customer
	Limit      int   // zero means 200
}

// ListTasks returns tasks, open ones by due date first.
func ListTasks(ctx context.Context, db DB, f TaskFilter) ([]Task, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	rows, err := db.Query(ctx, `
		SELECT t.id, t.customer_id, coalesce(c.name, ''), t.invoice_id, t.kind, t.title, t.owner_id,
			coalesce(s.email, ''), t.due_date, t.created_by, t.created_at, t.done_at
		FROM staff_tasks t
		LEFT JOIN customers c ON c.id = t.customer_id
		LEFT JOIN staff_users s ON s.id = t.owner_id
		WHERE (NOT $1 OR t.done_at IS NULL) AND ($2 = 0 OR t.owner_id = $2) AND ($3 = 0 OR t.customer_id = $3)
		ORDER BY t.done_at IS NOT NULL, t.due_date, t.id
		LIMIT $4`, f.OpenOnly, f.OwnerID, f.CustomerID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("querying tasks: %w", err)
	}
	defer rows.Close()

	var out []Task
	for rows.Next() {
		var t Task
		if err := rows.Scan(&t.ID, &t.CustomerID, &t.CustomerName, &t.InvoiceID, &t.Kind, &t.Title, &t.OwnerID,
			&t.OwnerEmail, &t.DueDate, &t.CreatedBy, &t.CreatedAt, &t.DoneAt); err != nil {
			return nil, fmt.Errorf("scanning task: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CompleteTask marks an open task done by staff member u and records it. It returns
// ErrNotFound for a missing task and ErrConflict for one already done.
func CompleteTask(ctx context.Context, db DB, id int64, u StaffUser) error {
	var customerID *int64
	var title string
	err := db.QueryRow(ctx, `
		UPDATE staff_tasks SET done_at = now(), done_by = $2 WHERE id = $1 AND done_at IS NULL
		RETURNING customer_id, title`, id, StaffActor(u).String()).Scan(&customerID, &title)
	if err != nil {
		err = notFound(err)
		if err == ErrNotFound {
			var exists bool
			if qerr := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM staff_tasks WHERE id = $1)`, id).Scan(&exists); qerr == nil && exists {
				return fmt.Errorf("task %d is already done: %w", id, ErrConflict)
			}
		}
		return err
	}
	a := StaffAction{Staff: u, Action: "task.done", Summary: "Task done: " + title, Details: map[string]any{"task_id": id}}
	if customerID != nil {
		a.CustomerID = *customerID
	}
	return RecordStaffAction(ctx, db, a)
}

// AssignTask changes the owner and due date of a task.
func AssignTask(ctx context.Context, db DB, id int64, ownerID *int64, due Date, u StaffUser) error {
	if due.IsZero() {
		return FieldErrors{"due_date": "Enter a due date such as 2026-01-31."}
	}
	var customerID *int64
	var title string
	err := db.QueryRow(ctx, `
		UPDATE staff_tasks SET owner_id = $2, due_date = $3 WHERE id = $1 RETURNING customer_id, title`,
		id, ownerID, due).Scan(&customerID, &title)
	if err != nil {
		return notFound(err)
	}
	a := StaffAction{Staff: u, Action: "task.assigned", Summary: "Task reassigned: " + title,
		Details: map[string]any{"task_id": id, "owner_id": ownerID, "due_date": due.String()}}
	if customerID != nil {
		a.CustomerID = *customerID
	}
	return RecordStaffAction(ctx, db, a)
}
