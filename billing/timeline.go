package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Actor names who caused a timeline event: a staff member, a debtor contact or the system.
type Actor struct {
	Kind string // "staff", "contact" or "system"
	Name string // e-mail address for people, job name for the system
}

// String formats the actor as it is stored, as in "staff:ana@example.com".
func (a Actor) String() string { return a.Kind + ":" + a.Name }

// SystemActor is the actor of automatic work such as imports and jobs.
func SystemActor(name string) Actor { return Actor{Kind: "system", Name: name} }

// Event is one entry of a customer's append-only timeline.
type Event struct {
	ID              int64
	CustomerID      int64
	InvoiceID       *int64
	Kind            string // for example "invoice.issued", "payment.succeeded", "note"
	Actor           string
	Source          string // "portal", "backoffice", "import", "job", "cli", "webhook"
	Summary         string
	Details         map[string]any
	VisibleToDebtor bool
	OccurredAt      time.Time
}

// AppendEvent adds ev to its customer's timeline. Run it in the same transaction as
// the change it records, so the evidence and the change land together.
func AppendEvent(ctx context.Context, db DB, ev Event) error {
	details := ev.Details
	if details == nil {
		details = map[string]any{}
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("encoding timeline details: %w", err)
	}
	_, err = db.Exec(ctx, `
		INSERT INTO timeline_events (customer_id, invoice_id, kind, actor, source, summary, details, visible_to_debtor)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		ev.CustomerID, ev.InvoiceID, ev.Kind, ev.Actor, ev.Source, ev.Summary, raw, ev.VisibleToDebtor)
	if err != nil {
		return fmt.Errorf("appending timeline event %s: %w", ev.Kind, err)
	}
	return nil
}

// Timeline returns the newest limit events of a customer, newest first. With
// debtorView set it returns only events the debtor may see.
func Timeline(ctx context.Context, db DB, customerID int64, debtorView bool, limit int) ([]Event, error) {
	rows, err := db.Query(ctx, `
		SELECT id, customer_id, invoice_id, kind, actor, source, summary, details, visible_to_debtor, occurred_at
		FROM timeline_events
		WHERE customer_id = $1 AND (visible_to_debtor OR NOT $2)
		ORDER BY occurred_at DESC, id DESC
		LIMIT $3`, customerID, debtorView, limit)
	if err != nil {
		return nil, fmt.Errorf("querying timeline: %w", err)
	}
	defer rows.Close()

	var out []Event
	for rows.Next() {
		var ev Event
		var raw []byte
		if err := rows.Scan(&ev.ID, &ev.CustomerID, &ev.InvoiceID, &ev.Kind, &ev.Actor, &ev.Source,
			&ev.Summary, &raw, &ev.VisibleToDebtor, &ev.OccurredAt); err != nil {
			return nil, fmt.Errorf("scanning timeline: %w", err)
		}
		if err := json.Unmarshal(raw, &ev.Details); err != nil {
			return nil, fmt.Errorf("decoding timeline details: %w", err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// IssueDates returns the issue date of each invoice in ids, keyed by invoice id,
// so a timeline can date an "invoice.issued" event by the invoice instead of by
// the moment it was recorded, which for imported invoices is the import.
func IssueDates(ctx context.Context, db DB, ids []int64) (map[int64]Date, error) {
	out := make(map[int64]Date, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.Query(ctx, `SELECT id, issue_date FROM invoices WHERE id = ANY ($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("querying issue dates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var d Date
		if err := rows.Scan(&id, &d); err != nil {
			return nil, fmt.Errorf("scanning issue dates: %w", err)
		}
		out[id] = d
	}
	return out, rows.Err()
}
