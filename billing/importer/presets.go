package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ledgvero/ledgvero/billing"
)

// preset reads one file layout.
type preset interface {
	// readHeader reads up to and including the header record and binds its columns.
	readHeader(cr *csv.Reader) ([]string, error)
	// skip reports records that carry no data, such as blank lines or total rows.
	skip(rec []string) bool
	// parse checks one record and converts it to staged rows, or returns its problems.
	parse(rec []string) ([]stagedRow, []Problem)
	// names returns the preset's column names for problems found across rows.
	names() columnNames
	// invoiceKey returns the invoice external id a record would have, or "" when
	// the record is no invoice or the id cannot be read.
	invoiceKey(rec []string) string
	// numberMayDiffer reports whether an invoice's number can differ from the key
	// its external id is built from, so one number could name two invoices.
	numberMayDiffer() bool
}

// columnNames are the header names a preset uses for the keys of staged rows.
type columnNames struct {
	customer, invoice, payment, currency string
}

func newPreset(name string, opts *Options) (preset, error) {
	switch name {
	case "ledgvero":
		return &ledgveroPreset{}, nil
	case "xero":
		return &xeroPreset{opts: opts}, nil
	case "quickbooks":
		return &quickbooksPreset{opts: opts}, nil
	case "ibm-ar":
		return &ibmPreset{}, nil
	}
	return nil, fmt.Errorf("unknown preset %q: use one of %s", name, strings.Join(Presets(), ", "))
}

// readFirstHeader reads the first record as the header and checks the required columns.
func readFirstHeader(cr *csv.Reader, preset string, required ...string) ([]string, columns, error) {
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("%s preset: the file is empty: expected a header row", preset)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading the header: %w", err)
	}
	header := append([]string(nil), rec...)
	cols := bindColumns(header)
	return header, cols, cols.require(preset, required...)
}

func blankRecord(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// rowCheck collects the problems of one record while its fields are converted.
type rowCheck struct {
	problems []Problem
}

func (c *rowCheck) fail(column, reason string) {
	c.problems = append(c.problems, Problem{Column: column, Reason: reason})
}

func (c *rowCheck) required(cols columns, rec []string, name string) string {
	v := cols.get(rec, name)
	if v == "" {
		c.fail(name, "missing value")
	}
	return v
}

func (c *rowCheck) date(value, column, layout string) billing.Date {
	if value == "" {
		return billing.Date{}
	}
	d, err := billing.ParseDateLayout(value, layout)
	if err != nil {
		c.fail(column, fmt.Sprintf("invalid or impossible date %q: expected %s", value, layoutName(layout)))
		return billing.Date{}
	}
	if d.Year < 1900 || d.Year > 2200 {
		c.fail(column, fmt.Sprintf("date %q is outside 1900-2200", value))
	}
	return d
}

func layoutName(layout string) string {
	switch layout {
	case layoutMDY:
		return "M/D/YYYY"
	case layoutDMY:
		return "D/M/YYYY"
	}
	return "YYYY-MM-DD"
}

// Date layouts of the presets.
const (
	layoutMDY = "1/2/2006"
	layoutDMY = "2/1/2006"
	layoutISO = "2006-01-02"
)

// money parses a non-negative amount in major units with at most the currency's decimals.
func (c *rowCheck) money(value, column, currency string) *int64 {
	if value == "" || !billing.ValidCurrency(currency) {
		return nil
	}
	v := strings.TrimPrefix(strings.ReplaceAll(value, "$", ""), " ")
	m, err := billing.ParseMoney(v, currency)
	if err != nil {
		c.fail(column, fmt.Sprintf("invalid amount %q: %v", value, trimMoneyError(err)))
		return nil
	}
	if m.Amount < 0 {
		c.fail(column, fmt.Sprintf("negative amount %q: import credits as credit notes or payments", value))
		return nil
	}
	return &m.Amount
}

func trimMoneyError(err error) string {
	return strings.TrimPrefix(err.Error(), "invalid amount ")
}

func (c *rowCheck) currency(value, column, fallback string) string {
	cur := strings.ToUpper(value)
	if cur == "" {
		cur = fallback
	}
	if !billing.ValidCurrency(cur) {
		c.fail(column, fmt.Sprintf("unknown currency %q: use an ISO 4217 code such as USD", value))
	}
	return cur
}

// quantity parses a positive quantity with at most three decimals into thousandths.
func (c *rowCheck) quantity(value, column string) int64 {
	if value == "" {
		return 1000
	}
	m, err := billing.ParseMoney(value, "BHD") // BHD has three decimals, the quantity's precision
	if err != nil || m.Amount <= 0 {
		c.fail(column, fmt.Sprintf("invalid quantity %q: use a positive number with at most 3 decimals", value))
		return 0
	}
	return m.Amount
}

// percentBP parses a percentage such as "12.5" into basis points.
func (c *rowCheck) percentBP(value, column string) int64 {
	if value == "" {
		return 0
	}
	m, err := billing.ParseMoney(strings.TrimSuffix(value, "%"), "USD")
	if err != nil || m.Amount < 0 || m.Amount > 10000 {
		c.fail(column, fmt.Sprintf("invalid percentage %q: use a number from 0 to 100 with at most 2 decimals", value))
		return 0
	}
	return m.Amount
}

func (c *rowCheck) yesNo(value, column string) *bool {
	switch strings.ToLower(value) {
	case "", "no", "n", "false", "0":
		f := false
		return &f
	case "yes", "y", "true", "1":
		t := true
		return &t
	}
	c.fail(column, fmt.Sprintf("invalid value %q: use Yes or No", value))
	return nil
}

func (c *rowCheck) integer(value, column string) *int64 {
	if value == "" {
		return nil
	}
	n, err := strconv.ParseInt(value, 10, 32)
	if err != nil || n < 0 {
		c.fail(column, fmt.Sprintf("invalid number %q: use a whole number of 0 or more", value))
		return nil
	}
	return &n
}

// checkDue rejects a due date before the issue date.
func (c *rowCheck) checkDue(issue, due billing.Date, column string) {
	if !issue.IsZero() && !due.IsZero() && due.Before(issue) {
		c.fail(column, fmt.Sprintf("due date %s is before the issue date %s", due, issue))
	}
}

func ptr[T any](v T) *T { return &v }

// lineAmount returns quantity × unit price less a discount in basis points, each
// step rounded half away from zero to the minor unit.
func lineAmount(quantityMilli, unitPrice int64, currency string, discountBP int64) int64 {
	gross := billing.Line{QuantityMilli: quantityMilli, UnitPrice: billing.Money{Amount: unitPrice, Currency: currency}}.Amount()
	return gross.Sub(gross.Percent(discountBP)).Amount
}
