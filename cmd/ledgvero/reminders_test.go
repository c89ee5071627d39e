package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing/dbtest"
)

// TestRemindersRunIsTheDailyRun runs the command on the demo data: it charges the
// late fee that is due, queues the reminders, records the day, and a second run
// the same day sends nothing new.
func TestRemindersRunIsTheDailyRun(t *testing.T) {
	t.Parallel()
	url := dbtest.URL(t)
	if code, out, errOut := runCLI(t, url, "seed"); code != 0 {
		t.Fatalf("seed exit %d: %s %s", code, out, errOut)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tag, err := conn.Exec(ctx, `
		UPDATE invoices SET late_fee_kind = 'flat', late_fee_flat_minor = 2500, late_fee_grace_days = 0
		WHERE id = (SELECT id FROM invoices WHERE open_minor > 0 ORDER BY due_date, id LIMIT 1)`)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("setting a late fee: %v", err)
	}

	type output struct {
		Sent     int            `json:"sent"`
		Skipped  map[string]int `json:"skipped"`
		LateFees int            `json:"late_fees"`
	}
	code, out, errOut := runCLI(t, url, "reminders", "run", "--format", "json")
	if code != 0 {
		t.Fatalf("reminders run exit %d: %s", code, errOut)
	}
	var first output
	if err := json.Unmarshal([]byte(out), &first); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	if first.Sent == 0 || first.LateFees != 1 || first.Skipped == nil {
		t.Errorf("first run: %d e-mails, %d late fees, skipped %v; want e-mails, 1 late fee and a skipped map", first.Sent, first.LateFees, first.Skipped)
	}
	var runs int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM reminder_runs`).Scan(&runs); err != nil || runs != 1 {
		t.Errorf("recorded runs = %d (%v), want 1", runs, err)
	}

	code, out, errOut = runCLI(t, url, "reminders", "run", "--format", "json")
	if code != 0 {
		t.Fatalf("second run exit %d: %s", code, errOut)
	}
	var second output
	if err := json.Unmarshal([]byte(out), &second); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	if second.Sent != 0 || second.LateFees != 0 {
		t.Errorf("second run the same day: %d e-mails, %d late fees; want none", second.Sent, second.LateFees)
	}
}
