package importer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/billing/importer"
)

func importFile(t *testing.T, pool *pgxpool.Pool, path, preset string, opts importer.Options) (importer.Report, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	opts.FileName = path
	return importer.Import(context.Background(), pool, f, preset, opts)
}

func importString(t *testing.T, pool *pgxpool.Pool, data, preset string, opts importer.Options) (importer.Report, error) {
	t.Helper()
	opts.FileName = preset + ".csv"
	return importer.Import(context.Background(), pool, strings.NewReader(data), preset, opts)
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// ibmInvoice is one row of the IBM sample, parsed in the test without the importer.
type ibmInvoice struct {
	issue, due, settled time.Time
	cents               int64
	disputed            bool
}

func readIBM(t *testing.T) []ibmInvoice {
	t.Helper()
	f, err := os.Open("testdata/ibm-ar.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	parse := func(s string) time.Time {
		d, err := time.Parse("1/2/2006", s)
		if err != nil {
			t.Fatalf("date %q: %v", s, err)
		}
		return d
	}
	var out []ibmInvoice
	for _, r := range recs[1:] {
		dollars, cents, _ := strings.Cut(r[6], ".")
		cents = (cents + "00")[:2]
		n, err := strconv.ParseInt(dollars+cents, 10, 64)
		if err != nil {
			t.Fatalf("amount %q: %v", r[6], err)
		}
		out = append(out, ibmInvoice{issue: parse(r[4]), due: parse(r[5]), settled: parse(r[8]), cents: n, disputed: r[7] == "Yes"})
	}
	return out
}

// expectedAging computes the buckets on asOf straight from the rows: an invoice is
// open from its issue date until the day before it was settled.
func expectedAging(rows []ibmInvoice, asOf time.Time) [5]int64 {
	var b [5]int64
	for _, r := range rows {
		if r.issue.After(asOf) || !r.settled.After(asOf) {
			continue
		}
		days := int(asOf.Sub(r.due).Hours() / 24)
		switch {
		case days <= 0:
			b[0] += r.cents
		case days <= 30:
			b[1] += r.cents
		case days <= 60:
			b[2] += r.cents
		case days <= 90:
			b[3] += r.cents
		default:
			b[4] += r.cents
		}
	}
	return b
}

func TestImportIBMAgingAndDSO(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	rep, err := importFile(t, pool, "testdata/ibm-ar.csv", "ibm-ar", importer.Options{})
	if err != nil {
		t.Fatalf("import: %v, problems %v", err, rep.Problems)
	}
	if rep.Invoices.Created != 2466 || rep.Customers.Created != 100 || rep.Payments.Created != 2466 || rep.Disputes.Created != 561 {
		t.Errorf("created %+v customers, %+v invoices, %+v payments, %+v disputes; want 100, 2466, 2466, 561",
			rep.Customers, rep.Invoices, rep.Payments, rep.Disputes)
	}
	if got := count(t, pool, `SELECT sum(total_minor) FROM invoices`); got != 14770318 {
		t.Errorf("sum of totals = %d, want 14770318", got)
	}
	if got := count(t, pool, `SELECT count(*) FROM invoices WHERE number = '0000611365'`); got != 1 {
		t.Errorf("invoice 0000611365 (leading zeros) found %d times, want 1", got)
	}

	rows := readIBM(t)
	for _, day := range []string{"2012-06-30", "2013-06-30", "2013-12-31"} {
		asOf, _ := time.Parse("2006-01-02", day)
		want := expectedAging(rows, asOf)
		r, err := billing.Aging(ctx, pool, billing.DateOf(asOf))
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range r.Buckets.Values() {
			if m.Amount != want[i] {
				t.Errorf("aging %s bucket %s = %d, want %d", day, billing.AgingBucketNames[i], m.Amount, want[i])
			}
		}

		from := asOf.AddDate(0, 0, -89)
		var sales, closing, current int64
		for _, row := range rows {
			if !row.issue.Before(from) && !row.issue.After(asOf) {
				sales += row.cents
			}
		}
		for i, v := range want {
			closing += v
			if i == 0 {
				current += v
			}
		}
		k, err := billing.PeriodKPIs(ctx, pool, billing.DateOf(from), billing.DateOf(asOf))
		if err != nil {
			t.Fatal(err)
		}
		wantDSO := math.Round(float64(closing)/float64(sales)*90*100) / 100
		if k.DSO != wantDSO || k.CreditSales.Amount != sales || k.ClosingAR.Amount != closing {
			t.Errorf("KPIs to %s: DSO %.2f, sales %d, closing %d; want %.2f, %d, %d", day, k.DSO, k.CreditSales.Amount,
				k.ClosingAR.Amount, wantDSO, sales, closing)
		}
		var opening int64
		for _, v := range expectedAging(rows, from.AddDate(0, 0, -1)) {
			opening += v
		}
		if k.OpeningAR.Amount != opening {
			t.Errorf("opening AR for the period to %s = %d, want %d", day, k.OpeningAR.Amount, opening)
		}
		wantBest := math.Round(float64(current)/float64(sales)*90*100) / 100
		if k.BestPossibleDSO != wantBest {
			t.Errorf("best possible DSO to %s = %.2f, want %.2f", day, k.BestPossibleDSO, wantBest)
		}
	}

	events := count(t, pool, `SELECT count(*) FROM timeline_events`)
	again, err := importFile(t, pool, "testdata/ibm-ar.csv", "ibm-ar", importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Invoices.Created+again.Invoices.Updated+again.Payments.Created+again.Payments.Updated+again.Disputes.Created != 0 {
		t.Errorf("second import changed records: %+v", again)
	}
	if got := count(t, pool, `SELECT count(*) FROM timeline_events`); got != events {
		t.Errorf("second import added %d timeline events, want 0", got-events)
	}
}

func TestImportIBMChangedRow(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	raw, err := os.ReadFile("testdata/ibm-ar.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := importString(t, pool, string(raw), "ibm-ar", importer.Options{}); err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(raw), "0000611365,1/2/2013,2/1/2013,55.94,No,1/15/2013", "0000611365,1/2/2013,2/1/2013,55.94,No,2/20/2013", 1)
	rep, err := importString(t, pool, changed, "ibm-ar", importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Payments.Updated != 1 || rep.Invoices.Updated != 0 {
		t.Errorf("updated %d payments and %d invoices, want 1 and 0", rep.Payments.Updated, rep.Invoices.Updated)
	}
	if got := count(t, pool, `SELECT count(*) FROM invoices WHERE number = '0000611365' AND settled_on = '2013-02-20'`); got != 1 {
		t.Error("the invoice is not settled on the new date 2013-02-20")
	}
	if got := count(t, pool, `SELECT count(*) FROM timeline_events WHERE kind = 'payment.updated'`); got != 1 {
		t.Errorf("%d payment.updated events, want 1", got)
	}
}

func TestImportIBMRepeatedRowIsOneInvoice(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	data := "countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,Disputed,SettledDate,PaperlessBill,DaysToSettle,DaysLate\n" +
		"391,0379-NEVHP,4/6/2013,0000611365,1/2/2013,2/1/2013,55.94,Yes,1/15/2013,Paper,13,0\n" +
		"391,0379-NEVHP,4/6/2013,0000611365,1/2/2013,2/1/2013,55.94,Yes,1/15/2013,Paper,13,0\n"
	rep, err := importString(t, pool, data, "ibm-ar", importer.Options{})
	if err != nil {
		t.Fatalf("import: %v %v", err, rep.Problems)
	}
	if got := count(t, pool, `SELECT total_minor FROM invoices WHERE number = '0000611365'`); got != 5594 {
		t.Errorf("total = %d, want 5594", got)
	}
	if rep.Invoices.Created != 1 || rep.Payments.Created != 1 || rep.Disputes.Created != 1 {
		t.Errorf("created %d invoices, %d payments, %d disputes; want 1 each", rep.Invoices.Created, rep.Payments.Created, rep.Disputes.Created)
	}
	if got := count(t, pool, `SELECT count(*) FROM invoice_lines`); got != 1 {
		t.Errorf("%d invoice lines, want 1", got)
	}
}

func TestImportXeroRejectsDueBeforeIssue(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	rep, err := importFile(t, pool, "testdata/xero-sales-invoice-mock-sample.csv", "xero", importer.Options{})
	if !errors.Is(err, importer.ErrInvalid) {
		t.Fatalf("error = %v, want ErrInvalid", err)
	}
	if rep.Rejected != 5 {
		t.Errorf("rejected %d rows, want 5: %v", rep.Rejected, rep.Problems)
	}
	for _, p := range rep.Problems {
		if p.Column != "DueDate" || !strings.Contains(p.Reason, "before the issue date") {
			t.Errorf("problem %v, want a DueDate before the issue date", p)
		}
	}
	if got := count(t, pool, `SELECT count(*) FROM invoices`); got != 0 {
		t.Errorf("%d invoices written after a rejected import, want 0", got)
	}

	var rejects bytes.Buffer
	rep, err = importFile(t, pool, "testdata/xero-sales-invoice-mock-sample.csv", "xero",
		importer.Options{SkipInvalid: true, Rejects: &rejects})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Invoices.Created != 5 || rep.Customers.Created != 5 {
		t.Errorf("created %d invoices and %d customers, want 5 and 5", rep.Invoices.Created, rep.Customers.Created)
	}
	recs, err := csv.NewReader(&rejects).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 || recs[0][0] != "row" || recs[0][3] != "*ContactName" {
		t.Errorf("rejects file has %d records, header %v; want header plus 5", len(recs), recs[0])
	}
	if got := count(t, pool, `SELECT total_minor FROM invoices WHERE number = '48'`); got != 24300 {
		t.Errorf("invoice 48 total = %d, want 81 x 3.00 = 24300", got)
	}
}

const quickbooksCSV = `Invoice List
Acme Industrial Supply
"January 1-March 31, 2026"

Date,Transaction Type,Num,Customer,Due Date,Amount,Open Balance,Status
01/05/2026,Invoice,1001,Globex Corporation,02/04/2026,"$1,250.00",1250.00,Open
01/20/2026,Invoice,1002,Globex Corporation,02/19/2026,800.00,300.00,Partial
02/02/2026,Invoice,1003,Initech,03/04/2026,99.95,0.00,Paid
TOTAL,,,,,"2,149.95",1550.00,
`

func TestImportQuickBooks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	today := billing.NewDate(2026, 3, 1)
	rep, err := importString(t, pool, quickbooksCSV, "quickbooks", importer.Options{Today: today})
	if err != nil {
		t.Fatalf("import: %v %v", err, rep.Problems)
	}
	if rep.Rows != 3 || rep.Invoices.Created != 3 || rep.Payments.Created != 2 {
		t.Errorf("rows %d, invoices %d, payments %d; want 3, 3, 2", rep.Rows, rep.Invoices.Created, rep.Payments.Created)
	}
	r, err := billing.Aging(ctx, pool, today)
	if err != nil {
		t.Fatal(err)
	}
	if r.Buckets.Total().Amount != 155000 {
		t.Errorf("open on %s = %s, want 1550.00", today, r.Buckets.Total().Decimal())
	}

	again, err := importString(t, pool, quickbooksCSV, "quickbooks", importer.Options{Today: today.AddDays(7)})
	if err != nil {
		t.Fatal(err)
	}
	if again.Payments.Updated != 0 || again.Payments.Unchanged != 2 {
		t.Errorf("import a week later: payments %+v, want 2 unchanged", again.Payments)
	}
}

const ledgveroCSV = `record,customer_id,customer_name,currency,terms_days,contact_email,contact_name,invoice_id,issue_date,due_date,description,quantity,amount,tax,payment_id,payment_date,method
customer,ACME,Acme Corp,USD,30,,,,,,,,,,,,
customer,TOKYO,Tokyo Trading,JPY,45,,,,,,,,,,,,
contact,ACME,,,,ap@acme.example,Accounts Payable,,,,,,,,,,
invoice,ACME,,,,,,A-1,2026-01-10,,Widgets,3,100.50,0,,,
invoice,ACME,,,,,,A-1,2026-01-10,,Freight,,20.00,1.50,,,
invoice,ACME,,,,,,A-2,2026-02-01,2026-02-15,Service,,500.00,,,,
invoice,TOKYO,,,,,,T-1,2026-01-15,,Consulting,,150000,,,,
payment,ACME,,,,,,A-1,,,,,200.00,,P-1,2026-02-01,wire
payment,ACME,,,,,,,,,,,400.00,,P-2,2026-02-20,check
payment,TOKYO,,,,,,,,,,,150000,,P-3,2026-02-10,wire
`

func TestImportLedgvero(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	rep, err := importString(t, pool, ledgveroCSV, "ledgvero", importer.Options{})
	if err != nil {
		t.Fatalf("import: %v %v", err, rep.Problems)
	}
	if rep.Customers.Created != 2 || rep.Contacts.Created != 1 || rep.Invoices.Created != 3 || rep.Payments.Created != 3 {
		t.Errorf("report %+v", rep)
	}
	// 3 x 100.50 + 20.00 + 1.50 tax = 323.00; P-1 pays 200.00 of it. P-2 (400.00)
	// goes oldest first: 123.00 to A-1, 277.00 to A-2.
	checks := []struct {
		number string
		open   int64
		due    string
	}{
		{"A-1", 0, "2026-02-09"},
		{"A-2", 22300, "2026-02-15"},
		{"T-1", 0, "2026-03-01"},
	}
	for _, c := range checks {
		var open int64
		var due billing.Date
		if err := pool.QueryRow(ctx, `SELECT open_minor, due_date FROM invoices WHERE number = $1`, c.number).Scan(&open, &due); err != nil {
			t.Fatal(err)
		}
		if open != c.open || due.String() != c.due {
			t.Errorf("%s: open %d due %s, want %d due %s", c.number, open, due, c.open, c.due)
		}
	}

	again, err := importString(t, pool, ledgveroCSV, "ledgvero", importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Invoices.Created+again.Invoices.Updated+again.Payments.Created+again.Payments.Updated+again.Customers.Updated != 0 {
		t.Errorf("second import changed records: %+v", again)
	}

	changed := strings.Replace(ledgveroCSV, "A-2,2026-02-01,2026-02-15,Service,,500.00", "A-2,2026-02-01,2026-02-15,Service,,550.00", 1)
	rep, err = importString(t, pool, changed, "ledgvero", importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Invoices.Updated != 1 {
		t.Errorf("updated %d invoices, want 1", rep.Invoices.Updated)
	}
	if got := count(t, pool, `SELECT open_minor FROM invoices WHERE number = 'A-2'`); got != 27300 {
		t.Errorf("A-2 open after the change = %d, want 27300", got)
	}
	if got := count(t, pool, `SELECT count(*) FROM timeline_events WHERE kind = 'invoice.updated' AND details->>'old_total' = '500.00'`); got != 1 {
		t.Errorf("%d invoice.updated events with the old total, want 1", got)
	}
}

func TestImportLedgveroInvalidRows(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	header := "record,customer_id,customer_name,currency,invoice_id,invoice_number,issue_date,due_date,amount\n"
	cases := []struct {
		name, rows, column, reason string
	}{
		{"impossible date", "invoice,C,,,I-1,,2026-02-30,,10.00\n", "issue_date", "invalid or impossible date"},
		{"negative amount", "invoice,C,,,I-1,,2026-02-01,,-10.00\n", "amount", "negative amount"},
		{"too many decimals", "invoice,C,,USD,I-1,,2026-02-01,,10.001\n", "amount", "decimals"},
		{"too many decimals for JPY", "invoice,J,,,I-1,,2026-02-01,,10.5\n", "amount", "more decimals than JPY"},
		{"unknown currency", "customer,X,X Ltd,ZZZ,,,,,\n", "currency", "unknown currency"},
		{"due before issue", "invoice,C,,,I-1,,2026-02-01,2026-01-01,10.00\n", "due_date", "before the issue date"},
		{"missing field", "invoice,C,,,,,2026-02-01,,10.00\n", "invoice_id", "missing value"},
		{"unknown customer", "invoice,NOPE,,,I-1,,2026-02-01,,10.00\n", "customer_id", "unknown customer"},
		{"same number different content", "invoice,C,,,I-1,,2026-02-01,,10.00\ninvoice,C,,,I-1,,2026-02-02,,10.00\n", "invoice_id", "different content"},
		{"one number two invoices", "invoice,C,,,I-1,N-1,2026-02-01,,10.00\ninvoice,C,,,I-2,N-1,2026-02-01,,10.00\n", "invoice_id", "different invoices"},
	}
	customers := "customer,C,C Ltd,USD,,,,,\ncustomer,J,J KK,JPY,,,,,\n"
	for _, c := range cases {
		rep, err := importString(t, pool, header+customers+c.rows, "ledgvero", importer.Options{})
		if !errors.Is(err, importer.ErrInvalid) {
			t.Errorf("%s: error = %v, want ErrInvalid", c.name, err)
			continue
		}
		found := false
		for _, p := range rep.Problems {
			if p.Column == c.column && strings.Contains(p.Reason, c.reason) && p.Row > 3 {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: problems %v, want column %s with %q", c.name, rep.Problems, c.column, c.reason)
		}
	}
	if got := count(t, pool, `SELECT count(*) FROM customers`); got != 0 {
		t.Errorf("%d customers written by rejected imports, want 0", got)
	}
}
