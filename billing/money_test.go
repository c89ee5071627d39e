package billing_test

import (
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

func TestParseMoney(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, currency string
		want         int64
		wantErr      bool
	}{
		{"1234.50", "USD", 123450, false},
		{"1,234.5", "USD", 123450, false},
		{"0.01", "USD", 1, false},
		{".5", "USD", 50, false},
		{"-12.30", "USD", -1230, false},
		{"1500", "JPY", 1500, false},
		{"1500.5", "JPY", 0, true},
		{"1.234", "KWD", 1234, false},
		{"1.2345", "KWD", 0, true},
		{"1.234", "USD", 0, true},
		{"12a", "USD", 0, true},
		{"", "USD", 0, true},
		{".", "USD", 0, true},
		{"10", "ZZZ", 0, true},
		{"1234567890123456", "USD", 0, true},
	}
	for _, c := range cases {
		got, err := billing.ParseMoney(c.in, c.currency)
		if (err != nil) != c.wantErr {
			t.Errorf("ParseMoney(%q, %s) error = %v, want error %v", c.in, c.currency, err, c.wantErr)
			continue
		}
		if err == nil && got.Amount != c.want {
			t.Errorf("ParseMoney(%q, %s) = %d, want %d", c.in, c.currency, got.Amount, c.want)
		}
	}
}

func TestMoneyFormat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		m                billing.Money
		decimal, display string
	}{
		{billing.Money{Amount: 123450, Currency: "USD"}, "1234.50", "$1,234.50"},
		{billing.Money{Amount: -5, Currency: "USD"}, "-0.05", "-$0.05"},
		{billing.Money{Amount: 0, Currency: "EUR"}, "0.00", "€0.00"},
		{billing.Money{Amount: 1234567, Currency: "JPY"}, "1234567", "¥1,234,567"},
		{billing.Money{Amount: 1234, Currency: "KWD"}, "1.234", "1.234 KWD"},
	}
	for _, c := range cases {
		if got := c.m.Decimal(); got != c.decimal {
			t.Errorf("%v.Decimal() = %q, want %q", c.m, got, c.decimal)
		}
		if got := c.m.String(); got != c.display {
			t.Errorf("%v.String() = %q, want %q", c.m, got, c.display)
		}
	}
}

func TestMoneyPercentRoundsHalfAway(t *testing.T) {
	t.Parallel()
	cases := []struct {
		amount, bp, want int64
		currency         string
	}{
		{10000, 200, 200, "USD"},     // 2% of 100.00
		{125, 1000, 13, "USD"},       // 12.5 cents rounds up
		{-125, 1000, -13, "USD"},     // and away from zero when negative
		{124, 1000, 12, "USD"},       // 12.4 cents rounds down
		{105, 5000, 53, "JPY"},       // 52.5 yen rounds up
		{333, 3333, 111, "USD"},      // 110.9889 cents
		{1, 5000, 1, "USD"},          // half a cent rounds up
		{1, 4999, 0, "USD"},          // just under half rounds down
		{99999, 10000, 99999, "USD"}, // 100% is the whole amount
	}
	for _, c := range cases {
		got := billing.Money{Amount: c.amount, Currency: c.currency}.Percent(c.bp)
		if got.Amount != c.want {
			t.Errorf("%d × %d bp = %d, want %d", c.amount, c.bp, got.Amount, c.want)
		}
	}
}

func TestMoneySplitRemainderFirst(t *testing.T) {
	t.Parallel()
	cases := []struct {
		amount   int64
		currency string
		n        int
		want     []int64
	}{
		{100000, "USD", 3, []int64{33334, 33333, 33333}},
		{547, "USD", 3, []int64{183, 182, 182}},
		{1000, "JPY", 3, []int64{334, 333, 333}},
		{2, "USD", 3, []int64{2, 0, 0}},
		{100, "USD", 1, []int64{100}},
		{101, "USD", 2, []int64{51, 50}},
	}
	for _, c := range cases {
		got := billing.Money{Amount: c.amount, Currency: c.currency}.Split(c.n)
		var sum int64
		for i, m := range got {
			sum += m.Amount
			if i < len(c.want) && m.Amount != c.want[i] {
				t.Errorf("split %d in %d: share %d = %d, want %d", c.amount, c.n, i, m.Amount, c.want[i])
			}
		}
		if sum != c.amount {
			t.Errorf("split %d in %d sums to %d", c.amount, c.n, sum)
		}
	}
	if got := (billing.Money{Amount: 100, Currency: "USD"}).Split(0); got != nil {
		t.Errorf("split in 0 = %v, want nil", got)
	}
}

func TestSafeCSVCell(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"=SUM(A1:A2)": "'=SUM(A1:A2)",
		"+1":          "'+1",
		"-2+3":        "'-2+3",
		"@cmd":        "'@cmd",
		" =1":         "' =1",
		"Acme":        "Acme",
		"":            "",
		"a=b":         "a=b",
	}
	for in, want := range cases {
		if got := billing.SafeCSVCell(in); got != want {
			t.Errorf("SafeCSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}
