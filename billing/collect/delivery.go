package collect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/invoicepdf"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

// InvoiceMailer e-mails new invoices to the customer's billing contact with a
// sign-in link and the invoice PDF attached. Its fields are its dependencies.
type InvoiceMailer struct {
	Pool      *pgxpool.Pool
	Jobs      outbox.Inserter
	BaseURL   string
	OrgName   string // the seller's name when the organization row has none
	Logger    *slog.Logger
	Now       func() time.Time
	Location  *time.Location // the seller's zone, which decides "today" for the discount terms; nil means UTC
	Templates *Templates     // nil loads the defaults and the edited templates on each call
}

// InvoiceEmail is the data of the invoice e-mail template.
type InvoiceEmail struct {
	OrgName   string
	Customer  string
	Contact   string
	Number    string
	PONumber  string
	IssueDate string
	DueDate   string
	Total     string
	Terms     []string
	Link      string
	Lines     []InvoiceEmailLine // the charged lines, so a fee invoice names the invoice it is charged on
}

// InvoiceEmailLine is one line of the invoice e-mail.
type InvoiceEmailLine struct {
	Description string
	Amount      string
}

// The delivery window limits the sweep to invoices created recently and issued
// recently, so a bulk import of last year's open invoices does not e-mail them all.
const (
	deliveryCreatedWithin = 24 * time.Hour
	deliveryIssuedWithin  = 7 // days
)

