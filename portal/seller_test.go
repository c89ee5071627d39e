package portal

import (
	"context"
	"strings"
	"testing"
)

func TestPortalNamesSeller(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.customer(t, "Northwind Traders", "ap@northwind.example")

	_, body := get(t, ts.client(), ts.URL, "/portal/login")
	if !strings.Contains(body, `data-testid="seller-name">Ledgvero<`) || !strings.Contains(body, "<title>Sign in · Ledgvero</title>") {
		t.Error("without an organization the portal is not named Ledgvero")
	}

	_, err := ts.pool.Exec(context.Background(), `INSERT INTO organization (name, timezone, currency, address, remit_to)
		VALUES ('Acme Industrial Supply', 'America/New_York', 'USD', '', '')`)
	if err != nil {
		t.Fatal(err)
	}
	_, body = get(t, ts.client(), ts.URL, "/portal/login")
	if !strings.Contains(body, "<title>Sign in · Acme Industrial Supply</title>") {
		t.Error("sign-in page title does not name the seller")
	}

	_, body = get(t, ts.signIn(t, "ap@northwind.example"), ts.URL, "/portal/")
	if !strings.Contains(body, `data-testid="seller-name">Acme Industrial Supply<`) {
		t.Error("portal header does not name the seller")
	}
	if !strings.Contains(body, "<strong>Northwind Traders</strong>’ account with Acme Industrial Supply") {
		t.Error("portal header does not name the account and the seller")
	}
	if !strings.Contains(body, "<title>Statement · Northwind Traders’ account with Acme Industrial Supply</title>") {
		t.Error("statement title does not name the account and the seller")
	}
}
