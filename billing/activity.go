package billing

import (
	"context"
	"fmt"
	"strings"
)

// Call outcomes a collector records after phoning a customer.
var CallOutcomes = []string{"reached", "voicemail", "no_answer", "wrong_number"}

// CallOutcomeWords returns a call outcome as words for people: "no_answer" is
// "No answer".
func CallOutcomeWords(outcome string) string {
	words := strings.ReplaceAll(outcome, "_", " ")
	if words == "" {
		return ""
	}
	return strings.ToUpper(words[:1]) + words[1:]
}

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

// StaffPromise is a promise to pay one invoice that a debtor gave staff, by phone
// for example.
type StaffPromise struct {
	CustomerID int64
	InvoiceID  int64
	Amount     Money
	Date       Date
	Notes      string
}

// LogPromise stores a promise to pay that a debtor gave staff through CreatePromise,
// so it pauses reminders like one made in the portal, and adds it to the audit
// log. Invalid input returns FieldErrors keyed "date" and "amount".
func LogPromise(ctx context.Context, db DB, u StaffUser, p StaffPromise, today Date) error {
	if p.InvoiceID == 0 {
		return FieldErrors{"invoice": "Pick the invoice the promise is for."}
	}
	promise, err := CreatePromise(ctx, db, NewPromise{CustomerID: p.CustomerID, InvoiceID: p.InvoiceID, Date: p.Date,
		Amount: p.Amount, Actor: StaffActor(u), Source: "backoffice"}, today)
	if err != nil {
		return err
	}
	return RecordStaffAction(ctx, db, StaffAction{
		Staff: u, Action: "promise.created", CustomerID: p.CustomerID, InvoiceID: &p.InvoiceID, SkipTimeline: true,
		Summary: fmt.Sprintf("Recorded a promise to pay %s by %s", p.Amount, p.Date.Format()),
		Details: map[string]any{"promise_id": promise.ID, "notes": strings.TrimSpace(p.Notes)},
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
