package backoffice

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
)

// tasksPage is the task queue: escalations, failed payments, amount mismatches,
// plan defaults and follow-ups, with owner and due date.
type tasksPage struct {
	page
	Tasks    []billing.Task
	Staff    []billing.StaffListItem
	Today    string
	Mine     bool
	ShowDone bool
}

func (h *Handler) tasks(c echo.Context) error {
	ctx := c.Request().Context()
	p := tasksPage{page: h.page(c, "Tasks"), Today: h.today().String(), Mine: c.QueryParam("mine") == "1",
		ShowDone: c.QueryParam("done") == "1"}
	f := billing.TaskFilter{OpenOnly: !p.ShowDone}
	if p.Mine {
		f.OwnerID = staff(c).ID
	}
	var err error
	if p.Tasks, err = billing.ListTasks(ctx, h.Pool, f); err != nil {
		return err
	}
	if p.Staff, err = billing.ListStaff(ctx, h.Pool); err != nil {
		return err
	}
	return c.Render(http.StatusOK, "backoffice/tasks", p)
}

func (h *Handler) createTask(c echo.Context) error {
	ctx := c.Request().Context()
	errs := formErrors{}
	t := billing.NewTask{Kind: billing.TaskFollowUp, Title: c.FormValue("title"), DueDate: parseDate(c, "due_date", errs),
		CreatedBy: billing.StaffActor(staff(c))}
	back := "/backoffice/queues/tasks"
	if v := c.FormValue("customer_id"); v != "" {
		id, err := pathIDValue(v)
		if err != nil {
			return err
		}
		t.CustomerID = &id
		back = customerURL(id)
	}
	if v := c.FormValue("owner_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs["owner_id"] = "Pick an owner from the list."
		}
		t.OwnerID = &id
	}
	if len(errs) > 0 {
		return h.flashErrors(c, back, errs)
	}
	err := h.inTx(c, func(tx pgx.Tx) error {
		id, err := billing.CreateTask(ctx, tx, t)
		if err != nil {
			return err
		}
		a := billing.StaffAction{Staff: staff(c), Action: "task.created", Summary: "Created task: " + strings.TrimSpace(t.Title),
			Details: map[string]any{"task_id": id}}
		// CreateTask already put the task on the customer's timeline; the audit
		// log gets the staff action without a second timeline entry.
		return billing.RecordStaffAction(ctx, tx, a)
	})
	if err != nil {
		return h.flashErrors(c, back, err)
	}
	return h.redirectWith(c, back, "Task created.")
}

func (h *Handler) completeTask(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	err = h.inTx(c, func(tx pgx.Tx) error { return billing.CompleteTask(c.Request().Context(), tx, id, staff(c)) })
	if err != nil {
		return h.flashErrors(c, "/backoffice/queues/tasks", err)
	}
	return h.redirectWith(c, "/backoffice/queues/tasks", "Task done.")
}

func (h *Handler) assignTask(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	errs := formErrors{}
	due := parseDate(c, "due_date", errs)
	var owner *int64
	if v := c.FormValue("owner_id"); v != "" {
		o, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs["owner_id"] = "Pick an owner from the list."
		}
		owner = &o
	}
	if len(errs) > 0 {
		return h.flashErrors(c, "/backoffice/queues/tasks", errs)
	}
	err = h.inTx(c, func(tx pgx.Tx) error { return billing.AssignTask(c.Request().Context(), tx, id, owner, due, staff(c)) })
	if err != nil {
		return h.flashErrors(c, "/backoffice/queues/tasks", err)
	}
	return h.redirectWith(c, "/backoffice/queues/tasks", "Task updated.")
}
