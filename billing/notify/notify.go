// Package notify writes the e-mails that tell debtors about their plans and
// disputes. Each function queues through the outbox inside the caller's
// transaction, so the e-mail goes out only if the change it describes commits.
package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

// Mailer queues debtor notifications. BaseURL is the portal's public URL, for links.
type Mailer struct {
	Jobs    outbox.Inserter
	BaseURL string
}

// PlanProposed confirms a proposed plan to the contact who proposed it, with its
// schedule and whether it is approved or waiting for staff.
func (m Mailer) PlanProposed(ctx context.Context, tx pgx.Tx, to string, plan billing.Plan) error {
	var b strings.Builder
	if plan.Status == billing.PlanApproved {
		b.WriteString("Your payment plan is approved. We send no reminders for its invoices while you keep to this schedule:\n\n")
	} else {
		b.WriteString("Thank you for proposing a payment plan. Our team will review it and e-mail you the decision. The schedule you proposed:\n\n")
	}
	writeSchedule(&b, plan.Schedule)
	fmt.Fprintf(&b, "\nSee your plans at %s/portal/plan\n", m.BaseURL)
	_, err := outbox.Queue(ctx, tx, m.Jobs, outbox.Message{
		To: to, Subject: "Your payment plan", Text: b.String(), CustomerID: plan.CustomerID, Kind: "plan.proposed",
		DedupeKey: fmt.Sprintf("plan-proposed:%d", plan.ID), Actor: "contact:" + to, Source: "portal",
	})
	return err
}

// PlanDecided tells the customer's billing contacts that staff approved or
// rejected a plan, with the staff note.
func (m Mailer) PlanDecided(ctx context.Context, tx pgx.Tx, plan billing.Plan, actor billing.Actor) error {
	var b strings.Builder
	subject := "Your payment plan is approved"
	if plan.Status == billing.PlanApproved {
		b.WriteString("Your payment plan is approved. We send no reminders for its invoices while you keep to this schedule:\n\n")
		writeSchedule(&b, plan.Schedule)
	} else {
		subject = "Your payment plan was not approved"
		b.WriteString("We could not approve your payment plan.\n")
	}
	if plan.DecisionNote != "" {
		fmt.Fprintf(&b, "\nNote from our team: %s\n", plan.DecisionNote)
	}
	fmt.Fprintf(&b, "\nSee your account at %s/portal/\n", m.BaseURL)
	return m.toContacts(ctx, tx, plan.CustomerID, nil, subject, b.String(), "plan.decided",
		fmt.Sprintf("plan-decided:%d", plan.ID), actor)
}

// DisputeReplied tells the customer's billing contacts that staff replied on a
// dispute of an invoice.
func (m Mailer) DisputeReplied(ctx context.Context, tx pgx.Tx, customerID, invoiceID int64, invoiceNumber, message string, actor billing.Actor) error {
	text := fmt.Sprintf("Our team replied on your dispute of invoice %s:\n\n%s\n\nReply or follow the dispute at %s/portal/invoices/%d/dispute\n",
		invoiceNumber, message, m.BaseURL, invoiceID)
	return m.toContacts(ctx, tx, customerID, &invoiceID, "Reply on your dispute of invoice "+invoiceNumber, text,
		"dispute.reply", "", actor)
}

// toContacts queues one e-mail per billing contact of the customer that has not
// opted out. A non-empty dedupe key is made unique per contact, so a retried
// caller sends nobody a second copy.
func (m Mailer) toContacts(ctx context.Context, tx pgx.Tx, customerID int64, invoiceID *int64, subject, text, kind, dedupe string, actor billing.Actor) error {
	rows, err := tx.Query(ctx, `
		SELECT email FROM contacts WHERE customer_id = $1 AND opted_out_at IS NULL AND 'billing' = ANY(roles) ORDER BY id`, customerID)
	if err != nil {
		return fmt.Errorf("querying billing contacts: %w", err)
	}
	emails, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("reading billing contacts: %w", err)
	}
	source := "backoffice"
	if actor.Kind == "system" {
		source = "job"
	}
	for _, to := range emails {
		key := ""
		if dedupe != "" {
			key = dedupe + ":" + strings.ToLower(to)
		}
		_, err := outbox.Queue(ctx, tx, m.Jobs, outbox.Message{
			To: to, Subject: subject, Text: text, CustomerID: customerID, InvoiceID: invoiceID, Kind: kind,
			DedupeKey: key, Actor: actor.String(), Source: source,
		})
		if err != nil && !errors.Is(err, outbox.ErrDuplicate) {
			return err
		}
	}
	return nil
}

func writeSchedule(b *strings.Builder, schedule []billing.ScheduledPayment) {
	for _, s := range schedule {
		label := fmt.Sprintf("Installment %d", s.Seq)
		if s.Seq == 0 {
			label = "Down payment"
		}
		fmt.Fprintf(b, "  %-15s %-14s %s\n", label, s.DueOn.Format(), s.Amount)
	}
}
