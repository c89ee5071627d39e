package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/ledgvero/ledgvero/billing"
)

// cmdReport prints receivables reports: aging, KPIs and a customer's statement.
func cmdReport(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		return usageError{"expected `report aging`, `report kpis` or `report statement`"}
	}
	kind, rest := args[0], args[1:]
	fs := newFlagSet("report "+kind, a.stdout)
	format := fs.String("format", "table", "output format: table, csv or json (kpis: table or json)")
	asOfText := fs.String("as-of", "", "report date YYYY-MM-DD in the seller's zone; default today")
	fromText := fs.String("from", "", "kpis: first day of the period, YYYY-MM-DD")
	toText := fs.String("to", "", "kpis: last day of the period, YYYY-MM-DD (included)")
	customer := fs.String("customer", "", "statement: the customer's external id")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return usageError{fmt.Sprintf("invalid --format %q: use table, csv or json", *format)}
	}
	asOf := a.today()
	if *asOfText != "" {
		d, err := billing.ParseDate(*asOfText)
		if err != nil {
			return usageError{"invalid --as-of: " + err.Error()}
		}
		asOf = d
	}
	if err := requireSchema(ctx, a); err != nil {
		return err
	}

	switch kind {
	case "aging":
		r, err := billing.Aging(ctx, a.pool, asOf)
		if err != nil {
			return err
		}
		return writeAging(a.stdout, r, *format)
	case "kpis":
		if *format == "csv" {
			return usageError{"invalid --format csv for kpis: use table or json"}
		}
		from, err := billing.ParseDate(*fromText)
		if err != nil {
			return usageError{"invalid or missing --from: " + err.Error()}
		}
		to, err := billing.ParseDate(*toText)
		if err != nil {
			return usageError{"invalid or missing --to: " + err.Error()}
		}
		if to.Before(from) {
			return usageError{"--to is before --from"}
		}
		r, err := billing.PeriodKPIs(ctx, a.pool, from, to)
		if err != nil {
			return err
		}
		return writeKPIs(a.stdout, r, *format)
	case "statement":
		if *customer == "" {
			return usageError{"missing --customer EXTERNAL_ID"}
		}
		id, err := billing.CustomerIDByExternalID(ctx, a.pool, *customer)
		if errors.Is(err, billing.ErrNotFound) {
			return fmt.Errorf("no customer has the external id %q", *customer)
		}
		if err != nil {
			return err
		}
		st, err := billing.Statement(ctx, a.pool, id, asOf)
		if err != nil {
			return err
		}
		return writeStatement(a.stdout, st, *format)
	}
	return usageError{fmt.Sprintf("unknown report %q: use aging, kpis or statement", kind)}
}

// bucketJSON maps bucket names to decimal amounts in major units.
func bucketJSON(b billing.AgingBalances) map[string]string {
	out := map[string]string{}
	for i, m := range b.Values() {
		out[billing.AgingBucketNames[i]] = m.Decimal()
	}
	return out
}

type agingCustomerJSON struct {
	ExternalID string            `json:"external_id"`
	Name       string            `json:"name"`
	Total      string            `json:"total"`
	Buckets    map[string]string `json:"buckets"`
}

type agingJSON struct {
	AsOf      string              `json:"as_of"`
	Currency  string              `json:"currency"`
	Total     string              `json:"total"`
	Buckets   map[string]string   `json:"buckets"`
	Customers []agingCustomerJSON `json:"customers"`
}

