package collect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

// Engine runs the reminder cadence. Its fields are its dependencies.
type Engine struct {
	Pool      *pgxpool.Pool
	Jobs      outbox.Inserter
	BaseURL   string // public URL of the portal, for the sign-in links in e-mails
	From      string // sender address of every e-mail (MAIL_FROM)
	OrgName   string // the seller's name in e-mails when the organization row has none
	Logger    *slog.Logger
	Now       func() time.Time
	Workers   int // transactions writing e-mails at once; 0 means 2
	ChunkSize int // customers per transaction; 0 means 100
}

// RunOptions selects what a run evaluates and who it is recorded as.
type RunOptions struct {
	AsOf       billing.Date  // the day evaluated, in the seller's time zone
	CustomerID int64         // 0 evaluates every customer
	Actor      billing.Actor // zero means the system actor "reminders"
	Source     string        // timeline source: "job", "cli" or "backoffice"; empty means "job"
}

// RunResult counts what a run did.
type RunResult struct {
	AsOf        string         `json:"as_of"`
	Sent        int            `json:"sent"`         // reminder e-mails queued in the outbox
	Invoices    int            `json:"invoices"`     // (invoice, step) pairs handled: e-mailed or given to staff
	Tasks       int            `json:"tasks"`        // staff tasks opened
	CreditHolds int            `json:"credit_holds"` // customers put on credit hold
	Skipped     map[string]int `json:"skipped"`      // invoices held back, by reason
}

func (r *RunResult) add(o RunResult) {
	r.Sent += o.Sent
	r.Invoices += o.Invoices
	r.Tasks += o.Tasks
	r.CreditHolds += o.CreditHolds
	for k, v := range o.Skipped {
		r.Skipped[k] += v
	}
}

// Run evaluates the cadence for opts.AsOf and queues what is due: one e-mail per
// customer listing every invoice at its step, the staff tasks and the credit holds
// that steps ask for. Running it again for the same day sends nothing new, and
// runs in parallel, in one process or many, send each (invoice, step) once.
func (e *Engine) Run(ctx context.Context, opts RunOptions) (RunResult, error) {
	if opts.AsOf.IsZero() {
		return RunResult{}, errors.New("reminder run: missing as-of date")
	}
	if opts.Actor == (billing.Actor{}) {
		opts.Actor = billing.SystemActor("reminders")
	}
	if opts.Source == "" {
		opts.Source = "job"
	}
	started := e.Now()

	tmpl, err := LoadTemplates(ctx, e.Pool)
	if err != nil {
		return RunResult{}, err
	}
	steps, err := loadSteps(ctx, e.Pool)
	if err != nil {
		return RunResult{}, err
	}
	stepByID := make(map[int64]Step, len(steps))
	for _, s := range steps {
		if !tmpl.Has(s.Template) || (s.TemplateB != "" && !tmpl.Has(s.TemplateB)) {
			return RunResult{}, fmt.Errorf("reminder step %d of policy %s: template %q or %q not found", s.ID, s.Segment, s.Template, s.TemplateB)
		}
		stepByID[s.ID] = s
	}
	org, err := e.orgName(ctx)
	if err != nil {
		return RunResult{}, err
	}

	var ev evaluation
	err = billing.InTx(ctx, e.Pool, func(tx pgx.Tx) error {
		var err error
		ev, err = evaluate(ctx, tx, opts.AsOf, opts.CustomerID, opts.Actor, opts.Source)
		return err
	})
	if err != nil {
		return RunResult{}, err
	}

	result := RunResult{AsOf: opts.AsOf.String(), Skipped: ev.skipped}
	s := sender{engine: e, steps: stepByID, tmpl: tmpl, org: org, opts: opts}
	if err := e.sendChunks(ctx, s, ev.send, &result); err != nil {
		return result, err
	}
	e.Logger.Info("reminder run finished", "as_of", opts.AsOf.String(), "customer_id", opts.CustomerID,
		"sent", result.Sent, "invoices", result.Invoices, "tasks", result.Tasks, "skipped", result.Skipped,
		"duration", e.Now().Sub(started).String())
	return result, nil
}

func (e *Engine) orgName(ctx context.Context) (string, error) {
	var name string
	err := e.Pool.QueryRow(ctx, `SELECT coalesce((SELECT name FROM organization), '')`).Scan(&name)
	if err != nil {
		return "", fmt.Errorf("loading organization name: %w", err)
	}
	if name == "" {
		name = e.OrgName
	}
	return name, nil
}

