package backoffice

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

func TestTaskLifecycle(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.signIn(t, "col@example.com", billing.RoleCollector)
	id := firstCustomerID(t, ts.pool)

	status, _ := post(t, c, ts.URL+"/backoffice/queues/tasks", url.Values{"customer_id": {id}, "title": {"Call AP about the PO"}, "due_date": {"2026-03-02"}})
	if status != http.StatusSeeOther {
		t.Fatalf("create: status %d", status)
	}
	_, body := get(t, c, ts.URL+"/backoffice/")
	if !strings.Contains(body, `data-testid="queue-tasks">1<`) {
		t.Error("dashboard does not count the task due today")
	}
	_, body = get(t, c, ts.URL+"/backoffice/queues/tasks")
	if !strings.Contains(body, "Call AP about the PO") {
		t.Fatal("task missing from the queue")
	}

	var taskID, staffID int64
	if err := ts.pool.QueryRow(context.Background(), `SELECT id FROM staff_tasks`).Scan(&taskID); err != nil {
		t.Fatal(err)
	}
	if err := ts.pool.QueryRow(context.Background(), `SELECT id FROM staff_users WHERE email = 'col@example.com'`).Scan(&staffID); err != nil {
		t.Fatal(err)
	}
	status, _ = post(t, c, ts.URL+"/backoffice/queues/tasks/"+itoa(taskID)+"/assign", url.Values{"owner_id": {itoa(staffID)}, "due_date": {"2026-03-05"}})
	if status != http.StatusSeeOther {
		t.Fatalf("assign: status %d", status)
	}
	_, body = get(t, c, ts.URL+"/backoffice/queues/tasks?mine=1")
	if !strings.Contains(body, "Call AP about the PO") {
		t.Error("assigned task missing from my tasks")
	}
	status, _ = post(t, c, ts.URL+"/backoffice/queues/tasks/"+itoa(taskID)+"/done", nil)
	if status != http.StatusSeeOther {
		t.Fatalf("done: status %d", status)
	}
	_, body = get(t, c, ts.URL+"/backoffice/queues/tasks")
	if strings.Contains(body, "Call AP about the PO") {
		t.Error("done task still in the open queue")
	}
	status, _ = post(t, c, ts.URL+"/backoffice/queues/tasks/"+itoa(taskID)+"/done", nil)
	if status != http.StatusSeeOther {
		t.Errorf("done twice: status %d, want a redirect with an error", status)
	}
	_, body = get(t, c, ts.URL+"/backoffice/customers/"+id)
	for _, want := range []string{"Task: Call AP about the PO", "Task done: Call AP about the PO"} {
		if !strings.Contains(body, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
}