func writeAging(w io.Writer, r billing.AgingReport, format string) error {
	switch format {
	case "json":
		out := agingJSON{AsOf: r.AsOf.String(), Currency: r.Currency, Total: r.Buckets.Total().Decimal(),
			Buckets: bucketJSON(r.Buckets), Customers: []agingCustomerJSON{}}
		for _, c := range r.Customers {
			out.Customers = append(out.Customers, agingCustomerJSON{ExternalID: c.ExternalID, Name: c.Name,
				Total: c.Buckets.Total().Decimal(), Buckets: bucketJSON(c.Buckets)})
		}
		return writeJSON(w, out)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(append([]string{"external_id", "name", "total"}, billing.AgingBucketNames...)) //nolint:errcheck // checked by Flush
		row := func(ext, name string, b billing.AgingBalances) {
			cells := []string{billing.SafeCSVCell(ext), billing.SafeCSVCell(name), b.Total().Decimal()}
			for _, m := range b.Values() {
				cells = append(cells, m.Decimal())
			}
			cw.Write(cells) //nolint:errcheck // checked by Flush
		}
		for _, c := range r.Customers {
			row(c.ExternalID, c.Name, c.Buckets)
		}
		row("", "Total", r.Buckets)
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "Aging as of %s (%s)\n", r.AsOf, r.Currency)
	fmt.Fprintln(tw, "customer\tname\ttotal\tcurrent\t1-30\t31-60\t61-90\t91+\t")
	line := func(ext, name string, b billing.AgingBalances) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t", ext, name, b.Total().Decimal())
		for _, m := range b.Values() {
			fmt.Fprintf(tw, "%s\t", m.Decimal())
		}
		fmt.Fprintln(tw)
	}
	for _, c := range r.Customers {
		line(c.ExternalID, c.Name, c.Buckets)
	}
	line("", "Total", r.Buckets)
	return tw.Flush()
}

type kpiJSON struct {
	From             string  `json:"from"`
	To               string  `json:"to"`
	Days             int     `json:"days"`
	Currency         string  `json:"currency"`
	DSO              float64 `json:"dso"`
	BestPossibleDSO  float64 `json:"best_possible_dso"`
	ADD              float64 `json:"add"`
	CEI              float64 `json:"cei"`
	AvgDaysToPay     float64 `json:"average_days_to_pay"`
	SharePaidLate    float64 `json:"share_paid_late"`
	DisputeRate      float64 `json:"dispute_rate"`
	CreditSales      string  `json:"credit_sales"`
	OpeningAR        string  `json:"opening_ar"`
	ClosingAR        string  `json:"closing_ar"`
	ClosingCurrentAR string  `json:"closing_current_ar"`
	InvoicesIssued   int     `json:"invoices_issued"`
	InvoicesSettled  int     `json:"invoices_settled"`
	InvoicesPaidLate int     `json:"invoices_paid_late"`
	InvoicesDisputed int     `json:"invoices_disputed"`
}

func writeKPIs(w io.Writer, r billing.KPIReport, format string) error {
	out := kpiJSON{
		From: r.From.String(), To: r.To.String(), Days: r.Days, Currency: r.Currency,
		DSO: r.DSO, BestPossibleDSO: r.BestPossibleDSO, ADD: r.ADD, CEI: r.CEI,
		AvgDaysToPay: r.AvgDaysToPay, SharePaidLate: r.SharePaidLate, DisputeRate: r.DisputeRate,
		CreditSales: r.CreditSales.Decimal(), OpeningAR: r.OpeningAR.Decimal(), ClosingAR: r.ClosingAR.Decimal(),
		ClosingCurrentAR: r.ClosingCurrentAR.Decimal(), InvoicesIssued: r.InvoicesIssued,
		InvoicesSettled: r.InvoicesSettled, InvoicesPaidLate: r.InvoicesPaidLate, InvoicesDisputed: r.InvoicesDisputed,
	}
	if format == "json" {
		return writeJSON(w, out)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "KPIs %s to %s (%d days, %s)\n", out.From, out.To, out.Days, out.Currency)
	rows := [][2]string{
		{"DSO (days)", fmt.Sprintf("%.2f", out.DSO)},
		{"Best possible DSO (days)", fmt.Sprintf("%.2f", out.BestPossibleDSO)},
		{"Average days delinquent", fmt.Sprintf("%.2f", out.ADD)},
		{"CEI (%)", fmt.Sprintf("%.2f", out.CEI)},
		{"Average days to pay", fmt.Sprintf("%.2f", out.AvgDaysToPay)},
		{"Paid late (%)", fmt.Sprintf("%.2f", out.SharePaidLate)},
		{"Dispute rate (%)", fmt.Sprintf("%.2f", out.DisputeRate)},
		{"Credit sales", out.CreditSales},
		{"Opening AR", out.OpeningAR},
		{"Closing AR", out.ClosingAR},
		{"Closing current AR", out.ClosingCurrentAR},
		{"Invoices issued / settled / paid late / disputed", fmt.Sprintf("%d / %d / %d / %d",
			out.InvoicesIssued, out.InvoicesSettled, out.InvoicesPaidLate, out.InvoicesDisputed)},
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", r[0], r[1])
	}
	return tw.Flush()
}

