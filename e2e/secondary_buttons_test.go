//go:build e2e

package e2e

import (
	"testing"

	"github.com/mxschmitt/playwright-go"
)

// backgroundOf returns the computed background colour of the element, such as
// "rgb(255, 255, 255)".
func backgroundOf(t *testing.T, l playwright.Locator) string {
	t.Helper()
	v, err := l.Evaluate("el => getComputedStyle(el).backgroundColor", nil)
	if err != nil {
		t.Fatal(err)
	}
	return v.(string)
}

func TestSecondaryButtonsLookSecondary(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	page := NewPage(t)
	DebtorSignIn(t, page, s, "ap@northwind.example")

	primary := backgroundOf(t, ByTestID(page, "statement-pay"))
	for _, id := range []string{"statement-pdf", "statement-csv", "propose-plan"} {
		if got := backgroundOf(t, ByTestID(page, id)); got == primary {
			t.Errorf("%s has the primary background %s", id, got)
		}
	}
	if got := backgroundOf(t, ByTestID(page, "statement-pdf")); got != "rgb(255, 255, 255)" {
		t.Errorf("secondary link background = %s, want white", got)
	}
}
