package templates

import "testing"

func TestPossessiveSuffix(t *testing.T) {
	cases := map[string]string{"Northwind Traders": "’", "Contoso Supply Co.": "’s", "Globex": "’s", "ACME WIDGETS": "’"}
	for account, want := range cases {
		if got := (Base{Account: account}).PossessiveSuffix(); got != want {
			t.Errorf("PossessiveSuffix of %q = %q, want %q", account, got, want)
		}
	}
}