// SendInvoice queues the e-mail of one invoice inside tx, the transaction that
// issued or imported it when the caller has one. It returns false, sending
// nothing, when the invoice was e-mailed before, is void or settled, or its
// customer has no contact that receives e-mail.
func (m *InvoiceMailer) SendInvoice(ctx context.Context, tx pgx.Tx, invoiceID int64, actor billing.Actor, source string) (bool, error) {
	var inv struct {
		customerID           int64
		customer, number, po string
		issue, due, until    billing.Date
		netDays              int
		total, open          billing.Money
		discountBP           int64
		fee                  billing.LateFeePolicy
		contactID            *int64
		contactName, email   string
	}
	err := tx.QueryRow(ctx, `
		SELECT i.customer_id, c.name, i.number, i.po_number, i.issue_date, i.due_date, i.discount_until, i.terms_net_days,
			i.currency, i.total_minor, i.open_minor, i.discount_rate_bp, i.late_fee_kind, i.late_fee_flat_minor, i.late_fee_rate_bp,
			i.late_fee_grace_days, ct.id, coalesce(ct.name, ''), coalesce(ct.email, '')
		FROM invoices i
		JOIN customers c ON c.id = i.customer_id
		LEFT JOIN LATERAL (
			SELECT id, name, email FROM contacts
			WHERE customer_id = i.customer_id AND opted_out_at IS NULL
			ORDER BY 'billing' = ANY (roles) DESC, id LIMIT 1
		) ct ON true
		WHERE i.id = $1 AND i.voided_at IS NULL AND i.open_minor > 0`, invoiceID).Scan(
		&inv.customerID, &inv.customer, &inv.number, &inv.po, &inv.issue, &inv.due, &inv.until, &inv.netDays,
		&inv.total.Currency, &inv.total.Amount, &inv.open.Amount, &inv.discountBP, &inv.fee.Kind, &inv.fee.FlatMinor, &inv.fee.RateBP,
		&inv.fee.GraceDays, &inv.contactID, &inv.contactName, &inv.email)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("loading invoice %d to e-mail: %w", invoiceID, err)
	}
	if inv.contactID == nil {
		return false, nil
	}

	tag, err := tx.Exec(ctx, `
		INSERT INTO invoice_deliveries (invoice_id, customer_id, contact_id, actor) VALUES ($1, $2, $3, $4)
		ON CONFLICT (invoice_id) DO NOTHING`, invoiceID, inv.customerID, inv.contactID, actor.String())
	if err != nil {
		return false, fmt.Errorf("claiming delivery of invoice %d: %w", invoiceID, err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	if _, err := mail.ParseAddress(inv.email); err != nil {
		// The claim stays, so the sweep does not try again every minute, and staff
		// see why on the timeline.
		// TODO: offer staff a resend after they fix the address; until then the
		// debtor gets this invoice through reminders and the portal only.
		return false, billing.AppendEvent(ctx, tx, billing.Event{
			CustomerID: inv.customerID, InvoiceID: &invoiceID, Kind: "invoice.not_emailed", Actor: actor.String(), Source: source,
			Summary: fmt.Sprintf("Invoice %s not e-mailed: the contact address %q is invalid", inv.number, inv.email),
		})
	}

	tmpl := m.Templates
	if tmpl == nil {
		if tmpl, err = LoadTemplates(ctx, tx); err != nil {
			return false, err
		}
	}
	org, err := organizationName(ctx, tx, m.OrgName)
	if err != nil {
		return false, err
	}
	inv.open.Currency = inv.total.Currency
	loc := m.Location
	if loc == nil {
		loc = time.UTC
	}
	terms := TermsInWords(InvoiceTerms{IssueDate: inv.issue, DueDate: inv.due, NetDays: inv.netDays, Total: inv.total,
		Open: inv.open, Today: billing.Today(m.Now(), loc), DiscountRateBP: inv.discountBP, DiscountUntil: inv.until,
		LateFee: inv.fee})
	doc, err := invoicepdf.Load(ctx, tx, invoiceID, terms)
	if err != nil {
		return false, err
	}
	now := m.Now()
	pdf, err := invoicepdf.Render(doc, now)
	if err != nil {
		return false, err
	}
	token, err := billing.CreateMagicLink(ctx, tx, inv.email, billing.LinkEmailed, now)
	if err != nil {
		return false, fmt.Errorf("creating sign-in link for invoice %d: %w", invoiceID, err)
	}

	data := InvoiceEmail{
		OrgName: org, Customer: inv.customer, Contact: inv.contactName, Number: inv.number, PONumber: inv.po,
		IssueDate: inv.issue.Format(), DueDate: inv.due.Format(), Total: inv.total.String(), Terms: terms,
		Link: m.BaseURL + "/portal/link/" + token,
	}
	for _, l := range doc.Lines {
		data.Lines = append(data.Lines, InvoiceEmailLine{Description: l.Description, Amount: l.Amount.String()})
	}
	subject, text, html, err := tmpl.Render("invoice", data)
	if err != nil {
		return false, err
	}
	emailID, err := outbox.Queue(ctx, tx, m.Jobs, outbox.Message{
		To: inv.email, Subject: subject, Text: text, HTML: html,
		Attachments: []outbox.Attachment{{Filename: "invoice-" + safeFilename(inv.number) + ".pdf", ContentType: "application/pdf", Content: pdf}},
		CustomerID:  inv.customerID, InvoiceID: &invoiceID, Kind: "invoice.delivered",
		DedupeKey: fmt.Sprintf("invoice:%d", invoiceID), Secrets: []string{token}, Actor: actor.String(), Source: source,
	})
	if err != nil {
		return false, fmt.Errorf("queueing e-mail of invoice %d: %w", invoiceID, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE invoice_deliveries SET email_id = $2 WHERE invoice_id = $1`, invoiceID, emailID); err != nil {
		return false, fmt.Errorf("linking delivery of invoice %d: %w", invoiceID, err)
	}
	return true, nil
}

// DeliverNew e-mails every invoice created in the last day and issued in the last
// week that has not gone out yet, each in its own transaction, and returns how
// many it queued. It is the safety net for issue and import paths that do not
// call SendInvoice themselves.
func (m *InvoiceMailer) DeliverNew(ctx context.Context) (int, error) {
	now := m.Now()
	rows, err := m.Pool.Query(ctx, `
		SELECT i.id FROM invoices i
		WHERE i.created_at >= $1 AND i.issue_date >= $2::date - $3::int
			AND i.voided_at IS NULL AND i.open_minor > 0 AND i.source NOT IN ('demo', 'bench')
			AND NOT EXISTS (SELECT 1 FROM invoice_deliveries d WHERE d.invoice_id = i.id)
			AND EXISTS (SELECT 1 FROM contacts ct WHERE ct.customer_id = i.customer_id AND ct.opted_out_at IS NULL)
		ORDER BY i.id LIMIT 5000`, now.Add(-deliveryCreatedWithin), now.UTC().Format("2006-01-02"), deliveryIssuedWithin)
	if err != nil {
		return 0, fmt.Errorf("finding invoices to e-mail: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("finding invoices to e-mail: %w", err)
	}

	tmpl, err := LoadTemplates(ctx, m.Pool)
	if err != nil {
		return 0, err
	}
	mailer := *m
	mailer.Templates = tmpl
	sent := 0
	for _, id := range ids {
		err := billing.InTx(ctx, m.Pool, func(tx pgx.Tx) error {
			ok, err := mailer.SendInvoice(ctx, tx, id, billing.SystemActor("invoice-delivery"), "job")
			if ok {
				sent++
			}
			return err
		})
		if err != nil {
			m.Logger.Error("e-mailing invoice failed", "invoice_id", id, "error", err)
			continue
		}
	}
	if sent > 0 {
		m.Logger.Info("new invoices e-mailed", "count", sent)
	}
	return sent, nil
}

// DeliverArgs is the River job that e-mails new invoices.
type DeliverArgs struct{}

// Kind is the job kind stored by River; it must never change.
func (DeliverArgs) Kind() string { return "invoice_delivery_sweep" }

// DeliverWorker runs InvoiceMailer.DeliverNew.
type DeliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	Mailer *InvoiceMailer
}

// Work e-mails the new invoices.
func (w *DeliverWorker) Work(ctx context.Context, _ *river.Job[DeliverArgs]) error {
	_, err := w.Mailer.DeliverNew(ctx)
	return err
}

// DeliveryPeriodicJob sweeps for new invoices every minute.
func DeliveryPeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return DeliverArgs{}, nil }, nil)
}

func organizationName(ctx context.Context, db billing.DB, fallback string) (string, error) {
	var name string
	if err := db.QueryRow(ctx, `SELECT coalesce((SELECT name FROM organization), '')`).Scan(&name); err != nil {
		return "", fmt.Errorf("loading organization name: %w", err)
	}
	if name == "" {
		name = fallback
	}
	return name, nil
}

func safeFilename(s string) string {
	out := []rune(s)
	for i, r := range out {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			out[i] = '_'
		}
	}
	return string(out)
}
