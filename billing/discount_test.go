package billing_test

import (
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

func TestEarlyPaymentDiscount(t *testing.T) {
	t.Parallel()
	until := billing.NewDate(2026, 3, 11)
	money := func(minor int64, cur string) billing.Money { return billing.Money{Amount: minor, Currency: cur} }
	tests := []struct {
		name        string
		total, open billing.Money
		rateBP      int64
		until       billing.Date
		initiated   billing.Date
		want        billing.Money
	}{
		{"inside window", money(248000, "USD"), money(248000, "USD"), 200, until, until.AddDays(-3), money(4960, "USD")},
		{"last day of window", money(248000, "USD"), money(248000, "USD"), 200, until, until, money(4960, "USD")},
		{"day after window", money(248000, "USD"), money(248000, "USD"), 200, until, until.AddDays(1), money(0, "USD")},
		{"no window stored", money(248000, "USD"), money(248000, "USD"), 200, billing.Date{}, until, money(0, "USD")},
		{"zero rate", money(248000, "USD"), money(248000, "USD"), 0, until, until, money(0, "USD")},
		{"rate of original total after partial payment", money(100000, "USD"), money(40000, "USD"), 200, until, until, money(2000, "USD")},
		{"capped at open balance", money(100000, "USD"), money(1500, "USD"), 200, until, until, money(1500, "USD")},
		{"nothing open", money(100000, "USD"), money(0, "USD"), 200, until, until, money(0, "USD")},
		{"half cent rounds away from zero", money(12525, "USD"), money(12525, "USD"), 200, until, until, money(251, "USD")},
		{"yen has no minor unit", money(123457, "JPY"), money(123457, "JPY"), 150, until, until, money(1852, "JPY")},
		{"three-decimal currency", money(1000005, "KWD"), money(1000005, "KWD"), 250, until, until, money(25000, "KWD")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := billing.EarlyPaymentDiscount(tt.total, tt.open, tt.rateBP, tt.until, tt.initiated)
			if got != tt.want {
				t.Errorf("EarlyPaymentDiscount = %d %s, want %d %s", got.Amount, got.Currency, tt.want.Amount, tt.want.Currency)
			}
		})
	}
}

func TestDiscountInWords(t *testing.T) {
	t.Parallel()
	until := billing.NewDate(2026, 11, 24)
	total := billing.Money{Amount: 614000, Currency: "USD"}
	tests := []struct {
		name   string
		open   billing.Money
		rateBP int64
		until  billing.Date
		today  billing.Date
		want   string
	}{
		{"window open", total, 200, until, until.AddDays(-5), "Pay the whole balance by Nov 24, 2026 to save 2% ($122.80)."},
		{"last day of window", total, 200, until, until, "Pay the whole balance by Nov 24, 2026 to save 2% ($122.80)."},
		{"window passed", total, 200, until, until.AddDays(10), "2% discount if paid by Nov 24, 2026 (expired)."},
		{"long overdue", total, 150, until, until.AddDays(70), "1.5% discount if paid by Nov 24, 2026 (expired)."},
		{"nothing open in window", billing.Money{Currency: "USD"}, 200, until, until, "2% discount if paid by Nov 24, 2026."},
		{"capped at open balance", billing.Money{Amount: 5000, Currency: "USD"}, 200, until, until, "Pay the whole balance by Nov 24, 2026 to save 2% ($50.00)."},
		{"no discount", total, 0, until, until, ""},
		{"no window", total, 200, billing.Date{}, until, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := billing.DiscountInWords(total, tt.open, tt.rateBP, tt.until, tt.today)
			if got != tt.want {
				t.Errorf("DiscountInWords = %q, want %q", got, tt.want)
			}
		})
	}
}
