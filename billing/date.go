package billing

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// Date is a calendar date with no time of day or zone, such as a due date. Dates
// that mean "a day" are never time.Time at midnight UTC, because that instant is
// the previous day in the seller's zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date, normalizing overflow as time.Date does.
func NewDate(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 12, 0, 0, 0, time.UTC))
}

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// Today returns the calendar date of now in loc, the seller's time zone.
func Today(now time.Time, loc *time.Location) Date {
	return DateOf(now.In(loc))
}

// ParseDate parses an ISO date "YYYY-MM-DD" and rejects impossible ones such as Feb 30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: use YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// ParseDateLayout parses s with a Go time layout such as "1/2/2006" (M/D/YYYY) or
// "2/1/2006" (D/M/YYYY) and rejects impossible dates such as Feb 30.
func ParseDateLayout(s, layout string) (Date, error) {
	t, err := time.Parse(layout, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: use %s", s, layoutHint(layout))
	}
	return DateOf(t), nil
}

// layoutHint spells a Go date layout the way people write it, for error messages.
func layoutHint(layout string) string {
	switch layout {
	case "1/2/2006":
		return "M/D/YYYY"
	case "2/1/2006":
		return "D/M/YYYY"
	case "2006-01-02":
		return "YYYY-MM-DD"
	}
	return layout
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string {
	// Built by hand: imports format millions of dates, and fmt.Sprintf cost
	// more than parsing them.
	b := make([]byte, 0, 10)
	b = appendPadded(b, d.Year, 4)
	b = append(b, '-')
	b = appendPadded(b, int(d.Month), 2)
	b = append(b, '-')
	b = appendPadded(b, d.Day, 2)
	return string(b)
}

// appendPadded appends n in decimal with leading zeros up to width digits.
func appendPadded(b []byte, n, width int) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
		width--
	}
	for p, w := 1, 1; w < width; w++ {
		p *= 10
		if n < p {
			b = append(b, '0')
		}
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d.Year == 0 && d.Month == 0 && d.Day == 0 }

// Time returns noon UTC of the date, a stable instant for arithmetic and for pgx,
// which stores only the date part in a date column.
func (d Date) Time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
}

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date {
	return DateOf(d.Time().AddDate(0, 0, n))
}

// DaysSince returns the number of days from o to d, negative when d is earlier.
func (d Date) DaysSince(o Date) int {
	return int(d.Time().Sub(o.Time()).Hours() / 24)
}

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.DaysSince(o) < 0 }

// After reports whether d is later than o.
func (d Date) After(o Date) bool { return d.DaysSince(o) > 0 }

// Format formats the date for people, as in "Jan 2, 2006".
func (d Date) Format() string { return d.Time().Format("Jan 2, 2006") }

// ScanDate lets pgx scan a PostgreSQL date column straight into a Date.
func (d *Date) ScanDate(v pgtype.Date) error {
	if !v.Valid {
		*d = Date{}
		return nil
	}
	*d = DateOf(v.Time)
	return nil
}

// DateValue lets pgx write a Date to a PostgreSQL date column; the zero Date is NULL.
func (d Date) DateValue() (pgtype.Date, error) {
	if d.IsZero() {
		return pgtype.Date{}, nil
	}
	return pgtype.Date{Time: time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC), Valid: true}, nil
}
