package billing

import (
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in a currency's minor units (cents for USD, yen for JPY).
// Floats never hold money anywhere in Ledgvero.
type Money struct {
	Amount   int64
	Currency string
}

// minorDigits lists the ISO 4217 minor-unit exponent of the currencies Ledgvero accepts.
var minorDigits = map[string]int{
	"USD": 2, "CAD": 2, "EUR": 2, "GBP": 2, "AUD": 2, "NZD": 2, "CHF": 2, "MXN": 2,
	"SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "SGD": 2, "HKD": 2, "INR": 2,
	"ZAR": 2, "BRL": 2, "CNY": 2, "ILS": 2, "AED": 2,
	"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0,
	"BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3,
}

// currencySymbols lists display prefixes; other currencies show their code.
var currencySymbols = map[string]string{"USD": "$", "CAD": "CA$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$"}

// MinorDigits returns the number of decimals of currency and whether it is known.
func MinorDigits(currency string) (int, bool) {
	d, ok := minorDigits[currency]
	return d, ok
}

// Currencies returns the ISO 4217 codes Ledgvero accepts with their number of
// decimals (minor-unit exponent), for code that needs the whole table, such as SQL
// that converts amounts in bulk.
func Currencies() map[string]int {
	out := make(map[string]int, len(minorDigits))
	for code, digits := range minorDigits {
		out[code] = digits
	}
	return out
}

// ValidCurrency reports whether currency is an ISO 4217 code Ledgvero accepts.
func ValidCurrency(currency string) bool {
	_, ok := minorDigits[currency]
	return ok
}

// ParseMoney parses a decimal amount in major units such as "1234.50" or "1,234.5".
// It rejects unknown currencies and more decimals than the currency has, and never
// rounds, because a silently rounded amount is a wrong amount.
func ParseMoney(s, currency string) (Money, error) {
	digits, ok := minorDigits[currency]
	if !ok {
		return Money{}, fmt.Errorf("unknown currency %q: use an ISO 4217 code such as USD", currency)
	}
	raw := strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	if raw == "" {
		return Money{}, fmt.Errorf("missing amount")
	}
	neg := false
	if raw[0] == '-' || raw[0] == '+' {
		neg = raw[0] == '-'
		raw = raw[1:]
	}
	whole, frac, hasDot := strings.Cut(raw, ".")
	if whole == "" && frac == "" || hasDot && frac == "" && whole == "" {
		return Money{}, fmt.Errorf("invalid amount %q", s)
	}
	if len(frac) > digits {
		return Money{}, fmt.Errorf("amount %q has %d decimals but %s has %d", s, len(frac), currency, digits)
	}
	for _, part := range []string{whole, frac} {
		for _, r := range part {
			if r < '0' || r > '9' {
				return Money{}, fmt.Errorf("invalid amount %q", s)
			}
		}
	}
	frac += strings.Repeat("0", digits-len(frac))
	if whole == "" {
		whole = "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || len(whole) > 15 {
		return Money{}, fmt.Errorf("amount %q is too large", s)
	}
	if neg {
		n = -n
	}
	return Money{Amount: n, Currency: currency}, nil
}

// Decimal formats the amount in major units without grouping, as in "1234.50";
// it is the form used in CSV and JSON.
func (m Money) Decimal() string {
	digits := minorDigits[m.Currency]
	return formatMinor(m.Amount, digits, "")
}

// String formats the amount for people, as in "$1,234.50" or "1,234.500 KWD".
func (m Money) String() string {
	digits := minorDigits[m.Currency]
	s := formatMinor(m.Amount, digits, ",")
	if sym, ok := currencySymbols[m.Currency]; ok {
		if strings.HasPrefix(s, "-") {
			return "-" + sym + s[1:]
		}
		return sym + s
	}
	return s + " " + m.Currency
}

func formatMinor(amount int64, digits int, group string) string {
	neg := amount < 0
	u := uint64(amount)
	if neg {
		u = uint64(-amount)
	}
	s := strconv.FormatUint(u, 10)
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	whole, frac := s[:len(s)-digits], s[len(s)-digits:]
	if group != "" {
		var b strings.Builder
		for i, r := range whole {
			if i > 0 && (len(whole)-i)%3 == 0 {
				b.WriteString(group)
			}
			b.WriteRune(r)
		}
		whole = b.String()
	}
	out := whole
	if digits > 0 {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// Add returns m+o. Both must be in the same currency; mixing currencies is a bug.
func (m Money) Add(o Money) Money {
	mustSameCurrency(m, o)
	return Money{Amount: m.Amount + o.Amount, Currency: m.Currency}
}

// Sub returns m-o in the same currency.
func (m Money) Sub(o Money) Money {
	mustSameCurrency(m, o)
	return Money{Amount: m.Amount - o.Amount, Currency: m.Currency}
}

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Amount == 0 }

func mustSameCurrency(a, b Money) {
	if a.Currency != b.Currency {
		panic(fmt.Sprintf("billing: mixing currencies %s and %s", a.Currency, b.Currency))
	}
}

// Percent returns rateBP basis points (1/100 of a percent) of m, rounded half away
// from zero to the minor unit.
func (m Money) Percent(rateBP int64) Money {
	return Money{Amount: divRoundHalfAway(m.Amount*rateBP, 10000), Currency: m.Currency}
}

// divRoundHalfAway divides a by b (b > 0) rounding half away from zero.
func divRoundHalfAway(a, b int64) int64 {
	q, r := a/b, a%b
	if r < 0 {
		r = -r
	}
	if 2*r >= b {
		if a < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

// Split divides m into n shares that sum exactly to m; the remainder of the division
// goes to the first share, so 1000.00 in 3 is 333.34, 333.33, 333.33.
func (m Money) Split(n int) []Money {
	if n <= 0 {
		return nil
	}
	base, rem := m.Amount/int64(n), m.Amount%int64(n)
	out := make([]Money, n)
	for i := range out {
		out[i] = Money{Amount: base, Currency: m.Currency}
	}
	out[0].Amount += rem
	return out
}
