package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// StaffAction is one back-office action by a staff member, for the audit log and,
// when it concerns a customer, that customer's timeline.
type StaffAction struct {
	Staff      StaffUser
	Action     string // timeline kind such as "note", "call", "customer.terms_changed", "user.deactivated"
	CustomerID int64  // zero when the action concerns no customer
	InvoiceID  *int64
	Summary    string
	Details    map[string]any
	// SkipTimeline leaves the customer's timeline alone, for actions whose
	// domain function has already recorded them there.
	SkipTimeline bool
}

// StaffActor returns the timeline actor of a staff member, "staff:<email>".
func StaffActor(u StaffUser) Actor { return Actor{Kind: "staff", Name: u.Email} }

// RecordStaffAction appends a to the staff audit log and, when it names a customer,
// to that customer's timeline with source "backoffice". Run it in the transaction of
// the change it records.
func RecordStaffAction(ctx context.Context, db DB, a StaffAction) error {
	details := a.Details
	if details == nil {
		details = map[string]any{}
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("encoding audit details: %w", err)
	}
	var customerID *int64
	if a.CustomerID != 0 {
		customerID = &a.CustomerID
	}
	var staffID *int64
	if a.Staff.ID != 0 {
		staffID = &a.Staff.ID
	}
	actor := StaffActor(a.Staff).String()
	_, err = db.Exec(ctx, `
		INSERT INTO staff_audit (staff_id, actor, action, customer_id, summary, details)
		VALUES ($1, $2, $3, $4, $5, $6)`, staffID, actor, a.Action, customerID, a.Summary, raw)
	if err != nil {
		return fmt.Errorf("appending staff audit %s: %w", a.Action, err)
	}
	if a.CustomerID == 0 || a.SkipTimeline {
		return nil
	}
	return AppendEvent(ctx, db, Event{
		CustomerID: a.CustomerID, InvoiceID: a.InvoiceID, Kind: a.Action, Actor: actor,
		Source: "backoffice", Summary: a.Summary, Details: details,
	})
}

// AuditEntry is one row of the staff audit log.
type AuditEntry struct {
	ID           int64
	Actor        string
	Action       string
	CustomerID   *int64
	CustomerName string
	Summary      string
	Details      string // JSON as stored
	OccurredAt   time.Time
}

// AuditFilter narrows ListAudit. Zero fields do not filter.
type AuditFilter struct {
	Actor    string // exact actor, such as "staff:ana@example.com"
	BeforeID int64  // keyset paging: only entries older than this id
	Limit    int    // at most 500; zero means 100
}

// ListAudit returns audit entries newest first.
func ListAudit(ctx context.Context, db DB, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	rows, err := db.Query(ctx, `
		SELECT a.id, a.actor, a.action, a.customer_id, coalesce(c.name, ''), a.summary, a.details::text, a.occurred_at
		FROM staff_audit a LEFT JOIN customers c ON c.id = a.customer_id
		WHERE ($1 = '' OR a.actor = $1) AND ($2 = 0 OR a.id < $2)
		ORDER BY a.id DESC
		LIMIT $3`, f.Actor, f.BeforeID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("querying staff audit: %w", err)
	}
	defer rows.Close()

	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.ID, &e.Actor, &e.Action, &e.CustomerID, &e.CustomerName, &e.Summary, &e.Details, &e.OccurredAt); err != nil {
			return nil, fmt.Errorf("scanning staff audit: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
