//go:build e2e

package e2e

import (
	"math"
	"testing"

	"github.com/mxschmitt/playwright-go"
)

// checkPhoneHeader checks the header of the open page at phone width: nothing
// overflows sideways, Sign out sits on the brand's row, and the rows below
// start under it.
func checkPhoneHeader(t *testing.T, page playwright.Page, below string) {
	t.Helper()
	width, err := page.Evaluate(`() => document.documentElement.scrollWidth`)
	Must(t, err)
	if w, ok := width.(int); !ok || w > 390 {
		t.Errorf("page is %v px wide at a 390 px viewport", width)
	}

	box := func(l playwright.Locator) *playwright.Rect {
		t.Helper()
		b, err := l.BoundingBox()
		Must(t, err)
		if b == nil {
			t.Fatal("header element is not visible")
		}
		return b
	}
	brand := box(page.Locator("header.top .brand"))
	signOut := box(page.Locator("header.top button"))
	if math.Abs((brand.Y+brand.Height/2)-(signOut.Y+signOut.Height/2)) > 6 {
		t.Errorf("Sign out (y %.0f) is not on the brand's row (y %.0f)", signOut.Y, brand.Y)
	}
	if signOut.X+signOut.Width > 390 {
		t.Errorf("Sign out ends at x %.0f, past the 390 px viewport", signOut.X+signOut.Width)
	}
	next := box(page.Locator(below))
	if next.Y < signOut.Y+signOut.Height {
		t.Errorf("%s (y %.0f) overlaps the first row, which ends at y %.0f", below, next.Y, signOut.Y+signOut.Height)
	}
}

func TestPhoneHeaderFits(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	page := NewPage(t)
	Must(t, page.SetViewportSize(390, 844))

	DebtorSignIn(t, page, s, "ap@northwind.example")
	Must(t, Expect().Locator(ByTestID(page, "statement-title")).ToBeVisible())
	checkPhoneHeader(t, page, "header.top .account")

	StaffSignIn(t, page, s, AdminEmail, AdminPassword)
	Must(t, Expect().Locator(ByTestID(page, "dashboard-title")).ToBeVisible())
	checkPhoneHeader(t, page, "header.top nav")
}
