package collect

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/ledgvero/ledgvero/billing"
)

// Frequencies of recurring invoices.
const (
	EveryWeek    = "weekly"
	EveryMonth   = "monthly"
	EveryQuarter = "quarterly"
	EveryYear    = "yearly"
)

// RecurringLine is one line of a recurring invoice.
type RecurringLine struct {
	Description    string `json:"description"`
	QuantityMilli  int64  `json:"quantity_milli"`
	UnitPriceMinor int64  `json:"unit_price_minor"`
}

// NewRecurring is the input of CreateRecurring.
type NewRecurring struct {
	CustomerID   int64
	Name         string // shown to staff, such as "Monthly support"
	Frequency    string
	First        billing.Date // the first issue date; later ones keep its day of month
	Ends         billing.Date // zero for no end
	NumberPrefix string       // invoice numbers are PREFIX-0001, PREFIX-0002, ...
	Lines        []RecurringLine
	Tax          billing.Money
	Actor        billing.Actor
}

// CreateRecurring validates and stores a recurring invoice and returns its id.
func CreateRecurring(ctx context.Context, db billing.DB, in NewRecurring, today billing.Date) (int64, error) {
	errs := billing.FieldErrors{}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		errs["name"] = "Enter a name such as \"Monthly support\"."
	}
	switch in.Frequency {
	case EveryWeek, EveryMonth, EveryQuarter, EveryYear:
	default:
		errs["frequency"] = "Choose weekly, monthly, quarterly or yearly."
	}
	if in.First.IsZero() || in.First.Before(today) {
		errs["first"] = fmt.Sprintf("Choose a first issue date on or after today (%s).", today)
	}
	if !in.Ends.IsZero() && in.Ends.Before(in.First) {
		errs["ends"] = "Choose an end date on or after the first issue date, or leave it empty."
	}
	if in.NumberPrefix == "" || strings.Trim(in.NumberPrefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		errs["number_prefix"] = "Enter letters, digits and dashes only, such as SUP-ACME."
	}
	if len(in.Lines) == 0 {
		errs["lines"] = "Add at least one line."
	}
	for i, l := range in.Lines {
		if strings.TrimSpace(l.Description) == "" || l.QuantityMilli <= 0 || l.UnitPriceMinor < 0 {
			errs[fmt.Sprintf("lines[%d]", i)] = "Each line needs a description, a positive quantity and a price of zero or more."
		}
	}
	if in.Tax.Amount < 0 {
		errs["tax"] = "Enter a tax of zero or more."
	}
	if len(errs) > 0 {
		return 0, errs
	}

	cust, err := billing.CustomerByID(ctx, db, in.CustomerID)
	if err != nil {
		return 0, fmt.Errorf("loading customer %d: %w", in.CustomerID, err)
	}
	lines, err := json.Marshal(in.Lines)
	if err != nil {
		return 0, fmt.Errorf("encoding lines: %w", err)
	}
	var id int64
	err = db.QueryRow(ctx, `
		INSERT INTO recurring_invoices (customer_id, name, frequency, anchor_on, next_issue_on, ends_on, number_prefix,
			currency, lines, tax_minor, created_by)
		VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		in.CustomerID, in.Name, in.Frequency, in.First, in.Ends, in.NumberPrefix, cust.Currency, lines, in.Tax.Amount,
		in.Actor.String()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("inserting recurring invoice: %w", err)
	}
	return id, billing.AppendEvent(ctx, db, billing.Event{
		CustomerID: in.CustomerID, Kind: "recurring.created", Actor: in.Actor.String(), Source: sourceOf(in.Actor),
		Summary: fmt.Sprintf("Recurring invoice %q set up: %s from %s", in.Name, in.Frequency, in.First.Format()),
		Details: map[string]any{"recurring_id": id},
	})
}

// IssueDate returns the n-th issue date (0 is the anchor) of a schedule.
// Monthly, quarterly and yearly dates keep the anchor's day of month, clamped
// to the end of shorter months.
func IssueDate(anchor billing.Date, frequency string, n int) billing.Date {
	switch frequency {
	case EveryWeek:
		return anchor.AddDays(7 * n)
	case EveryQuarter:
		return billing.AddMonthsClamped(anchor, 3*n)
	case EveryYear:
		return billing.AddMonthsClamped(anchor, 12*n)
	}
	return billing.AddMonthsClamped(anchor, n)
}

// IssueRecurring issues every recurring invoice due on or before asOf, catching
// up missed periods, and e-mails each one through mailer. It returns the number
// issued. Each template is locked while it is issued, so parallel runs skip it.
func IssueRecurring(ctx context.Context, mailer *InvoiceMailer, asOf billing.Date) (int, error) {
	issued := 0
	for {
		n, more, err := issueOne(ctx, mailer, asOf)
		if err != nil {
			return issued, err
		}
		issued += n
		if !more {
			return issued, nil
		}
	}
}

// issueOne issues the due periods of one template in one transaction and
// reports whether it found a template.
func issueOne(ctx context.Context, mailer *InvoiceMailer, asOf billing.Date) (int, bool, error) {
	issued := 0
	found := false
	err := billing.InTx(ctx, mailer.Pool, func(tx pgx.Tx) error {
		var r struct {
			id, customerID   int64
			name, frequency  string
			prefix, currency string
			anchor, next     billing.Date
			ends             billing.Date
			count            int
			lines            []RecurringLine
			tax              int64
		}
		err := tx.QueryRow(ctx, `
			SELECT id, customer_id, name, frequency, number_prefix, currency, anchor_on, next_issue_on,
				ends_on, issued_count, lines, tax_minor
			FROM recurring_invoices
			WHERE active AND next_issue_on <= $1
			ORDER BY next_issue_on, id LIMIT 1
			FOR UPDATE SKIP LOCKED`, asOf).Scan(&r.id, &r.customerID, &r.name, &r.frequency, &r.prefix, &r.currency,
			&r.anchor, &r.next, &r.ends, &r.count, &r.lines, &r.tax)
		if err != nil {
			return notFoundOK(err)
		}
		found = true
		actor := billing.SystemActor("recurring")

		for !r.next.After(asOf) && (r.ends.IsZero() || !r.next.After(r.ends)) {
			lines := make([]billing.Line, 0, len(r.lines))
			for _, l := range r.lines {
				lines = append(lines, billing.Line{Description: l.Description, QuantityMilli: l.QuantityMilli,
					UnitPrice: billing.Money{Amount: l.UnitPriceMinor, Currency: r.currency}})
			}
			inv, err := billing.IssueInvoice(ctx, tx, billing.NewInvoice{
				CustomerID: r.customerID, Number: fmt.Sprintf("%s-%04d", r.prefix, r.count+1), IssueDate: r.next,
				Currency: r.currency, Lines: lines, Tax: billing.Money{Amount: r.tax, Currency: r.currency}, Source: "recurring",
			}, actor)
			if err != nil {
				return fmt.Errorf("issuing recurring invoice %d for %s: %w", r.id, r.next, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO recurring_invoice_issues (recurring_id, issue_on, invoice_id) VALUES ($1, $2, $3)`,
				r.id, r.next, inv.ID); err != nil {
				return fmt.Errorf("recording issue of recurring invoice %d: %w", r.id, err)
			}
			if _, err := mailer.SendInvoice(ctx, tx, inv.ID, actor, "job"); err != nil {
				return err
			}
			issued++
			r.count++
			r.next = IssueDate(r.anchor, r.frequency, r.count)
		}

		active := r.ends.IsZero() || !r.next.After(r.ends)
		_, err = tx.Exec(ctx, `UPDATE recurring_invoices SET issued_count = $2, next_issue_on = $3, active = $4 WHERE id = $1`,
			r.id, r.count, r.next, active)
		if err != nil {
			return fmt.Errorf("advancing recurring invoice %d: %w", r.id, err)
		}
		return nil
	})
	return issued, found, err
}

