package importer

import (
	"bufio"
	"fmt"
	"io"
	"math/rand"
	"time"
)

// GenerateIBM writes a synthetic CSV in the ibm-ar layout with rows invoices of
// the given number of customers, for benchmarks and load tests. Invoices are
// issued over two years from 2022-01-01, due 30 days later; about 95% are settled
// 0 to 60 days after issue and about 20% are marked disputed. The same seed
// writes the same file.
func GenerateIBM(w io.Writer, rows, customers int, seed int64) error {
	rng := rand.New(rand.NewSource(seed))
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := bw.WriteString("countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,Disputed,SettledDate,PaperlessBill,DaysToSettle,DaysLate\n"); err != nil {
		return err
	}
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	mdy := func(t time.Time) string { return fmt.Sprintf("%d/%d/%d", t.Month(), t.Day(), t.Year()) }
	for i := range rows {
		issue := start.AddDate(0, 0, rng.Intn(730))
		due := issue.AddDate(0, 0, 30)
		disputed := "No"
		if rng.Intn(5) == 0 {
			disputed = "Yes"
		}
		settled, daysToSettle, daysLate := "", "", ""
		if rng.Intn(20) != 0 {
			days := rng.Intn(61)
			settled = mdy(issue.AddDate(0, 0, days))
			daysToSettle = fmt.Sprint(days)
			daysLate = fmt.Sprint(max(0, days-30))
		}
		_, err := fmt.Fprintf(bw, "391,C%05d-GEN,%s,%010d,%s,%s,%d.%02d,%s,%s,Electronic,%s,%s\n",
			rng.Intn(customers), mdy(issue), i+1, mdy(issue), mdy(due), 10+rng.Intn(5000), rng.Intn(100),
			disputed, settled, daysToSettle, daysLate)
		if err != nil {
			return err
		}
	}
	return bw.Flush()
}
