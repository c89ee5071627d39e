package backoffice

import (
	"context"
	"regexp"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

func TestTimelineDatesIssuedInvoice(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.signIn(t, "admin@example.com", billing.RoleAdmin)
	var customerID int64
	var number string
	var issued billing.Date
	err := ts.pool.QueryRow(context.Background(), `SELECT customer_id, number, issue_date FROM invoices ORDER BY issue_date, id LIMIT 1`).
		Scan(&customerID, &number, &issued)
	if err != nil {
		t.Fatal(err)
	}

	_, body := get(t, c, ts.URL+customerURL(customerID))
	// The demo invoices are recorded when the demo loads, weeks after their issue dates.
	line := regexp.MustCompile(`title="Recorded [^"]+">([^<]*)</time> <strong>Invoice ` + regexp.QuoteMeta(number) + ` issued`).FindStringSubmatch(body)
	if line == nil {
		t.Fatalf("no issued line for %s on the timeline", number)
	}
	if line[1] != issued.Format() {
		t.Errorf("issued line dated %q, want the issue date %q", line[1], issued.Format())
	}
}