// sendChunks splits the due rows into chunks of whole customers and writes each
// chunk in its own transaction, Workers at a time.
func (e *Engine) sendChunks(ctx context.Context, s sender, rows []dueRow, result *RunResult) error {
	size := e.ChunkSize
	if size <= 0 {
		size = 100
	}
	workers := e.Workers
	if workers <= 0 {
		workers = 2
	}

	var chunks [][]dueRow
	start, customers := 0, 0
	for i := range rows {
		if i > 0 && rows[i].CustomerID != rows[i-1].CustomerID {
			customers++
			if customers == size {
				chunks = append(chunks, rows[start:i])
				start, customers = i, 0
			}
		}
	}
	if start < len(rows) {
		chunks = append(chunks, rows[start:])
	}

	work := make(chan []dueRow)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range work {
				part, err := s.sendChunk(ctx, chunk)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				result.add(part)
				mu.Unlock()
			}
		}()
	}
	for _, chunk := range chunks {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
		work <- chunk
	}
	close(work)
	wg.Wait()
	return firstErr
}

// sender writes the reminders of one chunk of customers.
type sender struct {
	engine *Engine
	steps  map[int64]Step
	tmpl   *Templates
	org    string
	opts   RunOptions
}

// customerInfo is what an e-mail needs to know about its customer.
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

