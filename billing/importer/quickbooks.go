package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ledgvero/ledgvero/billing"
)

// quickbooksPreset reads the CSV export of QuickBooks Online's "Invoice List"
// report: one row per invoice. Title lines above the header (report name,
// company, date range) and the TOTAL line at the end are skipped. Dates are
// MM/DD/YYYY; amounts may carry "$" and thousands separators.
//
// Columns read: Date, Num (or "No." or "Invoice No."), Customer, Due Date and
// Amount are required; Open Balance, Currency, P.O. Number and Memo (or
// Description, stored as the line text) are optional. When Open Balance is
// below Amount, the difference is recorded as a payment dated the day of the
// first import that sees it, because the report does not say when it was paid.
// Later imports keep that date. An Open Balance above Amount is rejected. Other columns (Terms, Status, Transaction Type, ...) are
// accepted and not stored.
//
// Customers are keyed "quickbooks:" plus Customer and invoices "quickbooks:" plus
// the number; payments "quickbooks:payment:" plus the number.
type quickbooksPreset struct {
	opts     *Options
	cols     columns
	numberOf string
}

func (p *quickbooksPreset) readHeader(cr *csv.Reader) ([]string, error) {
	for range 20 {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the header: %w", err)
		}
		cols := bindColumns(rec)
		if !cols.has("Customer") || !cols.has("Date") {
			continue
		}
		for _, n := range []string{"Num", "No.", "Invoice No."} {
			if cols.has(n) {
				p.numberOf = n
			}
		}
		if p.numberOf == "" {
			p.numberOf = "Num"
		}
		p.cols = cols
		return append([]string(nil), rec...), cols.require("quickbooks", "Date", p.numberOf, "Customer", "Due Date", "Amount")
	}
	return nil, errors.New("quickbooks preset: no header row with Date, Num, Customer, Due Date and Amount in the first 20 lines: export the Invoice List report as CSV")
}

func (p *quickbooksPreset) skip(rec []string) bool {
	if blankRecord(rec) {
		return true
	}
	first := strings.ToUpper(strings.TrimSpace(rec[0]))
	return strings.HasPrefix(first, "TOTAL")
}

func (p *quickbooksPreset) names() columnNames {
	return columnNames{customer: "Customer", invoice: p.numberOf, payment: "Open Balance", currency: "Currency"}
}

func (p *quickbooksPreset) parse(rec []string) ([]stagedRow, []Problem) {
	var c rowCheck
	cols := p.cols
	customer := c.required(cols, rec, "Customer")
	number := c.required(cols, rec, p.numberOf)
	issue := c.date(c.required(cols, rec, "Date"), "Date", layoutMDY)
	due := c.date(c.required(cols, rec, "Due Date"), "Due Date", layoutMDY)
	currency := c.currency(cols.get(rec, "Currency"), "Currency", p.opts.DefaultCurrency)
	amount := c.money(c.required(cols, rec, "Amount"), "Amount", currency)
	open := c.money(cols.get(rec, "Open Balance"), "Open Balance", currency)
	c.checkDue(issue, due, "Due Date")
	if amount != nil && open != nil && *open > *amount {
		c.fail("Open Balance", "open balance is larger than the amount")
	}
	if len(c.problems) > 0 {
		return nil, c.problems
	}

	description := cols.get(rec, "Memo")
	if description == "" {
		description = cols.get(rec, "Description")
	}
	if description == "" {
		description = "Invoice " + number
	}
	ext := "quickbooks:" + number
	row := stagedRow{
		kind: kindInvoice, key: ext, wholeRow: true,
		customerExt: "quickbooks:" + customer, customerName: customer, currency: currency,
		invoiceExt: ext, invoiceNumber: number, poNumber: cols.get(rec, "P.O. Number"), issueDate: issue, dueDate: due,
		lineDescription: description, quantityMilli: ptr(int64(1000)), unitPrice: amount, lineAmount: amount, tax: ptr(int64(0)),
	}
	if open != nil && *open < *amount {
		row.paymentExt = "quickbooks:payment:" + number
		row.paidOn = p.opts.Today
		row.paidOnGuessed = true
		row.paymentAmount = ptr(*amount - *open)
		row.method = billing.MethodOther
		row.paymentInvoiceExt = ext
	}
	row.content = hashFields(customer, number, issue.String(), due.String(), currency, ptrString(amount), ptrString(open), row.poNumber, description)
	return []stagedRow{row}, nil
}

func (p *quickbooksPreset) invoiceKey(rec []string) string {
	if n := p.cols.get(rec, p.numberOf); n != "" {
		return "quickbooks:" + n
	}
	return ""
}

func (p *quickbooksPreset) numberMayDiffer() bool { return false }