type statementItemJSON struct {
	Number      string `json:"number"`
	IssueDate   string `json:"issue_date"`
	DueDate     string `json:"due_date"`
	Total       string `json:"total"`
	Open        string `json:"open"`
	DaysOverdue int    `json:"days_overdue"`
}

type statementEntryJSON struct {
	Date      string `json:"date"`
	Kind      string `json:"kind"`
	Reference string `json:"reference"`
	Amount    string `json:"amount"`
	Balance   string `json:"balance"`
}

type statementJSON struct {
	ExternalID string               `json:"external_id"`
	Name       string               `json:"name"`
	AsOf       string               `json:"as_of"`
	Currency   string               `json:"currency"`
	TotalDue   string               `json:"total_due"`
	Credit     string               `json:"customer_credit"`
	Balance    string               `json:"balance"`
	OpenItems  []statementItemJSON  `json:"open_items"`
	Activity   []statementEntryJSON `json:"activity"`
}

func writeStatement(w io.Writer, st billing.CustomerStatement, format string) error {
	out := statementJSON{ExternalID: st.ExternalID, Name: st.Name, AsOf: st.AsOf.String(), Currency: st.TotalDue.Currency,
		TotalDue: st.TotalDue.Decimal(), Credit: st.Credit.Decimal(), Balance: st.Balance.Decimal(),
		OpenItems: []statementItemJSON{}, Activity: []statementEntryJSON{}}
	for _, l := range st.OpenItems {
		out.OpenItems = append(out.OpenItems, statementItemJSON{Number: l.Number, IssueDate: l.IssueDate.String(),
			DueDate: l.DueDate.String(), Total: l.Total.Decimal(), Open: l.Open.Decimal(), DaysOverdue: l.DaysOverdue})
	}
	for _, e := range st.Activity {
		out.Activity = append(out.Activity, statementEntryJSON{Date: e.Date.String(), Kind: e.Kind, Reference: e.Reference,
			Amount: e.Amount.Decimal(), Balance: e.Balance.Decimal()})
	}
	switch format {
	case "json":
		return writeJSON(w, out)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"date", "kind", "reference", "amount", "balance"}) //nolint:errcheck // checked by Flush
		for _, e := range out.Activity {
			cw.Write([]string{e.Date, e.Kind, billing.SafeCSVCell(e.Reference), e.Amount, e.Balance}) //nolint:errcheck // checked by Flush
		}
		cw.Flush()
		return cw.Error()
	}
	fmt.Fprintf(w, "Statement of %s (%s) as of %s, in %s\n\nOpen items\n", out.Name, out.ExternalID, out.AsOf, out.Currency)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "invoice\tissued\tdue\ttotal\topen\tdays overdue")
	for _, l := range out.OpenItems {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", l.Number, l.IssueDate, l.DueDate, l.Total, l.Open, l.DaysOverdue)
	}
	tw.Flush() //nolint:errcheck // the final Flush reports write errors
	fmt.Fprintln(w, "\nActivity")
	fmt.Fprintln(tw, "date\tkind\treference\tamount\tbalance")
	for _, e := range out.Activity {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Date, e.Kind, e.Reference, e.Amount, e.Balance)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nTotal due: %s   Customer credit: %s   Balance: %s\n", out.TotalDue, out.Credit, out.Balance)
	return err
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