func (s sender) sendChunk(ctx context.Context, rows []dueRow) (RunResult, error) {
	result := RunResult{Skipped: map[string]int{}}
	err := billing.InTx(ctx, s.engine.Pool, func(tx pgx.Tx) error {
		result = RunResult{Skipped: map[string]int{}}
		customers, invoices, err := loadChunk(ctx, tx, rows)
		if err != nil {
			return err
		}
		for start := 0; start < len(rows); {
			end := start
			for end < len(rows) && rows[end].CustomerID == rows[start].CustomerID {
				end++
			}
			part, err := s.sendCustomer(ctx, tx, customers[rows[start].CustomerID], invoices, rows[start:end])
			if err != nil {
				return err
			}
			result.add(part)
			start = end
		}
		return nil
	})
	return result, err
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

// sendCustomer handles the due rows of one customer inside the chunk's
// transaction: it claims the day's e-mail slot and the (invoice, step) keys, and
// acts only on the keys it claimed, so a parallel run that got there first wins.
func (s sender) sendCustomer(ctx context.Context, tx pgx.Tx, c customerInfo, invoices map[int64]invoiceInfo, rows []dueRow) (RunResult, error) {
	result := RunResult{Skipped: map[string]int{}}
	asOf := s.opts.AsOf

	var emailRows, taskRows []dueRow
	for _, r := range rows {
		if s.steps[r.StepID].Channel == ChannelEmail {
			emailRows = append(emailRows, r)
		} else {
			taskRows = append(taskRows, r)
		}
	}

	var reminderEmailID int64
	var lead Step
	variant := "A"
	if len(emailRows) > 0 {
		lead = s.leadStep(emailRows)
		if lead.TemplateB != "" && c.ID%2 == 1 {
			variant = "B"
		}
		err := tx.QueryRow(ctx, `
			INSERT INTO reminder_emails (customer_id, sent_on, step_id, variant, contact_id, actor)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (customer_id, sent_on) DO NOTHING
			RETURNING id`, c.ID, asOf, lead.ID, variant, c.ContactID, s.opts.Actor.String()).Scan(&reminderEmailID)
		if errors.Is(err, pgx.ErrNoRows) {
			result.Skipped[SkipRemindedToday] += len(emailRows)
			emailRows = nil
		} else if err != nil {
			return result, fmt.Errorf("claiming today's reminder e-mail of customer %d: %w", c.ID, err)
		}
	}

	claimed, err := claimSends(ctx, tx, c.ID, asOf, variant, reminderEmailID, emailRows, taskRows)
	if err != nil {
		return result, err
	}
	var mailed, handed []dueRow
	for _, r := range append(emailRows, taskRows...) {
		if claimed[r] {
			if s.steps[r.StepID].Channel == ChannelEmail {
				mailed = append(mailed, r)
			} else {
				handed = append(handed, r)
			}
		}
	}
	result.Invoices = len(mailed) + len(handed)

	if reminderEmailID != 0 && len(mailed) == 0 {
		// Every key went to a parallel run; give back the day's slot.
		if _, err := tx.Exec(ctx, `DELETE FROM reminder_emails WHERE id = $1`, reminderEmailID); err != nil {
			return result, fmt.Errorf("releasing reminder e-mail %d: %w", reminderEmailID, err)
		}
	}
	if len(mailed) > 0 {
		if err := s.queueEmail(ctx, tx, c, invoices, mailed, lead, variant, reminderEmailID); err != nil {
			return result, err
		}
		result.Sent = 1
	}

	acted := append(append([]dueRow(nil), mailed...), handed...)
	tasks, holds, err := s.applyActions(ctx, tx, c, invoices, acted)
	if err != nil {
		return result, err
	}
	result.Tasks, result.CreditHolds = tasks, holds
	return result, nil
}

// leadStep returns the most advanced step among rows, whose template the e-mail uses.
func (s sender) leadStep(rows []dueRow) Step {
	lead := s.steps[rows[0].StepID]
	for _, r := range rows[1:] {
		if st := s.steps[r.StepID]; st.OffsetDays > lead.OffsetDays {
			lead = st
		}
	}
	return lead
}

// claimSends inserts the (invoice, step) keys and returns the ones this
// transaction inserted. A key held by a parallel transaction makes this one wait
// for it and then skip the key.
func claimSends(ctx context.Context, tx pgx.Tx, customerID int64, asOf billing.Date, variant string, reminderEmailID int64, emailRows, taskRows []dueRow) (map[dueRow]bool, error) {
	var invoiceIDs, stepIDs, emailIDs []int64
	for _, r := range emailRows {
		invoiceIDs, stepIDs, emailIDs = append(invoiceIDs, r.InvoiceID), append(stepIDs, r.StepID), append(emailIDs, reminderEmailID)
	}
	for _, r := range taskRows {
		invoiceIDs, stepIDs, emailIDs = append(invoiceIDs, r.InvoiceID), append(stepIDs, r.StepID), append(emailIDs, 0)
	}
	claimed := map[dueRow]bool{}
	if len(invoiceIDs) == 0 {
		return claimed, nil
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO reminder_sends (invoice_id, step_id, customer_id, reminder_email_id, sent_on, variant)
		SELECT k.invoice_id, k.step_id, $4, nullif(k.email_id, 0), $5, $6
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS k (invoice_id, step_id, email_id)
		ORDER BY k.invoice_id, k.step_id
		ON CONFLICT (invoice_id, step_id) DO NOTHING
		RETURNING invoice_id, step_id`, invoiceIDs, stepIDs, emailIDs, customerID, asOf, variant)
	if err != nil {
		return nil, fmt.Errorf("recording reminders of customer %d: %w", customerID, err)
	}
	defer rows.Close()
	for rows.Next() {
		r := dueRow{CustomerID: customerID}
		if err := rows.Scan(&r.InvoiceID, &r.StepID); err != nil {
			return nil, fmt.Errorf("scanning recorded reminder: %w", err)
		}
		claimed[r] = true
	}
	return claimed, rows.Err()
}

// queueEmail renders the customer's reminder and queues it in the outbox.
func (s sender) queueEmail(ctx context.Context, tx pgx.Tx, c customerInfo, invoices map[int64]invoiceInfo, rows []dueRow, lead Step, variant string, reminderEmailID int64) error {
	now := s.engine.Now()
	token, err := billing.CreateMagicLink(ctx, tx, c.ContactEmail, billing.LinkEmailed, now)
	if err != nil {
		return fmt.Errorf("creating sign-in link for customer %d: %w", c.ID, err)
	}
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
	data := reminderData(s.org, c, lead, list, s.opts.AsOf, s.engine.BaseURL, link)

	name := lead.Template
	if variant == "B" {
		name = lead.TemplateB
	}
	subject, text, html, err := s.tmpl.Render(name, data)
	if err != nil {
		return err
	}

	from := ""
	if lead.Sender == SenderOwner && c.OwnerName != "" {
		from = (&mail.Address{Name: c.OwnerName, Address: s.engine.From}).String()
	}
	var invoiceID *int64
	if len(list) == 1 {
		invoiceID = &list[0].ID
	}
	emailID, err := outbox.Queue(ctx, tx, s.engine.Jobs, outbox.Message{
		To: c.ContactEmail, From: from, Subject: subject, Text: text, HTML: html,
		CustomerID: c.ID, InvoiceID: invoiceID, Kind: "reminder." + lead.Tone,
		DedupeKey: fmt.Sprintf("reminder:%d", reminderEmailID), Secrets: []string{token},
		Actor: s.opts.Actor.String(), Source: s.opts.Source,
	})
	if err != nil {
		return fmt.Errorf("queueing reminder for customer %d: %w", c.ID, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE reminder_emails SET email_id = $2 WHERE id = $1`, reminderEmailID, emailID); err != nil {
		return fmt.Errorf("linking reminder e-mail %d: %w", reminderEmailID, err)
	}

	items := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		st := s.steps[r.StepID]
		items = append(items, map[string]any{"invoice_id": r.InvoiceID, "number": invoices[r.InvoiceID].Number,
			"step_id": st.ID, "tone": st.Tone, "offset_days": st.OffsetDays})
	}
	return billing.AppendEvent(ctx, tx, billing.Event{
		CustomerID: c.ID, InvoiceID: invoiceID, Kind: "reminder.sent", Actor: s.opts.Actor.String(), Source: s.opts.Source,
		VisibleToDebtor: true,
		Summary:         fmt.Sprintf("%s reminder e-mailed to %s about %s", capitalize(lead.Tone), c.ContactEmail, countInvoices(len(rows))),
		Details: map[string]any{"email_id": emailID, "as_of": s.opts.AsOf.String(), "template": name, "variant": variant,
			"total_due": data.TotalDue, "invoices": items},
	})
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
