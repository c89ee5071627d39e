package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

// sender writes the reminders of one chunk of customers.
type sender struct {
	engine *Engine
	steps  map[int64]Step
	tmpl   *Templates
	org    string
	opts   RunOptions
}

// customerInfo is the customer data that a reminder e-mail needs.
type customerInfo struct {
	ID           int64
	Name         string
	CreditHold   bool
	OwnerName    string
	OwnerEmail   string
	ContactID    *int64
	ContactName  string
	ContactEmail string
}

// invoiceInfo is one invoice as an e-mail shows it.
type invoiceInfo struct {
	ID             int64
	Number         string
	IssueDate      billing.Date
	DueDate        billing.Date
	Total          billing.Money
	Open           billing.Money
	DiscountRateBP int64
	DiscountUntil  billing.Date
}

// customerPlan is the reminder work for one customer of a chunk.
type customerPlan struct {
	info            customerInfo
	emailRows       []dueRow // steps that go out by e-mail
	taskRows        []dueRow // steps handed to staff
	lead            Step     // the most advanced e-mail step, whose template is used
	variant         string
	reminderEmailID int64 // the day's e-mail slot, once claimed
	invalidEmail    bool  // the contact's address was rejected and logged
}

// sendChunk writes one chunk in one transaction. It claims the day's e-mail slot
// of each customer and the (invoice, step) keys with two set-based inserts, then
// acts only on what it claimed, so a parallel run that got there first wins and
// this one moves on. A key held by an uncommitted parallel transaction makes this
// one wait for it.
func (s sender) sendChunk(ctx context.Context, rows []dueRow) (RunResult, error) {
	var result RunResult
	err := billing.InTx(ctx, s.engine.Pool, func(tx pgx.Tx) error {
		result = RunResult{Skipped: map[string]int{}}
		plans, invoices, err := s.planChunk(ctx, tx, rows, &result)
		if err != nil {
			return err
		}
		if err := s.claimEmails(ctx, tx, plans, &result); err != nil {
			return err
		}
		claimed, err := s.claimSends(ctx, tx, plans)
		if err != nil {
			return err
		}

		var mailings []mailing
		var tasks []*escalation
		var released []int64
		for _, p := range plans {
			mailed := keep(p.emailRows, claimed)
			handed := keep(p.taskRows, claimed)
			result.Invoices += len(mailed) + len(handed)
			if p.reminderEmailID != 0 && len(mailed) == 0 {
				released = append(released, p.reminderEmailID) // a parallel run claimed every key
			}
			if len(mailed) > 0 {
				mailings = append(mailings, mailing{plan: p, rows: mailed})
			}
			task, holds, err := s.applyActions(ctx, tx, p.info, invoices, append(mailed, handed...))
			if err != nil {
				return err
			}
			if task != nil {
				tasks = append(tasks, task)
			}
			result.CreditHolds += holds
		}
		sent, err := s.queueEmails(ctx, tx, mailings, invoices)
		if err != nil {
			return err
		}
		result.Sent = len(sent)
		// A credit hold opens a follow-up task of its own.
		result.Tasks = len(tasks) + result.CreditHolds

		if len(released) > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM reminder_emails WHERE id = ANY ($1)`, released); err != nil {
				return fmt.Errorf("releasing unused reminder e-mail slots: %w", err)
			}
		}
		if err := openEscalations(ctx, tx, tasks, s.opts); err != nil {
			return err
		}
		return recordSent(ctx, tx, sent, s.opts)
	})
	return result, err
}

// keep returns the rows whose keys this transaction claimed.
func keep(rows []dueRow, claimed map[dueRow]bool) []dueRow {
	var out []dueRow
	for _, r := range rows {
		if claimed[r] {
			out = append(out, r)
		}
	}
	return out
}

// planChunk loads the chunk's customers and invoices and splits each customer's
// rows into e-mail and staff steps.
func (s sender) planChunk(ctx context.Context, tx pgx.Tx, rows []dueRow, result *RunResult) ([]*customerPlan, map[int64]invoiceInfo, error) {
	customers, invoices, err := loadChunk(ctx, tx, rows)
	if err != nil {
		return nil, nil, err
	}
	var plans []*customerPlan
	for i, r := range rows {
		if i == 0 || r.CustomerID != rows[i-1].CustomerID {
			plans = append(plans, &customerPlan{info: customers[r.CustomerID], variant: "A"})
		}
		p := plans[len(plans)-1]
		if s.steps[r.StepID].Channel == ChannelTask {
			p.taskRows = append(p.taskRows, r)
			continue
		}
		if p.info.ContactID == nil {
			// The contact opted out after the evaluation read the contacts.
			result.Skipped[SkipNoContact]++
			continue
		}
		if _, err := mail.ParseAddress(p.info.ContactEmail); err != nil {
			// An address the outbox would reject must not fail the chunk every day.
			if !p.invalidEmail {
				s.engine.Logger.Warn("reminder contact has an invalid e-mail address", "customer_id", p.info.ID, "error", err)
				p.invalidEmail = true
			}
			result.Skipped[SkipInvalidEmail]++
			continue
		}
		p.emailRows = append(p.emailRows, r)
	}
	for _, p := range plans {
		if len(p.emailRows) == 0 {
			continue
		}
		p.lead = s.steps[p.emailRows[0].StepID]
		for _, r := range p.emailRows[1:] {
			if st := s.steps[r.StepID]; st.OffsetDays > p.lead.OffsetDays {
				p.lead = st
			}
		}
		if p.lead.TemplateB != "" && p.info.ID%2 == 1 {
			p.variant = "B"
		}
	}
	return plans, invoices, nil
}

func loadChunk(ctx context.Context, tx pgx.Tx, rows []dueRow) (map[int64]customerInfo, map[int64]invoiceInfo, error) {
	var customerIDs, invoiceIDs []int64
	for i, r := range rows {
		if i == 0 || r.CustomerID != rows[i-1].CustomerID {
			customerIDs = append(customerIDs, r.CustomerID)
		}
		invoiceIDs = append(invoiceIDs, r.InvoiceID)
	}

	customers := map[int64]customerInfo{}
	cr, err := tx.Query(ctx, `
		SELECT c.id, c.name, c.credit_hold, coalesce(o.name, ''), coalesce(o.email, ''), ct.id, coalesce(ct.name, ''), coalesce(ct.email, '')
		FROM customers c
		LEFT JOIN staff_users o ON o.id = c.owner_id AND o.active
		LEFT JOIN LATERAL (
			SELECT id, name, email FROM contacts
			WHERE customer_id = c.id AND receives_reminders AND opted_out_at IS NULL
			ORDER BY 'billing' = ANY (roles) DESC, id LIMIT 1
		) ct ON true
		WHERE c.id = ANY ($1)`, customerIDs)
	if err != nil {
		return nil, nil, fmt.Errorf("loading customers to remind: %w", err)
	}
	for cr.Next() {
		var c customerInfo
		if err := cr.Scan(&c.ID, &c.Name, &c.CreditHold, &c.OwnerName, &c.OwnerEmail, &c.ContactID, &c.ContactName, &c.ContactEmail); err != nil {
			cr.Close()
			return nil, nil, fmt.Errorf("scanning customer to remind: %w", err)
		}
		customers[c.ID] = c
	}
	cr.Close()
	if err := cr.Err(); err != nil {
		return nil, nil, fmt.Errorf("loading customers to remind: %w", err)
	}

	invoices := map[int64]invoiceInfo{}
	ir, err := tx.Query(ctx, `
		SELECT id, number, issue_date, due_date, currency, total_minor, open_minor, discount_rate_bp, discount_until
		FROM invoices WHERE id = ANY ($1)`, invoiceIDs)
	if err != nil {
		return nil, nil, fmt.Errorf("loading invoices to remind: %w", err)
	}
	defer ir.Close()
	for ir.Next() {
		var inv invoiceInfo
		var currency string
		if err := ir.Scan(&inv.ID, &inv.Number, &inv.IssueDate, &inv.DueDate, &currency, &inv.Total.Amount,
			&inv.Open.Amount, &inv.DiscountRateBP, &inv.DiscountUntil); err != nil {
			return nil, nil, fmt.Errorf("scanning invoice to remind: %w", err)
		}
		inv.Total.Currency, inv.Open.Currency = currency, currency
		invoices[inv.ID] = inv
	}
	return customers, invoices, ir.Err()
}

// claimEmails inserts the day's e-mail slot of every customer with e-mail steps.
// A customer whose slot is taken, by an earlier run today or a parallel one,
// keeps its e-mail steps for tomorrow.
func (s sender) claimEmails(ctx context.Context, tx pgx.Tx, plans []*customerPlan, result *RunResult) error {
	var customerIDs, stepIDs, contactIDs []int64
	var variants []string
	byCustomer := map[int64]*customerPlan{}
	for _, p := range plans {
		if len(p.emailRows) == 0 {
			continue
		}
		customerIDs = append(customerIDs, p.info.ID)
		stepIDs = append(stepIDs, p.lead.ID)
		contactIDs = append(contactIDs, *p.info.ContactID)
		variants = append(variants, p.variant)
		byCustomer[p.info.ID] = p
	}
	if len(customerIDs) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO reminder_emails (customer_id, sent_on, step_id, variant, contact_id, actor)
		SELECT k.customer_id, $5, k.step_id, k.variant, k.contact_id, $6
		FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[]) AS k (customer_id, step_id, variant, contact_id)
		ORDER BY k.customer_id
		ON CONFLICT (customer_id, sent_on) DO NOTHING
		RETURNING id, customer_id`, customerIDs, stepIDs, variants, contactIDs, s.opts.AsOf, s.opts.Actor.String())
	if err != nil {
		return fmt.Errorf("claiming today's reminder e-mails: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, customerID int64
		if err := rows.Scan(&id, &customerID); err != nil {
			return fmt.Errorf("scanning reminder e-mail: %w", err)
		}
		byCustomer[customerID].reminderEmailID = id
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("claiming today's reminder e-mails: %w", err)
	}
	for _, p := range byCustomer {
		if p.reminderEmailID == 0 {
			result.Skipped[SkipRemindedToday] += len(p.emailRows)
			p.emailRows = nil
		}
	}
	return nil
}

// claimSends inserts the (invoice, step) keys of the chunk and returns the ones
// this transaction inserted.
func (s sender) claimSends(ctx context.Context, tx pgx.Tx, plans []*customerPlan) (map[dueRow]bool, error) {
	var invoiceIDs, stepIDs, customerIDs, emailIDs []int64
	var variants []string
	for _, p := range plans {
		for _, r := range p.emailRows {
			invoiceIDs, stepIDs, customerIDs = append(invoiceIDs, r.InvoiceID), append(stepIDs, r.StepID), append(customerIDs, r.CustomerID)
			emailIDs, variants = append(emailIDs, p.reminderEmailID), append(variants, p.variant)
		}
		for _, r := range p.taskRows {
			invoiceIDs, stepIDs, customerIDs = append(invoiceIDs, r.InvoiceID), append(stepIDs, r.StepID), append(customerIDs, r.CustomerID)
			emailIDs, variants = append(emailIDs, 0), append(variants, "A")
		}
	}
	claimed := map[dueRow]bool{}
	if len(invoiceIDs) == 0 {
		return claimed, nil
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO reminder_sends (invoice_id, step_id, customer_id, reminder_email_id, sent_on, variant)
		SELECT k.invoice_id, k.step_id, k.customer_id, nullif(k.email_id, 0), $6, k.variant
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[])
			AS k (invoice_id, step_id, customer_id, email_id, variant)
		ORDER BY k.invoice_id, k.step_id
		ON CONFLICT (invoice_id, step_id) DO NOTHING
		RETURNING invoice_id, step_id, customer_id`, invoiceIDs, stepIDs, customerIDs, emailIDs, variants, s.opts.AsOf)
	if err != nil {
		return nil, fmt.Errorf("recording reminders: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r dueRow
		if err := rows.Scan(&r.InvoiceID, &r.StepID, &r.CustomerID); err != nil {
			return nil, fmt.Errorf("scanning recorded reminder: %w", err)
		}
		claimed[r] = true
	}
	return claimed, rows.Err()
}

// sentEmail is a queued reminder, for the chunk's closing writes.
type sentEmail struct {
	reminderEmailID int64
	emailID         int64
	customerID      int64
	invoiceID       *int64 // set when the e-mail is about one invoice
	summary         string
	details         map[string]any
}

// mailing is one customer's reminder e-mail about the rows this run claimed.
type mailing struct {
	plan *customerPlan
	rows []dueRow
}

// queueEmails renders the chunk's reminders and queues them in the outbox with
// their sign-in links, a fixed number of statements for the whole chunk.
func (s sender) queueEmails(ctx context.Context, tx pgx.Tx, mailings []mailing, invoices map[int64]invoiceInfo) ([]sentEmail, error) {
	if len(mailings) == 0 {
		return nil, nil
	}
	addresses := make([]string, len(mailings))
	for i, m := range mailings {
		addresses[i] = m.plan.info.ContactEmail
	}
	tokens, err := billing.CreateMagicLinks(ctx, tx, addresses, billing.LinkEmailed, s.engine.Now())
	if err != nil {
		return nil, fmt.Errorf("creating sign-in links: %w", err)
	}

	msgs := make([]outbox.Message, len(mailings))
	sent := make([]sentEmail, len(mailings))
	for i, m := range mailings {
		msgs[i], sent[i], err = s.composeEmail(m.plan, invoices, m.rows, tokens[i])
		if err != nil {
			return nil, err
		}
	}
	emailIDs, err := outbox.QueueMany(ctx, tx, s.engine.Jobs, msgs)
	if errors.Is(err, outbox.ErrDuplicate) {
		return nil, fmt.Errorf("a reminder e-mail of this chunk was queued before: %w: %w", billing.ErrConflict, err)
	}
	if err != nil {
		return nil, fmt.Errorf("queueing reminders: %w", err)
	}
	for i := range sent {
		sent[i].emailID = emailIDs[i]
		sent[i].details["email_id"] = emailIDs[i]
	}
	return sent, nil
}

// composeEmail renders the customer's reminder with its sign-in token and
// returns the message and its timeline record, whose e-mail id is set once the
// message is queued.
func (s sender) composeEmail(p *customerPlan, invoices map[int64]invoiceInfo, rows []dueRow, token string) (outbox.Message, sentEmail, error) {
	c := p.info
	link := s.engine.BaseURL + "/portal/link/" + token

	list := make([]invoiceInfo, 0, len(rows))
	for _, r := range rows {
		list = append(list, invoices[r.InvoiceID])
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].DueDate != list[j].DueDate {
			return list[i].DueDate.Before(list[j].DueDate)
		}
		return list[i].Number < list[j].Number
	})
	data := reminderData(s.org, c, p.lead, list, s.opts.AsOf, s.engine.BaseURL, link)

	name := p.lead.Template
	if p.variant == "B" {
		name = p.lead.TemplateB
	}
	subject, text, html, err := s.tmpl.Render(name, data)
	if err != nil {
		return outbox.Message{}, sentEmail{}, err
	}

	from := ""
	if p.lead.Sender == SenderOwner && c.OwnerName != "" {
		from = (&mail.Address{Name: c.OwnerName, Address: s.engine.From}).String()
	}
	var invoiceID *int64
	if len(list) == 1 {
		invoiceID = &list[0].ID
	}
	msg := outbox.Message{
		To: c.ContactEmail, From: from, Subject: subject, Text: text, HTML: html,
		CustomerID: c.ID, InvoiceID: invoiceID, Kind: "reminder." + p.lead.Tone,
		DedupeKey: fmt.Sprintf("reminder:%d", p.reminderEmailID), Secrets: []string{token},
		Actor: s.opts.Actor.String(), Source: s.opts.Source,
	}

	items := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		st := s.steps[r.StepID]
		items = append(items, map[string]any{"invoice_id": r.InvoiceID, "number": invoices[r.InvoiceID].Number,
			"step_id": st.ID, "tone": st.Tone, "offset_days": st.OffsetDays})
	}
	return msg, sentEmail{
		reminderEmailID: p.reminderEmailID, customerID: c.ID, invoiceID: invoiceID,
		summary: fmt.Sprintf("%s reminder e-mailed to %s about %s", capitalize(p.lead.Tone), c.ContactEmail, countInvoices(len(rows))),
		details: map[string]any{"as_of": s.opts.AsOf.String(), "template": name, "variant": p.variant,
			"total_due": data.TotalDue, "invoices": items},
	}, nil
}

// recordSent links each reminder to its outbox e-mail and puts one
// "reminder.sent" entry per e-mail on the timeline, both set-based.
func recordSent(ctx context.Context, tx pgx.Tx, sent []sentEmail, opts RunOptions) error {
	if len(sent) == 0 {
		return nil
	}
	var reminderIDs, emailIDs, customerIDs, invoiceIDs []int64
	var summaries, details []string
	for _, e := range sent {
		raw, err := json.Marshal(e.details)
		if err != nil {
			return fmt.Errorf("encoding timeline details: %w", err)
		}
		invoiceID := int64(0)
		if e.invoiceID != nil {
			invoiceID = *e.invoiceID
		}
		reminderIDs, emailIDs = append(reminderIDs, e.reminderEmailID), append(emailIDs, e.emailID)
		customerIDs, invoiceIDs = append(customerIDs, e.customerID), append(invoiceIDs, invoiceID)
		summaries, details = append(summaries, e.summary), append(details, string(raw))
	}
	_, err := tx.Exec(ctx, `
		UPDATE reminder_emails r SET email_id = k.email_id
		FROM unnest($1::bigint[], $2::bigint[]) AS k (id, email_id) WHERE r.id = k.id`, reminderIDs, emailIDs)
	if err != nil {
		return fmt.Errorf("linking reminder e-mails: %w", err)
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO timeline_events (customer_id, invoice_id, kind, actor, source, summary, details, visible_to_debtor)
		SELECT k.customer_id, nullif(k.invoice_id, 0), 'reminder.sent', $5, $6, k.summary, k.details::jsonb, true
		FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS k (customer_id, invoice_id, summary, details)`,
		customerIDs, invoiceIDs, summaries, details, opts.Actor.String(), opts.Source)
	if err != nil {
		return fmt.Errorf("appending reminder.sent timeline events: %w", err)
	}
	return nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func countInvoices(n int) string {
	if n == 1 {
		return "1 invoice"
	}
	return fmt.Sprintf("%d invoices", n)
}
