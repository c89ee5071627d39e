package importer

import (
	"encoding/csv"
	"strings"
)

// xeroPreset reads Xero's sales-invoice import layout: one row per invoice line,
// and rows with the same InvoiceNumber form one invoice. Dates are D/M/YYYY.
//
// Columns read (a leading '*' in the header, Xero's mark of a required column,
// is ignored): ContactName, InvoiceNumber, InvoiceDate, DueDate, Description,
// Quantity and UnitAmount are required; EmailAddress (becomes the customer's
// billing contact), Reference (stored as the PO number), Discount (a line
// percentage), TaxAmount (the line's tax) and Currency (the default currency
// when empty) are optional. Address, InventoryItemCode, AccountCode, TaxType,
// tracking and BrandingTheme columns are accepted and not stored; Total is
// ignored because the invoice total is computed from the lines.
//
// Customers are keyed "xero:" plus ContactName and invoices "xero:" plus
// InvoiceNumber; the invoice's number is InvoiceNumber.
type xeroPreset struct {
	opts *Options
	cols columns
}

var xeroRequired = []string{"ContactName", "InvoiceNumber", "InvoiceDate", "DueDate", "Description", "Quantity", "UnitAmount"}

func (p *xeroPreset) readHeader(cr *csv.Reader) ([]string, error) {
	header, cols, err := readFirstHeader(cr, "xero", xeroRequired...)
	p.cols = cols
	return header, err
}

func (p *xeroPreset) skip(rec []string) bool { return blankRecord(rec) }

func (p *xeroPreset) names() columnNames {
	return columnNames{customer: "ContactName", invoice: "InvoiceNumber", payment: "", currency: "Currency"}
}

func (p *xeroPreset) parse(rec []string) ([]stagedRow, []Problem) {
	var c rowCheck
	cols := p.cols
	contact := c.required(cols, rec, "ContactName")
	number := c.required(cols, rec, "InvoiceNumber")
	issue := c.date(c.required(cols, rec, "InvoiceDate"), "InvoiceDate", layoutDMY)
	due := c.date(c.required(cols, rec, "DueDate"), "DueDate", layoutDMY)
	description := c.required(cols, rec, "Description")
	currency := c.currency(cols.get(rec, "Currency"), "Currency", p.opts.DefaultCurrency)
	qty := c.quantity(c.required(cols, rec, "Quantity"), "Quantity")
	unit := c.money(c.required(cols, rec, "UnitAmount"), "UnitAmount", currency)
	discount := c.percentBP(cols.get(rec, "Discount"), "Discount")
	tax := c.money(cols.get(rec, "TaxAmount"), "TaxAmount", currency)
	email := cols.get(rec, "EmailAddress")
	if email != "" && !strings.Contains(email, "@") {
		c.fail("EmailAddress", "invalid e-mail address "+email+": expected an address such as ap@example.com")
	}
	c.checkDue(issue, due, "DueDate")
	if len(c.problems) > 0 {
		return nil, c.problems
	}
	if tax == nil {
		tax = ptr(int64(0))
	}

	customerExt := "xero:" + contact
	ext := "xero:" + number
	reference := cols.get(rec, "Reference")
	row := stagedRow{
		kind: kindInvoice, key: ext,
		customerExt: customerExt, customerName: contact, currency: currency,
		invoiceExt: ext, invoiceNumber: number, poNumber: reference, issueDate: issue, dueDate: due,
		lineDescription: description, quantityMilli: &qty, unitPrice: unit,
		lineAmount: ptr(lineAmount(qty, *unit, currency, discount)), tax: tax,
		content: hashFields(contact, number, reference, issue.String(), due.String(), currency),
	}
	rows := []stagedRow{row}
	if email != "" {
		rows = append(rows, stagedRow{
			kind: kindContact, key: customerExt + "|" + strings.ToLower(email), wholeRow: true,
			customerExt: customerExt, customerName: contact, currency: currency,
			contactName: contact, contactEmail: email, contactRoles: []string{"billing"}, receivesReminders: ptr(true),
			content: hashFields(customerExt, strings.ToLower(email)),
		})
	}
	return rows, nil
}

func (p *xeroPreset) invoiceKey(rec []string) string {
	if n := p.cols.get(rec, "InvoiceNumber"); n != "" {
		return "xero:" + n
	}
	return ""
}

func (p *xeroPreset) numberMayDiffer() bool { return false }
