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
	Reminded       bool // an earlier reminder e-mail listed it
}

// customerPlan is the reminder work for one customer of a chunk.
type customerPlan struct {
	info            customerInfo
	emailRows       []dueRow // steps that go out by e-mail
	taskRows        []dueRow // steps handed to staff
	lead            Step     // the most advanced e-mail step, whose template is used
	variant         string
	reminderEmailID int64 // the day's e-mail slot, once claimed
	addressChecked  bool  // the contact's address was parsed
	invalidEmail    bool  // the contact's address was rejected and logged
}

// sendChunk writes one chunk in one transaction. It claims the day's e-mail slot
// of each customer and the (invoice, step) keys with two set-based inserts, then
// acts only on what it claimed, so a parallel run that got there first wins and
// this one moves on. A key held by an uncommitted parallel transaction makes this
// one wait for it. The e-mails are rendered in other goroutines while the
// database inserts the keys, as if every key will be claimed. An e-mail whose
// customer lost a key to a parallel run is rendered again.
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
		drafts, err := s.startDrafts(ctx, tx, plans, invoices)
		if err != nil {
			return err
		}
		claimed, err := s.claimSends(ctx, tx, plans)
		waitErr := drafts.wait()
		if err != nil {
			return err
		}
		if waitErr != nil {
			return waitErr
		}

		var mailings []draft
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
				d := drafts.byCustomer[p.info.ID]
				if len(mailed) != len(p.emailRows) {
					// A parallel run claimed some of the keys: the e-mail lists only the rest.
					if d.msg, d.sent, err = s.composeEmail(p, invoices, mailed, d.token); err != nil {
						return err
					}
				}
				mailings = append(mailings, d)
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
		sent, err := s.queueEmails(ctx, tx, mailings)
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

