package billing

import (
	"context"
	"fmt"
	"strings"
)

// Call outcomes a collector records after phoning a customer.
var CallOutcomes = []string{"reached", "voicemail", "no_answer", "wrong_number"}

// LogCall records a phone call with a customer on its timeline.
func LogCall(ctx context.Context, db DB, u StaffUser, customerID int64, outcome, contactName, notes string) error {
	if !contains(CallOutcomes, outcome) {
		return FieldErrors{"outcome": "Pick an outcome: reached, voicemail, no answer or wrong number."}
	}
	summary := "Call (" + strings.ReplaceAll(outcome, "_", " ") + ")"
	if c := strings.TrimSpace(contactName); c != "" {
		summary += " with " + c
	}
	return RecordStaffAction(ctx, db, StaffAction{
		Staff: u, Action: "call", CustomerID: customerID, Summary: summary,
		Details: map[string]any{"outcome": outcome, "contact": strings.TrimSpace(contactName), "notes": strings.TrimSpace(notes)},
	})
}

// LogNote records a free-text note on a customer's timeline.
func LogNote(ctx context.Context, db DB, u StaffUser, customerID int64, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return FieldErrors{"note": "Write the note before saving it."}
	}
	if len(text) > 10000 {
		return FieldErrors{"note": "Keep the note under 10,000 characters."}
	}
	return RecordStaffAction(ctx, db, StaffAction{
		Staff: u, Action: "note", CustomerID: customerID, Summary: "Note", Details: map[string]any{"text": text},
	})
}

// StaffPromise is a promise to pay that a debtor gave staff, by phone for example.
type StaffPromise struct {
	CustomerID int64
	InvoiceID  *int64
	Amount     Money
	Date       Date
	Notes      string
}

// LogPromise records a promise to pay that a debtor gave staff on the timeline.
//
// TODO: promises recorded here only reach the timeline; once the promise store
// (billing/promises.go) lands, call it so the promise also pauses reminders.
func LogPromise(ctx context.Context, db DB, u StaffUser, p StaffPromise, today Date) error {
	errs := FieldErrors{}
	if p.Amount.Amount <= 0 {
		errs["amount"] = "Enter the promised amount, such as 1250.00."
	}
	if p.Date.IsZero() || p.Date.Before(today) {
		errs["promise_date"] = "Enter a promise date of today or later."
	}
	if len(errs) > 0 {
		return errs
	}
	return RecordStaffAction(ctx, db, StaffAction{
		Staff: u, Action: "promise.recorded", CustomerID: p.CustomerID, InvoiceID: p.InvoiceID,
		Summary: fmt.Sprintf("Promise to pay %s by %s", p.Amount, p.Date.Format()),
		Details: map[string]any{"amount_minor": p.Amount.Amount, "currency": p.Amount.Currency,
			"date": p.Date.String(), "notes": strings.TrimSpace(p.Notes)},
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
