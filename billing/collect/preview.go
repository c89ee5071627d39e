package collect

import (
	"context"
	"fmt"
	"net/mail"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

// PreviewEmail is a reminder rendered for a real customer and not sent.
type PreviewEmail struct {
	To       string
	From     string
	Subject  string
	Text     string
	HTML     string
	Invoices int    // open invoices listed
	Note     string // the reason the listed invoices differ from today's run, or ""
}

// previewInvoicesSQL lists the open invoices of customer $1 whose latest step
// reached on $2 uses template $3: the ones a run on $2 would put in this e-mail.
const previewInvoicesSQL = `
SELECT i.id, i.customer_id FROM invoices i
JOIN customer_reminder_policies crp ON crp.customer_id = i.customer_id
JOIN LATERAL (
	SELECT s.template, s.template_b FROM reminder_steps s
	WHERE s.policy_id = crp.policy_id AND $2::date - i.due_date >= s.offset_days
	ORDER BY s.offset_days DESC LIMIT 1
) st ON true
WHERE i.customer_id = $1 AND i.open_minor > 0 AND i.voided_at IS NULL AND $3 IN (st.template, st.template_b)
ORDER BY i.due_date, i.id`

// Preview renders template name for customer customerID as of asOf, addressed
// and signed as the customer's reminder policy would send it. It lists the open
// invoices that a run on asOf would put in that e-mail. When none would, it lists
// all open invoices and sets Note. It writes nothing. A template that no step of the customer's policy uses is
// rendered in its own name's tone when that is a tone, and as friendly otherwise.
func (e *Engine) Preview(ctx context.Context, customerID int64, name string, asOf billing.Date) (PreviewEmail, error) {
	tmpl, err := LoadTemplates(ctx, e.Pool)
	if err != nil {
		return PreviewEmail{}, err
	}
	if !tmpl.Has(name) {
		return PreviewEmail{}, billing.FieldErrors{"template": fmt.Sprintf("No template is named %q.", name)}
	}
	org, err := e.orgName(ctx)
	if err != nil {
		return PreviewEmail{}, err
	}

	var out PreviewEmail
	err = billing.InTx(ctx, e.Pool, func(tx pgx.Tx) error {
		lead, err := previewStep(ctx, tx, customerID, name)
		if err != nil {
			return err
		}
		list := func(query string, args ...any) ([]dueRow, error) {
			rows, err := tx.Query(ctx, query, args...)
			if err != nil {
				return nil, fmt.Errorf("listing open invoices of customer %d: %w", customerID, err)
			}
			return pgx.CollectRows(rows, func(r pgx.CollectableRow) (dueRow, error) {
				var d dueRow
				return d, r.Scan(&d.InvoiceID, &d.CustomerID)
			})
		}
		due, err := list(previewInvoicesSQL, customerID, asOf, name)
		if err != nil {
			return err
		}
		note := ""
		if len(due) == 0 {
			due, err = list(`
				SELECT id, customer_id FROM invoices
				WHERE customer_id = $1 AND open_minor > 0 AND voided_at IS NULL
				ORDER BY due_date, id`, customerID)
			if err != nil {
				return err
			}
			note = "No open invoice of this customer is at a step that uses this template today, so the preview lists all of its open invoices."
		}
		if len(due) == 0 {
			return billing.FieldErrors{"customer_id": "This customer has no open invoices to remind about; choose another customer."}
		}
		customers, invoices, err := loadChunk(ctx, tx, due)
		if err != nil {
			return err
		}
		c, ok := customers[customerID]
		if !ok {
			return fmt.Errorf("customer %d: %w", customerID, billing.ErrNotFound)
		}
		listed := make([]invoiceInfo, 0, len(due))
		for _, d := range due {
			listed = append(listed, invoices[d.InvoiceID])
		}
		// A real e-mail carries a single-use sign-in link, created when it is
		// sent; the preview links to the portal's sign-in page instead.
		data := reminderData(org, c, lead, listed, asOf, e.BaseURL, e.BaseURL+"/portal/login")
		subject, text, html, err := tmpl.Render(name, data)
		if err != nil {
			return err
		}

		out = PreviewEmail{Subject: subject, Text: text, HTML: html, Invoices: len(listed), To: c.ContactEmail, Note: note}
		if out.To == "" {
			out.To = "(no contact receives reminders: nothing would be sent)"
		}
		out.From = e.From
		if lead.Sender == SenderOwner && c.OwnerName != "" {
			out.From = (&mail.Address{Name: c.OwnerName, Address: e.From}).String()
		}
		return nil
	})
	return out, err
}

// previewStep returns the step of the customer's policy that uses template
// name, or a stand-in with the policy's sender and a tone taken from the name.
func previewStep(ctx context.Context, tx pgx.Tx, customerID int64, name string) (Step, error) {
	var s Step
	err := tx.QueryRow(ctx, `
		SELECT p.sender, coalesce((
			SELECT st.tone FROM reminder_steps st
			WHERE st.policy_id = p.id AND (st.template = $2 OR st.template_b = $2)
			ORDER BY st.offset_days LIMIT 1), '')
		FROM customer_reminder_policies crp JOIN reminder_policies p ON p.id = crp.policy_id
		WHERE crp.customer_id = $1`, customerID, name).Scan(&s.Sender, &s.Tone)
	if err != nil {
		return Step{}, fmt.Errorf("customer %d: %w", customerID, notFound(err))
	}
	if s.Tone == "" {
		s.Tone = ToneFriendly
		switch name {
		case ToneCourtesy, ToneFriendly, ToneFirm, ToneFinal:
			s.Tone = name
		}
	}
	s.Template = name
	return s, nil
}