func notFoundOK(err error) error {
	if notFound(err) == billing.ErrNotFound {
		return nil
	}
	return fmt.Errorf("finding due recurring invoices: %w", err)
}

// RecurringArgs is the River job that issues the day's recurring invoices.
type RecurringArgs struct{}

// Kind is the job kind stored by River; it must never change.
func (RecurringArgs) Kind() string { return "recurring_invoices" }

// RecurringWorker issues recurring invoices due today in the seller's zone.
type RecurringWorker struct {
	river.WorkerDefaults[RecurringArgs]
	Mailer   *InvoiceMailer
	Location *time.Location
}

// Work issues the due recurring invoices.
func (w *RecurringWorker) Work(ctx context.Context, _ *river.Job[RecurringArgs]) error {
	n, err := IssueRecurring(ctx, w.Mailer, billing.Today(w.Mailer.Now(), w.Location))
	if n > 0 {
		w.Mailer.Logger.Info("recurring invoices issued", "count", n)
	}
	return err
}

// RecurringPeriodicJob issues recurring invoices every day at hour in loc.
func RecurringPeriodicJob(hour int, loc *time.Location) *river.PeriodicJob {
	return river.NewPeriodicJob(DailyAt{Hour: hour, Location: loc},
		func() (river.JobArgs, *river.InsertOpts) { return RecurringArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
