package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ledgvero/ledgvero/billing/dbtest"
)

func runCLI(t *testing.T, dbURL string, args ...string) (int, string, string) {
	t.Helper()
	env := map[string]string{"DATABASE_URL": dbURL, "ORG_TIMEZONE": "America/New_York"}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestImportThenAgingReport(t *testing.T) {
	t.Parallel()
	url := dbtest.URL(t)
	code, out, errOut := runCLI(t, url, "import", "--preset", "ibm-ar", "../../billing/importer/testdata/ibm-ar.csv")
	if code != 0 {
		t.Fatalf("import exit %d: %s %s", code, out, errOut)
	}
	if !strings.Contains(out, "2466 rows read, 0 rejected; imported") {
		t.Errorf("import output %q, want the row count", out)
	}

	code, out, errOut = runCLI(t, url, "report", "aging", "--as-of", "2013-06-30", "--format", "json")
	if code != 0 {
		t.Fatalf("report exit %d: %s", code, errOut)
	}
	var aging struct {
		AsOf      string            `json:"as_of"`
		Currency  string            `json:"currency"`
		Total     string            `json:"total"`
		Buckets   map[string]string `json:"buckets"`
		Customers []struct {
			ExternalID string            `json:"external_id"`
			Total      string            `json:"total"`
			Buckets    map[string]string `json:"buckets"`
		} `json:"customers"`
	}
	if err := json.Unmarshal([]byte(out), &aging); err != nil {
		t.Fatalf("aging JSON: %v\n%s", err, out)
	}
	want := map[string]string{"current": "4284.29", "1-30": "835.56", "31-60": "0.00", "61-90": "0.00", "91+": "0.00"}
	for k, v := range want {
		if aging.Buckets[k] != v {
			t.Errorf("bucket %s = %q, want %q", k, aging.Buckets[k], v)
		}
	}
	if aging.Total != "5119.85" || aging.Currency != "USD" || aging.AsOf != "2013-06-30" || len(aging.Customers) == 0 {
		t.Errorf("aging header = %s %s %s with %d customers", aging.AsOf, aging.Currency, aging.Total, len(aging.Customers))
	}

	code, out, _ = runCLI(t, url, "report", "kpis", "--from", "2013-04-01", "--to", "2013-06-30", "--format", "json")
	if code != 0 {
		t.Fatalf("kpis exit %d", code)
	}
	var kpis map[string]any
	if err := json.Unmarshal([]byte(out), &kpis); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"dso", "best_possible_dso", "add", "cei", "credit_sales", "opening_ar", "closing_ar"} {
		if _, ok := kpis[key]; !ok {
			t.Errorf("kpis JSON has no %q", key)
		}
	}
	if kpis["closing_ar"] != "5119.85" {
		t.Errorf("closing_ar = %v, want 5119.85", kpis["closing_ar"])
	}

	code, out, _ = runCLI(t, url, "report", "statement", "--customer", "0379-NEVHP", "--as-of", "2013-06-30", "--format", "csv")
	if code != 0 || !strings.HasPrefix(out, "date,kind,reference,amount,balance\n") {
		t.Errorf("statement CSV exit %d:\n%s", code, out)
	}
}

func TestImportInvalidFileExitsNonZero(t *testing.T) {
	t.Parallel()
	url := dbtest.URL(t)
	code, out, _ := runCLI(t, url, "import", "--preset", "xero", "../../billing/importer/testdata/xero-sales-invoice-mock-sample.csv")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(out, "DueDate: due date") || !strings.Contains(out, "nothing written") {
		t.Errorf("output %q, want the DueDate problems and nothing written", out)
	}
}