// keep returns the rows whose keys this transaction claimed. A nil claimed map
// means every key of the chunk was claimed.
func keep(rows []dueRow, claimed map[dueRow]bool) []dueRow {
	if claimed == nil {
		return rows
	}
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
		if !p.addressChecked {
			// An address the outbox would reject must not fail the chunk every day.
			p.addressChecked = true
			if _, err := mail.ParseAddress(p.info.ContactEmail); err != nil {
				s.engine.Logger.Warn("reminder contact has an invalid e-mail address", "customer_id", p.info.ID, "error", err)
				p.invalidEmail = true
			}
		}
		if p.invalidEmail {
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
	if err := ir.Err(); err != nil {
		return nil, nil, fmt.Errorf("loading invoices to remind: %w", err)
	}
	ir.Close()

	// The wording of later steps refers to earlier reminders only when there
	// were some: an invoice imported long overdue gets its first e-mail at a
	// late step.
	rr, err := tx.Query(ctx, `
		SELECT DISTINCT invoice_id FROM reminder_sends WHERE invoice_id = ANY ($1) AND reminder_email_id IS NOT NULL`, invoiceIDs)
	if err != nil {
		return nil, nil, fmt.Errorf("loading earlier reminders: %w", err)
	}
	reminded, err := pgx.CollectRows(rr, pgx.RowTo[int64])
	if err != nil {
		return nil, nil, fmt.Errorf("loading earlier reminders: %w", err)
	}
	for _, id := range reminded {
		inv := invoices[id]
		inv.Reminded = true
		invoices[id] = inv
	}
	return customers, invoices, nil
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
// this transaction inserted, or nil when it inserted all of them.
//
// The evaluation left out every key recorded before it, so the keys are written
// with one COPY. When a parallel run recorded one of them since, the COPY fails
// on the primary key. The transaction then rolls back to a savepoint and inserts
// the keys again, skipping the ones taken.
func (s sender) claimSends(ctx context.Context, tx pgx.Tx, plans []*customerPlan) (map[dueRow]bool, error) {
	var keys []dueRow
	var emailIDs []*int64
	var variants []string
	for _, p := range plans {
		for _, r := range p.emailRows {
			id := p.reminderEmailID
			keys, emailIDs, variants = append(keys, r), append(emailIDs, &id), append(variants, p.variant)
		}
		for _, r := range p.taskRows {
			keys, emailIDs, variants = append(keys, r), append(emailIDs, nil), append(variants, "A")
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}

	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("taking savepoint before recording reminders: %w", err)
	}
	_, err = sp.CopyFrom(ctx, pgx.Identifier{"reminder_sends"},
		[]string{"invoice_id", "step_id", "customer_id", "reminder_email_id", "sent_on", "variant"},
		pgx.CopyFromSlice(len(keys), func(i int) ([]any, error) {
			k := keys[i]
			return []any{k.InvoiceID, k.StepID, k.CustomerID, emailIDs[i], s.opts.AsOf, variants[i]}, nil
		}))
	if err == nil {
		if err := sp.Commit(ctx); err != nil {
			return nil, fmt.Errorf("releasing savepoint after recording reminders: %w", err)
		}
		return nil, nil
	}
	if rbErr := sp.Rollback(ctx); rbErr != nil {
		return nil, fmt.Errorf("recording reminders: %w; rolling back to the savepoint: %w", err, rbErr)
	}
	if !isUniqueViolation(err) {
		return nil, fmt.Errorf("recording reminders: %w", err)
	}
	return s.claimSendsOnConflict(ctx, tx, keys, emailIDs, variants)
}

// claimSendsOnConflict inserts the keys that no other run recorded and returns them.
func (s sender) claimSendsOnConflict(ctx context.Context, tx pgx.Tx, keys []dueRow, emailIDs []*int64, variants []string) (map[dueRow]bool, error) {
	invoiceIDs := make([]int64, len(keys))
	stepIDs := make([]int64, len(keys))
	customerIDs := make([]int64, len(keys))
	for i, k := range keys {
		invoiceIDs[i], stepIDs[i], customerIDs[i] = k.InvoiceID, k.StepID, k.CustomerID
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO reminder_sends (invoice_id, step_id, customer_id, reminder_email_id, sent_on, variant)
		SELECT k.invoice_id, k.step_id, k.customer_id, k.email_id, $6, k.variant
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[])
			AS k (invoice_id, step_id, customer_id, email_id, variant)
		ORDER BY k.invoice_id, k.step_id
		ON CONFLICT (invoice_id, step_id) DO NOTHING
		RETURNING invoice_id, step_id, customer_id`, invoiceIDs, stepIDs, customerIDs, emailIDs, variants, s.opts.AsOf)
	if err != nil {
		return nil, fmt.Errorf("recording reminders: %w", err)
	}
	defer rows.Close()
	claimed := map[dueRow]bool{}
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
	details         sentDetails
}

// sentDetails are the details of a "reminder.sent" timeline entry.
type sentDetails struct {
	AsOf     string     `json:"as_of"`
	Template string     `json:"template"`
	Variant  string     `json:"variant"`
	TotalDue string     `json:"total_due"`
	Invoices []sentItem `json:"invoices"`
	EmailID  int64      `json:"email_id"`
}

// sentItem is one invoice step of a reminder e-mail on the timeline.
type sentItem struct {
	InvoiceID  int64  `json:"invoice_id"`
	Number     string `json:"number"`
	StepID     int64  `json:"step_id"`
	Tone       string `json:"tone"`
	OffsetDays int    `json:"offset_days"`
}

// draft is one customer's rendered reminder e-mail, not yet queued.
type draft struct {
	token string
	msg   outbox.Message
	sent  sentEmail
}

// drafts are a chunk's e-mails being rendered in the background.
type drafts struct {
	mailers    []*customerPlan
	rendered   []draft // in the order of mailers
	done       chan error
	running    int
	byCustomer map[int64]draft // filled by wait
}

// wait blocks until every e-mail is rendered, fills byCustomer and returns the
// first error.
func (d *drafts) wait() error {
	var first error
	for ; d.running > 0; d.running-- {
		if err := <-d.done; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return first
	}
	d.byCustomer = make(map[int64]draft, len(d.mailers))
	for i, p := range d.mailers {
		d.byCustomer[p.info.ID] = d.rendered[i]
	}
	return nil
}

// renderGoroutines is how many goroutines render one chunk's e-mails.
const renderGoroutines = 2

// startDrafts creates the sign-in links of the customers whose e-mail slot this
// transaction claimed and starts rendering their e-mails about every e-mail row
// in other goroutines, which only read the plans and invoices. A link whose
// e-mail is dropped later, because a parallel run claimed every key, is never
// sent and expires unused. The caller must call wait before it changes the plans.
func (s sender) startDrafts(ctx context.Context, tx pgx.Tx, plans []*customerPlan, invoices map[int64]invoiceInfo) (*drafts, error) {
	d := &drafts{done: make(chan error, renderGoroutines)}
	var addresses []string
	for _, p := range plans {
		if p.reminderEmailID != 0 && len(p.emailRows) > 0 {
			d.mailers, addresses = append(d.mailers, p), append(addresses, p.info.ContactEmail)
		}
	}
	if len(d.mailers) == 0 {
		return d, nil
	}
	tokens, err := billing.CreateMagicLinks(ctx, tx, addresses, billing.LinkEmailed, s.engine.Now())
	if err != nil {
		return nil, fmt.Errorf("creating sign-in links: %w", err)
	}

	d.rendered = make([]draft, len(d.mailers))
	per := (len(d.mailers) + renderGoroutines - 1) / renderGoroutines
	for start := 0; start < len(d.mailers); start += per {
		end := min(start+per, len(d.mailers))
		d.running++
		go func() {
			for i := start; i < end; i++ {
				p := d.mailers[i]
				msg, sent, err := s.composeEmail(p, invoices, p.emailRows, tokens[i])
				if err != nil {
					d.done <- err
					return
				}
				d.rendered[i] = draft{token: tokens[i], msg: msg, sent: sent}
			}
			d.done <- nil
		}()
	}
	return d, nil
}

// queueEmails queues the chunk's rendered reminders in the outbox, a fixed
// number of statements for the whole chunk.
func (s sender) queueEmails(ctx context.Context, tx pgx.Tx, mailings []draft) ([]sentEmail, error) {
	if len(mailings) == 0 {
		return nil, nil
	}
	msgs := make([]outbox.Message, len(mailings))
	sent := make([]sentEmail, len(mailings))
	for i, m := range mailings {
		msgs[i], sent[i] = m.msg, m.sent
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
		sent[i].details.EmailID = emailIDs[i]
	}
	return sent, nil
}

// composeEmail renders the customer's reminder about rows with its sign-in
// token and returns the message and its timeline record, whose e-mail id is set
// once the message is queued. It only reads its arguments, so e-mails of one
// chunk render in parallel.
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

	items := make([]sentItem, 0, len(rows))
	for _, r := range rows {
		st := s.steps[r.StepID]
		items = append(items, sentItem{InvoiceID: r.InvoiceID, Number: invoices[r.InvoiceID].Number,
			StepID: st.ID, Tone: st.Tone, OffsetDays: st.OffsetDays})
	}
	return msg, sentEmail{
		reminderEmailID: p.reminderEmailID, customerID: c.ID, invoiceID: invoiceID,
		summary: fmt.Sprintf("%s reminder e-mailed to %s about %s", capitalize(p.lead.Tone), c.ContactEmail, countInvoices(len(rows))),
		details: sentDetails{AsOf: s.opts.AsOf.String(), Template: name, Variant: p.variant, TotalDue: data.TotalDue, Invoices: items},
	}, nil
}

// recordSent links each reminder to its outbox e-mail and puts one
// "reminder.sent" entry per e-mail on the timeline, both set-based.
func recordSent(ctx context.Context, tx pgx.Tx, sent []sentEmail, opts RunOptions) error {
	if len(sent) == 0 {
		return nil
	}
	reminderIDs := make([]int64, len(sent))
	emailIDs := make([]int64, len(sent))
	entries := make([][]any, len(sent))
	actor := opts.Actor.String()
	for i, e := range sent {
		raw, err := json.Marshal(e.details)
		if err != nil {
			return fmt.Errorf("encoding timeline details: %w", err)
		}
		reminderIDs[i], emailIDs[i] = e.reminderEmailID, e.emailID
		entries[i] = []any{e.customerID, e.invoiceID, "reminder.sent", actor, opts.Source, e.summary, raw, true}
	}
	_, err := tx.Exec(ctx, `
		UPDATE reminder_emails r SET email_id = k.email_id
		FROM unnest($1::bigint[], $2::bigint[]) AS k (id, email_id) WHERE r.id = k.id`, reminderIDs, emailIDs)
	if err != nil {
		return fmt.Errorf("linking reminder e-mails: %w", err)
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"timeline_events"},
		[]string{"customer_id", "invoice_id", "kind", "actor", "source", "summary", "details", "visible_to_debtor"},
		pgx.CopyFromRows(entries))
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
