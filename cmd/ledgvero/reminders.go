package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

// cmdReminders runs the day's collections work or reports on template variants.
func cmdReminders(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && args[0] == "variants" {
		return cmdReminderVariants(ctx, a, args[1:])
	}
	if len(args) == 0 || args[0] != "run" {
		return usageError{"missing action: use `reminders run [--as-of YYYY-MM-DD] [--customer ID] [--format table|json]` " +
			"or `reminders variants [--since YYYY-MM-DD] [--until YYYY-MM-DD]`"}
	}
	fs := newFlagSet("reminders run", a.stdout)
	asOfFlag := fs.String("as-of", "", "evaluate the cadence for this date, YYYY-MM-DD (default: today in ORG_TIMEZONE)")
	customer := fs.Int64("customer", 0, "evaluate one customer by id (default: every customer)")
	format := fs.String("format", "table", "output format: table or json")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return usageError{fmt.Sprintf("invalid --format %q: use table or json", *format)}
	}
	asOf := a.today()
	if *asOfFlag != "" {
		d, err := billing.ParseDate(*asOfFlag)
		if err != nil {
			return usageError{"--as-of: " + err.Error()}
		}
		asOf = d
	}
	if err := requireSchema(ctx, a); err != nil {
		return err
	}

	engine, err := newReminderEngine(a)
	if err != nil {
		return err
	}
	// Without --customer this is the daily run itself: late fees, credit
	// limits and installment notices first, then the cadence, and the day
	// counts as run. One customer gets the cadence only, as "send now" does.
	var out dailyOutput
	if *customer != 0 {
		out.RunResult, err = engine.Run(ctx, collect.RunOptions{
			AsOf: asOf, CustomerID: *customer, Actor: billing.SystemActor("cli"), Source: "cli",
		})
	} else {
		var daily collect.DailyResult
		daily, err = engine.DailyBy(ctx, asOf, billing.SystemActor("cli"), "cli")
		out = dailyOutput{RunResult: daily.Reminders, LateFees: daily.LateFees, LimitHolds: daily.CreditHolds,
			InstallmentNotices: daily.InstallmentNotices}
	}
	if err != nil {
		return err
	}
	res := out.RunResult

	if *format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "as of\t%s\n", res.AsOf)
	if *customer == 0 {
		fmt.Fprintf(w, "late fees charged\t%d\n", out.LateFees)
		fmt.Fprintf(w, "customers held over their credit limit\t%d\n", out.LimitHolds)
		fmt.Fprintf(w, "installment notices queued\t%d\n", out.InstallmentNotices)
	}
	fmt.Fprintf(w, "e-mails queued\t%d\n", res.Sent)
	fmt.Fprintf(w, "invoice steps handled\t%d\n", res.Invoices)
	fmt.Fprintf(w, "staff tasks opened\t%d\n", res.Tasks)
	fmt.Fprintf(w, "credit holds placed\t%d\n", res.CreditHolds)
	reasons := make([]string, 0, len(res.Skipped))
	for r := range res.Skipped {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(w, "held back: %s\t%d\n", strings.ReplaceAll(r, "_", " "), res.Skipped[r])
	}
	return w.Flush()
}

// dailyOutput is the output of `reminders run`: the cadence's result, and the
// other work of the daily run when the run covered every customer.
type dailyOutput struct {
	collect.RunResult
	LateFees           int `json:"late_fees"`
	LimitHolds         int `json:"credit_limit_holds"`
	InstallmentNotices int `json:"installment_notices"`
}

// newReminderEngine builds the cadence engine. It queues e-mail through an
// insert-only job client; the serve processes deliver it.
func newReminderEngine(a *app) (*collect.Engine, error) {
	jobs, err := outbox.NewInserter(a.pool)
	if err != nil {
		return nil, err
	}
	return &collect.Engine{
		Pool: a.pool, Jobs: jobs, BaseURL: a.cfg.BaseURL, From: a.cfg.MailFrom, OrgName: a.cfg.OrgName,
		Logger: a.logger.With("component", "reminders"), Now: a.now,
	}, nil
}

// newInvoiceMailer builds the mailer that e-mails new invoices.
func newInvoiceMailer(a *app) (*collect.InvoiceMailer, error) {
	jobs, err := outbox.NewInserter(a.pool)
	if err != nil {
		return nil, err
	}
	return &collect.InvoiceMailer{
		Pool: a.pool, Jobs: jobs, BaseURL: a.cfg.BaseURL, OrgName: a.cfg.OrgName,
		Logger: a.logger.With("component", "invoice_delivery"), Now: a.now, Location: a.cfg.OrgTimezone,
	}, nil
}

// cmdReminderVariants prints, per step with two template variants, how many
// reminded invoices each variant got paid within 7 days.
func cmdReminderVariants(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("reminders variants", a.stdout)
	today := a.today()
	since := fs.String("since", today.AddDays(-90).String(), "first day of reminders counted, YYYY-MM-DD")
	until := fs.String("until", today.String(), "last day of reminders counted, YYYY-MM-DD")
	format := fs.String("format", "table", "output format: table or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	from, err := billing.ParseDate(*since)
	if err != nil {
		return usageError{"--since: " + err.Error()}
	}
	to, err := billing.ParseDate(*until)
	if err != nil {
		return usageError{"--until: " + err.Error()}
	}
	if *format != "table" && *format != "json" {
		return usageError{fmt.Sprintf("invalid --format %q: use table or json", *format)}
	}
	if err := requireSchema(ctx, a); err != nil {
		return err
	}

	report, err := collect.VariantReport(ctx, a.pool, from, to)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "policy\tstep\tvariant\ttemplate\treminded\tpaid within 7 days")
	for _, r := range report {
		fmt.Fprintf(w, "%s\t%s (%+d days)\t%s\t%s\t%d\t%d (%.1f%%)\n",
			r.Segment, r.Tone, r.OffsetDays, r.Variant, r.Template, r.Reminded, r.PaidIn7Days, r.PaidIn7DaysPct)
	}
	if len(report) == 0 {
		fmt.Fprintln(w, "no step used two template variants in this period")
	}
	return w.Flush()
}
